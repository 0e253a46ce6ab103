// Package pgserver starts a throwaway PostgreSQL cluster for tests and the demo.
//
// The cluster listens on a free port of 127.0.0.1 with TLS on, using certificates made in Go:
// a CA, a server certificate for localhost, 127.0.0.1 and ::1, and client certificates. It has
// two login roles: PasswordUser (SCRAM password, allowed over plain TCP and TLS) and CertUser
// (certificate login, TLS only), and a database owned by PasswordUser. When the process runs
// as root the cluster runs as the `postgres` user, because initdb and postgres refuse root.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Names of the roles and database every Server creates.
const (
	DefaultDatabase     = "appdb"
	DefaultPasswordUser = "password_user"
	DefaultCertUser     = "cert_user"
)

const (
	superuser = "postgres"
	// defaultMaxConnections leaves room for parallel tests without costing much shared memory.
	defaultMaxConnections = 20
	// portAttempts bounds retries when another process takes the chosen port between our
	// probe and the server binding it.
	portAttempts = 3
	// readyTimeout bounds pg_ctl's wait and our own connection polling.
	readyTimeout = 30 * time.Second
)

// Options tunes Start. The zero value is ready to use.
type Options struct {
	// BinDir is the directory holding initdb and pg_ctl. Empty means discover it: $PG_BINDIR,
	// then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin, then PATH.
	BinDir string
	// MaxConnections is the server's max_connections; 0 means 20.
	MaxConnections int
}

// Server is a running throwaway cluster. All PEM fields hold PEM text, not file names.
// Call Stop to shut it down and delete its files.
type Server struct {
	Host     string // always "127.0.0.1"
	Port     int
	Database string // owned by PasswordUser

	PasswordUser string
	Password     string
	CertUser     string // logs in with ClientCert over TLS only

	CA                  string // signed ServerCert and ClientCert
	ServerCert          string // valid for localhost, 127.0.0.1 and ::1
	ClientCert          string // common name CertUser
	ClientKey           string // unencrypted PKCS#8
	ClientKeyEncrypted  string // the same key as encrypted PKCS#8
	ClientKeyPassphrase string // decrypts ClientKeyEncrypted

	WrongCA         string // unrelated to CA; the server does not trust it
	WrongClientCert string // common name CertUser, signed by WrongCA
	WrongClientKey  string

	DataDir string

	root      string // temporary directory holding DataDir, sockets, TLS files and the log
	socketDir string
	logFile   string
	run       *runner
	version   string

	watchdog *exec.Cmd // stops the cluster if this process dies without calling Stop

	stopOnce sync.Once
	stopErr  error
}

// Version returns the server's server_version, such as "15.14 (Debian 15.14-0+deb12u1)".
func (s *Server) Version() string { return s.version }

// Addr returns Host:Port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Start creates, configures and starts a cluster, and returns once it accepts connections.
// On failure nothing is left running or on disk. Errors wrap ErrNotInstalled when the
// PostgreSQL binaries are missing.
func Start(ctx context.Context, opts Options) (*Server, error) {
	binDir, err := findBinDir(ctx, opts.BinDir)
	if err != nil {
		return nil, err
	}
	run, err := newRunner(binDir)
	if err != nil {
		return nil, err
	}
	pki, err := newPKI(DefaultCertUser)
	if err != nil {
		return nil, fmt.Errorf("making test certificates: %w", err)
	}
	password, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "pgserver-")
	if err != nil {
		return nil, fmt.Errorf("creating the cluster directory: %w (set TMPDIR to a writable directory)", err)
	}
	s := &Server{
		Host:                "127.0.0.1",
		Database:            DefaultDatabase,
		PasswordUser:        DefaultPasswordUser,
		Password:            password,
		CertUser:            DefaultCertUser,
		CA:                  pki.ca,
		ServerCert:          pki.serverCert,
		ClientCert:          pki.clientCert,
		ClientKey:           pki.clientKey,
		ClientKeyEncrypted:  pki.clientKeyEncrypted,
		ClientKeyPassphrase: pki.passphrase,
		WrongCA:             pki.wrongCA,
		WrongClientCert:     pki.wrongClientCert,
		WrongClientKey:      pki.wrongKey,
		DataDir:             filepath.Join(root, "data"),
		root:                root,
		socketDir:           filepath.Join(root, "sock"),
		logFile:             filepath.Join(root, "postgres.log"),
		run:                 run,
	}
	started := false
	defer func() {
		if !started {
			// The original error matters more than a failure to clean up after it.
			_ = s.shutdown()
		}
	}()

	if err := s.prepare(ctx, pki, opts); err != nil {
		return nil, err
	}
	if err := s.startPostmaster(ctx); err != nil {
		return nil, err
	}
	if err := s.createRoles(ctx); err != nil {
		return nil, err
	}
	s.watchdog = s.run.watchdog(os.Getpid(), s.root, s.DataDir)
	started = true
	return s, nil
}

// StartForTest starts a Server and stops it when tb and its subtests finish. It fails the test,
// rather than skipping it, when PostgreSQL is not installed: a silently skipped connectivity
// suite would hide exactly the breakage it exists to catch.
func StartForTest(tb testing.TB) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 2*readyTimeout)
	defer cancel()
	s, err := Start(ctx, Options{})
	if err != nil {
		tb.Fatalf("starting a throwaway PostgreSQL server: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("stopping the throwaway PostgreSQL server: %v", err)
		}
	})
	return s
}

// Stop shuts the server down and removes its directory. It is safe to call more than once;
// later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.shutdown() })
	return s.stopErr
}

func (s *Server) shutdown() error {
	if s.watchdog != nil {
		_ = s.watchdog.Process.Kill()
		_ = s.watchdog.Wait()
	}
	var errs []error
	if _, err := os.Stat(filepath.Join(s.DataDir, "postmaster.pid")); err == nil {
		// A fast stop ends sessions cleanly; immediate is the fallback for a wedged server.
		if out, err := s.run.pgctl(context.Background(), "stop", "-D", s.DataDir, "-m", "fast", "-w", "-t", "30"); err != nil {
			if _, err2 := s.run.pgctl(context.Background(), "stop", "-D", s.DataDir, "-m", "immediate", "-w", "-t", "30"); err2 != nil {
				errs = append(errs, fmt.Errorf("pg_ctl stop: %w: %s", err, out))
			}
		}
	}
	if err := os.RemoveAll(s.root); err != nil {
		errs = append(errs, fmt.Errorf("removing %s: %w", s.root, err))
	}
	return errors.Join(errs...)
}

// prepare writes the TLS files, runs initdb and writes the server configuration.
func (s *Server) prepare(ctx context.Context, pki *pkiMaterial, opts Options) error {
	tlsDir := filepath.Join(s.root, "tls")
	for _, dir := range []string{tlsDir, s.socketDir} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	files := map[string]string{"ca.crt": pki.ca, "server.crt": pki.serverCert, "server.key": pki.serverKey}
	for name, content := range files {
		// PostgreSQL refuses a key file readable by others; 0600 suits all three.
		if err := os.WriteFile(filepath.Join(tlsDir, name), []byte(content), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if err := s.run.handOver(ctx, s.root); err != nil {
		return err
	}

	if out, err := s.run.tool(ctx, "initdb", "-D", s.DataDir, "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return fmt.Errorf("initdb failed: %w\n%s", err, out)
	}

	maxConns := opts.MaxConnections
	if maxConns <= 0 {
		maxConns = defaultMaxConnections
	}
	conf := strings.Join([]string{
		"",
		"# Added by pgserver: a throwaway cluster tuned for speed over durability.",
		"listen_addresses = '127.0.0.1'",
		"unix_socket_directories = " + confString(s.socketDir),
		"ssl = on",
		"ssl_cert_file = " + confString(filepath.Join(tlsDir, "server.crt")),
		"ssl_key_file = " + confString(filepath.Join(tlsDir, "server.key")),
		"ssl_ca_file = " + confString(filepath.Join(tlsDir, "ca.crt")),
		"password_encryption = 'scram-sha-256'",
		"max_connections = " + strconv.Itoa(maxConns),
		"shared_buffers = '16MB'",
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
		"",
	}, "\n")
	if err := appendFile(filepath.Join(s.DataDir, "postgresql.conf"), conf); err != nil {
		return err
	}
	// First match wins: certificate login for CertUser over TLS, SCRAM for everyone else over
	// TLS or plain TCP, and trust on the socket for our own setup connection.
	hba := strings.Join([]string{
		"# Written by pgserver.",
		"local   all  all                         trust",
		"hostssl all  " + DefaultCertUser + "  127.0.0.1/32  cert",
		"host    all  all        127.0.0.1/32  scram-sha-256",
		"",
	}, "\n")
	if err := os.WriteFile(filepath.Join(s.DataDir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("writing pg_hba.conf: %w", err)
	}
	return nil
}

// startPostmaster starts the server on a free port, retrying with another port if the chosen
// one was taken in the meantime.
func (s *Server) startPostmaster(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		port, portErr := freePort(ctx)
		if portErr != nil {
			return portErr
		}
		_ = os.Remove(s.logFile) // so that a retry reads only its own log lines
		out, err := s.run.pgctl(ctx, "start", "-D", s.DataDir, "-l", s.logFile, "-w",
			"-t", strconv.Itoa(int(readyTimeout/time.Second)), "-o", "-p "+strconv.Itoa(port))
		if err == nil {
			s.Port = port
			return nil
		}
		log := s.logTail()
		if attempt < portAttempts && strings.Contains(log, "could not bind") {
			continue
		}
		return fmt.Errorf("PostgreSQL did not start: pg_ctl: %w\n%s\nserver log:\n%s", err, out, log)
	}
}

// createRoles connects over the Unix socket as the superuser, creates the roles and database,
// and records the server version. Connecting also proves the server is ready.
func (s *Server) createRoles(ctx context.Context) error {
	conn, err := s.connectSuperuser(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }() // the setup is done or failed either way

	// Each statement on its own: CREATE DATABASE cannot run inside the implicit transaction
	// of a multi-statement query. The server computes the SCRAM-SHA-256 secret from the
	// password (password_encryption). The password travels only on this socket connection,
	// never in a process's arguments, and this session logs no statement, so the server log
	// never holds it, even if ALTER ROLE fails. ALTER ROLE takes no bind parameter: the
	// password is a quoted literal (random hex, quoted anyway).
	statements := []string{
		"SET log_statement = 'none'",
		"SET log_min_error_statement = 'panic'",
		"SET log_min_duration_statement = -1",
		"SET password_encryption = 'scram-sha-256'",
		"CREATE ROLE " + s.PasswordUser + " LOGIN",
		"ALTER ROLE " + s.PasswordUser + " PASSWORD '" + strings.ReplaceAll(s.Password, "'", "''") + "'",
		"CREATE ROLE " + s.CertUser + " LOGIN",
		"CREATE DATABASE " + s.Database + " OWNER " + s.PasswordUser,
		"GRANT CONNECT ON DATABASE " + s.Database + " TO " + s.CertUser,
	}
	for i, sql := range statements {
		if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
			// A statement holds the password: name what failed without quoting it.
			return fmt.Errorf("setting up roles (step %d of %d): %w", i+1, len(statements), err)
		}
	}
	results, err := conn.Exec(ctx, "SHOW server_version").ReadAll()
	if err != nil {
		return fmt.Errorf("reading the server version: %w", err)
	}
	if len(results) != 1 || len(results[0].Rows) != 1 {
		return errors.New("reading the server version: SHOW server_version returned no row")
	}
	s.version = string(results[0].Rows[0][0])
	return nil
}

// connectSuperuser polls until the server accepts a socket connection. pg_ctl -w has already
// waited for startup, so this normally succeeds at once; polling covers the window where the
// server still answers "the database system is starting up".
func (s *Server) connectSuperuser(ctx context.Context) (*pgconn.PgConn, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// "sslmode=disable" keeps PGSSLMODE and friends in the environment from adding TLS files;
	// every field that matters is set explicitly below.
	cfg, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, fmt.Errorf("preparing the setup connection: %w", err)
	}
	cfg.Host, cfg.Port = s.socketDir, uint16(s.Port) //nolint:gosec // G115: a port the kernel chose
	cfg.User, cfg.Database, cfg.Password = superuser, "postgres", ""
	cfg.TLSConfig, cfg.Fallbacks = nil, nil
	cfg.RuntimeParams = map[string]string{"application_name": "pgserver-setup"}

	delay := 20 * time.Millisecond
	for {
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("PostgreSQL did not accept connections on %s within %s: %w; server log:\n%s",
				s.socketDir, readyTimeout, err, s.logTail())
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// logTail returns the last lines of the server log, for error messages.
func (s *Server) logTail() string {
	data, err := os.ReadFile(s.logFile)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// freePort asks the kernel for a free loopback port. Another process may take it before the
// server binds it; startPostmaster retries in that case.
func freePort(ctx context.Context) (int, error) {
	l, err := new(net.ListenConfig).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
	}
	addr, _ := l.Addr().(*net.TCPAddr) // a "tcp" listener always has one
	port := addr.Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("releasing probe port %d: %w", port, err)
	}
	return port, nil
}

// confString quotes a postgresql.conf string value.
func confString(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0) //nolint:gosec // G304: a file of the cluster we created
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		_ = f.Close() // the write error is the one to report
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
