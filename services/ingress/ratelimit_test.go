package ingress

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// burstTenant may send 5 at once and then one every 2 s, so nothing refills within a test.
var burstTenant = `{"tenants":[{"name":"acme","keys":["` + acmeKey + `"],"rate_per_sec":0.5,"burst":5}]}`

var acmeHdr = map[string]string{"Authorization": "Bearer " + acmeKey}

// limiterModes runs a test against the in-process limiter and the Redis one.
func limiterModes(t *testing.T, f func(t *testing.T, redisURL string)) {
	t.Run("in-process", func(t *testing.T) { f(t, "") })
	t.Run("redis", func(t *testing.T) { f(t, testkit.StartRedis(t).URL) })
}

var (
	rateItem   = regexp.MustCompile(`^"rate";r=(\d+);t=(\d+)$`)
	policyItem = regexp.MustCompile(`^"rate";q=5;w=10$`)
)

// TestBurstOfEight is the check: burst 5, 8 requests at once → 5 answered, 3 refused
// with Retry-After and the RateLimit fields, which successes carry too.
func TestBurstOfEight(t *testing.T) {
	limiterModes(t, func(t *testing.T, redisURL string) {
		ns := testkit.StartNATS(t)
		startFakeCache(t, ns, respondHit)
		in := startIngress(t, ns, ingressOpts{keys: burstTenant, redisURL: redisURL})

		type result struct {
			resp *http.Response
			body []byte
		}
		results := make([]result, 8)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, b := send(t, "GET", in.url+"/v1/search?q=go", nil, acmeHdr)
				results[i] = result{resp, b}
			}()
		}
		close(start)
		wg.Wait()

		ok, limited := 0, 0
		for _, r := range results {
			h := r.resp.Header
			if !policyItem.MatchString(h.Get("RateLimit-Policy")) {
				t.Errorf("status %d: RateLimit-Policy %q", r.resp.StatusCode, h.Get("RateLimit-Policy"))
			}
			m := rateItem.FindStringSubmatch(h.Get("RateLimit"))
			if m == nil {
				t.Errorf("status %d: RateLimit %q", r.resp.StatusCode, h.Get("RateLimit"))
				continue
			}
			switch r.resp.StatusCode {
			case 200:
				ok++
			case 429:
				limited++
				e := problemOf(t, r.resp, r.body)
				if e.Kind != schemas.TypeRateLimited || e.RetryAfterMS <= 0 {
					t.Errorf("429 problem %+v", e)
				}
				if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
					t.Errorf("Retry-After %q, want 1 or 2 seconds", h.Get("Retry-After"))
				}
				if m[1] != "0" {
					t.Errorf("refused with %s remaining", m[1])
				}
			default:
				t.Errorf("status %d: %s", r.resp.StatusCode, r.body)
			}
		}
		if ok != 5 || limited != 3 {
			t.Fatalf("answered %d and refused %d, want 5 and 3", ok, limited)
		}
		if n := in.counter(in.m.limited.WithLabelValues("acme", schemas.TypeRateLimited)); n != 3 {
			t.Errorf("rate-limited counted %v, want 3", n)
		}
	})
}

func TestDailyQuota(t *testing.T) {
	limiterModes(t, func(t *testing.T, redisURL string) {
		ns := testkit.StartNATS(t)
		startFakeCache(t, ns, respondHit)
		in := startIngress(t, ns, ingressOpts{redisURL: redisURL,
			keys: `{"tenants":[{"name":"acme","keys":["` + acmeKey + `"],"daily_quota":3}]}`})
		for i := 1; i <= 4; i++ {
			resp, b := send(t, "GET", in.url+"/v1/search?q=go", nil, acmeHdr)
			if i <= 3 {
				if resp.StatusCode != 200 {
					t.Fatalf("request %d: status %d: %s", i, resp.StatusCode, b)
				}
				if got, want := resp.Header.Get("RateLimit"), `"daily";r=`+strconv.Itoa(3-i)+";t="; len(got) < len(want) || got[:len(want)] != want {
					t.Errorf("request %d: RateLimit %q, want prefix %q", i, got, want)
				}
				continue
			}
			if resp.StatusCode != 429 {
				t.Fatalf("request over the quota: status %d", resp.StatusCode)
			}
			if e := problemOf(t, resp, b); e.Kind != schemas.TypeQuotaExceeded || e.Type != schemas.ProblemTypeBase+"quota_exceeded" {
				t.Errorf("problem %+v, want kind quota_exceeded", e)
			}
			ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || ra < 1 || ra > 86400 {
				t.Errorf("Retry-After %q, want the seconds to midnight UTC", resp.Header.Get("Retry-After"))
			}
			if got := resp.Header.Get("RateLimit-Policy"); got != `"daily";q=3;w=86400` {
				t.Errorf("RateLimit-Policy %q", got)
			}
		}
	})
}

// TestRedisSharedAcrossReplicas: two ingresses on one Redis admit one tenant's burst between
// them, however the requests are spread.
func TestRedisSharedAcrossReplicas(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	rd := testkit.StartRedis(t)
	keys := `{"tenants":[{"name":"acme","keys":["` + acmeKey + `"],"rate_per_sec":0.1,"burst":10}]}`
	a := startIngress(t, ns, ingressOpts{keys: keys, redisURL: rd.URL})
	b := startIngress(t, ns, ingressOpts{keys: keys, redisURL: rd.URL})

	var admitted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := a.url
			if i%2 == 1 {
				url = b.url
			}
			resp, body := send(t, "GET", url+"/v1/search?q=go", nil, acmeHdr)
			switch resp.StatusCode {
			case 200:
				admitted.Add(1)
			case 429:
				refused.Add(1)
			default:
				t.Errorf("status %d: %s", resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	if admitted.Load() != 10 || refused.Load() != 20 {
		t.Fatalf("admitted %d and refused %d across two replicas, want 10 and 20", admitted.Load(), refused.Load())
	}
}

// TestRedisDownAndBack stops Redis under load: the ingress keeps answering (per-replica limits
// by default), counts the failures, and shares limits again once Redis is back.
func TestRedisDownAndBack(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	rd := testkit.StartRedis(t)
	in := startIngress(t, ns, ingressOpts{keys: `{"tenants":[{"name":"acme","keys":["` + acmeKey + `"],"rate_per_sec":50,"burst":50}]}`, redisURL: rd.URL})

	var statuses sync.Map // status → *atomic.Int64
	count := func(code int) int64 {
		v, _ := statuses.LoadOrStore(code, new(atomic.Int64))
		return v.(*atomic.Int64).Load()
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, _ := send(t, "GET", in.url+"/v1/search?q=go", nil, acmeHdr)
				v, _ := statuses.LoadOrStore(resp.StatusCode, new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()

	testkit.Eventually(t, 5*time.Second, func() bool { return count(200) > 20 }, "load running with Redis up")
	rd.Stop()
	before := count(200) + count(429)
	testkit.Eventually(t, 10*time.Second, func() bool {
		return in.counter(in.m.limiterErrors) > 0 && count(200)+count(429) > before+50
	}, "answers while Redis is down (errors counted: %v)", in.counter(in.m.limiterErrors))
	if up := in.counter(in.m.limiterUp); up != 0 {
		t.Errorf("redis_up gauge %v while Redis is down", up)
	}
	if fb := in.counter(in.m.limiterFallbacks); fb == 0 {
		t.Error("no fallback decisions counted while Redis is down")
	}

	rd.Start()
	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer rdb.Close()
	testkit.Eventually(t, 10*time.Second, func() bool {
		n, err := rdb.Exists(context.Background(), "rate:trawl:tenant:acme").Result()
		return err == nil && n == 1 && in.counter(in.m.limiterUp) == 1
	}, "limits shared through Redis again")
	cancel()
	wg.Wait()
	if n := count(500) + count(502) + count(503) + count(504); n != 0 {
		t.Errorf("%d server errors while Redis went away and came back", n)
	}
}

func TestRedisDownFailClosed(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	rd := testkit.StartRedis(t)
	in := startIngress(t, ns, ingressOpts{keys: burstTenant, redisURL: rd.URL, cfg: func(c *Config) { c.RateLimitFailClosed = true }})
	if resp, b := send(t, "GET", in.url+"/v1/search?q=go", nil, acmeHdr); resp.StatusCode != 200 {
		t.Fatalf("with Redis up: %d %s", resp.StatusCode, b)
	}
	rd.Stop()
	resp, b := send(t, "GET", in.url+"/v1/search?q=go", nil, acmeHdr)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fail closed with Redis down: status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if e := problemOf(t, resp, b); e.Kind != schemas.TypeUnavailable {
		t.Errorf("kind %q", e.Kind)
	}
}

// TestIPLimitUnderOpenAccess: without a keys file, the optional per-address limit applies.
func TestIPLimitUnderOpenAccess(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{cfg: func(c *Config) { c.IPRate, c.IPBurst = 0.1, 2 }})
	var got []int
	for range 3 {
		resp, _ := send(t, "GET", in.url+"/v1/search?q=go", nil, nil)
		got = append(got, resp.StatusCode)
	}
	if got[0] != 200 || got[1] != 200 || got[2] != 429 {
		t.Fatalf("statuses %v, want 200 200 429", got)
	}
	open := startIngress(t, ns, ingressOpts{})
	for range 5 {
		if resp, _ := send(t, "GET", open.url+"/v1/search?q=go", nil, nil); resp.StatusCode != 200 || resp.Header.Get("RateLimit") != "" {
			t.Fatalf("open access without a limit: status %d, RateLimit %q", resp.StatusCode, resp.Header.Get("RateLimit"))
		}
	}
}

func TestGCRA(t *testing.T) {
	l := newLimit(1, 3) // one per second, three at once
	var tat atomic.Int64
	t0 := time.Unix(1_700_000_000, 0).UnixNano()
	for i, want := range []int{2, 1, 0} {
		d := gcra(l, &tat, t0)
		if d.kind != "" || d.remaining != want {
			t.Fatalf("request %d: %+v, want admitted with %d remaining", i+1, d, want)
		}
	}
	d := gcra(l, &tat, t0)
	if d.kind != schemas.TypeRateLimited || d.retryAfter != time.Second {
		t.Fatalf("fourth at once: %+v, want refused for 1s", d)
	}
	if d := gcra(l, &tat, t0+int64(999*time.Millisecond)); d.kind == "" {
		t.Fatal("admitted before the interval passed")
	}
	if d := gcra(l, &tat, t0+int64(time.Second)); d.kind != "" || d.remaining != 0 {
		t.Fatalf("after one interval: %+v", d)
	}
	if d := gcra(l, &tat, t0+int64(10*time.Second)); d.kind != "" || d.remaining != 2 {
		t.Fatalf("after a long pause: %+v, want a whole burst back", d)
	}
}

// TestGCRAConcurrent: many goroutines on one tenant get exactly the burst, lock-free.
func TestGCRAConcurrent(t *testing.T) {
	l := newLimit(0.001, 100)
	var tat atomic.Int64
	now := time.Now().UnixNano()
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if gcra(l, &tat, now).kind == "" {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if admitted.Load() != 100 {
		t.Fatalf("admitted %d of 400, want the burst of 100", admitted.Load())
	}
}

func TestDailyCounterRollsOver(t *testing.T) {
	var c atomic.Uint64
	day1 := time.Date(2026, 1, 1, 23, 59, 59, 0, time.UTC)
	for i := int64(1); i <= 3; i++ {
		if n := countDay(&c, day1); n != i {
			t.Fatalf("count %d, want %d", n, i)
		}
	}
	if n := countDay(&c, day1.Add(time.Second)); n != 1 {
		t.Fatalf("first request of the next day counted %d", n)
	}
	if d := untilMidnight(day1); d != time.Second {
		t.Fatalf("until midnight %v", d)
	}
}
