package parser

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// TestTakePage: a parser offers itself at the handoff point once started and withdraws at
// Stop; a page handed over is answered and archived as one off the stream is, a fetch
// failure is answered as the job's outcome, and a page whose requester has given up is
// settled without an answer. Once the parser's connection is gone, TakePage fails, so the
// fetcher has the job fetched again.
func TestTakePage(t *testing.T) {
	ns := testkit.StartNATS(t)
	nc := testkit.Connect(t, ns)
	var point handoff.Point
	pnc := testkit.Connect(t, ns)
	s, err := New(DefaultConfig(), Deps{NC: pnc, Engines: engines.Default(), Streams: schemas.DefaultStreamLimits(),
		Metrics: prometheus.NewRegistry(), Handoff: &point})
	if err != nil {
		t.Fatal(err)
	}
	if point.Parser() != nil {
		t.Fatal("offered before Start")
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	p := point.Parser()
	if p == nil {
		t.Fatal("a started parser is not offered")
	}
	results, _ := nc.SubscribeSync(schemas.SubjectResults)
	if err := nc.Flush(); err != nil { // the server has the subscription before any outcome
		t.Fatal(err)
	}

	job := func(id string, deadline time.Time) *schemas.FetchJob {
		return &schemas.FetchJob{ID: schemas.NewJobID(), Key: "key-" + id, Deadline: deadline.UnixMilli(),
			Request: schemas.SearchRequest{Q: "golang", Engine: "duckduckgo", Page: 1, Safe: "moderate"}}
	}
	next := func() schemas.Outcome {
		t.Helper()
		m, err := results.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return schemas.DecodeOutcome(m)
	}

	html := sim.ResultsPage("golang", 1, 10, 5)
	ok := &schemas.PageMsg{Job: job("ok", time.Now().Add(time.Minute)), FetchMS: 7}
	ok.Compress(nil, html)
	if err := p.TakePage(ok, html, nil); err != nil {
		t.Fatal(err)
	}
	o := next()
	var b schemas.SearchBody
	if o.Err != nil || o.Key != "key-ok" || o.JobID != ok.Job.ID || json.Unmarshal(o.Body, &b) != nil || len(b.OrganicResults) != 10 || o.FetchMS != 7 {
		t.Fatalf("outcome of a page handed over: key %q job %q err %v, %d results", o.Key, o.JobID, o.Err, len(b.OrganicResults))
	}
	// The archive's write is asynchronous: the answer never waits on it.
	testkit.Eventually(t, 5*time.Second, func() bool {
		_, err := schemas.ReadArchivedPage(t.Context(), s.archive, ok.Job.ID)
		return err == nil
	}, "a page handed over is not archived")

	// A page the fetcher had Judge read is answered from that reading: the page is not read
	// again (here the bytes handed over would read as 3 results, the judgement has 10).
	judged := &schemas.PageMsg{Job: job("judged", time.Now().Add(time.Minute))}
	parsed := p.Judge("duckduckgo", html, &judged.Job.Request)
	if parsed.Err != nil || parsed.SERP == nil || len(parsed.SERP.OrganicResults) != 10 {
		t.Fatalf("Judge of a results page: %+v", parsed)
	}
	other := sim.ResultsPage("golang", 1, 3, 5)
	judged.Compress(nil, other)
	if err := p.TakePage(judged, other, parsed); err != nil {
		t.Fatal(err)
	}
	if o := next(); o.Key != "key-judged" || json.Unmarshal(o.Body, &b) != nil || len(b.OrganicResults) != 10 {
		t.Fatalf("a judged page: key %q err %v, %d results, want Judge's 10", o.Key, o.Err, len(b.OrganicResults))
	}
	blocked := &schemas.PageMsg{Job: job("blocked", time.Now().Add(time.Minute))}
	blocked.Compress(nil, html)
	if err := p.TakePage(blocked, html, &handoff.Parsed{Err: engines.Blocked("duckduckgo", "CAPTCHA")}); err != nil {
		t.Fatal(err)
	}
	if o := next(); o.Key != "key-blocked" || o.Err == nil || o.Err.Kind != schemas.TypeBlocked {
		t.Fatalf("a page judged blocked came out as %q %+v", o.Key, o.Err)
	}

	failed := &schemas.PageMsg{Job: job("failed", time.Now().Add(time.Minute)), Err: schemas.Errorf(schemas.TypeBlocked, "CAPTCHA")}
	if err := p.TakePage(failed, nil, nil); err != nil {
		t.Fatal(err)
	}
	if o := next(); o.Key != "key-failed" || o.Err == nil || o.Err.Kind != schemas.TypeBlocked {
		t.Fatalf("a fetch failure handed over came out as %q %+v", o.Key, o.Err)
	}

	late := &schemas.PageMsg{Job: job("late", time.Now().Add(-time.Second))}
	late.Compress(nil, html)
	if err := p.TakePage(late, html, nil); err != nil {
		t.Fatalf("a page past its deadline is settled, not retried: %v", err)
	}
	// Nothing was answered for it: the next outcome is the next page's.
	marker := &schemas.PageMsg{Job: job("marker", time.Now().Add(time.Minute)), Err: schemas.Errorf(schemas.TypeTimeout, "x")}
	if err := p.TakePage(marker, nil, nil); err != nil {
		t.Fatal(err)
	}
	if o := next(); o.Key != "key-marker" {
		t.Fatalf("a page past its deadline was answered (%q)", o.Key)
	}

	pnc.Close()
	again := &schemas.PageMsg{Job: job("again", time.Now().Add(time.Minute))}
	again.Compress(nil, html)
	if err := p.TakePage(again, html, nil); err == nil {
		t.Error("TakePage succeeded without a connection to answer on")
	}
	s.Stop()
	if point.Parser() != nil {
		t.Error("a stopped parser is still offered")
	}
}

// TestTakePageHoldsToParseConcurrency: pages handed over come on the fetchers' goroutines, as
// many at once as --fetch-concurrency; no more than --parse-concurrency are parsed at once,
// the rest wait (counted by trawl_parser_waiting_pages) and are parsed once a slot is free.
func TestTakePageHoldsToParseConcurrency(t *testing.T) {
	ns := testkit.StartNATS(t)
	nc := testkit.Connect(t, ns)
	cfg := DefaultConfig()
	cfg.Concurrency, cfg.MaxAckPending = 1, 1
	reg := prometheus.NewRegistry()
	s, err := New(cfg, Deps{NC: testkit.Connect(t, ns), Engines: engines.Default(), Streams: schemas.DefaultStreamLimits(), Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	results, _ := nc.SubscribeSync(schemas.SubjectResults)
	if err := nc.Flush(); err != nil { // the server has the subscription before any outcome
		t.Fatal(err)
	}

	release := s.slot() // a parse under way holds the only slot
	html := sim.ResultsPage("golang", 1, 10, 5)
	const pages = 3
	done := make(chan error, pages)
	for i := range pages {
		page := &schemas.PageMsg{Job: &schemas.FetchJob{ID: schemas.NewJobID(), Key: "key-" + string(rune('a'+i)),
			Deadline: time.Now().Add(time.Minute).UnixMilli(),
			Request:  schemas.SearchRequest{Q: "golang", Engine: "duckduckgo", Page: 1, Safe: "moderate"}}}
		page.Compress(nil, html)
		go func() { done <- s.TakePage(page, html, nil) }()
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return gaugeValue(t, reg, "trawl_parser_waiting_pages") == pages },
		"pages handed over do not wait for the one parse slot")
	if len(done) != 0 {
		t.Fatal("a page was answered while the only parse slot was held")
	}
	release()
	for range pages {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := results.NextMsg(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if v := gaugeValue(t, reg, "trawl_parser_waiting_pages"); v != 0 {
		t.Fatalf("%v pages still counted as waiting", v)
	}
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}
