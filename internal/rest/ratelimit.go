package rest

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

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

// sharedLimiter keeps the same token buckets in Redis, so that every server
// process spends from one budget per client address. The bucket is updated
// by one script, atomically. While Redis cannot be reached each process
// falls back to its own buckets: the limit is then per process, but the
// service keeps answering.
type sharedLimiter struct {
	rdb   redis.UniversalClient
	local *rateLimiter
	log   *slog.Logger
	down  atomic.Bool  // logged once per outage
	retry atomic.Int64 // during an outage, Redis is asked again from this time (unix ns)
}

// redisRetry is how long a process limits on its own after Redis failed,
// before it asks Redis again: a request does not wait for a dead Redis.
const redisRetry = 5 * time.Second

// bucketScript: KEYS[1] the bucket; ARGV capacity, milliseconds per token,
// now in milliseconds. Returns 0 when a token was spent, otherwise the
// milliseconds until one is there. A bucket left alone fills up in a minute
// and is then the same as none, so it expires.
var bucketScript = redis.NewScript(`
local cap, per, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if tokens == nil or at == nil then tokens, at = cap, now end
if now > at then
  tokens = math.min(cap, tokens + (now - at) / per)
  at = now
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * per) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap * per) + 1000)
return wait
`)

func newSharedLimiter(rdb redis.UniversalClient, local *rateLimiter, log *slog.Logger) *sharedLimiter {
	return &sharedLimiter{rdb: rdb, local: local, log: log}
}

func (l *sharedLimiter) take(key string) (bool, time.Duration) {
	if l.down.Load() && time.Now().UnixNano() < l.retry.Load() {
		return l.local.take(key)
	}
	per := time.Minute / time.Duration(l.local.perMinute)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ms, err := bucketScript.Run(ctx, l.rdb, []string{"znb:rate:" + key},
		l.local.perMinute, per.Milliseconds(), l.local.now().UnixMilli()).Int64()
	if err != nil {
		l.retry.Store(time.Now().Add(redisRetry).UnixNano())
		if !l.down.Swap(true) {
			l.log.Warn("rate limit: Redis unreachable, limiting per process", "err", err)
		}
		return l.local.take(key)
	}
	if l.down.Swap(false) {
		l.log.Info("rate limit: Redis reachable again")
	}
	return ms == 0, time.Duration(ms) * time.Millisecond
}

// limitBy is the middleware: over the limit, 429 rate_limited with
// Retry-After in whole seconds.
func limitBy(take func(string) (bool, time.Duration)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ok, wait := take(c.IP())
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
}
