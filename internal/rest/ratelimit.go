package rest

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// rateLimiter allows each client address perMinute requests a minute: a
// token bucket of perMinute tokens, refilled evenly, so a burst of
// perMinute passes and then one request every 60/perMinute seconds.
type rateLimiter struct {
	perMinute int
	now       func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	if perMinute <= 0 {
		perMinute = 10
	}
	return &rateLimiter{perMinute: perMinute, now: now, buckets: map[string]*bucket{}}
}

// take spends a token of key, or says how long until one is there.
func (l *rateLimiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	perToken := time.Minute / time.Duration(l.perMinute)
	if len(l.buckets) > 100_000 {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(l.perMinute), at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(float64(l.perMinute), b.tokens+elapsed.Seconds()/perToken.Seconds())
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(perToken))
}

// sweep forgets clients whose bucket has filled up again: they are as new.
func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.at) >= time.Minute {
			delete(l.buckets, k)
		}
	}
}

// limit is the middleware: over the limit, 429 rate_limited with
// Retry-After in whole seconds.
func (l *rateLimiter) limit(c *fiber.Ctx) error {
	ok, wait := l.take(c.IP())
	if ok {
		return c.Next()
	}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return znb.Errorf(znb.TooMany, "rate_limited", "请求过于频繁，请 %d 秒后再试", secs)
}
