package cache

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/kit/enginehealth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestSuspectOutcomeNotStored: a page the silent-empty alarm doubts answers the request that
// waited on it, but is not stored: the next request fetches again.
func TestSuspectOutcomeNotStored(t *testing.T) {
	rg := startBare(t)
	c := rg.startCache(testConfig(), NewMemory(16<<20))
	const q = "thin page"
	prevID := ""
	answerJob := func(n int, suspect string) {
		t.Helper()
		var job *schemas.FetchJob
		testkit.Eventually(t, 5*time.Second, func() bool {
			job = rg.lastJob()
			// The counter may move before the stream holds the job: wait for a job of this round.
			return job != nil && job.ID != prevID && c.metric("trawl_cache_jobs_published_total") == float64(n)
		}, "job %d published", n)
		prevID = job.ID
		o := &schemas.Outcome{Key: keyOf(t, query(q)), JobID: job.ID, Suspect: suspect,
			Body: []byte(`{"search_parameters":{"q":"thin page"},"organic_results":[{"position":1,"title":"t","url":"https://example.com/"}],"pagination":{"current":1}}`)}
		if err := schemas.PublishOutcome(rg.client, o); err != nil {
			t.Fatal(err)
		}
	}
	for n, suspect := range []string{"fields: 0% of results have a snippet", ""} {
		got := make(chan answer, 1)
		go func() { got <- rg.ask(query(q), 5*time.Second) }()
		answerJob(n+1, suspect)
		if a := <-got; a.err != nil || a.state != "miss" || a.organic != 1 {
			t.Fatalf("request %d: %+v", n+1, a)
		}
	}
	// The second (healthy) answer was stored: a third request is a hit, no third job.
	if a := rg.ask(query(q), 5*time.Second); a.err != nil || a.state != "hit" {
		t.Fatalf("after a healthy answer: %+v", a)
	}
	if n := c.metric("trawl_cache_jobs_published_total"); n != 2 {
		t.Errorf("%v jobs published, want 2 (the suspect answer was not stored, the healthy one was)", n)
	}
}

// TestMetasearchSkipsDegradedEngine: an engine the alarm marks degraded (as a parser writes it
// to the shared bucket) is not asked in a metasearch and is named in the per-engine outcomes;
// asked alone, or with only degraded engines, it still is.
func TestMetasearchSkipsDegradedEngine(t *testing.T) {
	rg := startBare(t)
	c := rg.startCache(testConfig(), NewMemory(16<<20))
	js, err := jetstream.New(rg.client)
	if err != nil {
		t.Fatal(err)
	}
	parserBoard := enginehealth.New(js, rg.streams, enginehealth.Options{Create: true, Engines: []string{"bing"}})
	parserBoard.Start(t.Context())
	t.Cleanup(parserBoard.Stop)
	for range 2 {
		parserBoard.Record(context.Background(), "bing", enginehealth.Verdict{Suspect: true, Rule: schemas.SuspectEmpty, Reason: "an empty results page"}, enginehealth.Rules{Run: 2})
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return c.health.Get("bing").Degraded() }, "the cache replica sees bing degraded")
	if got := c.degradedOf([]string{"duckduckgo", "bing"}); len(got) != 1 || got["bing"].Reason != "an empty results page" {
		t.Errorf("degraded of duckduckgo,bing: %+v", got)
	}
	if got := c.degradedOf([]string{"bing"}); len(got) != 0 {
		t.Errorf("bing alone is still asked, got %+v", got)
	}

	// The metasearch: only duckduckgo's job is published; bing's outcome says why.
	got := make(chan answer, 1)
	body := `{"q":"meta","engine":"duckduckgo,bing"}`
	go func() { got <- rg.ask(body, 5*time.Second) }()
	stream, err := js.Stream(t.Context(), schemas.StreamFetch)
	if err != nil {
		t.Fatal(err)
	}
	var job *schemas.FetchJob
	testkit.Eventually(t, 5*time.Second, func() bool {
		last, err := stream.GetLastMsgForSubject(t.Context(), schemas.FetchSubject("duckduckgo"))
		if err != nil {
			return false
		}
		job, err = schemas.DecodeFetchJob(last.Data)
		return err == nil
	}, "duckduckgo's job")
	o := &schemas.Outcome{Key: job.Key, JobID: job.ID,
		Body: []byte(`{"search_parameters":{"q":"meta"},"organic_results":[{"position":1,"title":"t","url":"https://example.com/"}],"pagination":{"current":1}}`)}
	if err := schemas.PublishOutcome(rg.client, o); err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil || a.organic != 1 {
		t.Fatalf("metasearch: %+v", a)
	}
	if bo := a.meta.Engines["bing"]; bo.Status != schemas.EngineDegraded || bo.Error == "" {
		t.Errorf("bing's outcome %+v, want degraded with the reason", bo)
	}
	if _, err := stream.GetLastMsgForSubject(t.Context(), schemas.FetchSubject("bing")); err == nil {
		t.Error("a job was published for the degraded engine")
	}
	if n := c.metric("trawl_cache_jobs_published_total"); n != 1 {
		t.Errorf("%v jobs published, want 1", n)
	}
}
