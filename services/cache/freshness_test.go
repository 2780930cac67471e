package cache

import (
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

func TestJudge(t *testing.T) {
	w := windows{ttl: time.Hour, revalidate: time.Minute, ifError: 10 * time.Minute}
	age := func(s int) *int { return &s }
	tests := []struct {
		name string
		age  time.Duration
		req  schemas.SearchRequest
		want freshness
	}{
		{"young", time.Minute, schemas.SearchRequest{}, fresh},
		{"clock ahead", -time.Second, schemas.SearchRequest{}, fresh},
		{"just expired", time.Hour, schemas.SearchRequest{}, staleRevalidate},
		{"past revalidate", time.Hour + 2*time.Minute, schemas.SearchRequest{}, staleIfError},
		{"past every window", 2 * time.Hour, schemas.SearchRequest{}, unusable},
		{"max_age admits", time.Minute, schemas.SearchRequest{MaxAge: age(120)}, fresh},
		{"max_age refuses", 3 * time.Minute, schemas.SearchRequest{MaxAge: age(120)}, unusable},
		{"max_age at the limit", 2 * time.Minute, schemas.SearchRequest{MaxAge: age(120)}, unusable},
		{"max_age 0", 0, schemas.SearchRequest{MaxAge: age(0)}, unusable},
		{"max_age above ttl allows stale", time.Hour + time.Second, schemas.SearchRequest{MaxAge: age(7200)}, staleRevalidate},
		{"max_age bars stale", time.Hour + time.Second, schemas.SearchRequest{MaxAge: age(3600)}, unusable},
		{"no_cache", 0, schemas.SearchRequest{NoCache: true}, unusable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := judge(tc.age, w, &ask{search: tc.req}); got != tc.want {
				t.Fatalf("judge(%v) = %v, want %v", tc.age, got, tc.want)
			}
		})
	}
}

// max_age=0 and no_cache=true fetch again; the no_cache answer is stored for the next request.
func TestFreshnessControls(t *testing.T) {
	rg := startRig(t, 10*time.Millisecond)
	rg.startCache(testConfig(), NewMemory(16<<20))
	const q = "freshness controls"
	steps := []struct {
		name      string
		body      string
		state     string
		fetches   int64
		sameAsPre bool // the same stored answer as the step before
	}{
		{"first", query(q), stateMiss, 1, false},
		{"again", query(q), stateHit, 1, true},
		{"max_age admits", query(q, `"max_age":3600`), stateHit, 1, true},
		{"max_age=0", query(q, `"max_age":0`), stateMiss, 2, false},
		{"no_cache", query(q, `"no_cache":true`), stateMiss, 3, false},
		{"stored by no_cache", query(q), stateHit, 3, true},
	}
	var prev string
	for _, st := range steps {
		a := rg.askOK(st.body)
		if a.state != st.state {
			t.Fatalf("%s: state %q, want %q", st.name, a.state, st.state)
		}
		if got := rg.sim.RequestsFor(q); got != st.fetches {
			t.Fatalf("%s: engine asked %d times, want %d", st.name, got, st.fetches)
		}
		if (a.meta.PageID == prev) != st.sameAsPre {
			t.Fatalf("%s: page id %q after %q; same answer wanted: %v", st.name, a.meta.PageID, prev, st.sameAsPre)
		}
		prev = a.meta.PageID
	}
}

// An expired entry within the revalidate window is served at once while one background fetch
// refreshes it; when the engine fails the stale entry keeps being served.
func TestStaleWhileRevalidate(t *testing.T) {
	rg := startRig(t, 200*time.Millisecond)
	cfg := testConfig()
	cfg.TTL = time.Second
	cfg.StaleIfError = 0
	c := rg.startCache(cfg, NewMemory(16<<20))
	const q = "stale while revalidate"
	first := rg.askOK(query(q))

	// Wait for expiry with hits: the first non-hit must be the stale entry, served at once.
	var a answer
	testkit.Eventually(t, 5*time.Second, func() bool { a = rg.askOK(query(q)); return a.state != stateHit }, "entry expires")
	if a.state != stateStale || a.meta.PageID != first.meta.PageID || a.meta.AgeSeconds < 1 {
		t.Fatalf("expired entry: state %q id %q age %d, want stale %q", a.state, a.meta.PageID, a.meta.AgeSeconds, first.meta.PageID)
	}
	// Requests during the refresh get the stale entry too, and start no fetch of their own.
	for _, b := range rg.askMany(20, query(q)) {
		if b.err != nil || (b.state != stateStale && b.state != stateHit) {
			t.Fatalf("during refresh: %+v", b)
		}
	}
	var fresh answer
	testkit.Eventually(t, 5*time.Second, func() bool {
		fresh = rg.askOK(query(q))
		return fresh.meta.PageID != first.meta.PageID
	}, "refreshed entry served")
	if fresh.state != stateHit {
		t.Fatalf("after refresh: state %q, want hit", fresh.state)
	}
	if got := rg.sim.RequestsFor(q); got != 2 {
		t.Fatalf("engine asked %d times, want 2 (one refresh)", got)
	}
	if got := c.metric("trawl_cache_refreshes_total"); got != 1 {
		t.Fatalf("refreshes = %v, want 1", got)
	}

	// With the engine failing, the expired entry is still served, and each failed refresh
	// leaves it in place.
	rg.sim.SetConfig(func(c *sim.Config) { c.Error5xx = 1 })
	testkit.Eventually(t, 5*time.Second, func() bool { a = rg.askOK(query(q)); return a.state != stateHit }, "entry expires again")
	testkit.Eventually(t, 5*time.Second, func() bool { return rg.sim.Faults()["5xx"] >= 1 && c.metric("trawl_cache_flights") == 0 }, "refresh fails")
	if b := rg.askOK(query(q)); b.state != stateStale || b.meta.PageID != fresh.meta.PageID {
		t.Fatalf("engine down: state %q id %q, want stale %q", b.state, b.meta.PageID, fresh.meta.PageID)
	}
	rg.sim.SetConfig(func(c *sim.Config) { c.Error5xx = 0 })
	testkit.Eventually(t, 5*time.Second, func() bool {
		b := rg.askOK(query(q))
		return b.state == stateHit && b.meta.PageID != fresh.meta.PageID
	}, "engine back: refreshed")
}

// An entry past its revalidate window but within stale-if-error is served when the engine
// fails, never when the request refuses stored answers.
func TestStaleIfError(t *testing.T) {
	rg := startRig(t, 10*time.Millisecond)
	cfg := testConfig()
	cfg.TTL = 500 * time.Millisecond
	cfg.StaleWhileRevalidate = 0
	cfg.StaleIfError = time.Minute
	c := rg.startCache(cfg, NewMemory(16<<20))
	const q = "stale if error"
	first := rg.askOK(query(q))
	rg.sim.SetConfig(func(c *sim.Config) { c.Error5xx = 1 })

	var a answer
	testkit.Eventually(t, 5*time.Second, func() bool { a = rg.askOK(query(q)); return a.state != stateHit }, "entry expires")
	if a.state != stateStale || a.meta.PageID != first.meta.PageID {
		t.Fatalf("engine failing: state %q id %q, want stale %q", a.state, a.meta.PageID, first.meta.PageID)
	}
	if rg.sim.RequestsFor(q) != 2 || c.metric("trawl_cache_stale_served_total", "reason", "error") != 1 {
		t.Fatalf("want one failed fetch answered with stale: engine asked %d, stale-if-error %v",
			rg.sim.RequestsFor(q), c.metric("trawl_cache_stale_served_total", "reason", "error"))
	}
	for _, body := range []string{query(q, `"no_cache":true`), query(q, `"max_age":0`), query("never cached")} {
		b := rg.ask(body, 5*time.Second)
		if b.err == nil || b.err.Status != 502 {
			t.Fatalf("%s: want the engine's 502, got %+v", body, b)
		}
	}
}
