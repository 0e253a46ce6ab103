package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultPageSize           = 100
	MaxPageSize               = 1000
	DefaultConcurrencyLicence = 25
	DefaultRateLimitBurst     = 1000
	DefaultRateLimitPerSecond = 300
	DefaultPingTimeout        = 3 * time.Second
)

// Regions a Server can play.
const (
	RegionUS = "us"
	RegionEU = "eu"
)

// Config configures a Server. A zero field takes the default named in its comment.
type Config struct {
	// Tokens are the API tokens this region accepts. With none, every /v1 call answers 401.
	Tokens []string
	// ForeignTokens are tokens of the other region: they answer 401 with a message naming the
	// region and base URL they belong to, as the real service does.
	ForeignTokens []string
	// Region is RegionUS (default) or RegionEU. It only changes the foreign-token message.
	Region string
	// PageSize is the page size of list calls without a limit query (default 100, at most 1000).
	PageSize int
	// MaxLimit, when set, refuses a list call whose limit is above it with 400
	// invalid_query_params, as a service whose maximum page size is lower than the client asks
	// may. By default a limit above MaxPageSize is quietly lowered to it.
	MaxLimit int
	// CursorPaging makes next-page links carry a cursor (after=<id of the page's last document>),
	// as the UI's own tests show, instead of skip; a limit asked for is carried along. Both kinds
	// of link are answered either way.
	CursorPaging bool
	// ConcurrencyLicence is the account's concurrency limit (default 25): a higher
	// rdbms.concurrencyLevel is quietly lowered to it.
	ConcurrencyLicence int
	// Pinger tests connections (default PostgresPinger(DefaultPingTimeout): a real login). It is called
	// concurrently and without any emulator lock held.
	Pinger Pinger
	// PingFailureStatus is the HTTP status of a failed connection test (default 200). The API
	// documentation allows both a 200 and an error status, so clients are tested with both.
	PingFailureStatus int
	// RateLimitBurst is the capacity of the account's bucket (default 1000). The bucket is per
	// account: every token this server accepts (Tokens, ScopedTokens) draws from it.
	RateLimitBurst int
	// RateLimitPerSecond is the bucket's refill rate (default 300).
	RateLimitPerSecond float64
	// Now is the clock for timestamps, ids and the rate limit (default time.Now). Latency and
	// slow faults always sleep in real time.
	Now func() time.Time

	// Readings of tokens, listings, agents and ping failures that the API reference leaves open
	// (issue 11, items 6-8). The zero value plays the documented or likeliest reading.

	// ScopedTokens are tokens with a custom scope, each mapped to the JSON text that its
	// GET /tokenInfo answers as "scope" (the shape is unpublished, so tests choose it; it must be
	// valid JSON). They are accepted like Tokens, but every /agents call answers 403: custom
	// scopes list connections, exports, imports and APIs, not agents.
	ScopedTokens map[string]string
	// LinkHost, when set, is the host (host or host:port) that next-page Link headers name
	// instead of the one the request came to, as the real service may; scheme, path and query
	// stay. A client must follow such a link on its own configured host.
	LinkHost string
	// AgentOnlineField makes agent documents carry "online" (true when connected) instead of
	// "offline", a reading Celigo's CLI also knows.
	AgentOnlineField bool
	// PingErrorsAsStrings makes a failed connection test answer {"errors":["<message>"]}: plain
	// strings instead of {code, message} objects.
	PingErrorsAsStrings bool

	// Readings of connection documents that the API reference leaves open. The zero value plays
	// the likeliest reading; each field plays another, so a client can be tested under all.

	// UnmaskSecrets plays a service regression: every read returns the password, the client key
	// and its passphrase in clear instead of masked. A client must never record them.
	UnmaskSecrets bool
	// ReturnCertificates returns rdbms.ssl.ca and rdbms.ssl.cert as stored. By default they are
	// masked like the password, as Celigo's schema marks them write-only.
	ReturnCertificates bool
	// OmitCertificates leaves rdbms.ssl.ca and rdbms.ssl.cert out of every answer instead of
	// masking them (another way to treat write-only fields). It wins over ReturnCertificates.
	OmitCertificates bool
	// DropEmptySSL drops an rdbms.ssl object that holds no CA, certificate or key when a
	// connection is saved. By default an empty object is stored and returned.
	DropEmptySSL bool
	// DropUseSSL drops rdbms.useSSL (the UI's "Use SSL" box, which the UI sends with every save)
	// when a connection is saved, as a service that does not store it would. By default it is
	// stored and returned, and decides whether a test uses SSL.
	DropUseSSL bool
	// DropExternalID drops the externalId a create (POST) sends, as a service that keeps it only
	// from other sources (integration apps, the UI) would. By default it is stored as sent and
	// returned, as Celigo's request schema lists it; the provider's create marker relies on
	// neither reading (see internal/provider/postgres_connection_create_recovery.go).
	DropExternalID bool
	// ListOmitsExternalID leaves externalId out of GET /connections listings (a GET by id still
	// shows it), as a service whose listing is not the whole default record might. By default a
	// listing shows every document as a GET does.
	ListOmitsExternalID bool
	// SaveKeepsOffline makes a save (PUT) leave offline as it was, so that only a test
	// (POST /connections/{id}/ping) sets or clears it: the reading of the UI source's comment
	// ("calling ping after connection save sets the offline flag"). By default a clean save of
	// an offline connection brings it back online, as Celigo's help text says ("brought back
	// online manually by re-entering credentials and clicking the 'Save' button (assuming there
	// are no new errors)"): the save tests the new settings and clears the flag when they work;
	// a failure never rejects the save.
	SaveKeepsOffline bool
	// CreateOffline stores new connections with offline = true until their first test. By
	// default a new connection is stored with offline = false.
	CreateOffline bool
	// RefuseServerSetFields answers 422 to a connection write (create, replace, unsaved test)
	// whose body carries a field only the server sets (_id, createdAt, lastModified,
	// lastModifiedBy, offline), naming it. By default such fields are dropped, and each is
	// counted (ServerSetFieldsSent), so tests can prove a client never sends them.
	RefuseServerSetFields bool
	// NoTestEndpoint answers 404 to POST /connections/{id}/test ("more thorough than ping" in
	// Celigo's MCP reference, its shape unpublished). By default it tests the saved connection
	// and answers as the ping does.
	NoTestEndpoint bool
	// LegacySandbox plays a legacy production/sandbox account: every new connection is stored
	// with sandbox = false (production) unless the client sends it, as the UI sets it. By default
	// documents carry no sandbox field (a multi-environment account).
	LegacySandbox bool
	// ControlsRequireToken makes the /_emulator controls require one of Tokens as a bearer
	// token, as integratorio-emulator always does (unless -controls-require-token=false on
	// loopback). They always answer only requests addressed to a loopback host. In-process
	// emulators of tests leave it off: only the test holds their address.
	ControlsRequireToken bool

	// PasswordAlwaysRequired refuses (422) a PostgreSQL connection without rdbms.password even
	// with certificate login, as Celigo's schema lists it. By default the password is waived when
	// the CA, the certificate and the key are all given, as the UI does.
	PasswordAlwaysRequired bool
}

// Server emulates the integrator.io API. Create it with New; it is an http.Handler.
type Server struct {
	cfg     Config
	tokens  [][]byte
	foreign [][]byte
	scoped  [][]byte // the keys of cfg.ScopedTokens

	api     router
	control router

	limiter *limiter
	faults  faultState
	stats   statsCounter
	// serverSetSent counts, per field, the connection writes that carried a server-set field.
	serverSetSent statsCounter

	// mu guards the documents below. It is never held while sleeping or pinging.
	mu          sync.Mutex
	ids         idGenerator
	conns       collection
	agents      collection
	agentTokens map[string]string
}

// New returns a Server configured by cfg with its defaults filled in.
func New(cfg Config) *Server {
	if strings.EqualFold(cfg.Region, RegionEU) {
		cfg.Region = RegionEU
	} else {
		cfg.Region = RegionUS
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	cfg.PageSize = min(cfg.PageSize, MaxPageSize)
	if cfg.ConcurrencyLicence <= 0 {
		cfg.ConcurrencyLicence = DefaultConcurrencyLicence
	}
	if cfg.Pinger == nil {
		cfg.Pinger = PostgresPinger(DefaultPingTimeout)
	}
	if cfg.PingFailureStatus == 0 {
		cfg.PingFailureStatus = http.StatusOK
	}
	if cfg.RateLimitBurst <= 0 {
		cfg.RateLimitBurst = DefaultRateLimitBurst
	}
	if cfg.RateLimitPerSecond <= 0 {
		cfg.RateLimitPerSecond = DefaultRateLimitPerSecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	s := &Server{
		cfg:         cfg,
		tokens:      toBytes(cfg.Tokens),
		foreign:     toBytes(cfg.ForeignTokens),
		scoped:      toBytes(slices.Sorted(maps.Keys(cfg.ScopedTokens))),
		limiter:     newLimiter(cfg.RateLimitBurst, cfg.RateLimitPerSecond, cfg.Now),
		ids:         newIDGenerator(),
		conns:       newCollection(),
		agents:      newCollection(),
		agentTokens: map[string]string{},
	}
	s.faults.set(FaultConfig{})
	s.stats.reset()
	s.serverSetSent.reset()
	s.registerAPI()
	s.registerControl()
	return s
}

func toBytes(tokens []string) [][]byte {
	out := make([][]byte, 0, len(tokens))
	for _, t := range tokens {
		if t != "" {
			out = append(out, []byte(t))
		}
	}
	return out
}

const (
	apiPrefix     = "/v1"
	controlPrefix = "/_emulator"
)

func hasPathPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// ServeHTTP answers the API under /v1 and the test controls under /_emulator.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case hasPathPrefix(r.URL.Path, apiPrefix):
		s.serveAPI(w, r)
	case hasPathPrefix(r.URL.Path, controlPrefix):
		if !s.controlAllowed(w, r) {
			return
		}
		m := s.control.match(r.Method, r.URL.Path)
		m.serve(w, r)
	default:
		writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.URL.Path)
	}
}

func (s *Server) registerAPI() {
	a := &s.api
	a.add(http.MethodGet, "/v1/tokenInfo", s.tokenInfo)

	a.add(http.MethodGet, "/v1/connections", s.listConnections)
	a.add(http.MethodPost, "/v1/connections", s.createConnection)
	a.add(http.MethodPost, "/v1/connections/ping", s.pingUnsavedConnection)
	a.add(http.MethodGet, "/v1/connections/{id}", s.getConnection)
	a.add(http.MethodPut, "/v1/connections/{id}", s.replaceConnection)
	a.add(http.MethodDelete, "/v1/connections/{id}", s.deleteConnection)
	a.add(http.MethodPost, "/v1/connections/{id}/ping", s.pingSavedConnection)
	a.add(http.MethodGet, "/v1/connections/{id}/ping", s.pingSavedConnection) // the legacy form
	a.add(http.MethodPost, "/v1/connections/{id}/test", s.testSavedConnection)

	a.add(http.MethodGet, "/v1/agents", s.listAgents)
	a.add(http.MethodPost, "/v1/agents", s.createAgent)
	a.add(http.MethodGet, "/v1/agents/{id}", s.getAgent)
	a.add(http.MethodPut, "/v1/agents/{id}", s.replaceAgent)
	a.add(http.MethodDelete, "/v1/agents/{id}", s.deleteAgent)
	a.add(http.MethodGet, "/v1/agents/{id}/display-token", s.displayAgentToken)
	a.add(http.MethodPut, "/v1/agents/{id}/change-token", s.changeAgentToken)
}

// serveAPI runs the pipeline of every /v1 request: statistics, latency, injected faults,
// authentication, rate limit, then routing. Faults come before authentication because they
// stand for the network and proxies in front of the real service.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	m := s.api.match(r.Method, r.URL.Path)
	s.stats.count(r.Method + " " + m.pattern)

	preloadBody(r)
	if !sleep(r.Context(), s.faults.latency()) {
		return // the client gave up; there is nobody to answer
	}
	serve := func(w http.ResponseWriter) {
		if !s.admit(w, r) {
			return
		}
		m.serve(w, r)
	}
	if rule, ok := s.faults.pick(r.Method, r.URL.Path); ok {
		applyFault(w, r, rule, serve)
		return
	}
	serve(w)
}

// admit authenticates the request and takes a token from its rate-limit bucket, answering
// 401 or 429 itself when it refuses.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) bool {
	token, ok := bearerToken(r)
	if !ok {
		writeUnauthorized(w, "missing bearer token: send the header Authorization: Bearer <token>")
		return false
	}
	if !containsToken(s.tokens, token) && !containsToken(s.scoped, token) {
		if containsToken(s.foreign, token) {
			writeUnauthorized(w, s.foreignTokenMessage())
		} else {
			writeUnauthorized(w, "invalid or revoked API token")
		}
		return false
	}
	if wait, ok := s.limiter.take(accountBucket); !ok {
		writeRateLimited(w, retryAfterSeconds(wait))
		return false
	}
	if s.scopeRefuses(token, r.URL.Path) {
		writeOutOfScope(w, r.URL.Path)
		return false
	}
	return true
}

func (s *Server) foreignTokenMessage() string {
	if s.cfg.Region == RegionEU {
		return "this token was issued for the US region; use https://api.integrator.io"
	}
	return "this token was issued for the EU region; use https://api.eu.integrator.io"
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// containsToken compares in constant time so response timing does not leak token prefixes.
func containsToken(set [][]byte, token string) bool {
	found := 0
	for _, t := range set {
		found |= subtle.ConstantTimeCompare(t, []byte(token))
	}
	return found == 1
}

func writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="integrator.io"`)
	writeError(w, http.StatusUnauthorized, codeUnauthorized, message)
}

func writeRateLimited(w http.ResponseWriter, seconds int) {
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	writeError(w, http.StatusTooManyRequests, codeRateLimited,
		"rate limit exceeded; retry after "+strconv.Itoa(seconds)+"s")
}

// tokenInfo answers GET /v1/tokenInfo. The user id is a one-way hash of the token, so it is
// stable across calls and restarts and reveals nothing of the token.
func (s *Server) tokenInfo(w http.ResponseWriter, r *http.Request, _ string) {
	token, _ := bearerToken(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"_userId": userID(r),
		"scope":   s.scopeOf(token),
	})
}

// userID is the _id of the user whose token made r: what tokenInfo answers and what a write
// records as lastModifiedBy.
func userID(r *http.Request) string {
	token, _ := bearerToken(r)
	sum := sha256.Sum256([]byte("integratorio-emulator user:" + token))
	return hex.EncodeToString(sum[:12])
}

// preloadBody reads the request body (up to one byte past the limit readDocument enforces)
// into memory. net/http watches for a client hanging up only once the body has been consumed,
// so without this a latency or slow fault could not notice that its client gave up.
func preloadBody(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	rest := io.Reader(r.Body) // non-empty only past the limit, where readDocument stops anyway
	if err != nil {
		rest = errReader{err}
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), rest), r.Body}
}

// errReader replays a read error, so a body cut off by the client still fails when decoded.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// sleep waits d or until ctx is done, reporting whether the caller should go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
