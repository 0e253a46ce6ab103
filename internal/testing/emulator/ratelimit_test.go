package emulator

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{
		Tokens:         []string{testToken, "other"},
		RateLimitBurst: 3, RateLimitPerSecond: 1,
	})
	get := func(token string) response {
		req := newRequest(t, http.MethodGet, "/v1/tokenInfo", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return h.serve(req)
	}
	for i := range 3 {
		if res := get(testToken); res.status != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d", i+1, res.status)
		}
	}
	res := get(testToken)
	res.wantError(t, http.StatusTooManyRequests, codeRateLimited, "")
	if got := res.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}

	// The bucket is the account's: the account's other token finds it empty too.
	get("other").wantStatus(t, http.StatusTooManyRequests)
	// Unknown tokens are refused before they can drain or create a bucket.
	for range 5 {
		get("unknown").wantStatus(t, http.StatusUnauthorized)
	}

	h.clock.Advance(500 * time.Millisecond)
	get(testToken).wantStatus(t, http.StatusTooManyRequests)
	h.clock.Advance(500 * time.Millisecond)
	get(testToken).wantStatus(t, http.StatusOK)
	get(testToken).wantStatus(t, http.StatusTooManyRequests)

	// The bucket refills up to its capacity and no further.
	h.clock.Advance(time.Hour)
	for range 3 {
		get(testToken).wantStatus(t, http.StatusOK)
	}
	get(testToken).wantStatus(t, http.StatusTooManyRequests)
}

// TestRateLimit_sharedByTheAccountsTokens: all tokens of the account, full-access or scoped,
// draw from one bucket.
func TestRateLimit_sharedByTheAccountsTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{
		Tokens:         []string{"a", "b"},
		ScopedTokens:   map[string]string{"c": `["connections"]`},
		RateLimitBurst: 3, RateLimitPerSecond: 1,
	})
	get := func(token string) response {
		req := newRequest(t, http.MethodGet, "/v1/tokenInfo", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return h.serve(req)
	}
	for _, token := range []string{"a", "b", "c"} {
		get(token).wantStatus(t, http.StatusOK)
	}
	for _, token := range []string{"a", "b", "c"} {
		get(token).wantError(t, http.StatusTooManyRequests, codeRateLimited, "")
	}
	h.clock.Advance(time.Second)
	get("b").wantStatus(t, http.StatusOK)
	get("a").wantStatus(t, http.StatusTooManyRequests)
}

func TestRateLimit_retryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimitBurst: 1, RateLimitPerSecond: 0.25})
	h.do(http.MethodGet, "/v1/tokenInfo", nil).wantStatus(t, http.StatusOK)
	h.clock.Advance(time.Second) // a quarter of a request refilled: 3s to go
	res := h.do(http.MethodGet, "/v1/tokenInfo", nil)
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "3" {
		t.Errorf("status %d, Retry-After %q; want 429 and 3", res.status, res.header.Get("Retry-After"))
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for wait, want := range map[time.Duration]int{
		0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 3 * time.Second: 3,
	} {
		if got := retryAfterSeconds(wait); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", wait, got, want)
		}
	}
}

func TestRateLimit_clockGoingBack(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(1, 1, func() time.Time { return now })
	if _, ok := l.take("k"); !ok {
		t.Fatal("first request refused")
	}
	now = now.Add(-time.Hour)
	if _, ok := l.take("k"); ok {
		t.Error("a clock going back refilled the bucket")
	}
}
