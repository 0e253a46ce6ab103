package pgcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// Kind says what went wrong, so callers can react without parsing messages.
type Kind string

// The kinds of failure Check reports.
const (
	KindDNS                Kind = "dns"                  // the host name does not resolve
	KindRefused            Kind = "refused"              // nothing listens on host:port
	KindTimeout            Kind = "timeout"              // no answer, or the server kept starting up, until the timeout
	KindTLSUnsupported     Kind = "tls_unsupported"      // the server does not accept TLS
	KindServerCertificate  Kind = "server_certificate"   // the server certificate is not trusted or does not match the host
	KindClientCertificate  Kind = "client_certificate"   // the server rejected the client certificate, or it cannot be used
	KindAuthentication     Kind = "authentication"       // user, password or pg_hba.conf rejected the login
	KindDatabaseMissing    Kind = "database_missing"     // the database does not exist
	KindTooManyConnections Kind = "too_many_connections" // the server has no free connection slot
	KindUnverifiedServer   Kind = "unverified_server"    // a server not verified asked for the password in a way that reveals it
	KindOther              Kind = "other"                // anything else
)

// Failure is the error Check returns. Message says what failed and Hint what to do about it;
// neither holds the password, the private key or its passphrase.
type Failure struct {
	Kind     Kind
	Message  string
	Hint     string
	SQLState string // the server's error code, when the server reported the failure
	Attempts int    // connection attempts made
	Err      error  // the underlying error, for errors.Is and errors.As
}

// Error returns the message followed by the hint.
func (f *Failure) Error() string {
	if f.Hint == "" {
		return f.Message
	}
	return f.Message + ". " + f.Hint
}

// Unwrap returns the underlying error.
func (f *Failure) Unwrap() error { return f.Err }

// Hints shared by several failures.
const (
	hintServerCA = "Set ssl_ca to the PEM of the CA certificate that signed the server certificate (the database " +
		"administrator has it; for a cloud database, the provider's CA bundle). Only if you cannot get it, set " +
		"ssl_verify_server_certificate = false: the connection is then encrypted but the server is not verified."
	hintCAWithoutHostName = "ssl_ca is checked even with ssl_verify_server_certificate = false (only the host name is not): " +
		"set it to the PEM of the CA certificate that signed the server certificate, or remove it to connect without verifying the server."
	hintClientCertificate = "Set ssl_certificate and ssl_key to a client certificate signed by a CA the " +
		"server trusts (its ssl_ca_file), whose common name is the user name."
)

// classify turns an attempt's error into a Failure, and says whether trying again may help.
// More specific causes are tested first: with a host that resolves to several addresses the
// error joins one per address, and the server's own verdict is worth more than a refusal.
func (c *checker) classify(err error, st *attemptState) (*Failure, bool) {
	s := c.settings
	var (
		pgErr     *pgconn.PgError
		opErr     *net.OpError
		authErr   x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		verifyErr *tls.CertificateVerificationError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.As(err, &pgErr):
		return c.serverError(pgErr, err)

	case errors.As(err, &opErr) && opErr.Op == "remote error" && strings.Contains(opErr.Err.Error(), "certificate"):
		// A TLS alert from the server about our certificate, such as "unknown certificate
		// authority": the server's TLS layer rejected it before PostgreSQL saw the login.
		return c.newFailure(KindClientCertificate,
			fmt.Sprintf("%s rejected the client certificate during the TLS handshake (%s)", c.addr, opErr.Err),
			hintClientCertificate, err), false

	case st.certRequested && st.handshakeDone && isDropped(err):
		// The same rejection when its alert was lost: the server closed the connection
		// right after verifying our certificate, before PostgreSQL said anything.
		return c.newFailure(KindClientCertificate,
			fmt.Sprintf("%s closed the connection right after receiving the client certificate, so it most likely rejected the certificate", c.addr),
			hintClientCertificate, err), false

	case s.guardsPassword() && isPasswordGuard(err):
		return c.unverifiedServer(err), false

	case errors.As(err, &authErr):
		source, hint := "the configured ssl_ca", hintServerCA
		if s.SSL.CA == "" {
			source = "a CA this machine trusts (ssl_ca is not set, so the system CAs were used)"
		} else if !s.VerifyServerCertificate {
			hint = hintCAWithoutHostName
		}
		return c.newFailure(KindServerCertificate,
			fmt.Sprintf("the server certificate of %s is not signed by %s", c.addr, source), hint, err), false

	case errors.As(err, &hostErr):
		return c.newFailure(KindServerCertificate,
			fmt.Sprintf("the server certificate of %s does not match the host: %s", c.addr, strings.TrimPrefix(hostErr.Error(), "x509: ")),
			"Connect using a host name the certificate lists, or set ssl_verify_server_certificate = false to skip verification.", err), false

	case errors.As(err, &invalid):
		return c.newFailure(KindServerCertificate,
			fmt.Sprintf("the server certificate of %s is not valid: %s", c.addr, strings.TrimPrefix(invalid.Error(), "x509: ")),
			"Renew the server certificate or correct this machine's clock, or set ssl_verify_server_certificate = false to skip verification.", err), false

	case errors.As(err, &verifyErr):
		return c.newFailure(KindServerCertificate,
			fmt.Sprintf("the server certificate of %s could not be verified: %s", c.addr, verifyErr.Err), hintServerCA, err), false

	case strings.Contains(err.Error(), "server refused TLS connection"):
		// pgconn's text when the server answers 'N' to SSLRequest; it has no error type.
		return c.newFailure(KindTLSUnsupported,
			fmt.Sprintf("PostgreSQL at %s does not accept TLS connections", c.addr),
			"Set use_ssl = false, or enable TLS on the server (ssl = on in postgresql.conf).", err), false

	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return c.newFailure(KindDNS, fmt.Sprintf("host %q does not resolve", s.Host),
				`Check the host name. A database reachable only inside your own network needs mode = "on_premise" and an integrator.io agent.`, err), false
		}
		return c.newFailure(KindDNS, fmt.Sprintf("host %q could not be resolved: %s", s.Host, dnsErr.Err),
			"Check the host name and this machine's DNS settings.", err), dnsErr.IsTimeout || dnsErr.IsTemporary

	case isTimeout(err):
		return c.newFailure(KindTimeout, fmt.Sprintf("no answer from %s within %s", c.addr, c.budget),
			"Check the host and port, that a firewall or security group lets this machine reach the server, "+
				"and that the server is not overloaded; or raise the timeout.", err), true

	case errors.Is(err, syscall.ECONNREFUSED):
		return c.newFailure(KindRefused, fmt.Sprintf("connection refused by %s", c.addr),
			"Check the port, that PostgreSQL is running and listening on that address (listen_addresses), "+
				"and that no firewall rejects the connection.", err), true
	}
	return c.newFailure(KindOther, fmt.Sprintf("connecting to %s failed: %s", c.addr, err),
		"Check that host and port point at a PostgreSQL server.", err), false
}

// isPasswordGuard reports pgconn's refusal, under require_auth or channel_binding = require, of a
// server that asked for something else. pgconn gives these errors no type, so this reads their
// text; TestCheckKeepsPasswordFromUnverifiedServer fails if it changes.
func isPasswordGuard(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "require_auth check failed") || strings.Contains(msg, "channel binding")
}

// unverifiedServer reports a server whose identity is not verified that asked for the password
// in a way that would reveal it: nothing was sent.
func (c *checker) unverifiedServer(err error) *Failure {
	s := c.settings
	var message, hint string
	if s.UseSSL {
		message = fmt.Sprintf("the password was not sent: %s did not offer SCRAM-SHA-256-PLUS authentication (SCRAM with "+
			"channel binding), and its certificate is not verified (ssl_verify_server_certificate = false without ssl_ca), so "+
			"any server between here and the database could have asked for the password and kept it", c.addr)
		hint = "Set ssl_ca to the PEM of the CA certificate that signed the server certificate: it is checked even with " +
			"ssl_verify_server_certificate = false (only the host name is not). Or have the server use scram-sha-256 in " +
			"pg_hba.conf (PostgreSQL 11 and later then offer channel binding over TLS). To send the password to this server " +
			"anyway, set connectivity_check = { allow_password_to_unverified_server = true } in the provider block."
	} else {
		message = fmt.Sprintf("the password was not sent: %s asked for it in cleartext or as MD5 over a connection without TLS "+
			"(use_ssl = false), so anyone on the network path could have asked for it, or read it", c.addr)
		hint = "Set use_ssl = true with ssl_ca, so the server is verified; or have the server use scram-sha-256 in pg_hba.conf " +
			"(SCRAM never sends the password). To send the password to this server anyway, set " +
			"connectivity_check = { allow_password_to_unverified_server = true } in the provider block."
	}
	return c.newFailure(KindUnverifiedServer, message, hint, err)
}

// serverError classifies an error reported by PostgreSQL itself.
func (c *checker) serverError(pgErr *pgconn.PgError, err error) (*Failure, bool) {
	s := c.settings
	var f *Failure
	transient := false
	switch pgErr.Code {
	case pgerrcode.InvalidPassword:
		f = c.newFailure(KindAuthentication, fmt.Sprintf("PostgreSQL rejected the password of user %q", s.User),
			"Check user and password; both are case-sensitive.", err)
	case pgerrcode.InvalidAuthorizationSpecification:
		switch {
		case strings.Contains(pgErr.Message, "certificate"):
			f = c.newFailure(KindClientCertificate,
				fmt.Sprintf("PostgreSQL rejected the client certificate for user %q: %s", s.User, pgErr.Message),
				hintClientCertificate, err)
		case strings.Contains(pgErr.Message, "pg_hba.conf"):
			f = c.newFailure(KindAuthentication,
				fmt.Sprintf("PostgreSQL does not let user %q connect from this machine: %s", s.User, pgErr.Message),
				"Ask the database administrator for a pg_hba.conf entry for this user, database and address; "+
					"if only TLS connections are allowed (hostssl), set use_ssl = true.", err)
		default:
			f = c.newFailure(KindAuthentication, fmt.Sprintf("PostgreSQL rejected user %q: %s", s.User, pgErr.Message),
				"Check that the role exists and may log in (LOGIN).", err)
		}
	case pgerrcode.InsufficientPrivilege: // no CONNECT on the database
		f = c.newFailure(KindAuthentication,
			fmt.Sprintf("user %q may not connect to database %q: %s", s.User, s.Database, pgErr.Message),
			fmt.Sprintf("Grant it: GRANT CONNECT ON DATABASE %q TO %q.", s.Database, s.User), err)
	case pgerrcode.InvalidCatalogName:
		f = c.newFailure(KindDatabaseMissing, fmt.Sprintf("database %q does not exist on %s", c.databaseName(), c.addr),
			"Check the database name (it is case-sensitive), or create the database.", err)
	case pgerrcode.TooManyConnections: // other sessions may end soon, so it is retried
		f = c.newFailure(KindTooManyConnections,
			fmt.Sprintf("PostgreSQL at %s has no free connection slot: %s", c.addr, pgErr.Message),
			"Close idle sessions or raise max_connections on the server, then try again.", err)
		transient = true
	case pgerrcode.CannotConnectNow: // starting up, shutting down or in recovery
		f = c.newFailure(KindTimeout, fmt.Sprintf("PostgreSQL at %s was not ready within %s: %s", c.addr, c.budget, pgErr.Message),
			"Wait until the server has finished starting up or recovering, or raise the timeout.", err)
		transient = true
	default:
		f = c.newFailure(KindOther, fmt.Sprintf("PostgreSQL error SQLSTATE %s: %s", pgErr.Code, pgErr.Message),
			"The server log on the database host has details.", err)
	}
	f.SQLState = pgErr.Code
	return f, transient
}

// databaseName is the database PostgreSQL was asked for: an empty one defaults to the user name.
func (c *checker) databaseName() string {
	if c.settings.Database == "" {
		return c.settings.User
	}
	return c.settings.Database
}

// tlsMaterialFailure reports TLS material that cannot be used. tlsmaterial names the setting
// at fault at the start of its messages.
func (c *checker) tlsMaterialFailure(err error) *Failure {
	kind := KindOther
	switch msg := err.Error(); {
	case errors.Is(err, tlsmaterial.ErrPassphraseRequired), errors.Is(err, tlsmaterial.ErrWrongPassphrase),
		strings.HasPrefix(msg, "ssl_certificate"), strings.HasPrefix(msg, "ssl_key"):
		kind = KindClientCertificate
	case strings.HasPrefix(msg, "ssl_ca"):
		kind = KindServerCertificate
	}
	return c.newFailure(kind, "the TLS settings cannot be used: "+err.Error(), "Correct the setting the message names.", err)
}

func (c *checker) invalid(message, hint string) *Failure {
	return c.newFailure(KindOther, message, hint, nil)
}

func (c *checker) cancelled(err error, attempts int) *Failure {
	f := c.newFailure(KindOther, fmt.Sprintf("the check of %s was cancelled", c.addr), "", err)
	f.Attempts = attempts
	return f
}

// newFailure builds a Failure, removing secrets from the texts. The texts quote pgx and
// server errors, which are not known to hold secrets, but a check must never be the way a
// password leaks, so this does not rely on it.
func (c *checker) newFailure(kind Kind, message, hint string, err error) *Failure {
	secrets := []string{c.settings.Password, c.settings.SSL.Key, c.settings.SSL.Passphrase}
	return &Failure{Kind: kind, Message: redact(message, secrets), Hint: redact(hint, secrets), Err: err}
}

// minSecretLen is the shortest secret redact hides: replacing every "a" of a message for a
// one-letter password would garble it and hide nothing.
const minSecretLen = 4

func redact(text string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) >= minSecretLen {
			text = strings.ReplaceAll(text, secret, "*****")
		}
	}
	return text
}

// isDropped reports a connection the server closed or reset.
func isDropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func isTimeout(err error) bool {
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
