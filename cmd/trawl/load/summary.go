package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Summary is a run's outcome; its JSON form is what --out writes.
type Summary struct {
	Name        string    `json:"name,omitempty"`
	Target      string    `json:"target"`
	Transport   string    `json:"transport"`
	Mode        string    `json:"mode"`
	Concurrency int       `json:"concurrency"`
	Rate        float64   `json:"rate,omitempty"`
	QuerySet    string    `json:"query_set"`
	Keys        int       `json:"keys,omitempty"`
	Seed        uint64    `json:"seed"`
	Started     time.Time `json:"started"`
	DurationS   float64   `json:"duration_s"`

	// ScrapeURL is the page scraped (with its n parameter per key), "" for a search run.
	ScrapeURL string `json:"scrape_url,omitempty"`

	// Requests counts every answered or failed request; OK the 2xx (or error-free) ones.
	Requests    int64   `json:"requests"`
	OK          int64   `json:"ok"`
	Errors      int64   `json:"errors"`
	ReqPerSec   float64 `json:"req_per_s"`
	OKPerSec    float64 `json:"ok_per_s"`
	BytesPerSec float64 `json:"bytes_per_s"`
	LatencyMS   Latency `json:"latency_ms"`

	// ErrorsByStatus counts failed answers by HTTP status (micro error code over NATS);
	// ErrorsByKind counts every failure by problem kind or, with no answer, transport kind.
	ErrorsByStatus map[string]int64 `json:"errors_by_status"`
	ErrorsByKind   map[string]int64 `json:"errors_by_kind"`
	// Cache counts answers by how the cache answered (hit, miss, stale, coalesced).
	Cache map[string]int64 `json:"cache"`

	// Late (open loop) counts requests that left more than 1 ms after they were due; Unsent
	// those due within the run that never left. Either means the generator's --concurrency,
	// or the server, could not keep the rate; their latency still counts from the due time.
	Late        int64 `json:"late"`
	Unsent      int64 `json:"unsent"`
	Interrupted bool  `json:"interrupted,omitempty"`
	// MaxErrorRate is the run's --max-error-rate; Check holds the run to it.
	MaxErrorRate float64 `json:"max_error_rate"`

	// Hist holds every latency in microseconds.
	Hist *hdrhistogram.Histogram `json:"-"`
}

// Latency is the latency distribution in milliseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

func summarize(cfg Config, p *phase) *Summary {
	kind, u, _ := cfg.parseTarget()
	target := cfg.Target
	if u != nil {
		target = u.Redacted() // nats://client:xxxxx@…: a password in the target is never printed
	}
	s := &Summary{
		Name: cfg.Name, Target: target, Transport: kind, Mode: cfg.Mode, Concurrency: cfg.Concurrency,
		QuerySet: cfg.QuerySet, ScrapeURL: cfg.ScrapeURL, Seed: cfg.Seed, Started: p.start, MaxErrorRate: cfg.MaxErrorRate,
		Requests: p.st.n, OK: p.st.ok, Errors: p.st.n - p.st.ok, Late: p.st.late,
		ErrorsByStatus: map[string]int64{}, ErrorsByKind: p.st.kinds, Cache: p.st.cache, Hist: p.st.hist,
	}
	if cfg.Mode == ModeOpen {
		s.Rate = cfg.Rate
		s.Unsent = p.due - p.sent
	}
	if cfg.QuerySet == QueryZipf {
		s.Keys = cfg.Keys
	}
	for code, n := range p.st.status {
		s.ErrorsByStatus[statusKey(code)] = n
	}
	el := p.end.Sub(p.start).Seconds()
	s.DurationS = round(el, 3)
	if el > 0 {
		s.ReqPerSec = round(float64(s.Requests)/el, 1)
		s.OKPerSec = round(float64(s.OK)/el, 1)
		s.BytesPerSec = round(float64(p.st.bytes)/el, 0)
	}
	h := p.st.hist
	if h.TotalCount() > 0 {
		ms := func(us int64) float64 { return round(float64(us)/1000, 3) }
		s.LatencyMS = Latency{
			Min: ms(h.Min()), Mean: round(h.Mean()/1000, 3),
			P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P99: ms(h.ValueAtQuantile(99)),
			P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max()),
		}
	}
	return s
}

// Check fails the run when more than MaxErrorRate of its requests failed (below 1 that takes
// in a run where none succeeded, and one where none completed); a share exactly at
// MaxErrorRate passes, and a MaxErrorRate of 1 passes everything. The error is the one line a
// person reads after the summary.
func (s *Summary) Check() error {
	if s.MaxErrorRate >= 1 {
		return nil
	}
	if s.Requests == 0 {
		return errors.New("load: no request completed")
	}
	// Integer counts divide to the nearest float64 of the exact share, as the flag's value is
	// the nearest of its decimal, so a share equal to the limit compares equal.
	rate := float64(s.Errors) / float64(s.Requests)
	if rate > s.MaxErrorRate {
		return fmt.Errorf("load: %d of %d requests failed (%s), over --max-error-rate %s",
			s.Errors, s.Requests, percent(rate), percent(s.MaxErrorRate))
	}
	return nil
}

// percent shows a share with one decimal, or two significant digits when that would read 0.0%.
func percent(v float64) string {
	if v > 0 && v < 0.0005 {
		return fmt.Sprintf("%.2g%%", v*100)
	}
	return fmt.Sprintf("%.1f%%", v*100)
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// WriteText prints the summary for a person.
func (s *Summary) WriteText(w io.Writer) {
	how := fmt.Sprintf("closed loop, c=%d", s.Concurrency)
	if s.Mode == ModeOpen {
		how = fmt.Sprintf("open loop, %.0f req/s, up to %d in flight", s.Rate, s.Concurrency)
	}
	name := ""
	if s.Name != "" {
		name = s.Name + ": "
	}
	what := ""
	if s.ScrapeURL != "" {
		what = ", scraping " + s.ScrapeURL
	}
	fmt.Fprintf(w, "%s%s (%s), %s, query set %s%s, %.2fs\n", name, s.Target, s.Transport, how, s.QuerySet, what, s.DurationS)
	fmt.Fprintf(w, "  requests  %d (ok %d, errors %d)  %.1f req/s  %.2f MB/s\n",
		s.Requests, s.OK, s.Errors, s.ReqPerSec, s.BytesPerSec/1e6)
	l := s.LatencyMS
	fmt.Fprintf(w, "  latency   p50 %.2f ms  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (mean %.2f)\n",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
	if len(s.Cache) > 0 {
		fmt.Fprintf(w, "  cache     %s\n", counts(s.Cache))
	}
	if s.Errors > 0 {
		fmt.Fprintf(w, "  errors    by status: %s; by kind: %s\n", counts(s.ErrorsByStatus), counts(s.ErrorsByKind))
	}
	if s.Mode == ModeOpen && (s.Late > 0 || s.Unsent > 0) {
		fmt.Fprintf(w, "  behind    %d sent late, %d never sent (latency counts from the due time)\n", s.Late, s.Unsent)
	}
	if s.Interrupted {
		fmt.Fprintln(w, "  interrupted: the figures cover what was sent before the stop")
	}
}

func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	return b.String()
}

// WriteJSON writes the summary, indented, to path.
func (s *Summary) WriteJSON(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
