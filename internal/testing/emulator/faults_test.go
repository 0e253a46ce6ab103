package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// liveServer serves h over loopback HTTP, which the connection-level faults need.
type liveServer struct {
	t      *testing.T
	h      *harness
	ts     *httptest.Server
	client *http.Client
}

func newLiveServer(t *testing.T, cfg Config) *liveServer {
	t.Helper()
	h := newHarness(t, cfg)
	ts := httptest.NewServer(h.srv)
	t.Cleanup(ts.Close)
	// No keep-alive: net/http silently retries some requests that fail on a reused
	// connection, which would hide the very faults under test.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return &liveServer{t: t, h: h, ts: ts, client: client}
}

// liveResponse is an answer read in full.
type liveResponse struct {
	StatusCode int
	Header     http.Header
}

// send makes an authenticated request; body, if not nil, is JSON-encoded.
func (l *liveServer) send(ctx context.Context, method, path string, body any) (liveResponse, []byte, error) {
	l.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			l.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.ts.URL+path, r)
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := l.client.Do(req)
	if err != nil {
		return liveResponse{}, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return liveResponse{StatusCode: res.StatusCode, Header: res.Header}, data, err
}

func (l *liveServer) mustSend(method, path string, body any) (liveResponse, []byte) {
	l.t.Helper()
	res, data, err := l.send(l.t.Context(), method, path, body)
	if err != nil {
		l.t.Fatalf("%s %s: %v", method, path, err)
	}
	return res, data
}

// putFaults sets faults through the HTTP control, as a test in another process would.
func (l *liveServer) putFaults(cfg string) {
	l.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, l.ts.URL+"/_emulator/faults", strings.NewReader(cfg))
	res, err := l.client.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		body, _ := io.ReadAll(res.Body)
		l.t.Fatalf("PUT /_emulator/faults: %d %s", res.StatusCode, body)
	}
}

func (l *liveServer) fired() []int {
	_, fired := l.h.srv.Faults()
	return fired
}

func TestFault_status(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	l.putFaults(`{"rules":[{"method":"POST","path":"/v1/connections","kind":"status","count":1}]}`)

	res, body := l.mustSend(http.MethodPost, "/v1/connections", validConnection())
	if res.StatusCode != http.StatusBadGateway || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "<h1>502 Bad Gateway</h1>") {
		t.Errorf("default status fault: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if n := len(l.h.srv.Connections()); n != 0 {
		t.Errorf("a status fault acted: %d connections", n)
	}
	// count 1: the next request goes through.
	if res, _ := l.mustSend(http.MethodPost, "/v1/connections", validConnection()); res.StatusCode != http.StatusCreated {
		t.Errorf("after the rule was used up: status %d", res.StatusCode)
	}

	l.putFaults(`{"rules":[{"kind":"status","status":503,"retryAfter":7,"body":"{\"message\":\"maintenance\"}"}]}`)
	res, body = l.mustSend(http.MethodGet, "/v1/connections", nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "7" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || string(body) != `{"message":"maintenance"}` {
		t.Errorf("custom status fault: %d, Retry-After %q, %s %s", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"), body)
	}
}

// Faults stand for the network in front of the service: they hit before authentication.
func TestFault_beforeAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	if err := h.srv.SetFaults(FaultConfig{Rules: []FaultRule{{Kind: FaultStatus}}}); err != nil {
		t.Fatal(err)
	}
	if res := h.serve(newRequest(t, http.MethodGet, "/v1/tokenInfo", nil)); res.status != http.StatusBadGateway {
		t.Errorf("unauthenticated request under a status fault: %d, want 502", res.status)
	}
	// Controls are never faulted.
	if res := h.serve(newRequest(t, http.MethodGet, "/_emulator/stats", nil)); res.status != http.StatusOK {
		t.Errorf("control under a fault: %d", res.status)
	}
}

func TestFault_rateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	if err := h.srv.SetFaults(FaultConfig{Rules: []FaultRule{{Kind: FaultRateLimit, RetryAfter: 2, Count: 1}, {Kind: FaultRateLimit}}}); err != nil {
		t.Fatal(err)
	}
	res := h.do(http.MethodGet, "/v1/connections", nil)
	res.wantError(t, http.StatusTooManyRequests, codeRateLimited, "")
	if got := res.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2", got)
	}
	if got := h.do(http.MethodGet, "/v1/connections", nil).header.Get("Retry-After"); got != "1" {
		t.Errorf("default Retry-After = %q, want 1", got)
	}
}

func TestFault_dropBefore(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	l.putFaults(`{"rules":[{"method":"POST","path":"/v1/connections","kind":"drop_before","count":1}]}`)
	if _, _, err := l.send(t.Context(), http.MethodPost, "/v1/connections", validConnection()); err == nil {
		t.Fatal("request under drop_before got an answer")
	}
	if n := len(l.h.srv.Connections()); n != 0 {
		t.Errorf("drop_before acted: %d connections", n)
	}
	if got := l.fired(); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("fired = %v, want [1]", got)
	}
}

func TestFault_dropAfter(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	l.putFaults(`{"rules":[{"method":"POST","kind":"drop_after","count":1}]}`)
	if _, _, err := l.send(t.Context(), http.MethodPost, "/v1/connections", validConnection()); err == nil {
		t.Fatal("request under drop_after got an answer")
	}
	// The outcome is unknown to the client, but the connection exists.
	if n := len(l.h.srv.Connections()); n != 1 {
		t.Errorf("drop_after: %d connections stored, want 1", n)
	}
}

func TestFault_dropInProcess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	if err := h.srv.SetFaults(FaultConfig{Rules: []FaultRule{{Kind: FaultDropBefore}}}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r, _ := recover().(error); !errors.Is(r, http.ErrAbortHandler) {
			t.Errorf("recovered %v, want http.ErrAbortHandler when the writer cannot be hijacked", r)
		}
	}()
	h.do(http.MethodGet, "/v1/connections", nil)
}

func TestFault_slow(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	if err := l.h.srv.SetFaults(FaultConfig{Rules: []FaultRule{{Kind: FaultSlow, Delay: 20 * time.Millisecond}}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if res, _ := l.mustSend(http.MethodPost, "/v1/connections", validConnection()); res.StatusCode != http.StatusCreated {
		t.Errorf("slow request: status %d", res.StatusCode)
	}
	if elapsed := time.Since(start); elapsed < 20*time.Millisecond {
		t.Errorf("slow request took %v, want at least 20ms", elapsed)
	}
}

func TestFault_slowAbandonedRequestIsNotPerformed(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	// The delay is long against the test's patience but finite, so a regression fails
	// instead of hanging the test binary on its cleanup.
	if err := l.h.srv.SetFaults(FaultConfig{Rules: []FaultRule{{Kind: FaultSlow, Delay: 20 * time.Second}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := l.send(ctx, http.MethodPost, "/v1/connections", validConnection()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	// Close waits for the handler, which returns as soon as it sees the client gone. The
	// timeout only turns a regression (a sleep deaf to the context) into a failure, not a hang.
	closed := make(chan struct{})
	go func() { l.ts.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow handler did not stop when its client gave up")
	}
	if n := len(l.h.srv.Connections()); n != 0 {
		t.Errorf("an abandoned slow request was performed: %d connections", n)
	}
}

func TestFault_latency(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	l.putFaults(`{"latency":"30ms"}`)
	start := time.Now()
	l.mustSend(http.MethodGet, "/v1/connections", nil)
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("request took %v under 30ms of latency", elapsed)
	}
}

func TestFault_truncate(t *testing.T) {
	t.Parallel()
	l := newLiveServer(t, Config{})
	l.putFaults(`{"rules":[{"method":"POST","kind":"truncate","count":1}]}`)
	res, body, err := l.send(t.Context(), http.MethodPost, "/v1/connections", validConnection())
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if res.StatusCode != http.StatusCreated || json.Valid(body) || len(body) == 0 {
		t.Errorf("truncated answer: status %d, body %q", res.StatusCode, body)
	}
	if n := len(l.h.srv.Connections()); n != 1 {
		t.Errorf("truncate: %d connections stored, want 1 (it acts first)", n)
	}
}

func TestFault_matching(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	if err := h.srv.SetFaults(FaultConfig{Rules: []FaultRule{
		{Method: "delete", Path: "/v1/connections", Kind: FaultStatus, Status: 500},
		{Path: "/v1/agents", Kind: FaultStatus, Status: 503},
	}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/v1/connections", http.StatusNoContent},
		{http.MethodDelete, "/v1/connections/0123456789abcdef01234567", http.StatusInternalServerError},
		{http.MethodGet, "/v1/agents", http.StatusServiceUnavailable},
		{http.MethodGet, "/v1/tokenInfo", http.StatusOK},
	}
	for _, tt := range tests {
		if got := h.do(tt.method, tt.path, nil).status; got != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
	if _, fired := h.srv.Faults(); !reflect.DeepEqual(fired, []int{1, 1}) {
		t.Errorf("fired = %v, want [1 1]", fired)
	}
}

func TestFault_probabilityIsSeeded(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []int {
		h := newHarness(t, Config{})
		cfg := FaultConfig{Seed: seed, Rules: []FaultRule{{Kind: FaultStatus, Probability: 0.5}}}
		if err := h.srv.SetFaults(cfg); err != nil {
			t.Fatal(err)
		}
		var statuses []int
		for range 32 {
			statuses = append(statuses, h.do(http.MethodGet, "/v1/tokenInfo", nil).status)
		}
		return statuses
	}
	first := run(42)
	if again := run(42); !reflect.DeepEqual(first, again) {
		t.Errorf("same seed, different draws:\n%v\n%v", first, again)
	}
	faulted := 0
	for _, s := range first {
		if s == http.StatusBadGateway {
			faulted++
		}
	}
	if faulted == 0 || faulted == len(first) {
		t.Errorf("probability 0.5 faulted %d of %d requests", faulted, len(first))
	}
	if other := run(43); reflect.DeepEqual(first, other) {
		t.Error("seeds 42 and 43 drew the same sequence")
	}
}

func TestFaultsControl(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	put := func(body string) response {
		req := newRequest(t, http.MethodPut, "/_emulator/faults", body)
		return h.serve(req)
	}
	put(`{"seed":7,"latency":"1ms","rules":[{"method":"GET","path":"/v1/agents","kind":"status","status":500,"count":2},`+
		`{"kind":"slow","delay":"2ms","probability":0.25}]}`).wantStatus(t, http.StatusNoContent)
	h.do(http.MethodGet, "/v1/agents", nil)

	res := h.serve(newRequest(t, http.MethodGet, "/_emulator/faults", nil))
	res.wantStatus(t, http.StatusOK)
	want := `{"fired":[1,0],"latency":"1ms","rules":[{"method":"GET","path":"/v1/agents","kind":"status","status":500,"count":2},` +
		`{"kind":"slow","delay":"2ms","probability":0.25}],"seed":7}`
	if got := compactJSON(t, res.body); got != compactJSON(t, []byte(want)) {
		t.Errorf("GET /_emulator/faults =\n%s\nwant\n%s", got, want)
	}

	for _, bad := range []string{
		`{"rules":[{"kind":"explode"}]}`,
		`{"rules":[{"kind":"slow","delay":"soon"}]}`,
		`{"rules":[{"kind":"status","probability":2}]}`,
		`{"rules":[{"kind":"status","status":42}]}`,
		`{"rules":[{"kind":"status","cout":1}]}`,
		`{"latency":"-1s"}`,
		`{"latncy":"1s"}`,
		`not json`,
	} {
		put(bad).wantStatus(t, http.StatusBadRequest)
	}
	if cfg, _ := h.srv.Faults(); cfg.Seed != 7 {
		t.Error("a refused configuration replaced the active one")
	}

	h.serve(newRequest(t, http.MethodDelete, "/_emulator/faults", nil)).wantStatus(t, http.StatusNoContent)
	if res := h.serve(newRequest(t, http.MethodGet, "/_emulator/faults", nil)); compactJSON(t, res.body) != `{"fired":[],"rules":[],"seed":0}` {
		t.Errorf("after DELETE: %s", res.body)
	}
	if got := h.do(http.MethodGet, "/v1/agents", nil).status; got != http.StatusNoContent {
		t.Errorf("fault still active after DELETE: %d", got)
	}
}

func TestFaultConfig_jsonRoundTrip(t *testing.T) {
	t.Parallel()
	cfg := FaultConfig{Seed: 3, Latency: 1500 * time.Millisecond, Rules: []FaultRule{
		{Method: "PUT", Path: "/v1/connections", Kind: FaultSlow, Delay: 2 * time.Second, Probability: 0.3, Count: 2},
		{Kind: FaultStatus, Status: 503, Body: "<html></html>", RetryAfter: 1},
	}}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var back FaultConfig
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip through %s gave %+v", data, back)
	}
}

func compactJSON(t *testing.T, data []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %s", data)
	}
	out, _ := json.Marshal(v) // map keys come out sorted
	return string(out)
}
