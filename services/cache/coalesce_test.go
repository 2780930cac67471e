package cache

import (
	"context"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/config"

	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// 100 identical requests spread over two replicas sharing Redis reach the engine once, and
// every requester gets the same answer.
func TestCoalesceAcrossReplicas(t *testing.T) {
	rg := startRig(t, 150*time.Millisecond)
	rd := testkit.StartRedis(t)
	var reps []*replica
	for range 2 {
		store := newTestRedis(t, rd.URL)
		reps = append(reps, rg.startCache(testConfig(), store))
	}

	const q = "coalesce across replicas"
	answers := rg.askMany(100, query(q))
	states := countStates(answers)
	if got := rg.sim.RequestsFor(q); got != 1 {
		t.Fatalf("engine asked %d times for one query; states %v", got, states)
	}
	if states[stateMiss] != 1 || states[stateMiss]+states[stateCoalesced]+states[stateHit] != 100 {
		t.Fatalf("want one miss and 99 coalesced or hit answers, got %v", states)
	}
	for _, a := range answers {
		if a.meta.PageID != answers[0].meta.PageID || a.organic == 0 {
			t.Fatalf("answers differ: page id %q vs %q (%d results)", a.meta.PageID, answers[0].meta.PageID, a.organic)
		}
	}
	for i, rp := range reps {
		if n := rp.metric("trawl_cache_requests_total"); n == 0 {
			t.Errorf("replica %d answered no request; the queue group did not spread them", i)
		}
	}
	if a := rg.askOK(query(q)); a.state != stateHit || a.meta.PageID != answers[0].meta.PageID {
		t.Fatalf("after the fetch: state %q id %q, want a hit on %q", a.state, a.meta.PageID, answers[0].meta.PageID)
	}
}

// Without Redis, one replica coalesces locally; a failure reaches every waiter as the same
// typed error, still from a single upstream request.
func TestCoalesceLocal(t *testing.T) {
	tests := []struct {
		name     string
		failing  bool
		wantKind string
	}{
		{name: "result", failing: false},
		{name: "typed error", failing: true, wantKind: schemas.TypeUpstream},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rg := startRig(t, 150*time.Millisecond)
			if tc.failing {
				rg.sim.SetConfig(func(c *sim.Config) { c.Error5xx = 1 })
			}
			rg.startCache(testConfig(), NewMemory(16<<20))
			q := "coalesce locally " + tc.name
			answers := rg.askMany(40, query(q))
			if got := rg.sim.RequestsFor(q); got != 1 {
				t.Fatalf("engine asked %d times; states %v", got, countStates(answers))
			}
			for _, a := range answers {
				switch {
				case tc.wantKind == "" && a.err != nil:
					t.Fatalf("unexpected error: %v", a.err)
				case tc.wantKind != "" && (a.err == nil || a.err.Kind != tc.wantKind || a.err.Status != 502):
					t.Fatalf("want a 502 %s for every waiter, got %+v", tc.wantKind, a.err)
				}
			}
		})
	}
}

// A waiter whose deadline passes gets 504 and its job carries that deadline (a fetcher drops
// it once it has passed); the patient waiters that joined are not disturbed: they get the
// result, through a flight of their own when the first one expires.
func TestShortDeadlineWaiter(t *testing.T) {
	rg := startRig(t, 400*time.Millisecond)
	rg.startCache(testConfig(), NewMemory(16<<20))
	const q = "short deadline"
	short := make(chan answer, 1)
	go func() { short <- rg.ask(query(q, `"timeout_ms":100`), 100*time.Millisecond) }()
	answers := rg.askMany(10, query(q))

	a := <-short
	if a.err == nil || a.err.Status != 504 || a.err.Kind != schemas.TypeTimeout {
		t.Fatalf("short-deadline waiter: want 504 timeout, got %+v", a)
	}
	for _, a := range answers {
		if a.err != nil || a.organic == 0 {
			t.Fatalf("patient waiter: want the result, got %+v", a)
		}
	}
	if got := rg.sim.RequestsFor(q); got < 1 || got > 2 {
		t.Fatalf("engine asked %d times, want the short flight's (if a fetcher took it in time) and one more", got)
	}
}

// A waiter with a longer deadline than the flight it joined gets a flight of its own when
// that one expires, rather than the first request's 504. The test plays the pipeline: the
// first job is never answered, the second is.
func TestLongDeadlineOutlivesFlight(t *testing.T) {
	rg := startBare(t)
	cfg := testConfig()
	cfg.Deadlines.Default = 200 * time.Millisecond
	c := rg.startCache(cfg, NewMemory(16<<20))
	const q = "long deadline"
	first := make(chan answer, 1)
	go func() { first <- rg.ask(query(q), 200*time.Millisecond) }()
	testkit.Eventually(t, 2*time.Second, func() bool { return c.metric("trawl_cache_flights") == 1 }, "the first request starts a flight")
	long := make(chan answer, 1)
	go func() { long <- rg.ask(query(q, `"timeout_ms":5000`), 5*time.Second) }()

	if a := <-first; a.err == nil || a.err.Status != 504 {
		t.Fatalf("first request: want 504 at its deadline, got %+v", a.err)
	}
	testkit.Eventually(t, 2*time.Second, func() bool {
		return c.metric("trawl_cache_flights_total", "result", endFailed) == 1 && c.metric("trawl_cache_jobs_published_total") == 2
	}, "the first flight expires and the long waiter publishes its own job")
	// Answer the second job, as the parse stage would: by its id, read off the fetch stream.
	job := rg.lastJob()
	if job == nil {
		t.Fatal("no job on the fetch stream")
	}
	forged := &schemas.Outcome{Key: keyOf(t, query(q)), JobID: "guessed", Body: []byte(`{"search_parameters":{"q":"forged"},"organic_results":[],"pagination":{"current":1}}`)}
	if err := schemas.PublishOutcome(rg.client, forged); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 2*time.Second, func() bool { return c.metric("trawl_cache_results_rejected_total") >= 1 }, "the forged outcome is dropped")
	res := &schemas.Outcome{Key: keyOf(t, query(q)), JobID: job.ID, Body: []byte(`{"search_parameters":{"q":"long deadline"},"organic_results":[{"position":1,"title":"t","url":"https://example.com/"}],"pagination":{"current":1}}`)}
	if err := schemas.PublishOutcome(rg.client, res); err != nil {
		t.Fatal(err)
	}
	if a := <-long; a.err != nil || a.organic != 1 || a.state != stateMiss {
		t.Fatalf("long-deadline request: want the result of its own flight, got %+v (%v)", a, a.err)
	}
}

// A replica that dies holding a key's lock strands it only until the lock expires; then a
// waiting replica takes the fetch over.
func TestDeadHolderTakeover(t *testing.T) {
	rg := startRig(t, 20*time.Millisecond)
	rd := testkit.StartRedis(t)
	store := newTestRedis(t, rd.URL)
	c := rg.startCache(testConfig(), store)

	const q = "holder died"
	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer rdb.Close()
	// The lock a crashed replica left behind: nobody refreshes it, and no outcome will come.
	if err := rdb.Set(context.Background(), store.lockKey(keyOf(t, query(q))), "dead-replica", 400*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	a := rg.askOK(query(q))
	if a.state != stateMiss {
		t.Fatalf("state %q, want miss (taken over)", a.state)
	}
	if got := c.metric("trawl_cache_flights_total", "result", endTakeover); got != 1 {
		t.Fatalf("takeovers = %v, want 1", got)
	}
	if got := rg.sim.RequestsFor(q); got != 1 {
		t.Fatalf("engine asked %d times", got)
	}
}

func TestFlightDeadline(t *testing.T) {
	now := time.Unix(1000, 0)
	d := config.Deadlines{Default: 20 * time.Second, Max: 60 * time.Second}
	tests := []struct {
		name      string
		requester time.Time
		want      time.Duration
	}{
		{"background refresh", time.Time{}, 20 * time.Second},
		{"short first request", now.Add(100 * time.Millisecond), 100 * time.Millisecond},
		{"long first request", now.Add(45 * time.Second), 45 * time.Second},
		{"beyond the longest", now.Add(time.Hour), 60 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := flightDeadline(now, tc.requester, d).Sub(now); got != tc.want {
				t.Fatalf("flight lasts %v, want %v", got, tc.want)
			}
		})
	}
}
