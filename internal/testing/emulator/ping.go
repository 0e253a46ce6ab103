package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Pinger tests that a connection's database can be reached with its settings. It returns nil
// on success. Returning a *PingError chooses the error code of the API's answer; any other
// error is reported with code "connection_failed" and its text as the message, so that text
// must never hold the password.
type Pinger func(ctx context.Context, target PingTarget) error

// PingTarget is what a Pinger tests: the stored settings with their real, unmasked secrets.
type PingTarget struct {
	Host     string
	Port     int // 5432 when the document has none
	Database string
	User     string
	Password string
	// SSL is nil when SSL is off: rdbms.useSSL is false, or absent without an rdbms.ssl object.
	SSL              *PingSSL
	DisableStrictSSL bool
	Options          []PingOption
}

// PingSSL is the PEM material of rdbms.ssl.
type PingSSL struct {
	CA, Cert, Key, Passphrase string
}

// PingOption is one driver property of rdbms.options.
type PingOption struct {
	Name, Value string
}

// PingError is a failed connection test as the API reports it: a Code (a string, or a number
// such as 401, as the real service sometimes sends) and a Message.
type PingError struct {
	Code    any
	Message string
}

func (e *PingError) Error() string { return e.Message }

// DialPinger returns the default Pinger: it only checks that host:port accepts a TCP
// connection within timeout, which proves nothing about credentials or TLS.
func DialPinger(timeout time.Duration) Pinger {
	return func(ctx context.Context, t PingTarget) error {
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(t.Host, strconv.Itoa(t.Port)))
		if err != nil {
			return err
		}
		return conn.Close()
	}
}

// pingJob is a connection test prepared under s.mu and run without it. failure is set when the
// outcome is known without dialling (an offline agent, an untestable database type).
type pingJob struct {
	target  PingTarget
	failure *PingError
}

// preparePing reads what a test of doc needs. The caller holds s.mu and doc passed validation.
func (s *Server) preparePing(doc map[string]any) pingJob {
	rdbms, _ := doc["rdbms"].(map[string]any)
	if typ, _ := doc["type"].(string); typ != "rdbms" {
		return pingJob{failure: &PingError{Code: codeConnectionFailed,
			Message: fmt.Sprintf("this emulator can test only postgresql connections, not connections of type %q", typ)}}
	}
	if typ, _ := rdbms["type"].(string); typ != "postgresql" {
		return pingJob{failure: &PingError{Code: codeConnectionFailed,
			Message: fmt.Sprintf("this emulator can test only postgresql connections, not %q", typ)}}
	}
	if agentID, _ := doc["_agentId"].(string); agentID != "" {
		if failure := s.agentUnavailable(agentID); failure != nil {
			return pingJob{failure: failure}
		}
	}
	return pingJob{target: pingTargetOf(rdbms)}
}

// agentUnavailable explains why an on-premise connection cannot be reached through its agent,
// or returns nil when the agent is online. The caller holds s.mu.
func (s *Server) agentUnavailable(id string) *PingError {
	e, ok := s.agents.get(id)
	if !ok {
		return &PingError{Code: codeConnectionFailed, Message: fmt.Sprintf("on-premise agent %s no longer exists", id)}
	}
	if offline, _ := e.doc["offline"].(bool); !offline {
		return nil
	}
	name, _ := e.doc["name"].(string)
	heartbeat := "it has never connected"
	if at, _ := e.doc["lastHeartbeatAt"].(string); at != "" {
		heartbeat = "last heartbeat at " + at
	}
	return &PingError{Code: codeConnectionFailed,
		Message: fmt.Sprintf("on-premise agent %q (%s) is offline: %s", name, id, heartbeat)}
}

func pingTargetOf(rdbms map[string]any) PingTarget {
	text := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	t := PingTarget{
		Host:     text(rdbms, "host"),
		Port:     defaultPort,
		Database: text(rdbms, "database"),
		User:     text(rdbms, "user"),
		Password: text(rdbms, "password"),
	}
	if p, ok := wholeNumber(rdbms["port"], true); ok {
		t.Port = int(p)
	}
	// rdbms.useSSL, the UI's box, decides when the document has it; otherwise an ssl object does.
	ssl, hasSSL := rdbms["ssl"].(map[string]any)
	useSSL, hasUseSSL := rdbms["useSSL"].(bool)
	if hasUseSSL && useSSL && !hasSSL {
		ssl, hasSSL = map[string]any{}, true
	}
	if hasSSL && (!hasUseSSL || useSSL) {
		t.SSL = &PingSSL{CA: text(ssl, "ca"), Cert: text(ssl, "cert"), Key: text(ssl, "key"), Passphrase: text(ssl, "passphrase")}
	}
	t.DisableStrictSSL, _ = rdbms["disableStrictSSL"].(bool)
	options, _ := rdbms["options"].([]any)
	for _, o := range options {
		if o, ok := o.(map[string]any); ok {
			t.Options = append(t.Options, PingOption{Name: text(o, "name"), Value: text(o, "value")})
		}
	}
	return t
}

// runPing runs job and returns nil on success or the failure to report.
func (s *Server) runPing(ctx context.Context, job pingJob) *PingError {
	if job.failure != nil {
		return job.failure
	}
	err := s.cfg.Pinger(ctx, job.target)
	if err == nil {
		return nil
	}
	if pe, ok := errors.AsType[*PingError](err); ok {
		return pe
	}
	return &PingError{Code: codeConnectionFailed, Message: err.Error()}
}
