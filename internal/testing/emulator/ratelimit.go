package emulator

import (
	"math"
	"sync"
	"time"
)

// limiter is the API's leaky bucket per account, shared by all of the account's tokens: the
// account may spend up to burst requests at once, and the bucket refills at rate requests per
// second.
type limiter struct {
	mu      sync.Mutex
	burst   float64
	rate    float64
	now     func() time.Time
	buckets map[string]*bucket
}

// accountBucket keys the one account this server plays: every token it accepts belongs to it.
const accountBucket = "account"

type bucket struct {
	level float64 // requests that may be made now
	at    time.Time
}

func newLimiter(burst, rate float64, now func() time.Time) *limiter {
	return &limiter{burst: burst, rate: rate, now: now, buckets: map[string]*bucket{}}
}

// take spends one request of key's bucket. When the bucket is empty it reports how long until
// one request is available. Keys are accounts, so the map stays small.
func (l *limiter) take(key string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, found := l.buckets[key]
	if !found {
		b = &bucket{level: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 { // a clock going back refills nothing
		b.level = math.Min(l.burst, b.level+elapsed.Seconds()*l.rate)
		b.at = now
	}
	if b.level >= 1 {
		b.level--
		return 0, true
	}
	return time.Duration((1 - b.level) / l.rate * float64(time.Second)), false
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
