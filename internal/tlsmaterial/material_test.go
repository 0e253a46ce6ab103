package tlsmaterial

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// tlsServer is an in-process TLS server for "localhost" and 127.0.0.1 that asks for a client
// certificate issued by clientCA, with the given policy. It answers each successful handshake
// with "ok".
type tlsServer struct {
	addr     string
	serverCA *issued
}

func startTLSServer(t *testing.T, clientCA *issued, policy tls.ClientAuthType) *tlsServer {
	t.Helper()
	serverCA := newCert(t, nil, certOpts{cn: "server-ca", isCA: true})
	leaf := newCert(t, serverCA, certOpts{cn: "localhost", dnsNames: []string{"localhost"}, ips: []net.IP{net.IPv4(127, 0, 0, 1)}})
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(clientCA.cert)

	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.cert.Raw}, PrivateKey: leaf.key, Leaf: leaf.cert}},
		ClientAuth:   policy,
		ClientCAs:    clientCAs,
		Time:         func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	s := &tlsServer{addr: ln.Addr().String(), serverCA: serverCA}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if conn.(*tls.Conn).HandshakeContext(t.Context()) == nil {
					_, _ = conn.Write([]byte("ok"))
				}
			}()
		}
	}()
	return s
}

// connect dials s with cfg and returns the client's error, or nil when the server accepted the
// client and answered. In TLS 1.3 the client finishes its handshake before the server has
// checked the client certificate, so success needs the server's answer.
func (s *tlsServer) connect(t *testing.T, cfg *tls.Config) error {
	t.Helper()
	cfg.Time = func() time.Time { return now }
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := (&tls.Dialer{Config: cfg}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn)
	if err != nil {
		return err
	}
	if string(got) != "ok" {
		return fmt.Errorf("server answered %q", got)
	}
	return nil
}

func TestClientConfig_handshake(t *testing.T) {
	t.Parallel()
	clientCA := newCert(t, nil, certOpts{cn: "client-ca", isCA: true})
	client := newCert(t, clientCA, certOpts{cn: "integrator", key: rsaKeyOnce()})
	srv := startTLSServer(t, clientCA, tls.RequireAndVerifyClientCert)
	otherCA := newCert(t, nil, certOpts{cn: "other-ca", isCA: true})
	encryptedKey := encryptedPKCS8PEM(t, client.key, testPassphrase, nil)

	good := Material{CA: srv.serverCA.certPEM, Cert: client.certPEM, Key: pkcs8PEM(t, client.key)}
	tests := []struct {
		name       string
		m          Material
		serverName string
		verify     bool
		wantErr    any // pointer to the x509 error type expected, for errors.As; nil: success
	}{
		{"verified by DNS name", good, "localhost", true, nil},
		{"verified by IP address", good, "127.0.0.1", true, nil},
		{"encrypted key", Material{CA: good.CA, Cert: client.certPEM, Key: encryptedKey, Passphrase: testPassphrase}, "localhost", true, nil},
		{"client chain with its CA", Material{CA: good.CA, Cert: client.certPEM + clientCA.certPEM, Key: good.Key}, "localhost", true, nil},
		{"wrong CA", Material{CA: otherCA.certPEM, Cert: good.Cert, Key: good.Key}, "localhost", true, &x509.UnknownAuthorityError{}},
		{"system roots do not know the test CA", Material{Cert: good.Cert, Key: good.Key}, "localhost", true, &x509.UnknownAuthorityError{}},
		{"hostname mismatch", good, "db.example.com", true, &x509.HostnameError{}},
		{"hostname mismatch, not verified", good, "db.example.com", false, nil},
		// Without host name verification a given CA is still the only one trusted (verify-ca).
		{"wrong CA, host name not verified", Material{CA: otherCA.certPEM, Cert: good.Cert, Key: good.Key}, "localhost", false, &x509.UnknownAuthorityError{}},
		{"no CA, not verified", Material{Cert: good.Cert, Key: good.Key}, "db.example.com", false, nil},
		{"no server name, not verified", good, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := tt.m.ClientConfig(tt.serverName, tt.verify)
			if err != nil {
				t.Fatalf("ClientConfig: %v", err)
			}
			err = srv.connect(t, cfg)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("connection failed: %v", err)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("connection succeeded, want %T", tt.wantErr)
			case tt.wantErr != nil && !errors.As(err, tt.wantErr):
				t.Fatalf("connection failed with %v, want %T", err, tt.wantErr)
			}
		})
	}

	t.Run("server rejects a client without a certificate", func(t *testing.T) {
		t.Parallel()
		cfg, err := Material{CA: good.CA}.ClientConfig("localhost", true)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.connect(t, cfg); err == nil {
			t.Fatal("connection succeeded without a client certificate; the server fixture is not checking")
		}
	})

	t.Run("certificate is presented even when the server names another CA", func(t *testing.T) {
		t.Parallel()
		// This server names client-ca as acceptable but takes any certificate. A self-signed
		// one is not from client-ca, so tls.Config.Certificates would send nothing; libpq sends it.
		anyCert := startTLSServer(t, clientCA, tls.RequireAnyClientCert)
		selfSigned := newCert(t, nil, certOpts{cn: "self", key: ecKeyOnce()})
		cfg, err := Material{CA: anyCert.serverCA.certPEM, Cert: selfSigned.certPEM, Key: pkcs8PEM(t, ecKeyOnce())}.ClientConfig("localhost", true)
		if err != nil {
			t.Fatal(err)
		}
		if err := anyCert.connect(t, cfg); err != nil {
			t.Fatalf("connection failed, so no client certificate was sent: %v", err)
		}
	})
}

func TestClientConfig_settings(t *testing.T) {
	t.Parallel()
	ca := newCert(t, nil, certOpts{cn: "db-ca", isCA: true})

	cfg, err := Material{CA: ca.certPEM}.ClientConfig("db.internal", true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != "db.internal" || cfg.InsecureSkipVerify {
		t.Errorf("MinVersion %x, ServerName %q, InsecureSkipVerify %v", cfg.MinVersion, cfg.ServerName, cfg.InsecureSkipVerify)
	}
	if cfg.RootCAs == nil || !cfg.RootCAs.Equal(poolOf(ca.cert)) {
		t.Error("RootCAs does not hold exactly ssl_ca")
	}
	if cfg.GetClientCertificate != nil || len(cfg.Certificates) != 0 {
		t.Error("a client certificate is configured though none was given")
	}

	cfg, err = Material{}.ClientConfig("db.internal", true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs != nil {
		t.Error("RootCAs set without ssl_ca; want nil for the system roots")
	}
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestClientConfig_errors(t *testing.T) {
	t.Parallel()
	ca := newCert(t, nil, certOpts{cn: "db-ca", isCA: true})
	client := newCert(t, ca, certOpts{cn: "client", key: ecKeyOnce()})
	keyPEM := pkcs8PEM(t, client.key)
	encrypted := encryptedPKCS8PEM(t, client.key, testPassphrase, nil)

	tests := []struct {
		name   string
		m      Material
		verify bool
		want   string
	}{
		{"key in ssl_ca", Material{CA: keyPEM}, true,
			"ssl_ca: PEM block 1 is a private key, not a certificate: a private key belongs in ssl_key, never in a certificate field"},
		{"bad ssl_ca is reported without verification too", Material{CA: "nope"}, false,
			"ssl_ca: no PEM block found: paste the whole PEM text, including the -----BEGIN CERTIFICATE----- line; with file(), check the path"},
		{"key in ssl_certificate", Material{Cert: keyPEM, Key: keyPEM}, true,
			"ssl_certificate: PEM block 1 is a private key, not a certificate: a private key belongs in ssl_key, never in a certificate field"},
		{"certificate in ssl_key", Material{Cert: client.certPEM, Key: client.certPEM}, true,
			"ssl_key: not a private key: PEM block 1 is a certificate; give the private key that belongs to the client certificate (-----BEGIN PRIVATE KEY-----, or RSA / EC PRIVATE KEY)"},
		{"missing passphrase", Material{Cert: client.certPEM, Key: encrypted}, true,
			"ssl_key: the private key is encrypted but no passphrase was given: set ssl_passphrase"},
		{"wrong passphrase", Material{Cert: client.certPEM, Key: encrypted, Passphrase: "x" + testPassphrase}, true,
			"ssl_key: the passphrase does not decrypt the private key: check ssl_passphrase, and that the key was copied unchanged"},
		{"key of another certificate", Material{Cert: ca.certPEM, Key: keyPEM}, true,
			`ssl_key: the private key does not belong to certificate "CN=db-ca" (serial ` + serial(ca.cert) + `): give the key that was generated with this certificate, or the certificate issued for this key`},
		{"certificate without key", Material{Cert: client.certPEM}, true,
			"ssl_certificate is set but ssl_key is not: a client certificate needs its private key"},
		{"key without certificate", Material{Key: keyPEM}, true,
			"ssl_key is set but ssl_certificate is not: a private key is only used together with its client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := tt.m.ClientConfig("db.internal", tt.verify)
			if err == nil {
				t.Fatalf("ClientConfig = %v, want an error", cfg)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", err, tt.want)
			}
			assertNoSecrets(t, err.Error(), tt.m.Key, tt.m.Passphrase)
			assertNoSecrets(t, err.Error(), keyPEM, "")
		})
	}

	if _, err := (Material{}).ClientConfig("", true); err == nil || !strings.Contains(err.Error(), "server name is required") {
		t.Errorf("verification without a server name: err = %v", err)
	}
}

func TestMaterial_String(t *testing.T) {
	t.Parallel()
	m := Material{CA: "ca", Key: "-----BEGIN PRIVATE KEY-----secret", Passphrase: testPassphrase}
	for _, s := range []string{fmt.Sprint(m), fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m), fmt.Sprintf("%v", &m)} {
		if strings.Contains(s, "secret") || strings.Contains(s, testPassphrase) {
			t.Errorf("formatted Material leaks a secret: %s", s)
		}
		if want := "tlsmaterial.Material{CA:<2 bytes> Cert:<unset> Key:<redacted> Passphrase:<redacted>}"; s != want {
			t.Errorf("got %s, want %s", s, want)
		}
	}
}
