package ingress

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// roundTrips counts a client's exchanges with Redis: a command or a pipeline is one.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}

func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}

// warnCounter is a logger that counts warnings.
type warnCounter struct{ n atomic.Int64 }

func (w *warnCounter) Enabled(context.Context, slog.Level) bool { return true }
func (w *warnCounter) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *warnCounter) WithGroup(string) slog.Handler            { return w }
func (w *warnCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		w.n.Add(1)
	}
	return nil
}

// newTestRedisLimiter is a replica's Redis limiter, its client set up as New sets it up.
func newTestRedisLimiter(t testing.TB, addr string, failClosed bool, log *slog.Logger) (*redisLimiter, *roundTrips) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 250 * time.Millisecond, ReadTimeout: 250 * time.Millisecond,
		WriteTimeout: 250 * time.Millisecond, PoolTimeout: 250 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	rt := new(roundTrips)
	rdb.AddHook(rt)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return newRedisLimiter(rdb, failClosed, log, newMetrics(prometheus.NewRegistry())), rt
}

func mustPolicy(t testing.TB, spec TenantSpec) *policy {
	t.Helper()
	spec.Name = "acme"
	p, err := tenantPolicy(spec)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// takeAll fires perReplica requests at each (limiter, policy) pair at once, from several
// goroutines each, and returns every decision.
func takeAll(t *testing.T, replicas []*redisLimiter, pols []*policy, perReplica int) []decision {
	t.Helper()
	const goroutines = 4
	var (
		mu  sync.Mutex
		out []decision
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for i, r := range replicas {
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for range perReplica/goroutines + btoi(g < perReplica%goroutines) {
					d := r.take(pols[i], time.Now())
					mu.Lock()
					out = append(out, d)
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	for _, r := range replicas {
		if n := r.batches.pending(); n != 0 {
			t.Errorf("%d policies still have an exchange in flight after every request was answered", n)
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRedisBatchRateExact: two replicas, 200 concurrent requests, burst 50 (refilling one per
// 100 s, so nothing refills during the test): exactly 50 admitted between them, each with its
// own place in the burst, and the rest refused with a Retry-After.
func TestRedisBatchRateExact(t *testing.T) {
	rd := testkit.StartRedis(t)
	var replicas []*redisLimiter
	var pols []*policy
	for range 2 {
		r, _ := newTestRedisLimiter(t, rd.Addr, false, nil)
		replicas = append(replicas, r)
		pols = append(pols, mustPolicy(t, TenantSpec{RatePerSec: 0.01, Burst: 50}))
	}
	var remaining []int
	refused := 0
	for _, d := range takeAll(t, replicas, pols, 100) {
		switch d.kind {
		case "":
			remaining = append(remaining, d.remaining)
			// The burst is whole again once every request admitted so far has been paid off.
			want := time.Duration(50-d.remaining) * 100 * time.Second
			if d.resetAfter > want || d.resetAfter < want-5*time.Second {
				t.Errorf("admitted with %d remaining: resetAfter %v, want about %v", d.remaining, d.resetAfter, want)
			}
		case schemas.TypeRateLimited:
			refused++
			if d.retryAfter <= 90*time.Second || d.retryAfter > 100*time.Second || d.remaining != 0 {
				t.Errorf("refused: %+v, want retryAfter about 100s and nothing remaining", d)
			}
		default:
			t.Errorf("decision %+v", d)
		}
	}
	if len(remaining) != 50 || refused != 150 {
		t.Fatalf("admitted %d and refused %d of 200 across two replicas, want 50 and 150", len(remaining), refused)
	}
	slices.Sort(remaining)
	for i, n := range remaining {
		if n != i {
			t.Fatalf("remaining values %v, want each of 0..49 once", remaining)
		}
	}
}

// TestRedisBatchQuotaExact: the quota is counted per request inside a batch, exactly as one
// at a time: the first 30 are admitted, the rest of what the rate admitted exceed the quota.
func TestRedisBatchQuotaExact(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		spec                    TenantSpec
		ok, overQuota, overRate int
		counted                 int // the day's counter in Redis afterwards
	}{
		{"quota", TenantSpec{DailyQuota: 30}, 30, 70, 0, 100},
		{"rate and quota", TenantSpec{RatePerSec: 0.01, Burst: 60, DailyQuota: 30}, 30, 30, 40, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd := testkit.StartRedis(t)
			a, _ := newTestRedisLimiter(t, rd.Addr, false, nil)
			b, _ := newTestRedisLimiter(t, rd.Addr, false, nil)
			pa, pb := mustPolicy(t, tc.spec), mustPolicy(t, tc.spec)
			var used []int64
			overQuota, overRate := 0, 0
			for _, d := range takeAll(t, []*redisLimiter{a, b}, []*policy{pa, pb}, 50) {
				switch d.kind {
				case "":
					used = append(used, d.quotaUsed)
				case schemas.TypeQuotaExceeded:
					overQuota++
					if d.retryAfter <= 0 || d.retryAfter > 24*time.Hour || d.quotaUsed <= 30 {
						t.Errorf("over the quota: %+v", d)
					}
				case schemas.TypeRateLimited:
					overRate++
					if d.retryAfter <= 0 || d.quotaUsed != 0 {
						t.Errorf("over the rate: %+v, want a Retry-After and not counted", d)
					}
				default:
					t.Errorf("decision %+v", d)
				}
			}
			if len(used) != tc.ok || overQuota != tc.overQuota || overRate != tc.overRate {
				t.Fatalf("admitted %d, over the quota %d, over the rate %d; want %d, %d, %d",
					len(used), overQuota, overRate, tc.ok, tc.overQuota, tc.overRate)
			}
			slices.Sort(used)
			for i, n := range used {
				if n != int64(i+1) {
					t.Fatalf("quota counts of the admitted %v, want each of 1..30 once", used)
				}
			}
			rdb := redis.NewClient(&redis.Options{Addr: rd.Addr})
			defer rdb.Close()
			key := pa.quotaKey + strconv.FormatInt(time.Now().Unix()/86400, 10)
			if n, err := rdb.Get(t.Context(), key).Int(); err != nil || n != tc.counted {
				t.Errorf("%s = %d (%v), want %d", key, n, err, tc.counted)
			}
			if ttl, err := rdb.PTTL(t.Context(), key).Result(); err != nil || ttl <= time.Hour || ttl > 25*time.Hour {
				t.Errorf("%s expires in %v (%v), want the rest of the day and an hour", key, ttl, err)
			}
		})
	}
}

// TestRedisBatchRoundTrips: concurrent requests of one policy share round trips; a request
// alone costs exactly one, quota or not.
func TestRedisBatchRoundTrips(t *testing.T) {
	rd := testkit.StartRedis(t)
	t.Run("concurrent", func(t *testing.T) {
		r, rt := newTestRedisLimiter(t, rd.Addr, false, nil)
		p := mustPolicy(t, TenantSpec{RatePerSec: 1e6, Burst: 1e6, DailyQuota: 1e9})
		r.take(p, time.Now()) // loads the script
		rt.n.Store(0)
		const goroutines, each = 64, 20
		var admitted atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for range each {
					if r.take(p, time.Now()).kind == "" {
						admitted.Add(1)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		n := rt.n.Load()
		t.Logf("%d requests, %d round trips", goroutines*each, n)
		if admitted.Load() != goroutines*each {
			t.Errorf("admitted %d of %d", admitted.Load(), goroutines*each)
		}
		if n == 0 || n*4 > goroutines*each {
			t.Errorf("%d round trips for %d concurrent requests, want at most a quarter", n, goroutines*each)
		}
		if r.batches.pending() != 0 {
			t.Error("an exchange is still pending")
		}
	})
	for _, tc := range []struct {
		name string
		spec TenantSpec
	}{
		{"sequential rate", TenantSpec{RatePerSec: 1e6}},
		{"sequential quota", TenantSpec{DailyQuota: 1e9}},
		{"sequential rate and quota", TenantSpec{RatePerSec: 1e6, DailyQuota: 1e9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rt := newTestRedisLimiter(t, rd.Addr, false, nil)
			p := mustPolicy(t, tc.spec)
			r.take(p, time.Now()) // loads the script
			rt.n.Store(0)
			for range 50 {
				if d := r.take(p, time.Now()); d.kind != "" {
					t.Fatalf("refused: %+v", d)
				}
			}
			if n := rt.n.Load(); n != 50 {
				t.Errorf("%d round trips for 50 requests one after another, want 50", n)
			}
		})
	}
}

// TestRedisBatchSharesRedisRateState: the batch script and redis_rate count one limit, so
// replicas of either kind (as in a rolling deploy) share a tenant's burst.
func TestRedisBatchSharesRedisRateState(t *testing.T) {
	rd := testkit.StartRedis(t)
	r, _ := newTestRedisLimiter(t, rd.Addr, false, nil)
	p := mustPolicy(t, TenantSpec{RatePerSec: 0.01, Burst: 20})
	rl := redis_rate.NewLimiter(r.rdb)
	for i := range 10 {
		if res, err := rl.Allow(t.Context(), p.rateKey, p.rate.rl); err != nil || res.Allowed != 1 {
			t.Fatalf("redis_rate request %d: %+v %v", i, res, err)
		}
	}
	admitted := 0
	for range 15 {
		if r.take(p, time.Now()).kind == "" {
			admitted++
		}
	}
	if admitted != 10 {
		t.Fatalf("batch limiter admitted %d after redis_rate took 10 of 20, want 10", admitted)
	}
	if res, err := rl.Allow(t.Context(), p.rateKey, p.rate.rl); err != nil || res.Allowed != 0 {
		t.Fatalf("redis_rate after the burst was used up: %+v %v", res, err)
	}
}

// TestBatchScriptWholeBurst: a fresh key admits its whole burst in one batch, whatever float
// rounding does to Redis's TIME (redis_rate's AllowAtMost admits 6 of 7 at 3/s, 0 of 1).
func TestBatchScriptWholeBurst(t *testing.T) {
	rd := testkit.StartRedis(t)
	r, _ := newTestRedisLimiter(t, rd.Addr, false, nil)
	for i, tc := range []struct {
		perSec float64
		burst  int
	}{{3, 7}, {1000, 1}, {50, 50}, {0.5, 5}, {1e6, 1000}, {0.01, 1}} {
		for try := range 20 {
			p := mustPolicy(t, TenantSpec{RatePerSec: tc.perSec, Burst: tc.burst})
			p.rateKey += strconv.Itoa(i*100 + try) // a fresh key each time
			res, err := r.exchange(p, tc.burst+5, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if res.admitted != tc.burst || res.remaining != 0 || res.retryAfter <= 0 {
				t.Fatalf("%v/s burst %d, %d at once on a fresh key: %+v, want the burst admitted", tc.perSec, tc.burst, tc.burst+5, res)
			}
		}
	}
}

// TestRedisBatchDown stops Redis under concurrent load: every request of the failed batch and
// of the batches after it falls back (per-replica limits, or refused when failing closed),
// Redis is tried once per backoff, not once per request or batch, and nothing hangs.
func TestRedisBatchDown(t *testing.T) {
	for _, failClosed := range []bool{false, true} {
		t.Run("failClosed="+strconv.FormatBool(failClosed), func(t *testing.T) {
			rd := testkit.StartRedis(t)
			warns := new(warnCounter)
			r, _ := newTestRedisLimiter(t, rd.Addr, failClosed, slog.New(warns))
			r.backoff = time.Hour // one try per test
			p := mustPolicy(t, TenantSpec{RatePerSec: 0.01, Burst: 50})

			var admitted, limited, unavailable atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						d := r.take(p, time.Now())
						switch d.kind {
						case "":
							admitted.Add(1)
						case schemas.TypeRateLimited:
							limited.Add(1)
						case schemas.TypeUnavailable:
							unavailable.Add(1)
							if d.retryAfter != r.backoff {
								t.Errorf("unavailable: %+v", d)
							}
						default:
							t.Errorf("decision %+v", d)
						}
					}
				}()
			}
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
			stopLoad := sync.OnceFunc(func() {
				close(stop)
				select {
				case <-finished:
				case <-time.After(10 * time.Second):
					t.Fatal("requests still waiting 10 s after the load stopped")
				}
			})
			defer stopLoad()

			testkit.Eventually(t, 10*time.Second, func() bool { return limited.Load() > 0 }, "the shared burst used up")
			rd.Stop()
			fallbacks := func() float64 { return testutil.ToFloat64(r.m.limiterFallbacks) }
			testkit.Eventually(t, 10*time.Second, func() bool { return fallbacks() >= 500 }, "fallback decisions (%v)", fallbacks())
			stopLoad()

			if n := testutil.ToFloat64(r.m.limiterErrors); n != 1 {
				t.Errorf("%v failed exchanges counted, want 1: later batches wait out the backoff", n)
			}
			if n := warns.n.Load(); n != 1 {
				t.Errorf("%d warnings logged, want 1", n)
			}
			if up := testutil.ToFloat64(r.m.limiterUp); up != 0 {
				t.Errorf("redis_up %v while Redis is down", up)
			}
			if r.batches.pending() != 0 {
				t.Error("an exchange is still pending")
			}
			if failClosed {
				if admitted.Load() != 50 || float64(unavailable.Load()) != fallbacks() {
					t.Errorf("fail closed: admitted %d (want the shared burst, 50), unavailable %d of %v fallbacks",
						admitted.Load(), unavailable.Load(), fallbacks())
				}
				return
			}
			// The shared burst through Redis, then the per-replica burst while it is down.
			if admitted.Load() != 100 || unavailable.Load() != 0 {
				t.Errorf("fail open: admitted %d (want 50 shared and 50 local), unavailable %d", admitted.Load(), unavailable.Load())
			}
		})
	}
}
