package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is what an injected fault does to a request.
type FaultKind string

// Fault kinds.
const (
	// FaultStatus answers Status (default 502) with Body (default an HTML error page, as a
	// proxy in front of the service would) without acting.
	FaultStatus FaultKind = "status"
	// FaultRateLimit answers 429 with Retry-After: RetryAfter seconds (default 1).
	FaultRateLimit FaultKind = "rate_limit"
	// FaultDropBefore closes the connection without acting or answering.
	FaultDropBefore FaultKind = "drop_before"
	// FaultDropAfter acts, then closes the connection without answering: the client cannot
	// know that its request took effect.
	FaultDropAfter FaultKind = "drop_after"
	// FaultSlow waits Delay (default 1s) before acting; a client that gives up first leaves
	// the request undone.
	FaultSlow FaultKind = "slow"
	// FaultSlowAfter acts at once, then waits Delay (default 1s) before answering: a client
	// that gives up first cannot know that its request took effect.
	FaultSlowAfter FaultKind = "slow_after"
	// FaultTruncate acts, then sends only the first half of the body under a Content-Length
	// for all of it and closes the connection.
	FaultTruncate FaultKind = "truncate"
)

const defaultSlowDelay = time.Second

// FaultRule injects one kind of fault into matching /v1 requests.
type FaultRule struct {
	Method string    // HTTP method to match; empty matches any
	Path   string    // prefix of the request path to match, e.g. "/v1/connections"; empty matches any
	Kind   FaultKind // what happens

	Status     int           // FaultStatus: the status to answer (default 502)
	Body       string        // FaultStatus: the body to answer (default an HTML page for Status)
	RetryAfter int           // FaultRateLimit (default 1), FaultStatus (no header when 0): Retry-After seconds
	Delay      time.Duration // FaultSlow, FaultSlowAfter: how long to wait (default 1s)

	// Probability that a matching request triggers the rule, from 0 to 1; 0 means 1 (always).
	Probability float64
	// Count is how many times the rule may trigger; 0 means without limit.
	Count int
}

// FaultConfig is the set of faults a Server injects. The zero value injects none.
type FaultConfig struct {
	// Seed seeds the random draws of rule probabilities, so a run can be replayed.
	Seed int64
	// Latency delays every /v1 request before anything else happens.
	Latency time.Duration
	// Rules are tried in order; the first matching rule that triggers applies.
	Rules []FaultRule
}

// Validate reports the first problem of c.
func (c FaultConfig) Validate() error {
	if c.Latency < 0 {
		return errors.New("latency must not be negative")
	}
	for i, r := range c.Rules {
		if err := r.validate(); err != nil {
			return fmt.Errorf("rules[%d]: %w", i, err)
		}
	}
	return nil
}

func (r FaultRule) validate() error {
	switch r.Kind {
	case FaultStatus, FaultRateLimit, FaultDropBefore, FaultDropAfter, FaultSlow, FaultSlowAfter, FaultTruncate:
	default:
		return fmt.Errorf("unknown kind %q: use status, rate_limit, drop_before, drop_after, slow, slow_after or truncate", r.Kind)
	}
	switch {
	case r.Status != 0 && (r.Status < 100 || r.Status > 599):
		return fmt.Errorf("status %d is not an HTTP status", r.Status)
	case r.RetryAfter < 0:
		return errors.New("retryAfter must not be negative")
	case r.Delay < 0:
		return errors.New("delay must not be negative")
	case r.Probability < 0 || r.Probability > 1:
		return errors.New("probability must be from 0 to 1")
	case r.Count < 0:
		return errors.New("count must not be negative")
	}
	return nil
}

// faultRuleJSON is FaultRule on the wire, with durations as Go duration strings ("250ms").
type faultRuleJSON struct {
	Method      string    `json:"method,omitempty"`
	Path        string    `json:"path,omitempty"`
	Kind        FaultKind `json:"kind"`
	Status      int       `json:"status,omitempty"`
	Body        string    `json:"body,omitempty"`
	RetryAfter  int       `json:"retryAfter,omitempty"`
	Delay       string    `json:"delay,omitempty"`
	Probability float64   `json:"probability,omitempty"`
	Count       int       `json:"count,omitempty"`
}

type faultConfigJSON struct {
	Seed    int64       `json:"seed"`
	Latency string      `json:"latency,omitempty"`
	Rules   []FaultRule `json:"rules"`
}

// MarshalJSON writes the rule as PUT /_emulator/faults takes it.
func (r FaultRule) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultRuleJSON{
		Method: r.Method, Path: r.Path, Kind: r.Kind, Status: r.Status, Body: r.Body,
		RetryAfter: r.RetryAfter, Delay: formatDuration(r.Delay), Probability: r.Probability, Count: r.Count,
	})
}

// UnmarshalJSON reads a rule, refusing unknown fields so typos fail loudly.
func (r *FaultRule) UnmarshalJSON(b []byte) error {
	var w faultRuleJSON
	if err := strictUnmarshal(b, &w); err != nil {
		return err
	}
	delay, err := parseDuration("delay", w.Delay)
	if err != nil {
		return err
	}
	*r = FaultRule{
		Method: w.Method, Path: w.Path, Kind: w.Kind, Status: w.Status, Body: w.Body,
		RetryAfter: w.RetryAfter, Delay: delay, Probability: w.Probability, Count: w.Count,
	}
	return nil
}

// MarshalJSON writes the configuration as PUT /_emulator/faults takes it.
func (c FaultConfig) MarshalJSON() ([]byte, error) {
	rules := c.Rules
	if rules == nil {
		rules = []FaultRule{}
	}
	return json.Marshal(faultConfigJSON{Seed: c.Seed, Latency: formatDuration(c.Latency), Rules: rules})
}

// UnmarshalJSON reads a configuration, refusing unknown fields so typos fail loudly.
func (c *FaultConfig) UnmarshalJSON(b []byte) error {
	var w faultConfigJSON
	if err := strictUnmarshal(b, &w); err != nil {
		return err
	}
	latency, err := parseDuration("latency", w.Latency)
	if err != nil {
		return err
	}
	*c = FaultConfig{Seed: w.Seed, Latency: latency, Rules: w.Rules}
	return nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func parseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a duration such as \"250ms\" or \"2s\"", field, s)
	}
	return d, nil
}

func formatDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// faultState is the active FaultConfig with its random source and trigger counts.
type faultState struct {
	mu    sync.Mutex
	cfg   FaultConfig
	rng   *rand.Rand
	fired []int
}

func (f *faultState) set(cfg FaultConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg.Rules = append([]FaultRule(nil), cfg.Rules...) // the caller keeps its slice
	f.cfg = cfg
	seed := uint64(cfg.Seed)
	f.rng = rand.New(rand.NewPCG(seed, seed))
	f.fired = make([]int, len(cfg.Rules))
}

func (f *faultState) get() (FaultConfig, []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg := f.cfg
	cfg.Rules = append([]FaultRule(nil), f.cfg.Rules...)
	return cfg, append([]int(nil), f.fired...)
}

func (f *faultState) latency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg.Latency
}

// pick returns the rule that triggers for this request, if any, and counts it.
func (f *faultState) pick(method, path string) (FaultRule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.cfg.Rules {
		if r.Method != "" && !strings.EqualFold(r.Method, method) {
			continue
		}
		if !strings.HasPrefix(path, r.Path) {
			continue
		}
		if r.Count > 0 && f.fired[i] >= r.Count {
			continue
		}
		// Certain rules draw nothing, so adding one does not shift the draws of the others.
		if r.Probability > 0 && r.Probability < 1 && f.rng.Float64() >= r.Probability {
			continue
		}
		f.fired[i]++
		return r, true
	}
	return FaultRule{}, false
}

// applyFault answers a request to which rule applies; serve performs the request normally.
func applyFault(w http.ResponseWriter, r *http.Request, rule FaultRule, serve func(http.ResponseWriter)) {
	switch rule.Kind {
	case FaultStatus:
		writeFaultStatus(w, rule)
	case FaultRateLimit:
		writeRateLimited(w, max(1, rule.RetryAfter))
	case FaultDropBefore:
		dropConnection(w)
	case FaultDropAfter:
		serve(&bufferedResponse{header: http.Header{}})
		dropConnection(w)
	case FaultSlow:
		if sleep(r.Context(), rule.delay()) {
			serve(w)
		}
	case FaultSlowAfter:
		buf := &bufferedResponse{header: http.Header{}}
		serve(buf)
		if sleep(r.Context(), rule.delay()) {
			buf.writeTo(w)
		}
	case FaultTruncate:
		buf := &bufferedResponse{header: http.Header{}}
		serve(buf)
		buf.writeTruncated(w)
	}
}

func (r FaultRule) delay() time.Duration {
	if r.Delay == 0 {
		return defaultSlowDelay
	}
	return r.Delay
}

func writeFaultStatus(w http.ResponseWriter, rule FaultRule) {
	status := rule.Status
	if status == 0 {
		status = http.StatusBadGateway
	}
	body := rule.Body
	if body == "" {
		text := strconv.Itoa(status) + " " + http.StatusText(status)
		body = "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n</body>\r\n</html>\r\n"
	}
	contentType := "text/html; charset=utf-8"
	if json.Valid([]byte(body)) {
		contentType = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	if rule.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfter))
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or an in-memory recorder: aborting the handler resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// bufferedResponse holds an answer so a fault can mangle it before it is sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// writeTo sends the held answer unchanged.
func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(cmp.Or(b.status, http.StatusOK))
	_, _ = w.Write(b.body.Bytes())
}

// writeTruncated sends the status and headers with a Content-Length for the whole body but
// only its first half; net/http then closes the connection, so the client sees a short body.
func (b *bufferedResponse) writeTruncated(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	full := b.body.Bytes()
	if len(full) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(full)))
	}
	w.WriteHeader(cmp.Or(b.status, http.StatusOK))
	_, _ = w.Write(full[:len(full)/2])
}
