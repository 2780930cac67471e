package fetcher

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fakeClock is a settable time source for the pool.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time           { return c.t }
func (c *fakeClock) add(d time.Duration)      { c.t = c.t.Add(d) }
func newClock() *fakeClock                    { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func mustURL(t *testing.T, s string) *url.URL { u, _ := url.Parse(s); return u }

func testPool(t *testing.T, n int, cfg poolConfig) (*pool, *fakeClock) {
	t.Helper()
	var us []*url.URL
	for i := range n {
		us = append(us, mustURL(t, "http://127.0.0.1:"+strconv.Itoa(10000+i)))
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 8
	}
	if cfg.Cooldown == 0 {
		cfg.Cooldown, cfg.MaxCooldown = time.Second, 8*time.Second
	}
	p := newPool(cfg, us, nil, newMetrics(prometheus.NewRegistry()))
	c := newClock()
	p.now = c.now
	// Route choice is random (two choices); a fixed seed keeps these tests repeatable.
	p.rnd = rand.New(rand.NewPCG(1, 2))
	return p, c
}

// use takes a route and reports an outcome through it.
func use(t *testing.T, p *pool, tried []*route, o outcome) *route {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := p.acquire(ctx, "engine.test", &journey{tried: tried})
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	p.release(r, "engine.test", "duckduckgo", o, 10*time.Millisecond, 0)
	return r
}

func TestParseProxies(t *testing.T) {
	tests := []struct {
		spec    string
		want    []string
		wantErr bool
	}{
		{spec: "", want: []string{"direct"}},
		{spec: "direct", want: []string{"direct"}},
		{spec: "http://u:p@127.0.0.1:3128, socks5://127.0.0.1:1080,direct", want: []string{"http://127.0.0.1:3128", "socks5://127.0.0.1:1080", "direct"}},
		{spec: "https://proxy.example:443", want: []string{"https://proxy.example:443"}},
		{spec: "ftp://127.0.0.1:21", wantErr: true},
		{spec: "socks5://127.0.0.1", wantErr: true},
		{spec: "http://127.0.0.1:1,http://127.0.0.1:1", wantErr: true},
		{spec: "://", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			us, err := parseProxies(tc.spec)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %v", us)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range us {
				got = append(got, routeName(u))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("route %d: %q, want %q (credentials must not show)", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// A failing route loses health, is evicted, rests for a cool-down that doubles with each
// eviction in a row, and comes back only through a passing probe.
func TestPoolEvictionAndReadmission(t *testing.T) {
	p, clock := testPool(t, 3, poolConfig{})
	bad := p.routes[0]
	for range 10 {
		p.mu.Lock()
		bad.inFlight++
		p.mu.Unlock()
		p.release(bad, "engine.test", "duckduckgo", outRoute, 0, 0)
		if bad.state == routeEvicted {
			break
		}
	}
	if bad.state != routeEvicted {
		t.Fatalf("a route failing every attempt is %s with health %.2f", bad.state, bad.health)
	}
	if bad.lastEngine != "duckduckgo" {
		t.Errorf("lastEngine %q", bad.lastEngine)
	}
	// Evicted: never chosen.
	for range 50 {
		if r := use(t, p, nil, outOK); r == bad {
			t.Fatal("an evicted route was chosen")
		}
	}
	if due := p.dueProbes(); len(due) != 0 {
		t.Fatalf("probe before the cool-down ended: %v", due)
	}
	clock.add(time.Second)
	due := p.dueProbes()
	if len(due) != 1 || due[0] != bad {
		t.Fatalf("due probes %v, want the evicted route", due)
	}
	// A failed probe doubles the rest: 2s now.
	p.probed(bad, false)
	clock.add(1500 * time.Millisecond)
	if len(p.dueProbes()) != 0 {
		t.Fatal("second cool-down did not double")
	}
	clock.add(500 * time.Millisecond)
	if len(p.dueProbes()) != 1 {
		t.Fatal("no probe after the doubled cool-down")
	}
	p.probed(bad, true)
	if bad.state != routeActive || bad.health != readmitHealth {
		t.Fatalf("after a passing probe: %s health %.2f", bad.state, bad.health)
	}
	// On probation: two failures evict it again, with a longer rest than before.
	for range 2 {
		p.mu.Lock()
		bad.inFlight++
		p.mu.Unlock()
		p.release(bad, "engine.test", "duckduckgo", outRoute, 0, 0)
	}
	if bad.state != routeEvicted || bad.evictions != 3 {
		t.Fatalf("readmitted bad route: %s after %d evictions", bad.state, bad.evictions)
	}
	if got := bad.until.Sub(clock.now()); got != 4*time.Second {
		t.Errorf("third cool-down %s, want 4s", got)
	}
	st := p.status()
	if st[0].State != "evicted" || st[0].RetryAfterMS != 4000 {
		t.Errorf("status %+v", st[0])
	}
}

// When every route fails alike (the engine blocks everyone), none is evicted: the pool judges
// a route against the others, so an engine-wide problem cannot empty it.
func TestPoolKeepsRoutesFailingAlike(t *testing.T) {
	p, _ := testPool(t, 3, poolConfig{})
	for range 60 {
		use(t, p, nil, outRoute)
	}
	for _, r := range p.routes {
		if r.state != routeActive {
			t.Errorf("route %s evicted while all fail alike (health %.2f)", r.name, r.health)
		}
	}
}

// Engine error statuses do not count against a route; block pages and broken connections do.
func TestPoolScoresOnlyRouteFailures(t *testing.T) {
	p, _ := testPool(t, 2, poolConfig{})
	r := p.routes[0]
	for range 20 {
		p.mu.Lock()
		r.inFlight++
		p.mu.Unlock()
		p.release(r, "engine.test", "duckduckgo", outUpstream, 0, 0)
	}
	if r.health != 1 || r.state != routeActive {
		t.Fatalf("5xx answers moved the route: %s %.2f", r.state, r.health)
	}
}

// A retry never takes the route of the previous attempt while another is active, and prefers
// routes the job has not tried.
func TestPoolRetryOnAnotherRoute(t *testing.T) {
	p, _ := testPool(t, 3, poolConfig{})
	for range 100 {
		var tried []*route
		for i := range 6 {
			r := use(t, p, tried, outUpstream)
			if len(tried) > 0 && r == tried[len(tried)-1] {
				t.Fatalf("attempt %d reused the previous route", i)
			}
			if i < 3 && contains(tried, r) {
				t.Fatalf("attempt %d took a tried route while an untried one was free", i)
			}
			tried = append(tried, r)
		}
	}
	// With one route, a retry goes out on it rather than not at all.
	one, _ := testPool(t, 1, poolConfig{})
	r := use(t, one, nil, outUpstream)
	if use(t, one, []*route{r}, outUpstream) != r {
		t.Fatal("single route not reused")
	}
}

// A Retry-After rests the route for that host; other routes carry the retry, and with no other
// route the wait is honoured, or refused when it would pass the deadline.
func TestPoolRetryAfter(t *testing.T) {
	p, clock := testPool(t, 2, poolConfig{})
	a, b := p.routes[0], p.routes[1]
	// The job got a 429 with Retry-After: 30s through a.
	var j journey
	p.mu.Lock()
	a.inFlight++
	p.mu.Unlock()
	p.release(a, "engine.test", "duckduckgo", outUpstream, 0, 30*time.Second)
	j.record(a, 30*time.Second, clock.now())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for range 20 {
		// That job never goes back through a before the time, even with b just tried.
		jb := j
		jb.tried = append([]*route{b}, j.tried...)
		jb.tried = append(jb.tried, b)
		p.mu.Lock()
		r, wait := p.pickLocked("engine.test", &jb, false)
		p.mu.Unlock()
		if r == a {
			t.Fatal("a route was offered to a job before the Retry-After it got there")
		}
		if r != nil || wait != 30*time.Second {
			t.Fatalf("offered %v, wait %s; want nothing for 30s", r, wait)
		}
		// Other jobs are sent elsewhere while another route is free.
		if r := use(t, p, nil, outOK); r == a {
			t.Fatal("a resting route was preferred to a free one")
		}
	}
	// Another host is not affected.
	seen := map[*route]bool{}
	for range 50 {
		r, err := p.acquire(ctx, "other.test", nil)
		if err != nil {
			t.Fatal(err)
		}
		seen[r] = true
		p.release(r, "other.test", "duckduckgo", outOK, time.Millisecond, 0)
	}
	if !seen[a] {
		t.Error("Retry-After from one host rested the route for every host")
	}
	clock.add(30 * time.Second)
	r, err := p.acquire(ctx, "engine.test", &journey{tried: []*route{a, b}, notBefore: j.notBefore})
	if err != nil || r != a {
		t.Fatalf("after the Retry-After: %v %v, want the route back", r, err)
	}
	p.release(r, "engine.test", "duckduckgo", outOK, time.Millisecond, 0)
	found := false
	for range 50 {
		found = found || use(t, p, nil, outOK) == a
	}
	if !found {
		t.Error("route still penalised after its Retry-After")
	}

	one, _ := testPool(t, 1, poolConfig{})
	one.now = time.Now // compared with a real context deadline
	r = one.routes[0]
	var j1 journey
	j1.record(r, 10*time.Second, time.Now())
	short, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if _, err := one.acquire(short, "engine.test", &j1); !errors.Is(err, errRouteWait) {
		t.Fatalf("acquire with a Retry-After past the deadline: %v, want errRouteWait", err)
	}
}

// The per-proxy cap holds: with every slot taken, acquire waits until one frees.
func TestPoolConcurrencyCap(t *testing.T) {
	p, _ := testPool(t, 2, poolConfig{MaxConns: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var held []*route
	for range 4 {
		r, err := p.acquire(ctx, "engine.test", nil)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}
	for _, r := range p.routes {
		if r.inFlight != 2 {
			t.Fatalf("route %s has %d in flight, cap 2", r.name, r.inFlight)
		}
	}
	p.mu.Lock()
	r, wait := p.pickLocked("engine.test", nil, true)
	p.mu.Unlock()
	if r != nil || wait != 0 {
		t.Fatalf("a route past its cap was offered: %v %s", r, wait)
	}
	got := make(chan *route)
	go func() {
		r, err := p.acquire(ctx, "engine.test", nil)
		if err != nil {
			close(got)
			return
		}
		got <- r
	}()
	p.release(held[0], "engine.test", "duckduckgo", outOK, time.Millisecond, 0)
	select {
	case r := <-got:
		if r != held[0] {
			t.Errorf("got %s, want the freed route", r.name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("acquire did not wake when a slot freed")
	}
}

// Traffic goes to the faster, healthier route: the power of two choices on expected cost.
func TestPoolPrefersFastRoutes(t *testing.T) {
	p, _ := testPool(t, 2, poolConfig{})
	fast, slow := p.routes[0], p.routes[1]
	for _, r := range []*route{fast, slow} {
		r.latency = 10 * time.Millisecond
	}
	slow.latency = time.Second
	n := 0
	for range 100 {
		if use(t, p, nil, outUpstream) == fast {
			n++
		}
	}
	if n < 90 {
		t.Errorf("fast route got %d of 100 attempts", n)
	}
}

func TestRetryBudget(t *testing.T) {
	b := newRetryBudget(0.5, 4)
	n := 0
	for b.withdraw() {
		n++
	}
	if n != 4 {
		t.Fatalf("a full bucket allowed %d retries, want 4", n)
	}
	// Ten first attempts earn five retries, no more.
	for range 10 {
		b.deposit()
	}
	n = 0
	for b.withdraw() {
		n++
	}
	if n != 4 {
		// The bucket caps at its burst (4) even though 5 were earned.
		t.Fatalf("after 10 first attempts: %d retries, want 4 (the burst cap)", n)
	}
	for range 4 {
		b.deposit()
	}
	n = 0
	for b.withdraw() {
		n++
	}
	if n != 2 {
		t.Fatalf("after 4 first attempts at ratio 0.5: %d retries, want 2", n)
	}
}

// The direct connection is not a proxy: the per-proxy cap does not bound it (the fetcher's
// concurrency and the per-host limit do), so with no proxies a fetcher can use every slot.
func TestDirectRouteUncapped(t *testing.T) {
	p := newPool(poolConfig{MaxConns: 2, Cooldown: time.Second, MaxCooldown: time.Second}, []*url.URL{nil}, nil, newMetrics(prometheus.NewRegistry()))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 5 {
		r, err := p.acquire(ctx, "engine.test", nil)
		if err != nil {
			t.Fatalf("acquire %d: %v", i+1, err)
		}
		if r.name != "direct" || r.inFlight != i+1 {
			t.Fatalf("acquire %d: route %s with %d in flight", i+1, r.name, r.inFlight)
		}
	}
}
