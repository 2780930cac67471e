package ingress

import (
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// decision is a limiter's answer for one request.
type decision struct {
	// kind is "" when admitted, else TypeRateLimited, TypeQuotaExceeded or TypeUnavailable.
	kind string
	// remaining requests of the rate's burst, and when it is whole again.
	remaining  int
	resetAfter time.Duration
	// retryAfter is when a refused request may succeed.
	retryAfter time.Duration
	// quotaUsed counts today's requests, this one included (0: not counted).
	quotaUsed int64
}

// limiter applies a policy to one request. Implementations never block for long: the
// in-process one is a few atomic operations, the Redis one falls back when Redis is down.
type limiter interface {
	take(p *policy, now time.Time) decision
}

// localLimiter keeps every policy's state in this process: the limits hold per replica.
type localLimiter struct{}

func (localLimiter) take(p *policy, now time.Time) decision {
	var d decision
	if p.rate != nil {
		d = gcra(p.rate, &p.local.tat, now.UnixNano())
		if d.kind != "" {
			return d
		}
	}
	if p.quota > 0 {
		d.quotaUsed = countDay(&p.local.day, now)
		if d.quotaUsed > p.quota {
			d.kind, d.retryAfter = schemas.TypeQuotaExceeded, untilMidnight(now)
		}
	}
	return d
}

// gcra is the generic cell rate algorithm on one atomic word: the theoretical arrival time
// (TAT) of the next request. A request is admitted while TAT - burst*interval <= now, and
// moves TAT on by one interval.
func gcra(l *limit, tat *atomic.Int64, now int64) decision {
	tau := l.interval * int64(l.burst)
	for {
		old := tat.Load()
		t := max(old, now)
		next := t + l.interval
		allowAt := next - tau
		if now < allowAt {
			return decision{kind: schemas.TypeRateLimited, retryAfter: time.Duration(allowAt - now), resetAfter: time.Duration(t - now)}
		}
		if tat.CompareAndSwap(old, next) {
			return decision{remaining: int((now - allowAt) / l.interval), resetAfter: time.Duration(next - now)}
		}
	}
}

// countDay counts one request on today's (UTC) counter and returns the day's count.
func countDay(c *atomic.Uint64, now time.Time) int64 {
	day := uint64(now.Unix() / 86400)
	for {
		old := c.Load()
		n := uint64(1)
		if old>>40 == day {
			n = old&(1<<40-1) + 1
		}
		if c.CompareAndSwap(old, day<<40|n) {
			return int64(n)
		}
	}
}

func untilMidnight(now time.Time) time.Duration {
	s := now.Unix()
	return time.Duration(86400-s%86400) * time.Second
}

// redisLimiter shares every policy's state through Redis, so all ingress replicas together
// admit one tenant's limit. Concurrent requests of one policy are decided together, one
// round trip per batch (limiter_batch.go). While Redis fails it refuses (failClosed) or falls
// back to the in-process limits, and it retries Redis once per backoff rather than on every
// request.
type redisLimiter struct {
	rdb        *redis.Client
	local      localLimiter
	failClosed bool
	backoff    time.Duration
	log        *slog.Logger
	m          *metrics
	batches    batches

	downUntil atomic.Int64 // Unix ns before which Redis is not tried
	loggedAt  atomic.Int64 // Unix ns of the last "Redis down" log line
}

func newRedisLimiter(rdb *redis.Client, failClosed bool, log *slog.Logger, m *metrics) *redisLimiter {
	m.limiterUp.Set(1)
	r := &redisLimiter{rdb: rdb, failClosed: failClosed, backoff: time.Second, log: log, m: m}
	r.batches.init()
	return r
}

func (r *redisLimiter) take(p *policy, now time.Time) decision {
	if now.UnixNano() < r.downUntil.Load() {
		return r.fallback(p, now)
	}
	return r.batched(p, now)
}

func (r *redisLimiter) fallback(p *policy, now time.Time) decision {
	r.m.limiterFallbacks.Inc()
	if r.failClosed {
		return decision{kind: schemas.TypeUnavailable, retryAfter: r.backoff}
	}
	return r.local.take(p, now)
}

// failed marks Redis down for one backoff and logs at most once per interval.
func (r *redisLimiter) failed(err error, now time.Time) {
	r.m.limiterErrors.Inc()
	r.m.limiterUp.Set(0)
	r.downUntil.Store(now.Add(r.backoff).UnixNano())
	last := r.loggedAt.Load()
	if now.UnixNano()-last >= int64(30*time.Second) && r.loggedAt.CompareAndSwap(last, now.UnixNano()) {
		mode := "falling back to per-replica limits"
		if r.failClosed {
			mode = "refusing requests (fail closed)"
		}
		r.log.Warn("rate limiter: Redis unreachable; "+mode, "err", err)
	}
}

// recovered notes an exchange that Redis answered: if it was down, limits are shared again.
func (r *redisLimiter) recovered() {
	if r.downUntil.Load() != 0 && r.downUntil.Swap(0) != 0 {
		r.m.limiterUp.Set(1)
		r.log.Info("rate limiter: Redis is back; limits are shared again")
	}
}

// setRateHeaders writes the IETF RateLimit-Policy and RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers): one "rate" item for the burst and one "daily" item
// for the quota, as far as this request measured them.
func setRateHeaders(h *fasthttp.ResponseHeader, p *policy, d decision, now time.Time) {
	h.SetBytesV("RateLimit-Policy", p.header)
	var buf [96]byte
	b := buf[:0]
	if p.rate != nil {
		b = append(b, `"rate";r=`...)
		b = strconv.AppendInt(b, int64(d.remaining), 10)
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, ceilSeconds(d.resetAfter), 10)
	}
	if p.quota > 0 && d.quotaUsed > 0 {
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `"daily";r=`...)
		b = strconv.AppendInt(b, max(0, p.quota-d.quotaUsed), 10)
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, ceilSeconds(untilMidnight(now)), 10)
	}
	if len(b) > 0 {
		h.SetBytesV("RateLimit", b)
	}
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
