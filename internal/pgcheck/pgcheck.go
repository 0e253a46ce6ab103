// Package pgcheck tells whether a PostgreSQL server accepts a login with given settings, and
// if not, why, in terms a Terraform user can act on.
//
// Check connects with pgx, runs SHOW server_version and disconnects. Failures come back as
// *Failure with a Kind, a message and a hint. Transient failures (no answer, server starting
// up, no free connection slot) are retried with backoff until Settings.Timeout, a refused connection only for
// RefusedRetryWindow; others are reported at once. No error text ever holds the password, key
// or passphrase, and the password never travels in a connection string: the pgx configuration is
// filled field by field.
package pgcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// DefaultTimeout bounds a check, retries included, when Settings.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// DefaultPort is used when Settings.Port is zero.
const DefaultPort = 5432

// applicationName identifies the check in pg_stat_activity and server logs, unless
// Settings.Options sets application_name.
const applicationName = "integratorio-connection-check"

// Backoff between attempts: doubled after each transient failure, from first up to most.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// RefusedRetryWindow is how long a refused connection is retried, within the timeout: long
// enough for a server that is restarting, short enough that a wrong port fails fast.
const RefusedRetryWindow = 3 * time.Second

// maxAttemptTimeout bounds one attempt, so a server that accepts TCP but never answers still
// leaves time to try again within the default timeout.
const maxAttemptTimeout = 10 * time.Second

// Settings are the connection settings to check.
type Settings struct {
	Host     string // host name or IP address
	Port     int    // 0 means DefaultPort
	Database string // empty means the server's default: the user name
	User     string
	Password string // empty for certificate login

	// UseSSL requires TLS, with no plaintext fallback. Without it the connection is plain TCP
	// and SSL is ignored.
	UseSSL bool
	SSL    tlsmaterial.Material
	// VerifyServerCertificate checks that the server certificate chains to SSL.CA (or the
	// system CAs when SSL.CA is empty) and matches Host, as libpq's sslmode=verify-full.
	VerifyServerCertificate bool

	// AllowPasswordToUnverifiedServer lets the check answer a request for the password in
	// cleartext or MD5 (and SCRAM without channel binding over TLS) from a server whose identity
	// is not verified. Without it such a server gets no password; see ServerVerified.
	AllowPasswordToUnverifiedServer bool

	// Options are integrator.io's driver options (rdbms.options), such as connectTimeout,
	// application_name or statement_timeout: the check applies those it can (see optionKind)
	// and names the others in Result.NotTried. They may not set user, database or password.
	Options map[string]string

	// Timeout bounds the whole check, retries included; 0 means DefaultTimeout.
	Timeout time.Duration
}

// ServerVerified reports whether the check knows whom it talks to: TLS with the server
// certificate checked against SSL.CA (with or without its host name) or, with
// VerifyServerCertificate, against the system CAs.
//
// A password goes to a server that is not verified only in a way that does not reveal it,
// unless AllowPasswordToUnverifiedServer is set: over TLS, SCRAM-SHA-256-PLUS, whose channel
// binding also fails when someone in the middle holds the TLS session; without TLS,
// SCRAM-SHA-256. A request for the password in cleartext or as MD5 (which a listener can replay
// or crack) is refused before anything is sent.
func (s Settings) ServerVerified() bool {
	return s.UseSSL && (s.VerifyServerCertificate || s.SSL.CA != "")
}

// guardsPassword reports whether the check must keep the password from a server that is not
// verified.
func (s Settings) guardsPassword() bool {
	return s.Password != "" && !s.ServerVerified() && !s.AllowPasswordToUnverifiedServer
}

// String describes s without its secrets, so that logging Settings by mistake leaks nothing.
func (s Settings) String() string {
	password := "<unset>"
	if s.Password != "" {
		password = "<redacted>"
	}
	return fmt.Sprintf("pgcheck.Settings{Host:%q Port:%d Database:%q User:%q Password:%s UseSSL:%t SSL:%s VerifyServerCertificate:%t AllowPasswordToUnverifiedServer:%t Options:%d Timeout:%s}",
		s.Host, s.Port, s.Database, s.User, password, s.UseSSL, s.SSL, s.VerifyServerCertificate, s.AllowPasswordToUnverifiedServer, len(s.Options), s.Timeout)
}

// GoString hides secrets from %#v as String does from %v.
func (s Settings) GoString() string { return s.String() }

// Result describes a successful check.
type Result struct {
	ServerVersion string        // server_version, such as "15.14 (Debian 15.14-0+deb12u1)"
	TLS           bool          // whether the session was encrypted
	Attempts      int           // connection attempts made, 1 when the first succeeded
	Duration      time.Duration // from the start of the check to its success
	NotTried      []NotTried    // options the check could not apply from here, in name order
}

// Check connects to the server described by s, logs in, asks for the server version and
// disconnects. Transient failures are retried until s.Timeout or until ctx ends. Every error
// returned is a *Failure.
func Check(ctx context.Context, s Settings) (*Result, error) {
	start := time.Now()
	if s.Port == 0 {
		s.Port = DefaultPort
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &checker{settings: s, addr: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), budget: timeout, options: planOptions(s.Options)}
	if d, ok := ctx.Deadline(); ok && d.Sub(start) < c.budget {
		c.budget = max(d.Sub(start).Round(time.Millisecond), 0)
	}

	cfg, f := c.config()
	if f != nil {
		return nil, f
	}
	cfg.ConnectTimeout = min(timeout/3, maxAttemptTimeout)
	if d := c.options.connectTimeout; d > 0 {
		cfg.ConnectTimeout = min(cfg.ConnectTimeout, d)
	}

	deadlineCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last *Failure // the latest transient failure
	backoff := firstBackoff
	// A refusal is retried only for RefusedRetryWindow: it is more often a wrong port than a restart.
	refusedUntil := start.Add(RefusedRetryWindow)
	giveUp := func(f *Failure) (*Result, error) {
		if f.Kind == KindRefused {
			f.Hint = fmt.Sprintf("Refused %d times over %s (a restarting server would have answered by then). %s",
				f.Attempts, time.Since(start).Round(100*time.Millisecond), f.Hint)
		}
		return nil, f
	}
	for attempt := 1; ; attempt++ {
		result, st, err := c.attempt(deadlineCtx, cfg)
		var optionFailure *Failure // a verdict on an option's value, not on the login
		if errors.As(err, &optionFailure) {
			optionFailure.Attempts = attempt
			return nil, optionFailure
		}
		if err == nil {
			result.Attempts = attempt
			result.Duration = time.Since(start)
			result.NotTried = append(slices.Clip(c.options.notTried), result.NotTried...)
			slices.SortFunc(result.NotTried, func(a, b NotTried) int { return strings.Compare(a.Name, b.Name) })
			return result, nil
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, c.cancelled(ctx.Err(), attempt)
		}
		f, transient := c.classify(err, st)
		f.Attempts = attempt
		if deadlineCtx.Err() != nil && last != nil && isTimeout(err) {
			// The deadline cut this attempt short, so its timeout says less than the
			// previous attempt's failure, such as a refusal.
			last.Attempts = attempt
			return giveUp(last)
		}
		if !transient || deadlineCtx.Err() != nil || (f.Kind == KindRefused && time.Now().Add(backoff).After(refusedUntil)) {
			return giveUp(f)
		}
		last = f
		// Wait, but never past the deadline: an attempt started then could only time out.
		timer := time.NewTimer(backoff)
		select {
		case <-deadlineCtx.Done():
			timer.Stop()
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, c.cancelled(ctx.Err(), attempt)
			}
			return giveUp(f)
		case <-timer.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// checker holds what one Check needs across attempts.
type checker struct {
	settings Settings
	addr     string        // host:port, as shown in messages
	budget   time.Duration // time the check may take, as shown in messages
	options  plannedOptions
}

// config builds the pgconn configuration from the settings.
func (c *checker) config() (*pgconn.Config, *Failure) {
	s := c.settings
	if s.Host == "" {
		return nil, c.invalid("no host given", "Set host to the name or IP address of the PostgreSQL server.")
	}
	if s.Port < 1 || s.Port > 65535 {
		return nil, c.invalid(fmt.Sprintf("port %d is out of range", s.Port), "Set port to a number from 1 to 65535; PostgreSQL's default is 5432.")
	}
	if s.User == "" {
		return nil, c.invalid("no user given", "Set user to the PostgreSQL role to log in as.")
	}
	for _, reserved := range []string{"user", "database", "password"} {
		if _, ok := s.Options[reserved]; ok {
			return nil, c.invalid(fmt.Sprintf("option %q cannot be set in options", reserved),
				fmt.Sprintf("Remove it from options and use the %s setting instead.", reserved))
		}
	}

	// ParseConfig is the only way to obtain a usable Config. The constant connection string
	// overrides PGHOST, PGPORT and PGSSLMODE from the environment (which could otherwise make
	// parsing fail or read certificate files); every field that matters is then set below,
	// so the check behaves the same on every machine.
	cfg, err := pgconn.ParseConfig("host=localhost port=5432 sslmode=disable")
	if err != nil {
		return nil, c.newFailure(KindOther, "preparing the connection settings failed: "+err.Error(),
			"Unset PG* environment variables that hold invalid values.", err)
	}
	cfg.Host = s.Host
	cfg.Port = uint16(s.Port)
	cfg.Database = s.Database
	cfg.User = s.User
	cfg.Password = s.Password
	cfg.Fallbacks = nil // no other host, and never a plaintext retry after TLS
	cfg.TLSConfig = nil
	cfg.ValidateConnect = nil
	cfg.SSLNegotiation = ""
	cfg.KerberosSrvName, cfg.KerberosSpn = "", ""
	cfg.RequireAuth = ""
	cfg.ChannelBinding = "prefer"
	cfg.RuntimeParams = map[string]string{"application_name": applicationName}
	if c.options.applicationName != "" {
		cfg.RuntimeParams["application_name"] = c.options.applicationName
	}
	if s.guardsPassword() {
		// pgconn refuses other methods before it sends anything (require_auth, channel_binding).
		cfg.RequireAuth = "scram-sha-256"
		if s.UseSSL {
			cfg.ChannelBinding = "require"
		}
	}
	if s.UseSSL {
		tlsConfig, err := s.SSL.ClientConfig(s.Host, s.VerifyServerCertificate)
		if err != nil {
			return nil, c.tlsMaterialFailure(err)
		}
		cfg.TLSConfig = tlsConfig
	}
	return cfg, nil
}

// attemptState records one attempt's TLS handshake, to explain a server that drops the
// connection without a word.
type attemptState struct {
	handshakeDone bool // the TLS handshake completed on our side
	certRequested bool // the server asked for our client certificate, and we sent it
}

// attempt makes one connection, runs the version query and disconnects.
func (c *checker) attempt(ctx context.Context, base *pgconn.Config) (*Result, *attemptState, error) {
	ctx, cancel := context.WithTimeout(ctx, base.ConnectTimeout)
	defer cancel()
	cfg, st := base.Copy(), &attemptState{}
	if cfg.TLSConfig != nil {
		if get := cfg.TLSConfig.GetClientCertificate; get != nil {
			cfg.TLSConfig.GetClientCertificate = func(info *tls.CertificateRequestInfo) (*tls.Certificate, error) {
				st.certRequested = true
				return get(info)
			}
		}
		// pgconn leaves the handshake to the first write. Completing it here tells a failed
		// handshake apart from what the server does after it: with TLS 1.3 a server rejects a
		// client certificate only after our side of the handshake is done, and its alert can
		// be lost when it closes the connection at once.
		cfg.AfterNetConnect = func(ctx context.Context, _ *pgconn.Config, conn net.Conn) (net.Conn, error) {
			if tlsConn, ok := conn.(*tls.Conn); ok {
				if err := tlsConn.HandshakeContext(ctx); err != nil {
					return conn, err // pgconn closes the returned conn on error
				}
				st.handshakeDone = true
			}
			return conn, nil
		}
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, st, err
	}
	// The answer is known by the time Close runs; a failed goodbye changes nothing.
	defer func() { _ = conn.Close(ctx) }()
	notTried, err := c.applyRunTimeOptions(ctx, conn, c.options.runTime)
	if err != nil {
		return nil, st, err
	}
	results, err := conn.Exec(ctx, "SHOW server_version").ReadAll()
	if err != nil {
		return nil, st, err
	}
	r := &Result{NotTried: notTried}
	if len(results) == 1 && len(results[0].Rows) == 1 && len(results[0].Rows[0]) == 1 {
		r.ServerVersion = string(results[0].Rows[0][0])
	}
	_, r.TLS = conn.Conn().(*tls.Conn)
	return r, st, nil
}
