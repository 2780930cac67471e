package stack_test

import (
	"fmt"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/testkit"
)

// goroutineMargin is how far above the baseline the count may stay once the load is over:
// the runtime's and the servers' idle workers come and go by a few.
const goroutineMargin = 10

// TestGoroutinesReturnAfterLoad sends a few hundred requests (hits, misses, coalesced ones,
// invalid ones and ones whose deadline passes mid-flight) over HTTP and NATS, then checks that
// the goroutine count comes back to what it was before: no request leaves a waiter, timer,
// subscription or connection behind.
func TestGoroutinesReturnAfterLoad(t *testing.T) {
	e := start(t, nil, nil)
	httpTarget, natsTarget := e.base+"/v1/search", e.st.UserURL(natsauth.UserClient)
	send := func(target, set string, n int64, mutate func(*load.Config)) *load.Summary {
		t.Helper()
		c := load.DefaultConfig()
		c.Target, c.QuerySet, c.Requests, c.Duration, c.Concurrency, c.Progress = target, set, n, 0, 16, 0
		c.Keys, c.Timeout = 40, 15*time.Second
		if mutate != nil {
			mutate(&c)
		}
		s, err := load.Run(t.Context(), c, nil)
		if err != nil {
			t.Fatalf("load %s: %v", target, err)
		}
		return s
	}
	shortDeadline := func(n int) {
		t.Helper()
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
		for i := range n {
			resp, err := client.Get(fmt.Sprintf("%s?q=deadline+%d&timeout_ms=1", httpTarget, i))
			if err != nil {
				t.Fatalf("short deadline: %v", err)
			}
			resp.Body.Close()
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Logf("goroutines at the end:\n%s", b.String())
		}
	})

	// Warm-up in the same shapes, so pools and idle connections are at their working size.
	send(httpTarget, load.QueryZipf, 60, nil)
	send(natsTarget, load.QueryDistinct, 20, nil)
	shortDeadline(5)
	baseline := settled(t)

	hits := send(httpTarget, load.QueryZipf, 120, nil)
	misses := send(httpTarget, load.QueryDistinct, 80, nil)
	overNATS := send(natsTarget, load.QueryZipf, 60, func(c *load.Config) { c.Seed = 3 })
	invalid := send(httpTarget, load.QueryHot, 20, func(c *load.Config) { c.Engine = "altavista" })
	shortDeadline(20)

	for name, s := range map[string]*load.Summary{"zipf over HTTP": hits, "distinct over HTTP": misses, "zipf over NATS": overNATS} {
		if s.OK != s.Requests || s.Requests == 0 {
			t.Errorf("%s: %d of %d answered: errors %v", name, s.OK, s.Requests, s.ErrorsByKind)
		}
	}
	if hits.Cache["hit"] == 0 || hits.Cache["miss"] == 0 || misses.Cache["miss"] != 80 {
		t.Errorf("cache outcomes: zipf %v, distinct %v; want hits and misses", hits.Cache, misses.Cache)
	}
	if invalid.ErrorsByStatus["400"] != 20 {
		t.Errorf("invalid engine: errors %v, want 20 × 400", invalid.ErrorsByStatus)
	}

	// Poll until the count is back near the baseline and holds still there: the pipeline has
	// then finished the work the short deadlines left behind.
	var now int
	testkit.Eventually(t, 20*time.Second, func() bool {
		now = settled(t)
		return now <= baseline+goroutineMargin
	}, "goroutines did not return to the baseline %d (+%d) after the load", baseline, goroutineMargin)
	t.Logf("goroutines: baseline %d, after the load %d", baseline, now)
}

// settled is the goroutine count once it holds still for a few polls.
func settled(t *testing.T) int {
	t.Helper()
	last, same := -1, 0
	testkit.Eventually(t, 20*time.Second, func() bool {
		n := runtime.NumGoroutine()
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
		return same >= 20 // 200 ms without change
	}, "the goroutine count never settled")
	return last
}
