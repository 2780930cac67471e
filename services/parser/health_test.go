package parser

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

func parsed(t *testing.T, engine string, page []byte, r *schemas.SearchRequest) *schemas.SERP {
	t.Helper()
	serp, err := engines.Default().Parse(engine, page, r)
	if err != nil {
		t.Fatalf("%s: %v", engine, err)
	}
	return serp
}

// TestJudgeRules: after the warm-up, a page whose snippets vanished breaks the field rule, a
// short page that says more follow breaks the count rule, a zero without the no-results
// notice is suspect; a genuine no-results page is never judged, a short last page and a page
// asked for fewer results are healthy; field health counts each field.
func TestJudgeRules(t *testing.T) {
	reg := prometheus.NewRegistry()
	j := newJudge(0.5, promauto.With(reg))
	r := &schemas.SearchRequest{Engine: "google", Q: "golang", Page: 1}
	full := parsed(t, "google", sim.DriftedPage("google", "", "golang", 1, 10, 5), r)
	for i := range baselineWarmup {
		if v, judged := j.page("google", r, full); !judged || v.Suspect {
			t.Fatalf("warm-up page %d: %+v", i, v)
		}
	}
	if got := testutil.ToFloat64(j.fields.WithLabelValues("google", "snippet")) / testutil.ToFloat64(j.results.WithLabelValues("google")); got != 1 {
		t.Errorf("snippet field health %v, want 1", got)
	}
	drop := parsed(t, "google", sim.DriftedPage("google", sim.DriftSnippets, "golang", 1, 10, 5), r)
	if v, _ := j.page("google", r, drop); !v.Suspect || v.Rule != schemas.SuspectFields {
		t.Errorf("snippets dropped: %+v", v)
	}
	short := *full
	short.OrganicResults = full.OrganicResults[:2]
	if v, _ := j.page("google", r, &short); !v.Suspect || v.Rule != schemas.SuspectCount {
		t.Errorf("2 of 10 with a next page: %+v", v)
	}
	short.HasNext = false
	if v, _ := j.page("google", r, &short); v.Suspect {
		t.Errorf("a short last page: %+v", v)
	}
	small := &schemas.SearchRequest{Engine: "google", Q: "golang", Page: 1, Num: 3}
	three := *full
	three.OrganicResults = full.OrganicResults[:3]
	if v, _ := j.page("google", small, &three); v.Suspect {
		t.Errorf("num=3 answered with 3: %+v", v)
	}
	none := parsed(t, "google", sim.DriftedPage("google", "", "golang noresults", 1, 10, 5), r)
	if v, judged := j.page("google", r, none); judged || v.Suspect {
		t.Errorf("a genuine no-results page was judged: %+v", v)
	}
	news := &schemas.SearchRequest{Engine: "bing", Q: "golang", Page: 1, Type: schemas.VerticalNews}
	if v, judged := j.page("bing", news, &schemas.SERP{NewsResults: []schemas.NewsResult{{Title: "t", URL: "https://example.com/"}}}); judged || v.Suspect {
		t.Errorf("a news page (no organic results by nature) was judged: %+v", v)
	}
	soft := parsed(t, "mojeek", sim.DriftedPage("mojeek", sim.DriftSoftBlock, "golang", 1, 10, 5), r)
	if v, _ := j.page("mojeek", r, soft); !v.Suspect || v.Rule != schemas.SuspectEmpty {
		t.Errorf("a soft block (results page without results): %+v", v)
	}
}

// TestSilentEmptyAlarmAcrossParsers: two parsers on one NATS count into one run of suspects
// (the engine health bucket), so the engine is degraded after --health-suspect-run suspect
// pages whichever parser judged them, and both parsers see it; with --degraded-answer=fail no
// more than run-1 suspect pages are answered 200 (each with a warning, none stored), the rest
// 502 degraded; a genuine no-results page never counts; healthy pages clear the alarm.
func TestSilentEmptyAlarmAcrossParsers(t *testing.T) {
	ns := testkit.StartNATS(t)
	nc := testkit.Connect(t, ns)
	const run = 5
	var parsers [2]*Service
	for i := range parsers {
		cfg := DefaultConfig()
		cfg.SuspectRun, cfg.DegradedAnswer, cfg.Concurrency = run, schemas.DegradedFail, 1
		s, err := New(cfg, Deps{NC: testkit.Connect(t, ns), Engines: engines.Default(), Streams: schemas.DefaultStreamLimits(), Metrics: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Stop)
		if !s.health.board.Shared() {
			t.Fatal("engine health is not shared with JetStream running")
		}
		parsers[i] = s
	}
	n := 0
	send := func(q string, html []byte) schemas.Outcome {
		t.Helper()
		n++
		id := fmt.Sprintf("ALARM%015d", n)
		sub, _ := nc.SubscribeSync(schemas.ResultSubject("key" + id))
		defer sub.Unsubscribe()
		page(t, nc, id, q, html)
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		return schemas.DecodeOutcome(m)
	}
	good := func() []byte { return sim.ResultsPage("golang", 1, 10, 5) }
	warm := func(s *Service) bool {
		s.health.judge.mu.Lock()
		defer s.health.judge.mu.Unlock()
		b := s.health.judge.bases["duckduckgo"]
		return b != nil && b.pages >= baselineWarmup
	}
	for !warm(parsers[0]) || !warm(parsers[1]) {
		if n > 400 {
			t.Fatal("the two parsers' baselines never warmed up")
		}
		if o := send("golang", good()); o.Err != nil || o.Suspect != "" {
			t.Fatalf("healthy page %d: %+v", n, o)
		}
	}

	drifted := sim.DriftedPage("duckduckgo", sim.DriftSnippets, "golang", 1, 10, 5)
	noResults := sim.ResultsPage("golang noresults", 1, 10, 5)
	served, failed := 0, 0
	for i := 0; i < 3*run; i++ {
		if i == 2 {
			// A real no-results query in the middle of the run neither counts nor resets it.
			if o := send("golang noresults", noResults); o.Err != nil || o.Suspect != "" {
				t.Fatalf("no-results page: %+v", o)
			}
		}
		o := send("golang", drifted)
		switch {
		case o.Err != nil && o.Err.Kind == schemas.TypeDegraded:
			failed++
			if o.Err.Status != 502 || o.Err.PageID == "" {
				t.Errorf("degraded error %+v", o.Err)
			}
		case o.Err == nil:
			if failed > 0 {
				t.Fatalf("suspect page %d answered 200 after the engine was degraded", i)
			}
			served++
			var b schemas.SearchBody
			if err := json.Unmarshal(o.Body, &b); err != nil || len(b.Warnings) != 1 || b.Warnings[0].Rule != schemas.SuspectFields {
				t.Errorf("a suspect page answered without its warning: %s", o.Body)
			}
			if o.Suspect == "" {
				t.Error("a suspect page's outcome is not marked (the cache would store it)")
			}
		default:
			t.Fatalf("suspect page %d: %+v", i, o.Err)
		}
	}
	if served != run-1 || failed != 2*run+1 {
		t.Errorf("%d suspect pages answered 200 and %d 502, want %d and %d", served, failed, run-1, 2*run+1)
	}
	for i, s := range parsers {
		testkit.Eventually(t, time.Second, func() bool {
			return testutil.ToFloat64(s.health.degraded.WithLabelValues("duckduckgo")) == 1
		}, "parser %d sees duckduckgo degraded", i)
		if h := s.health.board.Get("duckduckgo"); !h.Degraded() || h.Rule != schemas.SuspectFields || h.Reason == "" {
			t.Errorf("parser %d: record %+v", i, h)
		}
	}
	total := testutil.ToFloat64(parsers[0].health.suspects.WithLabelValues("duckduckgo", schemas.SuspectFields)) +
		testutil.ToFloat64(parsers[1].health.suspects.WithLabelValues("duckduckgo", schemas.SuspectFields))
	if total != 3*run {
		t.Errorf("suspect pages counted %v, want %d", total, 3*run)
	}
	// The last suspect page is in the archive, marked.
	js, _ := jetstream.New(nc)
	archive, err := js.Stream(t.Context(), schemas.StreamArchive)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("ALARM%015d", n)
	testkit.Eventually(t, 5*time.Second, func() bool {
		m, err := schemas.ReadArchivedPage(t.Context(), archive, id)
		return err == nil && m.Header.Get(schemas.HeaderSuspect) != ""
	}, "the suspect page archived with its reason")

	// The layout comes back: a run of healthy pages clears the alarm, for both parsers.
	for i := 0; i < run; i++ {
		if o := send("golang", good()); o.Err != nil || o.Suspect != "" {
			t.Fatalf("healthy page after the drift: %+v", o)
		}
	}
	for i, s := range parsers {
		testkit.Eventually(t, time.Second, func() bool {
			return !s.health.board.Get("duckduckgo").Degraded()
		}, "parser %d sees duckduckgo recovered", i)
	}
}

// The default policy fails a degraded engine's empty suspect pages and warns on the others.
func TestDegradedAnswerPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy  string
		results int
		fail    bool
	}{
		{schemas.DegradedEmpty, 0, true}, {schemas.DegradedEmpty, 7, false},
		{schemas.DegradedWarn, 0, false}, {schemas.DegradedWarn, 7, false},
		{schemas.DegradedFail, 0, true}, {schemas.DegradedFail, 7, true},
	} {
		if got := failsDegraded(tc.policy, tc.results); got != tc.fail {
			t.Errorf("%s with %d results: fails %v, want %v", tc.policy, tc.results, got, tc.fail)
		}
	}
	if DefaultConfig().DegradedAnswer != schemas.DegradedEmpty {
		t.Errorf("default --degraded-answer %q, want %q", DefaultConfig().DegradedAnswer, schemas.DegradedEmpty)
	}
}
