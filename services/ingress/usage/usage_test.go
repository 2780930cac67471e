package usage

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/testkit"
)

// t0 is 2024-01-31 23:30 UTC: half an hour before a new hour, day and month.
var t0 = time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC)

// counters runs a test against the in-process counter and the Redis one.
func counters(t *testing.T, f func(t *testing.T, newCounter func() Counter)) {
	t.Run("local", func(t *testing.T) {
		f(t, func() Counter { return NewLocal(Options{}) })
	})
	t.Run("redis", func(t *testing.T) {
		rd := testkit.StartRedis(t)
		f(t, func() Counter {
			c := NewRedis(redisClient(t, rd.URL), Options{})
			t.Cleanup(c.Stop)
			return c
		})
	})
}

func redisClient(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries, opts.DialerRetries = -1, 1 // as the ingress's: a flush is never retried by the client
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func snapshot(t *testing.T, c Counter, tenant string, now time.Time) Usage {
	t.Helper()
	u, err := c.Snapshot(context.Background(), tenant, now)
	if err != nil {
		t.Fatalf("snapshot %q: %v", tenant, err)
	}
	return u
}

func TestCountsByKindAndResult(t *testing.T) {
	counters(t, func(t *testing.T, newCounter func() Counter) {
		c := newCounter()
		for range 3 {
			c.Record("acme", Search, Hit, t0)
		}
		c.Record("acme", Search, Miss, t0)
		c.Record("acme", Search, Error, t0)
		c.Record("acme", Scrape, Miss, t0)
		c.Record("acme", Scrape, Hit, t0)
		c.Record("other", Search, Miss, t0)
		c.Record("", Scrape, Miss, t0)

		want := Counts{Searches: 5, SearchHits: 3, SearchErrors: 1, Scrapes: 2, ScrapeHits: 1}
		u := snapshot(t, c, "acme", t0)
		for name, got := range map[string]Counts{"this hour": u.ThisHour, "today": u.Today, "this month": u.ThisMonth} {
			if got != want {
				t.Errorf("acme %s: %+v, want %+v", name, got, want)
			}
		}
		if u.LastHour != (Counts{}) {
			t.Errorf("acme last hour: %+v, want nothing", u.LastHour)
		}
		if got := u.Today.Hits(); got != 4 {
			t.Errorf("hits %d, want 4", got)
		}
		if got := snapshot(t, c, "other", t0).Today; got != (Counts{Searches: 1}) {
			t.Errorf("other: %+v: a tenant sees only its own counts", got)
		}
		if got := snapshot(t, c, "", t0).Today; got != (Counts{Scrapes: 1}) {
			t.Errorf("open access: %+v", got)
		}
		if got := snapshot(t, c, "nobody", t0).ThisMonth; got != (Counts{}) {
			t.Errorf("unknown tenant: %+v", got)
		}
	})
}

// TestPeriodsRollOver moves the clock over an hour, a day and a month boundary at once.
func TestPeriodsRollOver(t *testing.T) {
	counters(t, func(t *testing.T, newCounter func() Counter) {
		c := newCounter()
		c.Record("acme", Search, Miss, t0.Add(-2*time.Hour)) // 21:30: a past hour of the same day
		c.Record("acme", Search, Miss, t0)                   // 23:30
		c.Record("acme", Search, Hit, t0.Add(29*time.Minute))

		u := snapshot(t, c, "acme", t0)
		if u.ThisHour.Searches != 2 || u.LastHour.Searches != 0 || u.Today.Searches != 3 || u.ThisMonth.Searches != 3 {
			t.Fatalf("before midnight: %+v", u)
		}

		next := t0.Add(40 * time.Minute) // 2024-02-01 00:10
		c.Record("acme", Scrape, Miss, next)
		u = snapshot(t, c, "acme", next)
		if got := (Counts{Searches: 2, SearchHits: 1}); u.LastHour != got {
			t.Errorf("last hour %+v, want %+v", u.LastHour, got)
		}
		for name, got := range map[string]Counts{"this hour": u.ThisHour, "today": u.Today, "this month": u.ThisMonth} {
			if got != (Counts{Scrapes: 1}) {
				t.Errorf("after midnight, %s: %+v, want the one scrape", name, got)
			}
		}

		// Two hours on, nothing recorded since: both hours are empty, the day and month are not.
		later := next.Add(2 * time.Hour)
		u = snapshot(t, c, "acme", later)
		if u.ThisHour != (Counts{}) || u.LastHour != (Counts{}) || u.Today.Scrapes != 1 || u.ThisMonth.Scrapes != 1 {
			t.Errorf("two hours later: %+v", u)
		}
	})
}

// TestPruneKeepsWhatIsRead: the in-process cells stay bounded as time goes on, and never lose
// a period a Snapshot reads.
func TestPruneKeepsWhatIsRead(t *testing.T) {
	c := NewLocal(Options{})
	for h := range 24 * 40 { // forty days, one request an hour
		c.Record("acme", Search, Miss, t0.Add(time.Duration(h)*time.Hour))
	}
	sl := c.t.slot("acme")
	sl.mu.Lock()
	n := len(sl.cells)
	sl.mu.Unlock()
	if n > 6 {
		t.Errorf("%d cells kept, want at most 6 (two hours, two days, two months)", n)
	}
	end := t0.Add(time.Duration(24*40-1) * time.Hour) // 2024-03-11 22:30
	u := snapshot(t, c, "acme", end)
	if u.ThisHour.Searches != 1 || u.LastHour.Searches != 1 || u.Today.Searches != 23 || u.ThisMonth.Searches != 24*10+23 {
		t.Errorf("%+v", u)
	}
}

func TestMetricsByTenant(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := NewLocal(Options{Metrics: reg})
	c.Record("acme", Search, Hit, t0)
	c.Record("acme", Search, Hit, t0)
	c.Record("", Scrape, Error, t0)
	want := `
# HELP trawl_ingress_tenant_requests_total Admitted searches and scrapes, by tenant ("open" under open access), kind (search, scrape) and result (hit: answered from a cache, miss, error: a typed failure).
# TYPE trawl_ingress_tenant_requests_total counter
trawl_ingress_tenant_requests_total{kind="scrape",result="error",tenant="acme"} 0
trawl_ingress_tenant_requests_total{kind="scrape",result="error",tenant="open"} 1
trawl_ingress_tenant_requests_total{kind="scrape",result="hit",tenant="acme"} 0
trawl_ingress_tenant_requests_total{kind="scrape",result="hit",tenant="open"} 0
trawl_ingress_tenant_requests_total{kind="scrape",result="miss",tenant="acme"} 0
trawl_ingress_tenant_requests_total{kind="scrape",result="miss",tenant="open"} 0
trawl_ingress_tenant_requests_total{kind="search",result="error",tenant="acme"} 0
trawl_ingress_tenant_requests_total{kind="search",result="error",tenant="open"} 0
trawl_ingress_tenant_requests_total{kind="search",result="hit",tenant="acme"} 2
trawl_ingress_tenant_requests_total{kind="search",result="hit",tenant="open"} 0
trawl_ingress_tenant_requests_total{kind="search",result="miss",tenant="acme"} 0
trawl_ingress_tenant_requests_total{kind="search",result="miss",tenant="open"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "trawl_ingress_tenant_requests_total"); err != nil {
		t.Error(err)
	}
}

// TestRedisReplicasCountOnce: two counters (two replicas) on one Redis, each recording
// concurrently; either sees the exact total, its own at once, the other's after a flush.
func TestRedisReplicasCountOnce(t *testing.T) {
	rd := testkit.StartRedis(t)
	a := NewRedis(redisClient(t, rd.URL), Options{FlushEvery: 20 * time.Millisecond})
	b := NewRedis(redisClient(t, rd.URL), Options{FlushEvery: time.Hour}) // flushes only when stopped
	t.Cleanup(a.Stop)
	t.Cleanup(b.Stop)
	now := time.Now()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 250 {
				c := Counter(a)
				if (i+j)%2 == 1 {
					c = b
				}
				c.Record("acme", Search, Result(j%3), now)
			}
		})
	}
	wg.Wait()
	// b has flushed nothing: a sees its own 1000 (flushed or not), and b sees all 2000.
	if got := snapshot(t, b, "acme", now).Today.Searches; got != 2000 {
		// a's may still be on their way: wait for its next flush.
		testkit.Eventually(t, 5*time.Second, func() bool { return snapshot(t, b, "acme", now).Today.Searches == 2000 }, "b sees %d", got)
	}
	b.Stop()
	u := snapshot(t, a, "acme", now)
	want := Counts{Searches: 2000, SearchHits: 8 * 83, SearchErrors: 8 * 83} // j%3 of 0..249: 84, 83, 83
	if u.Today != want || u.ThisHour != want || u.ThisMonth != want {
		t.Errorf("after b stopped, a sees %+v, want %+v", u.Today, want)
	}
}

// TestRedisDownKeepsCounts: while Redis is away nothing blocks and nothing is lost; once it
// is back every count arrives, once.
func TestRedisDownKeepsCounts(t *testing.T) {
	rd := testkit.StartRedis(t)
	reg := prometheus.NewRegistry()
	c := NewRedis(redisClient(t, rd.URL), Options{Metrics: reg, FlushEvery: 10 * time.Millisecond})
	t.Cleanup(c.Stop)
	now := time.Now()
	c.Record("acme", Search, Miss, now)
	testkit.Eventually(t, 5*time.Second, func() bool { return c.pendingLocked() == 0 }, "first flush")

	rd.Stop()
	for range 100 {
		c.Record("acme", Search, Hit, now)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return testutil.ToFloat64(c.errs) >= 2 }, "flushes failing")
	if _, err := c.Snapshot(context.Background(), "acme", now); err == nil {
		t.Error("snapshot without Redis: no error")
	}
	rd.Start() // empty: it keeps nothing across a restart
	testkit.Eventually(t, 5*time.Second, func() bool {
		u, err := c.Snapshot(context.Background(), "acme", now)
		return err == nil && u.Today.Searches == 100
	}, "counts made while Redis was down arrive once")
	if u := snapshot(t, c, "acme", now); u.Today != (Counts{Searches: 100, SearchHits: 100}) {
		t.Errorf("%+v", u.Today)
	}
}

// TestRedisFlushAppliedOnce: a flush sent again (its first answer was lost) is not added twice.
func TestRedisFlushAppliedOnce(t *testing.T) {
	rd := testkit.StartRedis(t)
	c := NewRedis(redisClient(t, rd.URL), Options{FlushEvery: time.Hour})
	t.Cleanup(c.Stop)
	now := time.Now()
	for range 7 {
		c.Record("acme", Scrape, Miss, now)
	}
	c.flushMu.Lock()
	b := c.take()
	ctx := context.Background()
	for range 3 {
		if err := c.send(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	c.flushMu.Unlock()
	if got := snapshot(t, c, "acme", now).ThisHour.Scrapes; got != 7 {
		t.Errorf("%d scrapes, want 7", got)
	}
}

// TestRedisStopFlushes: a clean stop loses nothing.
func TestRedisStopFlushes(t *testing.T) {
	rd := testkit.StartRedis(t)
	c := NewRedis(redisClient(t, rd.URL), Options{FlushEvery: time.Hour})
	now := time.Now()
	for range 42 {
		c.Record("acme", Search, Miss, now)
	}
	c.Stop()
	c.Stop() // safe to repeat
	reader := NewRedis(redisClient(t, rd.URL), Options{})
	t.Cleanup(reader.Stop)
	if got := snapshot(t, reader, "acme", now).ThisMonth.Searches; got != 42 {
		t.Errorf("%d after a stop, want 42", got)
	}
}

// pendingLocked counts the requests not flushed yet.
func (r *Redis) pendingLocked() int64 {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	n := r.pending()
	if r.unsure != nil {
		n += r.unsure.requests
	}
	return n
}

// TestRedisRefusedFlushIsDropped: a flush Redis refuses for good (a key of the wrong type) is
// dropped and counted, and later flushes go on.
func TestRedisRefusedFlushIsDropped(t *testing.T) {
	rd := testkit.StartRedis(t)
	rdb := redisClient(t, rd.URL)
	reg := prometheus.NewRegistry()
	c := NewRedis(rdb, Options{Metrics: reg, FlushEvery: 10 * time.Millisecond})
	t.Cleanup(c.Stop)
	now := time.Now()
	bad := "trawl:usage:t:acme:" + period{hour, hourOf(now.Unix())}.key()
	if err := rdb.Set(context.Background(), bad, "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Record("acme", Search, Miss, now)
	testkit.Eventually(t, 5*time.Second, func() bool { return testutil.ToFloat64(c.t.dropped) == 1 }, "refused flush dropped")
	rdb.Del(context.Background(), bad)
	c.Record("acme", Search, Miss, now)
	testkit.Eventually(t, 5*time.Second, func() bool {
		u, err := c.Snapshot(context.Background(), "acme", now)
		return err == nil && u.ThisHour.Searches == 1
	}, "the next flush applied")
}
