package pgcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// impostor is a fake PostgreSQL server that asks for the password as auth says and records
// whatever the client answers: what a machine in the middle, or at a mistyped address, gets.
type impostor struct {
	cert *tls.Certificate // nil: refuses TLS

	mu       sync.Mutex
	received []string // what the client sent in answer to the request, one entry per answer
}

func (im *impostor) answers() []string {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.received...)
}

func (im *impostor) handle(auth pgproto3.BackendMessage, authType uint32) func(net.Conn) {
	return func(conn net.Conn) {
		var c net.Conn = conn
		backend := pgproto3.NewBackend(c, c)
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
			c = tlsConn
			backend = pgproto3.NewBackend(c, c)
			if _, err := backend.ReceiveStartupMessage(); err != nil {
				return
			}
		}
		backend.Send(auth)
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
}

// selfSigned is a certificate for 127.0.0.1 that no CA signed: what an impostor presents.
func selfSigned(t *testing.T) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "impostor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestCheckKeepsPasswordFromUnverifiedServer: a server whose identity the check does not verify
// gets no password it could keep or replay. Each impostor asks for the password in another way;
// the check refuses before answering, with a message naming what to set.
func TestCheckKeepsPasswordFromUnverifiedServer(t *testing.T) {
	t.Parallel()
	const password = "impostor-bait-9f4c2e"
	cert := selfSigned(t)
	cleartext := func() (pgproto3.BackendMessage, uint32) {
		return &pgproto3.AuthenticationCleartextPassword{}, pgproto3.AuthTypeCleartextPassword
	}
	md5 := func() (pgproto3.BackendMessage, uint32) {
		return &pgproto3.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}}, pgproto3.AuthTypeMD5Password
	}
	scramNoBinding := func() (pgproto3.BackendMessage, uint32) {
		return &pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}, pgproto3.AuthTypeSASL
	}
	tests := []struct {
		name     string
		tls      bool
		ca       string // ssl_ca given with ssl_verify_server_certificate = false
		auth     func() (pgproto3.BackendMessage, uint32)
		wantKind Kind
		want     []string // in the message and hint
	}{
		{"cleartext, TLS not verified", true, "", cleartext, KindUnverifiedServer,
			[]string{"the password was not sent", "did not offer SCRAM-SHA-256-PLUS", "ssl_verify_server_certificate = false without ssl_ca",
				"Set ssl_ca", "allow_password_to_unverified_server = true"}},
		{"MD5, TLS not verified", true, "", md5, KindUnverifiedServer, []string{"the password was not sent", "Set ssl_ca"}},
		{"SCRAM without channel binding, TLS not verified", true, "", scramNoBinding, KindUnverifiedServer,
			[]string{"did not offer SCRAM-SHA-256-PLUS"}},
		{"cleartext, no TLS", false, "", cleartext, KindUnverifiedServer,
			[]string{"the password was not sent", "in cleartext or as MD5", "use_ssl = false", "Set use_ssl = true with ssl_ca",
				"allow_password_to_unverified_server = true"}},
		{"MD5, no TLS", false, "", md5, KindUnverifiedServer, []string{"in cleartext or as MD5"}},
		// With ssl_ca the impostor's certificate is refused before any login: host names are not
		// checked, the chain is.
		{"cleartext, ssl_ca given but host names not verified", true, srv.CA, cleartext, KindServerCertificate,
			[]string{"is not signed by the configured ssl_ca", "ssl_ca is checked even with ssl_verify_server_certificate = false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			im := &impostor{}
			if tt.tls {
				im.cert = cert
			}
			f := startFake(t, "127.0.0.1:0", im.handle(tt.auth()))
			s := Settings{Host: f.host(), Port: f.port(), Database: "db", User: "app", Password: password,
				UseSSL: tt.tls, SSL: tlsmaterial.Material{CA: tt.ca}, Timeout: 5 * time.Second}
			_, err := Check(t.Context(), s)
			var failure *Failure
			if !errors.As(err, &failure) {
				t.Fatalf("Check = %v; want a *Failure", err)
			}
			if got := im.answers(); len(got) != 0 {
				t.Fatalf("the impostor received %q", got)
			}
			text := failure.Message + ". " + failure.Hint
			if failure.Kind != tt.wantKind {
				t.Errorf("Kind = %q, want %q: %s", failure.Kind, tt.wantKind, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("failure lacks %q:\n%s", w, text)
				}
			}
			if failure.Attempts != 1 {
				t.Errorf("%d attempts; a refusal is final", failure.Attempts)
			}
			assertNoSecrets(t, failure, true, password)

			// The opt-out sends it: the impostor shows what would have leaked.
			s.AllowPasswordToUnverifiedServer = true
			if tt.ca != "" {
				return // the certificate still fails first
			}
			if _, err := Check(t.Context(), s); err == nil {
				t.Fatal("Check passed against an impostor")
			}
			got := im.answers()
			if len(got) != 1 {
				t.Fatalf("with the opt-out the impostor received %q; want one answer", got)
			}
			if strings.HasPrefix(tt.name, "cleartext") && got[0] != password {
				t.Errorf("the impostor received %q; want the password itself", got[0])
			}
		})
	}
}
