package pgserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Auth is how an Impostor asks for the password.
type Auth int

// The ways an Impostor asks for the password.
const (
	AuthCleartext   Auth = iota // AuthenticationCleartextPassword: the password itself comes back
	AuthMD5                     // AuthenticationMD5Password: a salted hash, open to replay and cracking
	AuthSCRAMNoPlus             // SASL offering SCRAM-SHA-256 only: no channel binding
	authCount
)

func (a Auth) String() string {
	return [...]string{"cleartext", "md5", "scram-sha-256 without channel binding"}[a]
}

// Impostor is a fake PostgreSQL server on loopback that asks every client for its password and
// records what it answers: what a machine in the middle, or at a mistyped address, would get. It
// answers each answer with "password authentication failed" (28P01).
type Impostor struct {
	Host string // "127.0.0.1"
	Port int

	listener net.Listener
	auth     Auth
	cert     *tls.Certificate // nil: refuses TLS

	mu       sync.Mutex
	received []string
	wg       sync.WaitGroup
}

// StartImpostor starts an Impostor asking as auth says; with tlsOn it accepts TLS with a
// self-signed certificate for 127.0.0.1 that no CA signed. It stops when the test ends.
func StartImpostor(t testing.TB, auth Auth, tlsOn bool) *Impostor {
	t.Helper()
	if auth < 0 || auth >= authCount {
		t.Fatalf("pgserver: no such Auth %d", auth)
	}
	im := &Impostor{auth: auth}
	if tlsOn {
		cert, err := selfSignedCert()
		if err != nil {
			t.Fatal(err)
		}
		im.cert = cert
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("pgserver: listener address %v is not TCP", l.Addr())
	}
	im.listener, im.Host, im.Port = l, "127.0.0.1", addr.Port
	var conns []net.Conn
	var connsMu sync.Mutex
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, conn)
			connsMu.Unlock()
			im.wg.Add(1)
			go func() {
				defer im.wg.Done()
				defer func() { _ = conn.Close() }()
				im.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		connsMu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		connsMu.Unlock()
		im.wg.Wait()
	})
	return im
}

// Addr is host:port.
func (im *Impostor) Addr() string { return net.JoinHostPort(im.Host, strconv.Itoa(im.Port)) }

// Received is what clients sent in answer to the request for the password, one entry per answer:
// the password message's text, or the SASL mechanism and first message.
func (im *Impostor) Received() []string {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.received...)
}

func (im *Impostor) serve(conn net.Conn) {
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	backend := pgproto3.NewBackend(conn, conn)
	msg, err := backend.ReceiveStartupMessage()
	if err != nil {
		return
	}
	if _, ok := msg.(*pgproto3.SSLRequest); ok {
		if im.cert == nil {
			_, _ = conn.Write([]byte{'N'})
			return
		}
		if _, err := conn.Write([]byte{'S'}); err != nil {
			return
		}
		tlsConn := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*im.cert}, MinVersion: tls.VersionTLS12})
		if err := tlsConn.Handshake(); err != nil {
			return
		}
		backend = pgproto3.NewBackend(tlsConn, tlsConn)
		if _, err := backend.ReceiveStartupMessage(); err != nil {
			return
		}
	}
	var authType uint32
	switch im.auth {
	case AuthCleartext:
		backend.Send(&pgproto3.AuthenticationCleartextPassword{})
		authType = pgproto3.AuthTypeCleartextPassword
	case AuthMD5:
		backend.Send(&pgproto3.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}})
		authType = pgproto3.AuthTypeMD5Password
	case AuthSCRAMNoPlus:
		backend.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
		authType = pgproto3.AuthTypeSASL
	}
	if err := backend.Flush(); err != nil {
		return
	}
	if err := backend.SetAuthType(authType); err != nil {
		return
	}
	answer, err := backend.Receive()
	if err != nil {
		return // the client hung up: it sent nothing
	}
	var got string
	switch a := answer.(type) {
	case *pgproto3.PasswordMessage:
		got = a.Password
	case *pgproto3.SASLInitialResponse:
		got = a.AuthMechanism + " " + string(a.Data)
	default:
		got = fmt.Sprintf("unexpected %T", answer)
	}
	im.mu.Lock()
	im.received = append(im.received, got)
	im.mu.Unlock()
	backend.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "28P01",
		Message: "password authentication failed"})
	_ = backend.Flush()
}

// selfSignedCert is a certificate for 127.0.0.1 that no CA signed.
func selfSignedCert() (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "impostor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
