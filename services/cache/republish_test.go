package cache

import (
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestJobPublishedAgainAfterReconnect: an outcome published while a replica's NATS connection
// is away is lost (core NATS keeps nothing for it), so a replica whose connection came back
// while it waited publishes the job again under a new id, and that job's outcome answers the
// request, rather than nothing before the deadline.
func TestJobPublishedAgainAfterReconnect(t *testing.T) {
	rg := startBare(t)
	c := rg.startCache(testConfig(), NewMemory(16<<20))
	const q = "lost outcome"
	got := make(chan answer, 1)
	go func() { got <- rg.ask(query(q), 5*time.Second) }()
	var first *schemas.FetchJob
	testkit.Eventually(t, 5*time.Second, func() bool {
		first = rg.lastJob()
		return first != nil
	}, "the job published")

	// The replica is cut off and comes back; the first job's outcome, had it been published
	// meanwhile, would not have reached it: this test never publishes it.
	id, err := c.nc.GetClientID()
	if err != nil {
		t.Fatal(err)
	}
	if err := rg.ns.DisconnectClientByID(id); err != nil {
		t.Fatal(err)
	}
	var again *schemas.FetchJob
	testkit.Eventually(t, 5*time.Second, func() bool {
		again = rg.lastJob()
		return again != nil && again.ID != first.ID
	}, "the job published again after the reconnect")
	if again.Key != first.Key || again.Request.Q != q {
		t.Fatalf("the job published again is for %q (%s), want %q (%s)", again.Request.Q, again.Key, q, first.Key)
	}
	o := &schemas.Outcome{Key: first.Key, JobID: again.ID,
		Body: []byte(`{"search_parameters":{"q":"lost outcome"},"organic_results":[{"position":1,"title":"t","url":"https://example.com/"}],"pagination":{"current":1}}`)}
	if err := schemas.PublishOutcome(rg.client, o); err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.err != nil || a.organic != 1 {
		t.Fatalf("answer: %+v", a)
	}
	if n := c.metric("trawl_cache_jobs_republished_total"); n != 1 {
		t.Errorf("trawl_cache_jobs_republished_total = %v, want 1", n)
	}
	// The entry was stored under the job that answered: the next request is a hit.
	if a := rg.ask(query(q), 5*time.Second); a.err != nil || a.state != "hit" {
		t.Errorf("after the answer: %+v", a)
	}
}
