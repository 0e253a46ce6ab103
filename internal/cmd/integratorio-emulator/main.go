// Command integratorio-emulator serves the integrator.io API emulator (internal/testing/emulator) on a
// loopback address, for trying the provider by hand, for tests that run it as a process, and for
// repositories that test their Terraform configuration without an integrator.io account.
//
//	integratorio-emulator -token secret -seed-agent edge-1
//
// It prints its base URL on the first line of stdout ("integrator.io emulator listening on
// http://127.0.0.1:8089/v1"), then one line per seeded agent, logs each request (method, path,
// status, duration; never tokens or bodies) to stderr, and stops cleanly on SIGINT or SIGTERM.
// The test controls are under /_emulator on the same address (-h lists them); they answer only
// requests addressed to a loopback host, and only with one of the API tokens as a bearer token
// (they hand out every stored secret unmasked, and any local process could otherwise ask);
// -controls-require-token=false drops the token rule on loopback, never with -allow-remote.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// tokenEnv is read when no -token is given, so the token need not appear in a process list.
const tokenEnv = "INTEGRATORIO_API_TOKEN"

const shutdownTimeout = 5 * time.Second

// defaultScope is the scope of -scoped-token when -scoped-token-scope is not given: what custom
// scopes are documented to list (integratorio-api.md); the real JSON shape is unpublished.
const defaultScope = `["connections","exports","imports","apis"]`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed command line.
type options struct {
	addr          string
	tokens        []string
	foreignTokens []string
	region        string
	pageSize      int
	latency       time.Duration
	seedAgents    []string
	allowRemote   bool
	stateFile     string          // -state: documents kept between restarts
	readingsFrom  string          // -readings: the file the modes were set from
	unplayed      []string        // readings of that file that no mode plays
	readings      emulator.Config // the fields of the API's open readings, and ControlsRequireToken
}

// listFlag is a repeatable flag that also takes comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// secretListFlag is a listFlag whose values never appear in usage or error text.
type secretListFlag struct{ listFlag }

func (s *secretListFlag) String() string { return "" }

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	var tokens, foreign, scoped secretListFlag
	var scope string
	var agents listFlag
	fs := flag.NewFlagSet("integratorio-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs, stderr) }
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8089", "loopback `host:port` to listen on; port 0 picks a free one")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "let -addr be a non-loopback address (a container's 0.0.0.0:8089, say); the controls then always require the token")
	fs.BoolVar(&o.readings.ControlsRequireToken, "controls-require-token", true, "the /_emulator controls require one of the API tokens (Authorization: Bearer <token>); "+
		"=false lets any local process read every stored secret, and is refused with -allow-remote")
	fs.Var(&tokens, "token", "API `token` to accept (repeatable or comma-separated; default $"+tokenEnv+")")
	fs.Var(&foreign, "foreign-token", "`token` of the other region, answered 401 naming that region (repeatable)")
	fs.StringVar(&o.region, "region", emulator.RegionUS, "region to play: us or eu")
	fs.IntVar(&o.pageSize, "page-size", emulator.DefaultPageSize, fmt.Sprintf("list page size, 1 to %d", emulator.MaxPageSize))
	fs.IntVar(&o.readings.MaxLimit, "max-limit", 0, "refuse (400 invalid_query_params) a list call whose limit is above this; 0: none")
	fs.BoolVar(&o.readings.CursorPaging, "cursor-paging", false, "next-page links carry after=<id> instead of skip")
	fs.DurationVar(&o.latency, "latency", 0, "delay added to every API request, e.g. 50ms")
	fs.Var(&agents, "seed-agent", "create an online agent with this `name` at start (repeatable); skipped when -state already holds one of that name")
	fs.StringVar(&o.stateFile, "state", "", "`file` that keeps connections, agents and agent tokens between restarts: read at start when it exists, "+
		"written at exit (secrets unencrypted, mode 0600)")
	// Readings of the API that its reference leaves open (see emulator.Config).
	fs.BoolVar(&o.readings.ReturnCertificates, "return-certificates", false, "return rdbms.ssl.ca and .cert as stored instead of masked")
	fs.BoolVar(&o.readings.OmitCertificates, "omit-certificates", false, "leave rdbms.ssl.ca and .cert out of answers instead of masking them")
	fs.BoolVar(&o.readings.DropEmptySSL, "drop-empty-ssl", false, "drop an rdbms.ssl object without CA, certificate or key on save")
	fs.BoolVar(&o.readings.DropUseSSL, "drop-use-ssl", false, "drop rdbms.useSSL on save instead of storing it")
	fs.BoolVar(&o.readings.DropExternalID, "drop-external-id", false, "drop the externalId a create sends instead of storing it")
	fs.BoolVar(&o.readings.ListOmitsExternalID, "list-omits-external-id", false, "leave externalId out of connection listings (a GET by id still shows it)")
	fs.BoolVar(&o.readings.SaveKeepsOffline, "save-keeps-offline", false, "a save leaves offline as it was (by default a clean save of an offline connection clears it)")
	fs.BoolVar(&o.readings.CreateOffline, "create-offline", false, "new connections are offline until their first test")
	fs.BoolVar(&o.readings.NoTestEndpoint, "no-test-endpoint", false, "answer 404 to POST /connections/{id}/test")
	fs.BoolVar(&o.readings.LegacySandbox, "legacy-sandbox", false, "new connections carry sandbox = false, as on a legacy production/sandbox account")
	fs.BoolVar(&o.readings.PasswordAlwaysRequired, "password-always-required", false, "refuse PostgreSQL connections without a password, even with certificate login")
	fs.BoolVar(&o.readings.RefuseServerSetFields, "refuse-server-set-fields", false, "answer 422 to a connection write carrying _id, createdAt, lastModified, lastModifiedBy or offline")
	fs.IntVar(&o.readings.PingFailureStatus, "ping-failure-status", http.StatusOK, "HTTP status of a failed connection test")
	fs.Var(&scoped, "scoped-token", "API `token` with a custom scope: its tokenInfo answers -scoped-token-scope, and /agents answers 403 (repeatable)")
	fs.StringVar(&scope, "scoped-token-scope", defaultScope, "the `JSON` GET /tokenInfo answers as the scope of each -scoped-token")
	fs.StringVar(&o.readings.LinkHost, "link-host", "", "`host[:port]` that next-page Link headers name instead of the one asked")
	fs.StringVar(&o.readingsFrom, "readings", "", "`file` of readings observed on a real account (make testacc-live writes bin/live-contract.json): "+
		"sets the modes below that play them, on top of those given as flags")
	fs.BoolVar(&o.readings.AgentOnlineField, "agent-online-field", false, "agent documents carry online instead of offline")
	fs.BoolVar(&o.readings.PingErrorsAsStrings, "ping-errors-as-strings", false, `a failed connection test answers {"errors":["<message>"]}`)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q: all settings are flags", fs.Args())
	}

	if o.allowRemote {
		if !o.readings.ControlsRequireToken {
			return o, errors.New("-controls-require-token=false cannot be used with -allow-remote: a client on another machine can send any Host header, so the token is all that guards the controls")
		}
	} else if err := checkLoopback(o.addr); err != nil {
		return o, err
	}
	o.tokens, o.foreignTokens, o.seedAgents = tokens.listFlag, foreign.listFlag, agents
	if len(o.tokens) == 0 {
		var fromEnv listFlag
		_ = fromEnv.Set(getenv(tokenEnv)) // Set never fails
		o.tokens = fromEnv
	}
	if len(o.tokens) == 0 {
		return o, fmt.Errorf("no API token to accept: pass -token <token> or set %s", tokenEnv)
	}
	if o.region != emulator.RegionUS && o.region != emulator.RegionEU {
		return o, fmt.Errorf("-region %q: use %q or %q", o.region, emulator.RegionUS, emulator.RegionEU)
	}
	if o.pageSize < 1 || o.pageSize > emulator.MaxPageSize {
		return o, fmt.Errorf("-page-size %d: use 1 to %d", o.pageSize, emulator.MaxPageSize)
	}
	if o.latency < 0 {
		return o, fmt.Errorf("-latency %v must not be negative", o.latency)
	}
	if !json.Valid([]byte(scope)) {
		return o, errors.New("-scoped-token-scope is not valid JSON")
	}
	if o.readingsFrom != "" {
		f, err := emulator.LoadReadings(o.readingsFrom)
		if err != nil {
			return o, fmt.Errorf("-readings: %w", err)
		}
		if o.unplayed, err = f.Play(&o.readings); err != nil {
			return o, fmt.Errorf("-readings %s: %w", o.readingsFrom, err)
		}
	}
	for _, t := range scoped.listFlag {
		if o.readings.ScopedTokens == nil {
			o.readings.ScopedTokens = map[string]string{}
		}
		o.readings.ScopedTokens[t] = scope
	}
	return o, nil
}

// checkLoopback refuses addresses reachable from other machines: the emulator accepts whatever
// tokens it is given and keeps database passwords in memory unencrypted.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q is not a loopback address: the emulator listens only on 127.0.0.1, [::1] or localhost, "+
			"because it holds secrets unencrypted and is meant for tests (-allow-remote lets it listen there, its controls "+
			"then requiring its token)", addr)
	}
	return nil
}

// usage is the -h text: what the emulator is and is not, its flags and its controls.
func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `integratorio-emulator: an EMULATOR of the integrator.io REST API, for tests. It is not integrator.io.

It serves /v1 as integrator.io's API reference describes it: tokens (bearer, two regions, custom
scopes), PostgreSQL and other connections (masking of secrets, PUT as a full replace, paging, 204s,
validation errors), connection tests that log in to the database for real, on-premise agents and
their tokens, and the per-account rate limit. Where the reference leaves a reading open, a flag
plays each one. It does NOT model: flows, exports, imports and anything else but connections and
agents; the agent program and its tunnel (an agent is online because a control says so, and an
on-premise connection is tested from this machine); the recycle bin; environments; the background
re-test of offline connections; users and permissions beyond the scopes. Everything is in memory
and lost at exit (unless -state keeps it in a file); secrets are held unencrypted, which is why it
listens on loopback only.

Usage:
  integratorio-emulator [flags]          (the token from -token or $`+tokenEnv+`)

Flags:
`)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Controls, on the same address (only for requests addressed to 127.0.0.1, [::1] or localhost, and
only with Authorization: Bearer <an API token>, unless -controls-require-token=false):
`)
	fmt.Fprint(w, emulator.ControlsHelp())
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "integratorio-emulator:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	cfg := o.readings
	cfg.Tokens, cfg.ForeignTokens, cfg.Region, cfg.PageSize = o.tokens, o.foreignTokens, o.region, o.pageSize
	srv := emulator.New(cfg)
	if err := srv.SetFaults(emulator.FaultConfig{Latency: o.latency}); err != nil {
		fmt.Fprintln(stderr, "integratorio-emulator:", err)
		return 2
	}
	if o.stateFile != "" {
		if err := restoreState(srv, o.stateFile); err != nil {
			fmt.Fprintln(stderr, "integratorio-emulator: -state:", err)
			return 2
		}
	}
	type seeded struct {
		name, id string
		kept     bool // from -state, as it was left
	}
	var agents []seeded
	for _, name := range o.seedAgents {
		if id, ok := agentNamed(srv, name); ok {
			agents = append(agents, seeded{name, id, true})
			continue
		}
		id, err := srv.AddAgent(emulator.AgentSpec{Name: name, Online: true})
		if err != nil {
			fmt.Fprintf(stderr, "integratorio-emulator: -seed-agent %q: %v\n", name, err)
			return 2
		}
		agents = append(agents, seeded{name, id, false})
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintln(stderr, "integratorio-emulator:", err)
		return 1
	}
	hs := &http.Server{
		Handler:           logRequests(srv, logger),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	fmt.Fprintf(stdout, "integrator.io emulator listening on http://%s/v1\n", ln.Addr())
	if o.readingsFrom != "" {
		logger.Info("modes set from the readings file", "file", o.readingsFrom, "played", strings.Join(emulator.PlayedReadings(), ","),
			"played one way only or not modes", strings.Join(o.unplayed, ","))
	}
	if o.allowRemote {
		logger.Warn("listening beyond loopback (-allow-remote): anyone who can reach this address and holds a token "+
			"can read every secret stored here through /_emulator", "addr", ln.Addr().String())
	}
	for _, a := range agents {
		if a.kept {
			fmt.Fprintf(stdout, "agent %q with id %s kept from -state\n", a.name, a.id)
		} else {
			fmt.Fprintf(stdout, "seeded online agent %q with id %s\n", a.name, a.id)
		}
	}

	select {
	case err := <-served:
		logger.Error("server stopped", "error", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		logger.Warn("requests still running at shutdown were cut off", "error", err)
		_ = hs.Close()
	}
	if o.stateFile != "" {
		if err := saveState(srv, o.stateFile); err != nil {
			logger.Error("the state was not saved", "file", o.stateFile, "error", err)
			return 1
		}
	}
	return 0
}

// restoreState loads the documents of a -state file, when it exists.
func restoreState(srv *emulator.Server, path string) error {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the file the user names
	if errors.Is(err, os.ErrNotExist) {
		return nil // the first start
	}
	if err != nil {
		return err
	}
	snap, err := emulator.DecodeSnapshot(data)
	if err != nil {
		return fmt.Errorf("%s is not a state file: %w", path, err)
	}
	return srv.Restore(snap)
}

// saveState writes the documents to a -state file, whole or not at all. It holds secrets: 0600.
func saveState(srv *emulator.Server, path string) error {
	data, err := json.MarshalIndent(srv.Snapshot(), "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// agentNamed is the id of the agent called name, if one is stored.
func agentNamed(srv *emulator.Server, name string) (string, bool) {
	for _, a := range srv.Agents() {
		if a["name"] == name {
			id, _ := a["_id"].(string)
			return id, true
		}
	}
	return "", false
}

// logRequests logs method, path, status and duration of each request. Never headers (the
// token), queries or bodies (secrets).
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		// Deferred so requests ended by a dropped-connection fault (a panic with
		// http.ErrAbortHandler) are logged too; status 0 means no answer was sent.
		defer func() {
			logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"duration", time.Since(start).Round(time.Microsecond))
		}()
		next.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status written. Unwrap lets http.ResponseController reach the
// connection, which the drop faults hijack.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
