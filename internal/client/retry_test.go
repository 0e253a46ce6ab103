package client

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestRetry_429HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	limited := reply(http.StatusTooManyRequests, `{"errors":[{"code":"rate_limited","message":"slow down"}]}`, "Retry-After", "7")
	ts := newTestServer(t, limited, reply(http.StatusOK, storedConnection))
	log := &recordingLogger{}
	c, w := newTestClient(t, ts, WithLogger(log))

	if _, err := c.Connections.Get(t.Context(), connectionID); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got := w.All(); len(got) != 1 || got[0] < 7*time.Second || got[0] > 7*time.Second*5/4 {
		t.Errorf("waits = %v, want [7s plus at most a quarter of jitter]", got)
	}
	if n := len(ts.Requests()); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}

	warns := log.Lines("warn")
	if len(warns) != 1 {
		t.Fatalf("%d warnings logged, want 1 per retry", len(warns))
	}
	f := warns[0].fields
	if f["method"] != "GET" || f["path"] != "/connections/"+connectionID || f["attempt"] != 1 || f["throttled"] != 1 {
		t.Errorf("retry logged with fields %v", f)
	}
	for _, line := range append(warns, log.Lines("debug")...) {
		assertTextHasNoToken(t, fmt.Sprint(line.msg, line.fields))
	}
}

func TestRetry_429RepeatsEvenCreate(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t,
		reply(http.StatusTooManyRequests, `{"errors":[{"code":"rate_limited","message":"slow down"}]}`, "Retry-After", "3600"),
		reply(http.StatusCreated, storedConnection),
	)
	c, w := newTestClient(t, ts)

	conn, err := c.Connections.Create(t.Context(), newConnection())
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	checkStoredConnection(t, conn)
	reqs := ts.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	jsonEqual(t, reqs[1].Body, newConnectionJSON) // the retry carries the whole body again
	if got := w.All(); len(got) != 1 || got[0] < retryAfterMax || got[0] > retryAfterMax*5/4 {
		t.Errorf("waits = %v, want [%v plus at most a quarter] (Retry-After capped)", got, retryAfterMax)
	}
}

// 429s do not use up max_retries: the account's bucket is shared, so a busy account is waited
// out; without a deadline, for throttleBudget in all.
func TestRetry_429WaitedOutBeyondMaxRetries(t *testing.T) {
	t.Parallel()
	limited := reply(http.StatusTooManyRequests, `{"errors":[{"code":"rate_limited","message":"slow down"}]}`, "Retry-After", "1")
	ts := newTestServer(t, limited, limited, limited, limited, limited, reply(http.StatusOK, storedConnection))
	c, w := newTestClient(t, ts, WithMaxRetries(0))

	if _, err := c.Connections.Get(t.Context(), connectionID); err != nil {
		t.Fatalf("Get after five 429s with max_retries 0: %v", err)
	}
	if n := len(ts.Requests()); n != 6 || len(w.All()) != 5 {
		t.Errorf("%d requests and %d waits, want 6 and 5", n, len(w.All()))
	}
}

func TestRetry_429ExhaustedWithoutDeadline(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusTooManyRequests, `{"errors":[{"code":"rate_limited","message":"slow down"}]}`, "Retry-After", "30"))
	c, w := newTestClient(t, ts, WithMaxRetries(2))

	_, err := c.Agents.List(t.Context())
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	var total time.Duration
	for _, d := range w.All() {
		total += d
	}
	if n := len(ts.Requests()); n <= 3 || total > throttleBudget {
		t.Errorf("%d requests waiting %s in all, want more than max_retries allows and at most %s", n, total, throttleBudget)
	}
	assertRateLimitedMessage(t, err)
	assertNoToken(t, err)
}

// At the operation's deadline under throttling, the error names the account's rate limit.
func TestRetry_429UntilTheDeadline(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusTooManyRequests, `{"errors":[{"code":"rate_limited","message":"slow down"}]}`, "Retry-After", "1"))
	c, _ := newTestClient(t, ts)
	c.sleep = sleepContext

	ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
	defer cancel()
	_, err := c.Agents.List(ctx)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	if n := len(ts.Requests()); n < 2 {
		t.Errorf("%d requests, want the 429s waited out until the deadline", n)
	}
	assertRateLimitedMessage(t, err)
}

func assertRateLimitedMessage(t *testing.T, err error) {
	t.Helper()
	for _, want := range []string{"integrator.io is rate-limiting this account", "shared by all of its tokens", "timeouts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, wrong := range []string{"check the host", "base_url"} {
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("error %q says %q", err, wrong)
		}
	}
}

func TestRetry_5xxThenSuccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t,
		reply(http.StatusServiceUnavailable, "<html><title>503 Service Unavailable</title></html>"),
		reply(http.StatusBadGateway, nil),
		reply(http.StatusOK, storedConnection),
	)
	c, w := newTestClient(t, ts)

	conn, err := c.Connections.Replace(t.Context(), connectionID, newConnection())
	if err != nil {
		t.Fatalf("Replace: %v", err)
	}
	checkStoredConnection(t, conn)
	reqs := ts.Requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Method != http.MethodPut {
			t.Errorf("retry sent %s", r.Method)
		}
		jsonEqual(t, r.Body, newConnectionJSON)
	}
	// Exponential backoff with jitter: within [d/2, d] of 0.5s, then of 1s.
	got := w.All()
	if len(got) != 2 || got[0] < 250*time.Millisecond || got[0] > 500*time.Millisecond ||
		got[1] < 500*time.Millisecond || got[1] > time.Second {
		t.Errorf("waits = %v, want about 0.5s then 1s", got)
	}
}

func TestRetry_5xxExhausted(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusInternalServerError, `{"errors":[{"code":"internal","message":"boom"}]}`))
	c, w := newTestClient(t, ts, WithMaxRetries(3))

	err := c.Connections.Delete(t.Context(), connectionID)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError || apiErr.Code != "internal" {
		t.Fatalf("error = %v, want the last 500 as a *APIError", err)
	}
	if n := len(ts.Requests()); n != 4 || len(w.All()) != 3 {
		t.Errorf("%d requests and %d waits, want 4 and 3", n, len(w.All()))
	}
}

func TestRetry_4xxNotRetried(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusUnprocessableEntity, `{"errors":[{"code":"invalid","message":"host is required","field":"rdbms.host"}]}`))
	c, w := newTestClient(t, ts)

	_, err := c.Connections.Create(t.Context(), newConnection())
	if !errors.Is(err, ErrValidation) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want ErrValidation only", err)
	}
	if got := err.Error(); got != "integrator.io API: POST /connections: 422 invalid: host is required (field rdbms.host)" {
		t.Errorf("error text = %q", got)
	}
	if len(ts.Requests()) != 1 || len(w.All()) != 0 {
		t.Error("a 422 was retried")
	}
}

func TestCreate_notRepeatedAfter5xx(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusInternalServerError, `{"errors":[{"code":"internal","message":"database write timed out"}]}`))
	c, w := newTestClient(t, ts)

	_, err := c.Connections.Create(t.Context(), newConnection())
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError {
		t.Errorf("error = %v, want it to wrap the 500", err)
	}
	want := "integrator.io API: POST /connections: outcome unknown: the request may have reached the server, so it was not repeated; check whether it took effect before trying again: 500 internal: database write timed out"
	if err.Error() != want {
		t.Errorf("error text\n got %q\nwant %q", err, want)
	}
	if len(ts.Requests()) != 1 || len(w.All()) != 0 {
		t.Error("a POST was repeated after a 500")
	}
	assertNoToken(t, err)
}

func TestCreate_notRepeatedAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, dropConnection, reply(http.StatusCreated, storedConnection))
	c, w := newTestClient(t, ts)

	_, err := c.Connections.Create(t.Context(), newConnection())
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
	}
	if len(ts.Requests()) != 1 || len(w.All()) != 0 {
		t.Errorf("a POST was repeated after the connection dropped: %d requests", len(ts.Requests()))
	}
	assertNoToken(t, err)
}

func TestCreate_outcomeUnknownOnUndecodableSuccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusCreated, "<html><body>Created</body></html>", "Content-Type", "text/html"))
	c, _ := newTestClient(t, ts)

	_, err := c.Connections.Create(t.Context(), newConnection())
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "something other than a JSON connection") {
		t.Fatalf("error = %v, want ErrOutcomeUnknown explaining the answer", err)
	}
}

func TestCreate_retriedWhenDialFailed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusCreated, storedConnection))
	var dials atomic.Int32
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(transport.CloseIdleConnections)
	c, w := newTestClient(t, ts, WithHTTPClient(&http.Client{Transport: transport}))

	conn, err := c.Connections.Create(t.Context(), newConnection())
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	checkStoredConnection(t, conn)
	if dials.Load() != 2 || len(ts.Requests()) != 1 || len(w.All()) != 1 {
		t.Errorf("%d dials, %d requests, %d waits; want 2, 1, 1", dials.Load(), len(ts.Requests()), len(w.All()))
	}
}

func TestRetry_getAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, dropConnection, reply(http.StatusOK, storedConnection))
	c, w := newTestClient(t, ts)

	conn, err := c.Connections.Get(t.Context(), connectionID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkStoredConnection(t, conn)
	if len(w.All()) != 1 {
		t.Errorf("waits = %v, want one retry", w.All())
	}
}

func TestRetry_transportErrorExhausted(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: every dial is refused.
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()

	c, err := New(WithToken(testToken), WithBaseURL("http://"+addr+"/v1"), WithMaxRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = w.sleep

	_, err = c.TokenInfo(t.Context())
	if err == nil || !strings.Contains(err.Error(), "integrator.io API: GET /tokenInfo: dial tcp "+addr) ||
		!strings.Contains(err.Error(), "(after 2 attempts)") {
		t.Fatalf("error = %v, want the refused dial after 2 attempts", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error does not wrap ECONNREFUSED: %v", err)
	}
	if len(w.All()) != 1 {
		t.Errorf("waits = %v, want 1", w.All())
	}
	assertNoToken(t, err)
}

func TestRetry_contextCancelStopsWait(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusTooManyRequests, `{"errors":[{"code":"rate_limited","message":"slow down"}]}`, "Retry-After", "30"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The warning comes just before the wait; cancelling there proves the wait itself ends.
	log := &recordingLogger{onWarn: cancel}
	c, _ := newTestClient(t, ts, WithLogger(log))
	c.sleep = sleepContext

	start := time.Now()
	_, err := c.Connections.Get(ctx, connectionID)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Get took %v after the context was cancelled", elapsed)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want context.Canceled wrapping the 429", err)
	}
	if !strings.Contains(err.Error(), "stopped waiting to retry: context canceled") {
		t.Errorf("error text = %q", err)
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestRetry_waitBeyondDeadlineIsSkipped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, reply(http.StatusTooManyRequests, nil, "Retry-After", "60"))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, w := newTestClient(t, ts)

	_, err := c.Connections.Get(ctx, connectionID)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	if len(w.All()) != 0 {
		t.Errorf("waited %v past the context's deadline", w.All())
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	fallback := 3 * time.Second
	tests := map[string]time.Duration{
		"":                              fallback,
		"5":                             5 * time.Second,
		"0":                             0,
		"-1":                            fallback,
		"soon":                          fallback,
		"99999999999999999999":          fallback,
		"86400":                         retryAfterMax,
		"Wed, 01 Jan 2025 12:00:10 GMT": 10 * time.Second,
		"Wed, 01 Jan 2025 11:00:00 GMT": 0,
		"Thu, 02 Jan 2025 12:00:00 GMT": retryAfterMax,
	}
	for v, want := range tests {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := retryAfter(h, now, fallback); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBackoff_bounded(t *testing.T) {
	t.Parallel()
	c := &Client{}
	for attempt := 1; attempt <= 100; attempt++ {
		if d := c.backoff(attempt); d <= 0 || d > backoffMax {
			t.Fatalf("backoff(%d) = %v, want within (0, %v]", attempt, d, backoffMax)
		}
	}
}

func TestRetry_certificateErrorNotRetried(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	transport := &http.Transport{} // trusts only the system roots, not the test server's certificate
	t.Cleanup(transport.CloseIdleConnections)
	c, err := New(WithToken(testToken), WithBaseURL(ts.URL+"/v1"), WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = w.sleep

	_, err = c.Connections.Create(t.Context(), newConnection())
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want the certificate error, not an unknown outcome", err)
	}
	if len(w.All()) != 0 || requests.Load() != 0 {
		t.Errorf("a certificate failure was retried (%d waits) or reached the handler", len(w.All()))
	}
	assertNoToken(t, err)
}
