package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "t0ken-for-tests"

// fakeClock is a Config.Now that only moves when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recordingPinger records the targets it is asked to test and answers with err.
type recordingPinger struct {
	mu      sync.Mutex
	err     error
	targets []PingTarget
}

func (p *recordingPinger) Ping(_ context.Context, t PingTarget) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.targets = append(p.targets, t)
	return p.err
}

func (p *recordingPinger) setErr(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

func (p *recordingPinger) calls() []PingTarget {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PingTarget(nil), p.targets...)
}

type harness struct {
	t      *testing.T
	srv    *Server
	clock  *fakeClock
	pinger *recordingPinger
}

// newHarness starts an in-process Server with a fake clock and a recording pinger that
// succeeds; cfg fields left zero get those, and the test token.
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), pinger: &recordingPinger{}}
	if cfg.Tokens == nil {
		cfg.Tokens = []string{testToken}
	}
	if cfg.Now == nil {
		cfg.Now = h.clock.Now
	}
	if cfg.Pinger == nil {
		cfg.Pinger = h.pinger.Ping
	}
	h.srv = New(cfg)
	return h
}

// in returns h reporting to t, for subtests sharing one server.
func (h *harness) in(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends an authenticated request in-process. A string body is sent as is, anything else
// is JSON-encoded; either way as application/json.
func (h *harness) do(method, path string, body any) response {
	h.t.Helper()
	req := newRequest(h.t, method, path, body)
	req.Header.Set("Authorization", "Bearer "+testToken)
	return h.serve(req)
}

func (h *harness) serve(req *http.Request) response {
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func newRequest(t *testing.T, method, path string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if strings.HasPrefix(path, controlPrefix) {
		req.Host = "127.0.0.1:8089" // the controls answer only a loopback Host
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// create POSTs doc and returns the created document, failing the test on anything but 201.
func (h *harness) create(doc map[string]any) map[string]any {
	h.t.Helper()
	res := h.do(http.MethodPost, "/v1/connections", doc)
	res.wantStatus(h.t, http.StatusCreated)
	return res.object(h.t)
}

// stored returns the raw stored connection id, unmasked.
func (h *harness) stored(id string) map[string]any {
	h.t.Helper()
	for _, c := range h.srv.Connections() {
		if c["_id"] == id {
			return c
		}
	}
	h.t.Fatalf("connection %s is not stored", id)
	return nil
}

func (r response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (r response) array(t *testing.T) []map[string]any {
	t.Helper()
	var a []map[string]any
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("body is not a JSON array of objects: %v: %s", err, r.body)
	}
	return a
}

// apiErrors decodes the error envelope, failing the test if the body is not one.
func (r response) apiErrors(t *testing.T) []apiError {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil || len(env.Errors) == 0 {
		t.Fatalf("body is not an error envelope (%v): %s", err, r.body)
	}
	return env.Errors
}

// wantError checks status and that the envelope holds an error with code (and field, if set).
func (r response) wantError(t *testing.T, status int, code any, field string) apiError {
	t.Helper()
	r.wantStatus(t, status)
	for _, e := range r.apiErrors(t) {
		if e.Code == code && (field == "" || e.Field == field) {
			return e
		}
	}
	t.Fatalf("no error with code %v and field %q in %s", code, field, r.body)
	return apiError{}
}

// validConnection returns a fresh, complete PostgreSQL connection document.
func validConnection() map[string]any {
	return map[string]any{
		"type": "rdbms",
		"name": "Orders DB",
		"rdbms": map[string]any{
			"type":     "postgresql",
			"host":     "db.internal",
			"port":     5432,
			"database": "orders",
			"user":     "svc",
			"password": "s3cret-password",
			"ssl": map[string]any{
				"ca":         "CA PEM",
				"cert":       "CERT PEM",
				"key":        "KEY PEM",
				"passphrase": "key-passphrase",
			},
			"disableStrictSSL": false,
			"options":          []any{map[string]any{"name": "statement_timeout", "value": "30000"}},
			"concurrencyLevel": 5,
		},
	}
}

// at reads a nested field by its dotted path.
func at(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// set writes a nested field by its dotted path; the intermediate objects must exist.
func set(doc map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	m := doc
	for _, k := range keys[:len(keys)-1] {
		m, _ = m[k].(map[string]any) // a missing parent panics below: a bug in the test
	}
	if v == deleted {
		delete(m, keys[len(keys)-1])
		return
	}
	m[keys[len(keys)-1]] = v
}

// deleted, passed to set, removes the field.
var deleted = &struct{}{}

// idOf returns the _id of a document, failing the test when it has none.
func idOf(t *testing.T, doc map[string]any) string {
	t.Helper()
	id, ok := doc["_id"].(string)
	if !ok {
		t.Fatalf("document without a string _id: %v", doc)
	}
	return id
}
