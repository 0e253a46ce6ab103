package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// testToken is distinctive so that a leak is easy to find in any text.
const testToken = "tok-7f3a9c1e5b2d4068-SECRET" //nolint:gosec // a fixture, not a credential

const testUserAgent = "client-test/1.0"

// request is what the test server saw.
type request struct {
	Method  string
	Path    string // decoded
	RawPath string // as sent, escapes kept
	Query   string
	Header  http.Header
	Body    []byte
}

// testServer records requests and answers them with the handlers given, one per request in
// order; the last handler answers any further requests.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	handlers []http.HandlerFunc
}

func newTestServer(t *testing.T, handlers ...http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{handlers: handlers}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		ts.requests = append(ts.requests, request{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body,
		})
		n := len(ts.requests)
		ts.mu.Unlock()
		h := ts.handlers[min(n, len(ts.handlers))-1]
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) Requests() []request {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]request(nil), ts.requests...)
}

// waits records what the client would have slept, so tests never wait for real.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) All() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// newTestClient returns a client for ts (base URL ts.URL+"/v1") that records its waits.
func newTestClient(t *testing.T, ts *testServer, opts ...ClientOption) (*Client, *waits) {
	t.Helper()
	all := append([]ClientOption{
		WithToken(testToken), WithBaseURL(ts.URL + "/v1"), WithUserAgent(testUserAgent),
		WithHTTPClient(ts.Client()),
	}, opts...)
	c, err := New(all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	w := &waits{}
	c.sleep = w.sleep
	return c, w
}

// reply answers with status and body (a string, or a value encoded as JSON).
func reply(status int, body any, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Add(headers[i], headers[i+1])
		}
		var b []byte
		switch v := body.(type) {
		case nil:
		case string:
			b = []byte(v)
		default:
			var err error
			if b, err = json.Marshal(v); err != nil {
				panic(err)
			}
		}
		if w.Header().Get("Content-Type") == "" && len(b) > 0 {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
}

// dropConnection reads the whole request, then closes the connection without answering: the
// server has everything it needs to act, the client gets no response.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	_, _ = io.ReadAll(r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

// assertNoToken fails when err's text holds the token or any 8-character piece of it.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	assertTextHasNoToken(t, err.Error())
}

func assertTextHasNoToken(t *testing.T, s string) {
	t.Helper()
	for i := 0; i+8 <= len(testToken); i++ {
		if strings.Contains(s, testToken[i:i+8]) {
			t.Fatalf("text leaks the token (piece %q): %s", testToken[i:i+8], s)
		}
	}
}

// checkHeaders asserts the headers every request carries, and Content-Type when it has a body.
func checkHeaders(t *testing.T, r request) {
	t.Helper()
	want := map[string]string{
		"Authorization": "Bearer " + testToken,
		"Accept":        "application/json",
		"User-Agent":    testUserAgent,
	}
	if len(r.Body) > 0 {
		want["Content-Type"] = "application/json"
	} else if ct := r.Header.Get("Content-Type"); ct != "" {
		t.Errorf("%s %s: Content-Type %q on a request without a body", r.Method, r.Path, ct)
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.Path, k, got, v)
		}
	}
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body\n got %s\nwant %s", got, want)
	}
}

// recordingLogger keeps every log line.
type recordingLogger struct {
	mu     sync.Mutex
	lines  []logLine
	onWarn func()
}

type logLine struct {
	level, msg string
	fields     map[string]any
}

func (l *recordingLogger) Debug(_ context.Context, msg string, f map[string]any) {
	l.add("debug", msg, f)
}

func (l *recordingLogger) Warn(_ context.Context, msg string, f map[string]any) {
	l.add("warn", msg, f)
	if l.onWarn != nil {
		l.onWarn()
	}
}

func (l *recordingLogger) add(level, msg string, f map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{level, msg, f})
}

func (l *recordingLogger) Lines(level string) []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, line := range l.lines {
		if line.level == level {
			out = append(out, line)
		}
	}
	return out
}
