package ingress

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// unbatchedLimiter is the Redis limiter as it was before batching (commit 38f0e01), kept to
// measure against: per request one redis_rate Allow and, with a quota, one INCR script.
type unbatchedLimiter struct {
	r  *redisLimiter
	rl *redis_rate.Limiter
}

var unbatchedQuotaScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
return n`)

func (u unbatchedLimiter) take(p *policy, now time.Time) decision {
	if now.UnixNano() < u.r.downUntil.Load() {
		return u.r.fallback(p, now)
	}
	d, err := u.shared(p, now)
	if err != nil {
		u.r.failed(err, now)
		return u.r.fallback(p, now)
	}
	u.r.recovered()
	return d
}

func (u unbatchedLimiter) shared(p *policy, now time.Time) (decision, error) {
	ctx := context.Background()
	var d decision
	if p.rate != nil {
		res, err := u.rl.Allow(ctx, p.rateKey, p.rate.rl)
		if err != nil {
			return d, err
		}
		d.remaining, d.resetAfter = res.Remaining, max(res.ResetAfter, 0)
		if res.Allowed == 0 {
			d.kind, d.retryAfter = schemas.TypeRateLimited, res.RetryAfter
			return d, nil
		}
	}
	if p.quota > 0 {
		key := p.quotaKey + strconv.FormatInt(now.Unix()/86400, 10)
		ttl := untilMidnight(now) + time.Hour
		n, err := unbatchedQuotaScript.Run(ctx, u.r.rdb, []string{key}, ttl.Milliseconds()).Int64()
		if err != nil {
			return d, err
		}
		d.quotaUsed = n
		if n > p.quota {
			d.kind, d.retryAfter = schemas.TypeQuotaExceeded, untilMidnight(now)
		}
	}
	return d, nil
}

// BenchmarkRedisLimiter is one tenant's requests through the Redis limiter, before batching
// and after: one request at a time, GOMAXPROCS at once, and 64 at once (on 2 cores) as the
// issue's load test sends them. redis-rt/op is Redis round trips per request.
func BenchmarkRedisLimiter(b *testing.B) {
	rd := testkit.StartRedis(b)
	for _, pol := range []struct {
		name string
		spec TenantSpec
	}{
		{"rate", TenantSpec{RatePerSec: 1e6, Burst: 1e6}},
		{"rate+quota", TenantSpec{RatePerSec: 1e6, Burst: 1e6, DailyQuota: 1 << 39}},
	} {
		// conc 0 is one request at a time; otherwise RunParallel's parallelism (x GOMAXPROCS).
		for _, conc := range []int{0, 1, 32} {
			label := "sequential"
			if conc > 0 {
				label = "c=" + strconv.Itoa(conc*runtime.GOMAXPROCS(0))
			}
			for _, mode := range []string{"unbatched", "batched"} {
				b.Run(pol.name+"/"+mode+"/"+label, func(b *testing.B) {
					r, rt := newTestRedisLimiter(b, rd.Addr, false, nil)
					var lim limiter = r
					if mode == "unbatched" {
						lim = unbatchedLimiter{r: r, rl: redis_rate.NewLimiter(r.rdb)}
					}
					p := mustPolicy(b, pol.spec)
					lim.take(p, time.Now()) // loads the scripts
					rt.n.Store(0)
					b.ReportAllocs()
					b.ResetTimer()
					if conc == 0 {
						for range b.N {
							if d := lim.take(p, time.Now()); d.kind != "" {
								b.Fatalf("refused: %+v", d)
							}
						}
					} else {
						b.SetParallelism(conc)
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if d := lim.take(p, time.Now()); d.kind != "" {
									b.Errorf("refused: %+v", d)
									return
								}
							}
						})
					}
					b.ReportMetric(float64(rt.n.Load())/float64(b.N), "redis-rt/op")
				})
			}
		}
	}
}
