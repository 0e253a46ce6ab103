package emulator

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is the API's leaky bucket per account, shared by all of the account's tokens: the
// account may spend up to burst requests at once, and the bucket refills at rate requests per
// second. Each bucket is a golang.org/x/time/rate token bucket driven by the injected clock
// (AllowN and TokensAt take the time explicitly), so tests move it with their fake clock.
type limiter struct {
	mu      sync.Mutex // makes AllowN and TokensAt one step, and guards buckets
	burst   int
	rate    rate.Limit
	now     func() time.Time
	buckets map[string]*rate.Limiter
}

// accountBucket keys the one account this server plays: every token it accepts belongs to it.
const accountBucket = "account"

func newLimiter(burst int, perSecond float64, now func() time.Time) *limiter {
	return &limiter{burst: burst, rate: rate.Limit(perSecond), now: now, buckets: map[string]*rate.Limiter{}}
}

// take spends one request of key's bucket. When the bucket is empty it reports how long until
// one request is available. Keys are accounts, so the map stays small. A refused request spends
// nothing, and a clock going back refills nothing (rate.Limiter counts no negative time).
func (l *limiter) take(key string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, found := l.buckets[key]
	if !found {
		b = rate.NewLimiter(l.rate, l.burst) // starts full
		l.buckets[key] = b
	}
	if b.AllowN(now, 1) {
		return 0, true
	}
	return time.Duration((1 - b.TokensAt(now)) / float64(l.rate) * float64(time.Second)), false
}

func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.buckets)
}

// retryAfterSeconds rounds a wait up to the whole seconds of a Retry-After header, at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}
