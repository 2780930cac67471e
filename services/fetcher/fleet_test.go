package fetcher

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// proxyState is the state of the named proxy in the fetcher's pool.
func proxyState(svc *Service, name string) string {
	for _, p := range svc.pool.status() {
		if p.Proxy == name {
			return p.State
		}
	}
	return ""
}

// banProxies starts an ok, a banned and an ok proxy, and returns their list and the banned one.
func banProxies(t *testing.T) (sim.Proxies, string) {
	t.Helper()
	ps, err := sim.StartProxies([]string{sim.ProxyOK, sim.ProxyBanned, sim.ProxyOK}, sim.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	return ps, ps[1].URL()
}

// evictOn sends svc alone (not through the work queue, which would share the jobs out) batches
// of concurrent searches until it has evicted the banned proxy by its own failures. With one
// attempt in flight per proxy, the banned proxy gets its share while the good ones are busy.
func evictOn(t *testing.T, svc *Service, banned string) {
	t.Helper()
	for round := 0; proxyState(svc, banned) != "evicted"; round++ {
		if round == 20 {
			t.Fatalf("the banned proxy was not evicted after 20 rounds: %+v", svc.pool.status())
		}
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				r := schemas.SearchRequest{Q: "ban " + strconv.Itoa(round) + " " + strconv.Itoa(i), Engine: "duckduckgo"}
				r.Normalize()
				svc.fetch(t.Context(), &schemas.FetchJob{ID: r.Q, Request: r, Deadline: time.Now().Add(10 * time.Second).UnixMilli()})
			})
		}
		wg.Wait()
	}
}

// Two fetchers on one NATS: the proxy the engine bans for one of them is evicted by the other
// within a second, on the fleet's evidence alone, and then gets no request from either.
func TestFleetAvoidsProxyBannedElsewhere(t *testing.T) {
	h := newHarness(t)
	s := quickSim(t, nil)
	ps, banned := banProxies(t)
	cfg := testConfig()
	cfg.Proxies = strings.Join(ps.URLs(), ",")
	cfg.ProxyCooldown, cfg.ProxyMaxCooldown = time.Minute, time.Minute // no probes during the test
	cfg.ProxyMaxConns = 1
	a, _, _ := h.start(cfg, "duckduckgo="+s.URL())
	b, _, _ := h.start(cfg, "duckduckgo="+s.URL())
	for _, svc := range []*Service{a, b} {
		if v := testutil.ToFloat64(svc.m.healthShared); v != 1 {
			t.Fatalf("trawl_fetcher_health_shared = %v, want 1", v)
		}
	}

	// The engine bans the proxy for a: a evicts it by its own failures, b has sent nothing.
	evictOn(t, a, banned)
	seen := time.Now()
	testkit.Eventually(t, time.Second, func() bool { return proxyState(b, banned) == "evicted" },
		"the other fetcher still uses the proxy banned for the first")
	t.Logf("the other fetcher evicted the banned proxy %s after the first did", time.Since(seen).Round(time.Millisecond))
	if n := testutil.ToFloat64(b.m.proxyEvictions.WithLabelValues(banned)); n != 0 {
		t.Errorf("the other fetcher evicted the proxy %v times itself; want it evicted on the fleet's evidence", n)
	}
	if n := testutil.ToFloat64(b.m.fleetApplied.WithLabelValues("route_evicted")); n != 1 {
		t.Errorf("trawl_fetcher_fleet_evidence_total{kind=route_evicted} = %v, want 1", n)
	}

	before := ps[1].Requests()
	for i := range 40 {
		job := h.publish("duckduckgo", "after "+strconv.Itoa(i), 10*time.Second)
		if _, _, e := h.outcome(job, 10*time.Second); e != nil {
			t.Fatalf("job after the eviction: %v", e)
		}
	}
	if n := ps[1].Requests() - before; n != 0 {
		t.Errorf("the banned proxy got %d requests after the fleet evicted it", n)
	}
}

// arrivals fronts the simulator and notes when each request reaches it.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) front(t *testing.T, s *sim.Server) string {
	u, _ := url.Parse(s.URL())
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.at = append(a.at, time.Now())
		a.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (a *arrivals) since(i int) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.at[min(i, len(a.at)):]...)
}

func (a *arrivals) n() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

// Two fetchers on one NATS and an engine that is down: while its breaker recovers, one probe
// per open period reaches the simulator from the whole fleet, not one per fetcher; when the
// engine is back, the one probe that passes closes the breaker of both.
func TestFleetProbesOncePerEngine(t *testing.T) {
	h := newHarness(t)
	s := quickSim(t, func(c *sim.Config) { c.Error5xx = 1 })
	var arr arrivals
	engineURL := arr.front(t, s)
	cfg := testConfig()
	cfg.MaxAttempts = 1
	cfg.BreakerMinRequests = 4
	cfg.BreakerOpenFor = time.Second
	a, _, _ := h.start(cfg, "duckduckgo="+engineURL)
	b, _, _ := h.start(cfg, "duckduckgo="+engineURL)
	breakerOf := func(svc *Service) string { return engineStatus(svc.Status(), "duckduckgo").Breaker }

	for i := 0; ; i++ {
		if i == 40 {
			t.Fatal("the breaker never opened")
		}
		job := h.publish("duckduckgo", "down "+strconv.Itoa(i), 10*time.Second)
		if _, _, e := h.outcome(job, 10*time.Second); e != nil && e.Kind == schemas.TypeCircuitOpen {
			break
		}
	}
	testkit.Eventually(t, time.Second, func() bool {
		return breakerOf(a) != schemas.BreakerClosed && breakerOf(b) != schemas.BreakerClosed
	}, "both fetchers fail fast once one opened the breaker")

	// Load on both fetchers while the engine stays down and slow: each probe is in flight
	// 200 ms, so probes from two fetchers would reach the simulator close together.
	s.SetConfig(func(c *sim.Config) { c.Latency = 200 * time.Millisecond })
	mark := arr.n()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	load := func(prefix string, until func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for i := 0; !until(); i++ {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not done within 15s; %d requests reached the engine", prefix, arr.n()-mark)
			}
			h.publish("duckduckgo", prefix+" "+strconv.Itoa(i), 3*time.Second)
			<-tick.C // load pacing, not synchronisation
		}
	}
	load("recovering", func() bool { return len(arr.since(mark)) >= 3 })
	probes := arr.since(mark)
	for i := 1; i < len(probes); i++ {
		if gap := probes[i].Sub(probes[i-1]); gap < 800*time.Millisecond {
			t.Errorf("probes %d and %d reached the engine %s apart; want one per open period (1s)", i-1, i, gap)
		}
	}
	t.Logf("failing probes reached the engine at %v", offsets(probes))

	s.SetConfig(func(c *sim.Config) { c.Error5xx = 0 })
	back := arr.n()
	load("back", func() bool {
		return breakerOf(a) == schemas.BreakerClosed && breakerOf(b) == schemas.BreakerClosed
	})
	after := arr.since(back)
	if len(after) >= 2 && after[1].Sub(after[0]) < 150*time.Millisecond {
		t.Errorf("a second request reached the engine %s after the first once it was back; want the probe alone in flight", after[1].Sub(after[0]))
	}
	var won float64
	for _, svc := range []*Service{a, b} {
		won += testutil.ToFloat64(svc.m.probeLeases.WithLabelValues("duckduckgo", "won"))
	}
	t.Logf("probe leases won: %v; requests after the engine came back until both closed: %d", won, len(after))
}

func offsets(ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Sub(ts[0]).Round(time.Millisecond).String())
	}
	return out
}

// A fetcher that starts after the fleet has evicted a proxy and opened an engine's breaker
// starts from that view: its first job neither goes through the proxy nor reaches the engine.
func TestFleetLateFetcherStartsFromTheFleetsView(t *testing.T) {
	h := newHarness(t)
	s := quickSim(t, nil)
	ps, banned := banProxies(t)
	cfg := testConfig()
	cfg.Proxies = strings.Join(ps.URLs(), ",")
	cfg.ProxyCooldown, cfg.ProxyMaxCooldown = time.Minute, time.Minute
	cfg.ProxyMaxConns = 1
	cfg.MaxAttempts = 3
	cfg.BreakerMinRequests = 4
	cfg.BreakerOpenFor = time.Minute
	a, _, _ := h.start(cfg, "duckduckgo="+s.URL())
	evictOn(t, a, banned)
	s.SetConfig(func(c *sim.Config) { c.Error5xx = 1 })
	for i := 0; engineStatus(a.Status(), "duckduckgo").Breaker != schemas.BreakerOpen; i++ {
		if i == 40 {
			t.Fatal("the breaker never opened")
		}
		job := h.publish("duckduckgo", "down "+strconv.Itoa(i), 10*time.Second)
		h.outcome(job, 10*time.Second)
	}

	b, _, _ := h.start(cfg, "duckduckgo="+s.URL())
	if st := proxyState(b, banned); st != "evicted" {
		t.Errorf("the late fetcher's banned proxy is %s, want evicted from its start", st)
	}
	if st := engineStatus(b.Status(), "duckduckgo"); st.Breaker != schemas.BreakerOpen || st.RetryAfterMS <= 0 {
		t.Errorf("the late fetcher's breaker: %+v, want open from its start", st)
	}
	testkit.Eventually(t, time.Second, func() bool { return testutil.ToFloat64(b.m.breakerState.WithLabelValues("duckduckgo")) == 2 },
		"the late fetcher's trawl_fetcher_breaker_state is not 2 (open) while the fleet's breaker is")
	// The late fetcher's first job is refused by the fleet's breaker: nothing reaches the engine.
	before, bannedBefore := s.Requests(), ps[1].Requests()
	r := schemas.SearchRequest{Q: "late", Engine: "duckduckgo"}
	r.Normalize()
	_, _, e := b.fetch(t.Context(), &schemas.FetchJob{ID: "late", Request: r, Deadline: time.Now().Add(5 * time.Second).UnixMilli()})
	if e == nil || e.Kind != schemas.TypeCircuitOpen {
		t.Errorf("the late fetcher's first job: %v, want circuit_open", e)
	}
	if s.Requests() != before || ps[1].Requests() != bannedBefore {
		t.Error("the late fetcher's first job reached the engine or the banned proxy")
	}
}

// fetcherServer is a NATS server where the fetcher connects as its natsauth role, less the
// subjects drop filters out; the test's own connection is an operator's.
func fetcherServer(t *testing.T, drop func(subject string) bool) *harness {
	t.Helper()
	role, _ := natsauth.RoleOf(natsauth.UserFetcher)
	var pub []string
	for _, s := range role.Publish {
		if !drop(s) {
			pub = append(pub, s)
		}
	}
	ns := testkit.StartNATSWith(t, &server.Options{Users: []*server.User{
		{Username: natsauth.UserFetcher, Password: "f", Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: pub},
			Subscribe: &server.SubjectPermission{Allow: role.Subscribe},
			Response:  &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute},
		}},
		{Username: natsauth.UserAdmin, Password: "a"},
	}})
	return newHarnessOn(t, ns, nats.UserInfo(natsauth.UserAdmin, "a"))
}

// The fetcher's role is enough for the shared health, and no more is asked; without the
// bucket (here: no permission on it) the fetcher works per process, and says so once.
func TestFleetHealthPermissionsAndPerProcessFallback(t *testing.T) {
	for _, tc := range []struct {
		name   string
		drop   func(string) bool
		shared float64
	}{
		{"role", func(string) bool { return false }, 1},
		{"no bucket", func(s string) bool { return strings.Contains(s, schemas.BucketFetchHealth) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := fetcherServer(t, tc.drop)
			var logs testkit.SyncBuffer
			h.log = slog.New(slog.NewTextHandler(&logs, nil))
			var mu sync.Mutex
			var asyncErrs []string
			h.fetcherOpts = []nats.Option{nats.UserInfo(natsauth.UserFetcher, "f"),
				nats.CustomInboxPrefix(natsauth.InboxPrefix(natsauth.UserFetcher)),
				nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
					mu.Lock()
					asyncErrs = append(asyncErrs, err.Error())
					mu.Unlock()
				})}
			s := quickSim(t, func(c *sim.Config) { c.Error5xx = 1 })
			cfg := testConfig()
			cfg.MaxAttempts = 1
			cfg.BreakerMinRequests = 4
			svc, _, _ := h.start(cfg, "duckduckgo="+s.URL())
			if v := testutil.ToFloat64(svc.m.healthShared); v != tc.shared {
				t.Errorf("trawl_fetcher_health_shared = %v, want %v", v, tc.shared)
			}
			// The breaker works either way, and in the shared case its record is written.
			for i := 0; ; i++ {
				if i == 40 {
					t.Fatal("the breaker never opened")
				}
				job := h.publish("duckduckgo", "down "+strconv.Itoa(i), 10*time.Second)
				if _, _, e := h.outcome(job, 10*time.Second); e != nil && e.Kind == schemas.TypeCircuitOpen {
					break
				}
			}
			js := h.js
			kv, err := js.KeyValue(context.Background(), schemas.BucketFetchHealth)
			if tc.shared == 1 {
				if err != nil {
					t.Fatalf("bucket: %v", err)
				}
				if _, err := kv.Get(context.Background(), schemas.BreakerHealthKey("duckduckgo")); err != nil {
					t.Errorf("breaker record: %v", err)
				}
			} else if err == nil {
				t.Error("the bucket exists although the fetcher may not create it")
			}
			svc.Stop()
			n := strings.Count(logs.String(), "fetch health is per process")
			if want := int(1 - tc.shared); n != want {
				t.Errorf("the per-process warning is logged %d times, want %d:\n%s", n, want, logs.String())
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.shared == 1 && len(asyncErrs) > 0 {
				t.Errorf("the fetcher's role was refused: %v", asyncErrs)
			}
		})
	}
}

// restUntil is when the named route's rest for host ends in the fetcher's pool (zero: none).
func restUntil(svc *Service, route, host string) time.Time {
	svc.pool.mu.Lock()
	defer svc.pool.mu.Unlock()
	for _, r := range svc.pool.routes {
		if r.name == route {
			return r.rest[host]
		}
	}
	return time.Time{}
}

// fetchOn runs one search on svc alone, outside the work queue.
func fetchOn(t *testing.T, svc *Service, q string) *schemas.Error {
	t.Helper()
	r := schemas.SearchRequest{Q: q, Engine: "duckduckgo"}
	r.Normalize()
	_, _, e := svc.fetch(t.Context(), &schemas.FetchJob{ID: q, Request: r, Deadline: time.Now().Add(10 * time.Second).UnixMilli()})
	return e
}

// A Retry-After the engine gives one fetcher through a proxy rests that proxy for the engine's
// host on the other fetcher too, within a second: its searches go through the other proxy.
func TestFleetSharesRetryAfter(t *testing.T) {
	var calls sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Lock()
		n++
		first := n == 1
		calls.Unlock()
		if first {
			w.Header().Set("Retry-After", "30")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Write(sim.ResultsPage(r.FormValue("q"), 1, 10, 5))
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ps, err := sim.StartProxies([]string{sim.ProxyOK, sim.ProxyOK}, sim.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	h := newHarness(t)
	cfg := testConfig()
	cfg.Proxies = strings.Join(ps.URLs(), ",")
	a, _, _ := h.start(cfg, "duckduckgo="+srv.URL)
	b, _, _ := h.start(cfg, "duckduckgo="+srv.URL)

	if e := fetchOn(t, a, "slow down"); e != nil {
		t.Fatalf("a: %v", e)
	}
	rested := -1
	for i, p := range ps {
		if !restUntil(a, p.URL(), host).IsZero() {
			rested = i
		}
	}
	if rested < 0 {
		t.Fatal("no proxy rests on the fetcher that got the Retry-After")
	}
	want := restUntil(a, ps[rested].URL(), host)
	seen := time.Now()
	testkit.Eventually(t, time.Second, func() bool { return restUntil(b, ps[rested].URL(), host).Equal(want) },
		"the other fetcher does not rest the proxy the engine asked to wait")
	t.Logf("the other fetcher rests the proxy %s after", time.Since(seen).Round(time.Millisecond))
	before := ps[rested].Requests()
	for i := range 10 {
		if e := fetchOn(t, b, "then "+strconv.Itoa(i)); e != nil {
			t.Fatalf("b: %v", e)
		}
	}
	if got := ps[rested].Requests() - before; got != 0 {
		t.Errorf("the other fetcher sent %d searches through the resting proxy", got)
	}
}

// Route evidence merges: the later time wins, rests already over are dropped, and evidence
// that adds nothing writes nothing.
func TestMergeRoute(t *testing.T) {
	now := time.Unix(1000, 0)
	at := func(s int) time.Time { return now.Add(time.Duration(s) * time.Second) }
	cur := schemas.RouteHealth{Route: "p", EvictedUntil: at(10), Rest: map[string]time.Time{"a": at(5), "old": at(-1)}}
	next, changed := mergeRoute(cur, schemas.RouteHealth{Route: "p", EvictedUntil: at(5), Rest: map[string]time.Time{"a": at(3)}}, now)
	if changed || next.EvictedUntil != at(10) || next.Rest["a"] != at(5) {
		t.Errorf("older evidence: %+v changed=%v", next, changed)
	}
	if _, ok := next.Rest["old"]; ok {
		t.Error("a rest already over was kept")
	}
	next, changed = mergeRoute(cur, schemas.RouteHealth{Route: "p", EvictedUntil: at(20), Rest: map[string]time.Time{"b": at(7)}}, now)
	if !changed || next.EvictedUntil != at(20) || next.Rest["a"] != at(5) || next.Rest["b"] != at(7) {
		t.Errorf("newer evidence: %+v changed=%v", next, changed)
	}
}

// failOn scores n route failures of the named proxy on svc's pool, as attempts through it
// would.
func failOn(t *testing.T, svc *Service, name string, n int) {
	t.Helper()
	for range n {
		svc.pool.mu.Lock()
		var r *route
		for _, x := range svc.pool.routes {
			if x.name == name {
				r = x
			}
		}
		if r == nil {
			svc.pool.mu.Unlock()
			t.Fatalf("no route %s", name)
		}
		r.inFlight++
		svc.pool.mu.Unlock()
		svc.pool.release(r, "duckduckgo.test", "duckduckgo", outRoute, 0, 0)
	}
}

// fleetHealth is the named route's health as svc's pool ranks it: its own score combined with
// the fleet's fresh ones.
func fleetHealth(svc *Service, name string) float64 {
	svc.pool.mu.Lock()
	defer svc.pool.mu.Unlock()
	for _, r := range svc.pool.routes {
		if r.name == name {
			h, _ := svc.pool.healthLocked(r, svc.pool.now())
			return h
		}
	}
	return -1
}

// Two fetchers on one NATS: failures one fetcher saw through a proxy, too few to evict it, rank
// that proxy worse on the other fetcher within a second, though it never tried the proxy: its
// searches go through the other proxy.
func TestFleetSharesRouteScores(t *testing.T) {
	h := newHarness(t)
	s := quickSim(t, nil)
	ps, err := sim.StartProxies([]string{sim.ProxyOK, sim.ProxyOK}, sim.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	cfg := testConfig()
	cfg.Proxies = strings.Join(ps.URLs(), ",")
	a, _, _ := h.start(cfg, "duckduckgo="+s.URL())
	b, _, _ := h.start(cfg, "duckduckgo="+s.URL())
	weak, good := ps[0].URL(), ps[1].URL()

	failOn(t, a, weak, 2)
	seen := time.Now()
	if st, hl := proxyState(a, weak), fleetHealth(a, weak); st != "active" || hl < evictBelow {
		t.Fatalf("the first fetcher's proxy is %s at health %.2f; want active, above the eviction threshold", st, hl)
	}
	testkit.Eventually(t, time.Second, func() bool { return fleetHealth(b, weak) < 0.6 },
		"the other fetcher does not rank worse the proxy the first saw fail")
	t.Logf("the other fetcher scores the proxy %.2f, %s after the first saw it fail (its own: %.2f)",
		fleetHealth(b, weak), time.Since(seen).Round(time.Millisecond), fleetHealth(a, weak))
	if st := proxyState(b, weak); st != "active" {
		t.Errorf("the other fetcher's proxy is %s; want active (ranked worse, not evicted)", st)
	}
	if n := testutil.ToFloat64(b.m.fleetApplied.WithLabelValues("route_score")); n < 1 {
		t.Errorf("trawl_fetcher_fleet_evidence_total{kind=route_score} = %v, want >= 1", n)
	}
	before := ps[0].Requests()
	for i := range 10 {
		if e := fetchOn(t, b, "scored "+strconv.Itoa(i)); e != nil {
			t.Fatalf("b: %v", e)
		}
	}
	if n := ps[0].Requests() - before; n != 0 {
		t.Errorf("the other fetcher sent %d of 10 searches through the proxy ranked worse", n)
	}
	if hl := fleetHealth(b, good); hl < 0.99 {
		t.Errorf("the other fetcher scores the good proxy %.2f; want about 1", hl)
	}
}

// Scores in the fleet's record older than schemas.RouteScoreFresh are ignored: a fetcher that
// went quiet (or died) steers nobody with what it saw long ago.
func TestFleetIgnoresStaleRouteScores(t *testing.T) {
	h := newHarness(t)
	ps, err := sim.StartProxies([]string{sim.ProxyOK, sim.ProxyOK}, sim.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	cfg := testConfig()
	cfg.Proxies = strings.Join(ps.URLs(), ",")
	b, _, _ := h.start(cfg, "duckduckgo=http://127.0.0.1:1")
	kv := b.fleet.bucket()
	if kv == nil {
		t.Fatal("health is not shared")
	}
	name := ps[0].URL()
	now := time.Now()
	rec := schemas.RouteHealth{Route: name, Updated: now, By: "ghosts", Scores: map[string]schemas.RouteScore{
		"fresh": {Health: 0.6, Seen: 10, At: now},
		"stale": {Health: 0, Seen: 10, At: now.Add(-schemas.RouteScoreFresh - time.Second)},
	}}
	val, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), schemas.RouteHealthKey(name), val); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, time.Second, func() bool { return fleetHealth(b, name) < 1 },
		"the fetcher did not read the fleet's scores")
	if hl := fleetHealth(b, name); math.Abs(hl-0.6) > 1e-9 {
		t.Errorf("the fetcher scores the proxy %.3f; want 0.6 (the fresh score alone; 0.3 counts the stale one)", hl)
	}
	// The fresh score goes stale in its turn, unrefreshed: the proxy is as good as new again.
	b.pool.mu.Lock()
	b.pool.now = func() time.Time { return time.Now().Add(schemas.RouteScoreFresh) }
	b.pool.mu.Unlock()
	if hl := fleetHealth(b, name); hl != 1 {
		t.Errorf("with every score stale the fetcher scores the proxy %.3f; want 1 (its own)", hl)
	}
}

// Scores merge per fetcher: the later one wins, and scores no longer fresh are dropped.
func TestMergeRouteScores(t *testing.T) {
	now := time.Unix(1000, 0)
	at := func(s float64) time.Time { return now.Add(time.Duration(s * float64(time.Second))) }
	cur := schemas.RouteHealth{Route: "p", Scores: map[string]schemas.RouteScore{
		"a": {Health: 0.5, Seen: 3, At: at(-1)}, "old": {Health: 0.1, Seen: 9, At: at(-10)}}}
	next, changed := mergeRoute(cur, schemas.RouteHealth{Route: "p", Scores: map[string]schemas.RouteScore{"a": {Health: 0.9, At: at(-2)}}}, now)
	if changed || next.Scores["a"].Health != 0.5 {
		t.Errorf("an older score: %+v changed=%v", next.Scores, changed)
	}
	if _, ok := next.Scores["old"]; ok {
		t.Error("a stale score was kept")
	}
	next, changed = mergeRoute(cur, schemas.RouteHealth{Route: "p", Scores: map[string]schemas.RouteScore{"b": {Health: 0.2, Seen: 2, At: at(0)}}}, now)
	if !changed || next.Scores["a"].Health != 0.5 || next.Scores["b"].Health != 0.2 {
		t.Errorf("another fetcher's score: %+v changed=%v", next.Scores, changed)
	}
}
