package pgcheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// srv is the one PostgreSQL cluster all tests of this package share.
var srv *pgserver.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := pgserver.Start(ctx, pgserver.Options{})
	cancel()
	if err != nil {
		// Failing, not skipping: without a server these tests would prove nothing.
		fmt.Fprintln(os.Stderr, "pgcheck tests need a throwaway PostgreSQL server:", err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the throwaway PostgreSQL server:", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// shortTimeout bounds checks expected to retry until their deadline.
const shortTimeout = time.Second

// passwordSettings logs in as the password user over plain TCP.
func passwordSettings() Settings {
	return Settings{
		Host: srv.Host, Port: srv.Port, Database: srv.Database,
		User: srv.PasswordUser, Password: srv.Password,
		Timeout: 10 * time.Second,
	}
}

// tlsSettings logs in as the password user over TLS, verifying the server.
func tlsSettings() Settings {
	s := passwordSettings()
	s.UseSSL = true
	s.SSL = tlsmaterial.Material{CA: srv.CA}
	s.VerifyServerCertificate = true
	return s
}

// certSettings logs in as the certificate user over TLS, verifying the server.
func certSettings() Settings {
	s := tlsSettings()
	s.User, s.Password = srv.CertUser, ""
	s.SSL.Cert, s.SSL.Key = srv.ClientCert, srv.ClientKey
	return s
}

func TestCheckSucceeds(t *testing.T) {
	tests := []struct {
		name     string
		settings func() Settings
		wantTLS  bool
	}{
		{"password over plain TCP", passwordSettings, false},
		{"password over TLS verified by CA", tlsSettings, true},
		{"client certificate", certSettings, true},
		{"encrypted client key with passphrase", func() Settings {
			s := certSettings()
			s.SSL.Key, s.SSL.Passphrase = srv.ClientKeyEncrypted, srv.ClientKeyPassphrase
			return s
		}, true},
		// Not verified: the password goes only through SCRAM-SHA-256-PLUS (channel binding is
		// required, so this login proves PostgreSQL 15 offers it over TLS).
		{"TLS not verified, SCRAM with channel binding", func() Settings {
			s := tlsSettings()
			s.SSL.CA = ""
			s.VerifyServerCertificate = false
			return s
		}, true},
		{"host name instead of IP address", func() Settings {
			s := tlsSettings()
			s.Host = "localhost" // also resolves to ::1, where nothing listens: the next address must be tried
			return s
		}, true},
		{"options as run-time parameters", func() Settings {
			s := passwordSettings()
			s.Options = map[string]string{"search_path": "public", "application_name": "pgcheck-test"}
			return s
		}, false},
	}
	tests = append(tests, struct {
		name     string
		settings func() Settings
		wantTLS  bool
	}{"ssl_ca checked without the host name", func() Settings {
		// The same server reached at 127.0.0.2, an address its certificate does not list.
		f := startFake(t, "127.0.0.2:0", proxyTo(srv.Addr()))
		s := tlsSettings()
		s.Host, s.Port = f.host(), f.port()
		s.VerifyServerCertificate = false
		return s
	}, true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Check(t.Context(), tt.settings())
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if res.ServerVersion != srv.Version() || res.TLS != tt.wantTLS || res.Attempts != 1 || res.Duration <= 0 {
				t.Errorf("Result = %+v; want ServerVersion %q, TLS %v, 1 attempt, a duration",
					*res, srv.Version(), tt.wantTLS)
			}
		})
	}
}

func TestCheckFailures(t *testing.T) {
	const wrongPassword = "wrong-password-b7f3a1"
	tests := []struct {
		name string
		// setup returns the settings to check and the exact message expected.
		setup    func(t *testing.T) (Settings, string)
		kind     Kind
		sqlState string
		retried  bool // transient: retried until Timeout (shortTimeout) rather than failing at once
		// orMessage is another exact message accepted, where a race decides between two.
		orMessage string
		// echoes marks a fake server that quotes the password: only our texts are redacted,
		// the server's own error (Failure.Err) is left as it was.
		echoes bool
	}{
		{
			name: "host does not resolve",
			setup: func(*testing.T) (Settings, string) {
				s := passwordSettings()
				s.Host = "no-such-host.invalid"
				return s, `host "no-such-host.invalid" does not resolve`
			},
			kind: KindDNS,
		},
		{
			name: "connection refused",
			setup: func(t *testing.T) (Settings, string) {
				s := passwordSettings()
				s.Port, s.Timeout = closedPort(t), shortTimeout
				return s, "connection refused by 127.0.0.1:" + strconv.Itoa(s.Port)
			},
			kind:    KindRefused,
			retried: true,
		},
		{
			name: "no answer",
			setup: func(t *testing.T) (Settings, string) {
				f := startFake(t, "127.0.0.1:0", silent)
				s := passwordSettings()
				s.Port, s.Timeout = f.port(), shortTimeout
				return s, "no answer from " + f.addr() + " within 1s"
			},
			kind:    KindTimeout,
			retried: true,
		},
		{
			name: "server still starting up",
			setup: func(t *testing.T) (Settings, string) {
				f := startFake(t, "127.0.0.1:0", failsWith("57P03", "the database system is starting up"))
				s := passwordSettings()
				s.Port, s.Timeout = f.port(), shortTimeout
				return s, "PostgreSQL at " + f.addr() + " was not ready within 1s: the database system is starting up"
			},
			kind:     KindTimeout,
			sqlState: "57P03",
			retried:  true,
		},
		{
			name: "server does not accept TLS",
			setup: func(t *testing.T) (Settings, string) {
				f := startFake(t, "127.0.0.1:0", refusesTLS)
				s := tlsSettings()
				s.Port = f.port()
				return s, "PostgreSQL at " + f.addr() + " does not accept TLS connections"
			},
			kind: KindTLSUnsupported,
		},
		{
			name: "server certificate from another CA",
			setup: func(*testing.T) (Settings, string) {
				s := tlsSettings()
				s.SSL.CA = srv.WrongCA
				return s, "the server certificate of " + srv.Addr() + " is not signed by the configured ssl_ca"
			},
			kind: KindServerCertificate,
		},
		{
			name: "server certificate from another CA, host name not verified",
			setup: func(*testing.T) (Settings, string) {
				s := tlsSettings()
				s.SSL.CA = srv.WrongCA
				s.VerifyServerCertificate = false
				return s, "the server certificate of " + srv.Addr() + " is not signed by the configured ssl_ca"
			},
			kind: KindServerCertificate,
		},
		{
			name: "server certificate verified without a CA",
			setup: func(*testing.T) (Settings, string) {
				s := tlsSettings()
				s.SSL.CA = ""
				return s, "the server certificate of " + srv.Addr() +
					" is not signed by a CA this machine trusts (ssl_ca is not set, so the system CAs were used)"
			},
			kind: KindServerCertificate,
		},
		{
			name: "server certificate for another host",
			setup: func(t *testing.T) (Settings, string) {
				// The same server reached at 127.0.0.2, an address its certificate does not list.
				f := startFake(t, "127.0.0.2:0", proxyTo(srv.Addr()))
				s := tlsSettings()
				s.Host, s.Port = f.host(), f.port()
				return s, "the server certificate of " + f.addr() +
					" does not match the host: certificate is valid for 127.0.0.1, ::1, not 127.0.0.2"
			},
			kind: KindServerCertificate,
		},
		{
			name: "client certificate from another CA",
			setup: func(*testing.T) (Settings, string) {
				s := certSettings()
				s.SSL.Cert, s.SSL.Key = srv.WrongClientCert, srv.WrongClientKey
				return s, srv.Addr() + " rejected the client certificate during the TLS handshake " +
					"(tls: unknown certificate authority)"
			},
			// With TLS 1.3 the server rejects the certificate after our side of the handshake is
			// done, and its alert is lost if our next write meets the closed connection first.
			orMessage: "closed the connection right after receiving the client certificate, so it most likely rejected the certificate",
			kind:      KindClientCertificate,
		},
		{
			name: "client certificate missing",
			setup: func(*testing.T) (Settings, string) {
				s := certSettings()
				s.SSL.Cert, s.SSL.Key = "", ""
				return s, `PostgreSQL rejected the client certificate for user "cert_user": connection requires a valid client certificate`
			},
			kind:     KindClientCertificate,
			sqlState: "28000",
		},
		{
			name: "client key passphrase wrong",
			setup: func(*testing.T) (Settings, string) {
				s := certSettings()
				s.SSL.Key, s.SSL.Passphrase = srv.ClientKeyEncrypted, "not-the-passphrase"
				return s, "the TLS settings cannot be used: ssl_key: " + tlsmaterial.ErrWrongPassphrase.Error()
			},
			kind: KindClientCertificate,
		},
		{
			name: "wrong password",
			setup: func(*testing.T) (Settings, string) {
				s := passwordSettings()
				s.Password = wrongPassword
				return s, `PostgreSQL rejected the password of user "password_user"`
			},
			kind:     KindAuthentication,
			sqlState: "28P01",
		},
		{
			name: "wrong password over TLS",
			setup: func(*testing.T) (Settings, string) {
				s := tlsSettings()
				s.Password = wrongPassword
				return s, `PostgreSQL rejected the password of user "password_user"`
			},
			kind:     KindAuthentication,
			sqlState: "28P01",
		},
		{
			name: "database missing",
			setup: func(*testing.T) (Settings, string) {
				s := tlsSettings()
				s.Database = "no_such_db"
				return s, `database "no_such_db" does not exist on ` + srv.Addr()
			},
			kind:     KindDatabaseMissing,
			sqlState: "3D000",
		},
		{
			name: "too many connections",
			setup: func(t *testing.T) (Settings, string) {
				f := startFake(t, "127.0.0.1:0", failsWith("53300", "sorry, too many clients already"))
				s := passwordSettings()
				s.Port, s.Timeout = f.port(), shortTimeout
				return s, "PostgreSQL at " + f.addr() + " has no free connection slot: sorry, too many clients already"
			},
			kind:     KindTooManyConnections,
			sqlState: "53300",
			retried:  true, // other sessions may end: a bulk apply's checks wait for a slot
		},
		{
			name: "other server error",
			setup: func(t *testing.T) (Settings, string) {
				f := startFake(t, "127.0.0.1:0", failsWith("XX000", "internal error"))
				s := passwordSettings()
				s.Port = f.port()
				return s, "PostgreSQL error SQLSTATE XX000: internal error"
			},
			kind:     KindOther,
			sqlState: "XX000",
		},
		{
			name: "server error quoting the password",
			setup: func(t *testing.T) (Settings, string) {
				s := passwordSettings()
				f := startFake(t, "127.0.0.1:0", failsWith("22023", "invalid value \""+s.Password+"\""))
				s.Port = f.port()
				return s, `PostgreSQL error SQLSTATE 22023: invalid value "*****"`
			},
			kind:     KindOther,
			sqlState: "22023",
			echoes:   true,
		},
		{
			name: "password in options",
			setup: func(*testing.T) (Settings, string) {
				s := passwordSettings()
				s.Options = map[string]string{"password": s.Password}
				return s, `option "password" cannot be set in options`
			},
			kind: KindOther,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, wantMessage := tt.setup(t)
			began := time.Now()
			res, err := Check(t.Context(), s)
			elapsed := time.Since(began)
			if err == nil {
				t.Fatalf("Check succeeded (%+v); want a %s failure", *res, tt.kind)
			}
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("error %T (%v) is not a *Failure", err, err)
			}
			messageOK := f.Message == wantMessage || tt.orMessage != "" && f.Message == srv.Addr()+" "+tt.orMessage
			if f.Kind != tt.kind || !messageOK || f.SQLState != tt.sqlState {
				t.Errorf("got Kind %q, SQLState %q, Message\n\t%s\nwant Kind %q, SQLState %q, Message\n\t%s",
					f.Kind, f.SQLState, f.Message, tt.kind, tt.sqlState, wantMessage)
			}
			if f.Hint == "" {
				t.Errorf("Failure lacks a hint: %#v", f)
			}
			assertNoSecrets(t, f, !tt.echoes, s.Password, s.SSL.Key, s.SSL.Passphrase, srv.Password, srv.ClientKeyPassphrase)

			if tt.retried {
				// Stopped at the deadline: neither early nor much after it.
				if f.Attempts < 2 || elapsed < shortTimeout || elapsed > shortTimeout+500*time.Millisecond {
					t.Errorf("%d attempts in %s; want several, stopping at the %s timeout", f.Attempts, elapsed, shortTimeout)
				}
				t.Logf("%d attempts in %s", f.Attempts, elapsed)
			} else if f.Attempts > 1 {
				t.Errorf("%d attempts; want a failure at the first", f.Attempts)
			}
		})
	}
}

func TestCheckRetriesWhileServerStartsUp(t *testing.T) {
	f := startFake(t, "127.0.0.1:0",
		firstThen(2, failsWith("57P03", "the database system is starting up"), proxyTo(srv.Addr())))
	s := passwordSettings()
	s.Port = f.port()
	res, err := Check(t.Context(), s)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if res.Attempts != 3 || f.accepted.Load() != 3 || res.ServerVersion != srv.Version() {
		t.Errorf("Result %+v after %d connections; want success at attempt 3", *res, f.accepted.Load())
	}
}

func TestCheckRespectsContextDeadline(t *testing.T) {
	f := startFake(t, "127.0.0.1:0", silent)
	s := passwordSettings()
	s.Port, s.Timeout = f.port(), 0 // the default, 30s, is longer than the context allows
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := Check(ctx, s)
	elapsed := time.Since(began)
	var failure *Failure
	if !errors.As(err, &failure) || failure.Kind != KindTimeout || failure.Message != "no answer from "+f.addr()+" within 500ms" {
		t.Fatalf("got %v; want a timeout failure within 500ms", err)
	}
	if elapsed > time.Second {
		t.Errorf("Check returned after %s; want about 500ms", elapsed)
	}
}

func TestCheckStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The server cancels the check once it has its connection, then never answers.
	f := startFake(t, "127.0.0.1:0", func(conn net.Conn) {
		cancel()
		silent(conn)
	})
	s := passwordSettings()
	s.Port = f.port()
	began := time.Now()
	_, err := Check(ctx, s)
	var failure *Failure
	if !errors.As(err, &failure) || !errors.Is(err, context.Canceled) || failure.Attempts != 1 {
		t.Fatalf("got %v; want a cancellation after 1 attempt", err)
	}
	if want := "the check of " + f.addr() + " was cancelled"; failure.Message != want {
		t.Errorf("Message %q; want %q", failure.Message, want)
	}
	if elapsed := time.Since(began); elapsed > 2*time.Second {
		t.Errorf("Check returned %s after cancellation; want at once", elapsed)
	}
}

// Only application_name travels in the startup message: a name PostgreSQL does not know there
// would end the login, so every other option is set after it.
func TestCheckSendsOnlyApplicationNameAtStartup(t *testing.T) {
	params := make(chan map[string]string, 1)
	f := startFake(t, "127.0.0.1:0", func(conn net.Conn) {
		backend := pgproto3.NewBackend(conn, conn)
		msg, err := backend.ReceiveStartupMessage()
		if startup, ok := msg.(*pgproto3.StartupMessage); ok && err == nil {
			params <- startup.Parameters
		}
		failsWithAfterStartup(backend)
	})
	s := passwordSettings()
	s.Port = f.port()
	s.Options = map[string]string{"search_path": "audit", "ApplicationName": "orders-sync", "connectTimeout": "30"}
	if _, err := Check(t.Context(), s); err == nil {
		t.Fatal("Check succeeded against a fake server")
	}
	got := <-params
	want := map[string]string{"user": s.User, "database": s.Database, "application_name": "orders-sync"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("startup parameter %s = %q; want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"search_path", "ApplicationName", "connectTimeout"} {
		if _, ok := got[k]; ok {
			t.Errorf("startup parameters hold %s: %v", k, got)
		}
	}
	for k, v := range got {
		if strings.Contains(v, s.Password) {
			t.Errorf("startup parameter %s holds the password", k)
		}
	}
}

// Driver options against a real server: Celigo's own example (connectTimeout) and names
// PostgreSQL does not know pass the check and are named as not tried; run-time parameters are set.
func TestCheckDriverOptions(t *testing.T) {
	t.Parallel()
	s := passwordSettings()
	s.Options = map[string]string{
		"connectTimeout": "30", "application_name": "orders-sync", "statement_timeout": "30000",
		"currentSchema": "public", "charset": "utf8", "connect_timeout": "soon", "shared_buffers": "1MB",
	}
	res, err := Check(t.Context(), s)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	want := []NotTried{
		{Name: "charset", Reason: "PostgreSQL has no run-time parameter of that name"},
		{Name: "connect_timeout", Reason: "its value is not a positive number"},
		{Name: "shared_buffers"},
	}
	if len(res.NotTried) != len(want) {
		t.Fatalf("NotTried = %+v; want %+v", res.NotTried, want)
	}
	for i, w := range want {
		got := res.NotTried[i]
		if got.Name != w.Name || (w.Reason != "" && got.Reason != w.Reason) || got.Reason == "" {
			t.Errorf("NotTried[%d] = %+v; want %+v", i, got, w)
		}
	}
	if !strings.Contains(res.NotTried[2].Reason, "does not let this user set it in a session") {
		t.Errorf("shared_buffers reason %q", res.NotTried[2].Reason)
	}
}

// A value PostgreSQL refuses for a parameter it knows fails the check, naming the key.
func TestCheckRefusedOptionValue(t *testing.T) {
	t.Parallel()
	s := passwordSettings()
	s.Options = map[string]string{"statement_timeout": "soon"}
	_, err := Check(t.Context(), s)
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("Check = %v; want a Failure", err)
	}
	if !strings.HasPrefix(f.Message, `PostgreSQL refused the value of properties key "statement_timeout": invalid value for parameter "statement_timeout"`) ||
		f.Hint != `Correct the value of "statement_timeout" in properties, or remove the key.` || f.Attempts != 1 {
		t.Errorf("Failure = %+v", f)
	}
}

// The connect timeout options, in seconds or milliseconds, bound each attempt: the shortest wins,
// and a value that is not a positive number is not tried.
func TestPlanOptionsConnectTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		options map[string]string
		want    time.Duration
	}{
		{map[string]string{"connectTimeout": "30"}, 30 * time.Second},
		{map[string]string{"CONNECT_TIMEOUT": "2.5"}, 2500 * time.Millisecond},
		{map[string]string{"loginTimeout": "4", "connectionTimeoutMillis": "300"}, 300 * time.Millisecond},
		{map[string]string{"connectTimeout": "-1"}, 0},
		{map[string]string{"statement_timeout": "5"}, 0},
	} {
		if got := planOptions(tt.options).connectTimeout; got != tt.want {
			t.Errorf("planOptions(%v).connectTimeout = %s; want %s", tt.options, got, tt.want)
		}
	}
}

func failsWithAfterStartup(backend *pgproto3.Backend) {
	backend.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "XX000", Message: "fake server"})
	_ = backend.Flush()
}

func TestSettingsStringHidesSecrets(t *testing.T) {
	s := certSettings()
	s.Password = srv.Password
	s.SSL.Key, s.SSL.Passphrase = srv.ClientKeyEncrypted, srv.ClientKeyPassphrase
	for _, text := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s)} {
		for _, secret := range []string{s.Password, s.SSL.Key, s.SSL.Passphrase} {
			if strings.Contains(text, secret) {
				t.Errorf("formatted Settings %q holds a secret", text)
			}
		}
	}
}

// assertNoSecrets fails if any secret appears in the failure's texts or, with underlying, in
// the underlying error.
func assertNoSecrets(t *testing.T, f *Failure, underlying bool, secrets ...string) {
	t.Helper()
	texts := map[string]string{"Error()": f.Error(), "Message": f.Message, "Hint": f.Hint}
	if underlying && f.Err != nil {
		texts["Err"] = fmt.Sprintf("%+v", f.Err)
	}
	for where, text := range texts {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("%s holds a password, key or passphrase: %s", where, text)
			}
		}
	}
}

// closedPort returns a loopback port that was free a moment ago and has nothing listening.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("closing: %v", err)
	}
	return port
}

// A refused connection is retried only briefly, whatever the timeout: a wrong port fails fast,
// and the hint says how many attempts were made over how long.
func TestCheckRefusedFailsFast(t *testing.T) {
	s := passwordSettings()
	s.Port, s.Timeout = closedPort(t), 30*time.Second
	began := time.Now()
	_, err := Check(t.Context(), s)
	elapsed := time.Since(began)
	var f *Failure
	if !errors.As(err, &f) || f.Kind != KindRefused {
		t.Fatalf("got %v; want a refusal", err)
	}
	if elapsed < time.Second || elapsed > RefusedRetryWindow+time.Second || f.Attempts < 3 {
		t.Errorf("%d attempts in %s; want several, for at most about %s", f.Attempts, elapsed, RefusedRetryWindow)
	}
	if want := fmt.Sprintf("Refused %d times over ", f.Attempts); !strings.HasPrefix(f.Hint, want) || !strings.Contains(f.Hint, "Check the port") {
		t.Errorf("Hint %q; want it to start with %q and keep the advice", f.Hint, want)
	}
}
