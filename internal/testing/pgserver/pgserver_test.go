package pgserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/youmark/pkcs8"
)

func TestStartForTest(t *testing.T) {
	began := time.Now()
	s := StartForTest(t)
	t.Logf("cluster started in %s (PostgreSQL %s)", time.Since(began).Round(time.Millisecond), s.Version())

	if s.Host != "127.0.0.1" || s.Port == 0 || s.Version() == "" {
		t.Fatalf("Host=%q Port=%d Version=%q; want 127.0.0.1, a port and a version", s.Host, s.Port, s.Version())
	}
	info, err := os.Stat(s.DataDir)
	if err != nil || !info.IsDir() {
		t.Fatalf("DataDir %s: %v", s.DataDir, err)
	}

	trusting := x509.NewCertPool()
	if !trusting.AppendCertsFromPEM([]byte(s.CA)) {
		t.Fatal("CA is not PEM")
	}
	verifyAll := &tls.Config{RootCAs: trusting, ServerName: s.Host, MinVersion: tls.VersionTLS12}
	withCert := func(certPEM, keyPEM string) *tls.Config {
		pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
		if err != nil {
			t.Fatalf("client key pair: %v", err)
		}
		c := verifyAll.Clone()
		// Unlike Certificates, this sends the certificate even when the server's list of
		// acceptable CAs does not name its issuer, so the server itself must reject it.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
		return c
	}

	t.Run("password user over plain TCP", func(t *testing.T) {
		user, tlsUsed := login(t, s, s.PasswordUser, s.Password, nil)
		if user != s.PasswordUser || tlsUsed {
			t.Errorf("logged in as %q, TLS %v; want %q without TLS", user, tlsUsed, s.PasswordUser)
		}
	})
	t.Run("password user over TLS verified by CA", func(t *testing.T) {
		user, tlsUsed := login(t, s, s.PasswordUser, s.Password, verifyAll)
		if user != s.PasswordUser || !tlsUsed {
			t.Errorf("logged in as %q, TLS %v; want %q over TLS", user, tlsUsed, s.PasswordUser)
		}
	})
	t.Run("certificate user", func(t *testing.T) {
		user, tlsUsed := login(t, s, s.CertUser, "", withCert(s.ClientCert, s.ClientKey))
		if user != s.CertUser || !tlsUsed {
			t.Errorf("logged in as %q, TLS %v; want %q over TLS", user, tlsUsed, s.CertUser)
		}
	})
	t.Run("wrong password rejected", func(t *testing.T) {
		assertSQLState(t, connect(s, s.PasswordUser, "not-the-password", nil), "28P01")
	})
	t.Run("certificate user needs a certificate", func(t *testing.T) {
		assertSQLState(t, connect(s, s.CertUser, "", verifyAll), "28000")
	})
	t.Run("client certificate from the wrong CA rejected", func(t *testing.T) {
		// The TLS layer must refuse it, before PostgreSQL sees a login. With TLS 1.3 that shows
		// as an "unknown certificate authority" alert, or as a reset when the alert is lost.
		err := connect(s, s.CertUser, "", withCert(s.WrongClientCert, s.WrongClientKey))
		var pgErr *pgconn.PgError
		if err == nil || errors.As(err, &pgErr) {
			t.Errorf("got %v; want the TLS handshake to fail", err)
		}
	})

	t.Run("password stored as SCRAM and never logged", func(t *testing.T) {
		conn, err := s.connectSuperuser(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close(context.Background()) }()
		results, err := conn.Exec(context.Background(),
			"SELECT rolpassword FROM pg_authid WHERE rolname = '"+s.PasswordUser+"'").ReadAll()
		if err != nil || len(results) != 1 || len(results[0].Rows) != 1 {
			t.Fatalf("reading the stored secret: %v", err)
		}
		if stored := string(results[0].Rows[0][0]); !strings.HasPrefix(stored, "SCRAM-SHA-256$") {
			t.Errorf("stored secret starts %.14q; want a SCRAM-SHA-256 verifier", stored)
		}
		data, err := os.ReadFile(s.logFile)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), s.Password) {
			t.Error("the server log holds the password")
		}
	})

	t.Run("encrypted client key is the client key", func(t *testing.T) {
		block, _ := pem.Decode([]byte(s.ClientKeyEncrypted))
		if block == nil || block.Type != "ENCRYPTED PRIVATE KEY" {
			t.Fatalf("ClientKeyEncrypted is not an ENCRYPTED PRIVATE KEY PEM block")
		}
		decrypted, _, err := pkcs8.ParsePrivateKey(block.Bytes, []byte(s.ClientKeyPassphrase))
		if err != nil {
			t.Fatalf("decrypting with ClientKeyPassphrase: %v", err)
		}
		plain, _ := pem.Decode([]byte(s.ClientKey))
		want, err := x509.ParsePKCS8PrivateKey(plain.Bytes)
		if err != nil {
			t.Fatalf("parsing ClientKey: %v", err)
		}
		if !reflect.DeepEqual(decrypted, want) {
			t.Error("ClientKeyEncrypted does not decrypt to ClientKey")
		}
	})

	t.Run("stop removes everything", func(t *testing.T) {
		root := filepath.Dir(s.DataDir)
		if err := s.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Stop, %s still exists (stat error %v)", root, err)
		}
		if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
			_ = c.Close()
			t.Errorf("after Stop, %s still accepts connections", s.Addr())
		}
		if err := s.Stop(); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	})
}

func TestStartReportsMissingBinaries(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PG_BINDIR", dir)
	_, err := Start(context.Background(), Options{})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start with an empty PG_BINDIR: got %v; want ErrNotInstalled", err)
	}
	want := "PostgreSQL server binaries (initdb, pg_ctl) not found in PG_BINDIR=" + dir +
		": install them with `apt-get install -y postgresql` (Debian) or set PG_BINDIR"
	if err.Error() != want {
		t.Errorf("error text\n got: %s\nwant: %s", err, want)
	}
}

func TestFindBinDirFallsBackToDiscovery(t *testing.T) {
	t.Setenv("PG_BINDIR", "")
	dir, err := findBinDir(t.Context(), "")
	if err != nil {
		t.Fatalf("findBinDir: %v", err)
	}
	if !hasServerBinaries(dir) {
		t.Errorf("findBinDir returned %s, which lacks initdb or pg_ctl", dir)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends the goroutine,
// as the real one does.
type fatalRecorder struct {
	testing.TB
	fatal   string
	skipped bool
}

func (r *fatalRecorder) Helper()                  {}
func (r *fatalRecorder) Context() context.Context { return context.Background() }
func (r *fatalRecorder) Cleanup(func())           {}
func (r *fatalRecorder) Skip(...any)              { r.skipped = true; runtime.Goexit() }
func (r *fatalRecorder) Skipf(string, ...any)     { r.skipped = true; runtime.Goexit() }
func (r *fatalRecorder) SkipNow()                 { r.skipped = true; runtime.Goexit() }
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = format
	r.fatalArgs(args)
	runtime.Goexit()
}

func (r *fatalRecorder) fatalArgs(args []any) {
	for _, a := range args {
		if err, ok := a.(error); ok {
			r.fatal += " " + err.Error()
		}
	}
}

func TestStartForTestFailsWithoutBinaries(t *testing.T) {
	t.Setenv("PG_BINDIR", t.TempDir())
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		StartForTest(rec)
	}()
	<-done
	if rec.skipped {
		t.Fatal("StartForTest skipped; it must fail so that a machine without PostgreSQL is noticed")
	}
	if !strings.Contains(rec.fatal, "apt-get install -y postgresql") {
		t.Errorf("StartForTest failure %q lacks the install instructions", rec.fatal)
	}
}

// connect logs in to s.Database over TCP (with TLS when tlsConfig is set) and closes again.
func connect(s *Server, user, password string, tlsConfig *tls.Config) error {
	conn, err := dial(s, user, password, tlsConfig)
	if err == nil {
		_ = conn.Close(context.Background())
	}
	return err
}

func dial(s *Server, user, password string, tlsConfig *tls.Config) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, err
	}
	cfg.Host, cfg.Port, cfg.Database = s.Host, uint16(s.Port), s.Database //nolint:gosec // G115: a port the kernel chose
	cfg.User, cfg.Password = user, password
	cfg.TLSConfig, cfg.Fallbacks = tlsConfig, nil
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgconn.ConnectConfig(ctx, cfg)
}

// login connects and returns current_user and whether the session uses TLS.
func login(t *testing.T, s *Server, user, password string, tlsConfig *tls.Config) (string, bool) {
	t.Helper()
	conn, err := dial(s, user, password, tlsConfig)
	if err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	results, err := conn.Exec(context.Background(), "SELECT current_user").ReadAll()
	if err != nil {
		t.Fatalf("SELECT current_user: %v", err)
	}
	_, isTLS := conn.Conn().(*tls.Conn)
	return string(results[0].Rows[0][0]), isTLS
}

func assertSQLState(t *testing.T, err error, want string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != want {
		t.Errorf("got %v; want SQLSTATE %s", err, want)
	}
}
