package parser

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/enginehealth"
	"github.com/trawl-dev/trawl/schemas"
)

// The silent-empty alarm. Every parsed page is judged against its engine's rolling baseline:
//
//   - a page with no results and no no-results marker (unrecognised_page) is suspect;
//   - a page whose organic count, on a page that says more results follow, falls below
//     --health-collapse of the engine's usual fill (results per page asked) is suspect;
//   - a page whose share of results with title, URL and snippet falls below --health-collapse
//     of the engine's usual share is suspect (snippets vanished);
//   - a genuine no-results page (the engine's marker present: zero results and no error) is
//     never judged, nor are blocked pages and failed fetches (the breaker's business);
//   - any other page is healthy, and feeds the baseline.
//
// The count and field rules wait until the baseline has seen baselineWarmup healthy pages.
// The run of suspects lives on the engine health board (kit/enginehealth), shared by every
// parser through JetStream KV: --health-suspect-run suspect pages in a row make the engine
// degraded, as many healthy pages in a row clear it.

const (
	// baselineWarmup is how many healthy pages an engine's baseline needs before it judges.
	baselineWarmup = 20
	// baselineAlpha is the weight of one page in the baseline's moving averages (about the
	// last 40 pages count).
	baselineAlpha = 0.05
	// fieldsMinResults: the field rule judges pages of at least this many results.
	fieldsMinResults = 3
)

// baseline is one engine's rolling yield: what its healthy pages usually hold.
type baseline struct {
	pages int
	// fill is organic results per result asked (engines.PageSize); complete is the share of
	// results that carry a title, a URL and a snippet.
	fill, complete float64
}

func (b *baseline) add(fill, complete float64) {
	if b.pages == 0 {
		b.fill, b.complete = fill, complete
	} else {
		b.fill += baselineAlpha * (fill - b.fill)
		b.complete += baselineAlpha * (complete - b.complete)
	}
	b.pages++
}

// judge is the page judge of one parser: the baselines, the field health counters.
type judge struct {
	collapse float64

	mu    sync.Mutex
	bases map[string]*baseline

	results *prometheus.CounterVec
	fields  *prometheus.CounterVec
}

func newJudge(collapse float64, f promauto.Factory) *judge {
	return &judge{collapse: collapse, bases: map[string]*baseline{},
		results: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_parser_results_total",
			Help: "Organic results parsed, by engine (the denominator of field health).",
		}, []string{"engine"}),
		fields: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_parser_result_fields_total",
			Help: "Organic results carrying a field (snippet, date, displayed_url, sitelinks), by engine: field health is this over trawl_parser_results_total.",
		}, []string{"engine", "field"}),
	}
}

// fieldNames are the fields field health counts.
var fieldNames = []string{"snippet", "date", "displayed_url", "sitelinks"}

// page judges a parsed page (a SERP with results, or a genuine no-results page). judged is
// false for a page the alarm does not count.
func (j *judge) page(engine string, r *schemas.SearchRequest, serp *schemas.SERP) (v enginehealth.Verdict, judged bool) {
	n := len(serp.OrganicResults)
	switch {
	case r != nil && r.Type != "" && r.Type != schemas.VerticalWeb:
		return v, false // news and images: the baselines are the web pages'
	case n == 0 && serp.NoResults:
		return v, false // the engine's no-results notice was there: a genuine zero
	case n == 0:
		return enginehealth.Verdict{Suspect: true, Rule: schemas.SuspectEmpty,
			Reason: "no results and no no-results notice (an empty results page)"}, true
	}
	var have [4]int
	complete := 0
	for i := range serp.OrganicResults {
		o := &serp.OrganicResults[i]
		for k, ok := range [4]bool{o.Snippet != "", o.Date != "", o.DisplayedURL != "", len(o.Sitelinks) > 0} {
			if ok {
				have[k]++
			}
		}
		if o.Title != "" && o.URL != "" && o.Snippet != "" {
			complete++
		}
	}
	j.results.WithLabelValues(engine).Add(float64(n))
	for k, name := range fieldNames {
		if have[k] > 0 {
			j.fields.WithLabelValues(engine, name).Add(float64(have[k]))
		}
	}
	fill := float64(n) / float64(engines.PageSize(r))
	share := float64(complete) / float64(n)

	j.mu.Lock()
	defer j.mu.Unlock()
	b := j.bases[engine]
	if b == nil {
		b = &baseline{}
		j.bases[engine] = b
	}
	if b.pages >= baselineWarmup {
		switch {
		case serp.HasNext && fill < j.collapse*b.fill:
			return enginehealth.Verdict{Suspect: true, Rule: schemas.SuspectCount,
				Reason: fmt.Sprintf("%d organic results on a page that says more follow; usually %.1f", n, b.fill*float64(engines.PageSize(r)))}, true
		case n >= fieldsMinResults && share < j.collapse*b.complete:
			return enginehealth.Verdict{Suspect: true, Rule: schemas.SuspectFields,
				Reason: fmt.Sprintf("%.0f%% of results have title, URL and snippet; usually %.0f%%", share*100, b.complete*100)}, true
		}
	}
	b.add(fill, share)
	return v, true
}

// health is the parser's side of the alarm: the judge, the board and their metrics.
type health struct {
	rules  enginehealth.Rules
	answer string
	judge  *judge
	board  *enginehealth.Board

	suspects *prometheus.CounterVec
	degraded *prometheus.GaugeVec
	shared   prometheus.Gauge
}

func newHealth(cfg Config, f promauto.Factory) *health {
	return &health{
		rules: enginehealth.Rules{Run: cfg.SuspectRun}, answer: cfg.DegradedAnswer,
		judge: newJudge(cfg.Collapse, f),
		suspects: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_parser_suspect_pages_total",
			Help: "Pages judged suspect by the silent-empty alarm, by engine and rule (unrecognised, count, fields).",
		}, []string{"engine", "rule"}),
		degraded: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trawl_parser_engine_degraded",
			Help: "1 while the engine is degraded (a run of suspect pages), as this parser sees the shared engine health.",
		}, []string{"engine"}),
		shared: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_parser_engine_health_shared",
			Help: "1 when engine health is shared through JetStream KV, 0 while it is kept per process.",
		}),
	}
}

// onChange keeps the degraded gauge in step with the board.
func (h *health) onChange(rec schemas.EngineHealth) {
	v := 0.0
	if rec.Degraded() {
		v = 1
	}
	h.degraded.WithLabelValues(rec.Engine).Set(v)
}

// record counts a verdict on the board and logs a transition this parser made.
func (s *Service) record(engine string, v enginehealth.Verdict) schemas.EngineHealth {
	h := s.health
	if v.Suspect {
		h.suspects.WithLabelValues(engine, v.Rule).Inc()
	}
	if h.rules.Run <= 0 {
		return schemas.EngineHealth{Engine: engine, Status: schemas.EngineOK}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	before, after := h.board.Record(ctx, engine, v, h.rules)
	h.shared.Set(boolGauge(h.board.Shared()))
	if before.Status != after.Status {
		if after.Degraded() {
			s.log.Warn("engine degraded: a run of suspect pages", "engine", engine, "run", after.Run,
				"rule", after.Rule, "reason", after.Reason, "page_id", after.PageID, "health", h.board.String())
		} else {
			s.log.Info("engine recovered: a run of healthy pages", "engine", engine, "run", h.rules.Run,
				"degraded_for", after.Since.Sub(before.Since).Round(time.Second).String(), "health", h.board.String())
		}
	}
	return after
}

// warning is what a suspect page answered with a 200 carries.
func warning(engine string, v enginehealth.Verdict, rec schemas.EngineHealth) schemas.Warning {
	w := schemas.Warning{Kind: "suspect", Engine: engine, Rule: v.Rule,
		Detail: "this page yields far less than " + engine + "'s usually do: " + v.Reason}
	if rec.Degraded() {
		w.Kind = schemas.EngineDegraded
		w.Detail = engine + " is degraded (" + fmt.Sprint(rec.Run) + " suspect pages in a row): " + v.Reason
	}
	return w
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
