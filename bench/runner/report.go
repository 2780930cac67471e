package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// loadSummary is the part of `trawl load`'s JSON summary the report reads.
type loadSummary struct {
	Requests  int64   `json:"requests"`
	OK        int64   `json:"ok"`
	Errors    int64   `json:"errors"`
	ReqPerSec float64 `json:"req_per_s"`
	OKPerSec  float64 `json:"ok_per_s"`
	LatencyMS struct {
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99_9"`
		Max  float64 `json:"max"`
	} `json:"latency_ms"`
	ErrorsByStatus map[string]int64 `json:"errors_by_status"`
	ErrorsByKind   map[string]int64 `json:"errors_by_kind"`
	Cache          map[string]int64 `json:"cache"`
	Late           int64            `json:"late"`
	Unsent         int64            `json:"unsent"`
}

type rowResult struct {
	ID     string          `json:"id"`
	Title  string          `json:"title"`
	Target string          `json:"target,omitempty"`
	Load   json.RawMessage `json:"load,omitempty"`
	S      loadSummary     `json:"-"`
	// CPUPerReqUS is the CPU the row's server processes spent per measured request.
	CPUPerReqUS       float64            `json:"server_cpu_us_per_req,omitempty"`
	CPUPerReqUSByProc map[string]float64 `json:"server_cpu_us_per_req_by_process,omitempty"`
	// AllocKBPerReq, AllocsPerReq and GCSharePct are the Go runtime's figures of an all-in-one
	// over the median run (its /metrics before and after).
	AllocKBPerReq float64 `json:"alloc_kb_per_req,omitempty"`
	AllocsPerReq  float64 `json:"allocs_per_req,omitempty"`
	GCSharePct    float64 `json:"gc_cpu_share_pct,omitempty"`
	// RunsReqPerSec are every measured run's ok req/s, one a round; the figures above are the
	// median run's.
	RunsReqPerSec []float64 `json:"runs_req_per_s,omitempty"`
	// OthersCPUPct is, for each run, the CPU the other rows of its group spent while it ran
	// (idle, but running), in percent of one core.
	OthersCPUPct []float64     `json:"others_cpu_pct,omitempty"`
	rounds       []loadSummary // every run's summary, in round order
	// brackets are, for each run, the runs of its group's pivot just before and after it.
	brackets        [][2]int
	RedisCmdsPerReq float64       `json:"redis_cmds_per_req,omitempty"`
	Wrk             *wrkResult    `json:"wrk,omitempty"`
	Checks          []checkResult `json:"checks,omitempty"`
	Profiles        []string      `json:"profiles,omitempty"`
	Notes           []string      `json:"notes,omitempty"`
	Err             string        `json:"error,omitempty"`
}

// check is one target of issue 8, as a ratio to another row of the same run.
type check struct {
	kind   string // rps, p99, p50max, noerrors, near
	ref    string
	target float64
}

func rps(ref string, atLeast float64) check { return check{"rps", ref, atLeast} }
func p99(ref string, atMost float64) check  { return check{"p99", ref, atMost} }
func p50AtMost(d time.Duration) check {
	return check{"p50max", "", float64(d) / float64(time.Millisecond)}
}
func noErrors() check { return check{kind: "noerrors"} }

// p50Over asks for a p50 at most ms above ref's.
func p50Over(ref string, ms float64) check { return check{"p50over", ref, ms} }

// near asks for req/s within 1±tolerance of ref's: a check of sameness, not of a target.
func near(ref string, tolerance float64) check { return check{"near", ref, tolerance} }

type checkResult struct {
	What  string  `json:"what"`
	Value float64 `json:"value"`
	// Rounds are the check's value in each round, when its row and reference ran in turns
	// (one group): Value is then their median.
	Rounds []float64 `json:"rounds,omitempty"`
	Target string    `json:"target"`
	// Pass is nil when the check could not be made (its reference row failed or did not run).
	Pass *bool `json:"pass"`
}

func (c checkResult) String() string {
	if c.Pass == nil {
		return c.What + " n/a (reference row missing)"
	}
	mark := map[bool]string{true: "ok", false: "MISSED"}[*c.Pass]
	rounds := ""
	if len(c.Rounds) > 0 {
		parts := make([]string, len(c.Rounds))
		for i, v := range c.Rounds {
			parts[i] = fmtNum(v)
		}
		rounds = " (median of rounds " + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("%s %s%s (target %s) %s", c.What, fmtNum(c.Value), rounds, c.Target, mark)
}

type results struct {
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Machine  machineInfo  `json:"machine"`
	Settings settings     `json:"settings"`
	Rows     []*rowResult `json:"rows"`
	GoBench  *goBench     `json:"gobench,omitempty"`
	Soak     *soakResult  `json:"soak,omitempty"`

	// Convert is scrape's BenchmarkConvert: pages/s and MB/s of the converter alone.
	Convert *convertBench `json:"convert,omitempty"`
}

func (r *results) row(id string) *rowResult {
	for _, rr := range r.Rows {
		if rr.ID == id && rr.Err == "" {
			return rr
		}
	}
	return nil
}

// evaluate works out every row's checks against the other rows of this run.
func (r *results) evaluate(all []row) {
	defs, groupOf, pivotOf := map[string][]check{}, map[string]string{}, map[string]string{}
	for _, d := range all {
		defs[d.id], groupOf[d.id] = d.checks, d.group
		if d.pivot {
			pivotOf[d.group] = d.id
		}
	}
	for _, rr := range r.Rows {
		if rr.Err != "" {
			continue
		}
		for _, c := range defs[rr.ID] {
			var cr checkResult
			ref := r.row(c.ref)
			pass := func(ok bool) *bool { return &ok }
			// ratio is the check's figure of the row against its reference: the median of the
			// per-round figures when the two ran in turns, else the median runs' figure.
			ratio := func(f func(row, ref loadSummary) (float64, bool)) (float64, bool) {
				if ref != nil && pivotOf[groupOf[rr.ID]] == c.ref && len(rr.brackets) == len(rr.rounds) && len(rr.rounds) > 0 {
					for i, b := range rr.brackets {
						v, ok := f(rr.rounds[i], mean(ref.rounds[b[0]], ref.rounds[b[1]]))
						if !ok {
							return 0, false
						}
						cr.Rounds = append(cr.Rounds, round(v, 2))
					}
					return median(cr.Rounds), true
				}
				if ref != nil && groupOf[rr.ID] != "" && groupOf[rr.ID] == groupOf[c.ref] && len(rr.rounds) == len(ref.rounds) && len(rr.rounds) > 1 {
					for i := range rr.rounds {
						v, ok := f(rr.rounds[i], ref.rounds[i])
						if !ok {
							return 0, false
						}
						cr.Rounds = append(cr.Rounds, round(v, 2))
					}
					return median(cr.Rounds), true
				}
				if ref == nil {
					return 0, false
				}
				v, ok := f(rr.S, ref.S)
				return round(v, 2), ok
			}
			switch c.kind {
			case "rps":
				cr = checkResult{What: "req/s ÷ " + c.ref, Target: "≥ " + fmtNum(c.target)}
				if v, ok := ratio(func(a, b loadSummary) (float64, bool) { return a.OKPerSec / b.OKPerSec, b.OKPerSec > 0 }); ok {
					cr.Value, cr.Pass = v, pass(v >= c.target)
				}
			case "p99":
				cr = checkResult{What: "p99 ÷ " + c.ref, Target: "≤ " + fmtNum(c.target)}
				if v, ok := ratio(func(a, b loadSummary) (float64, bool) { return a.LatencyMS.P99 / b.LatencyMS.P99, b.LatencyMS.P99 > 0 }); ok {
					cr.Value, cr.Pass = v, pass(v <= c.target)
				}
			case "near":
				cr = checkResult{What: "req/s ÷ " + c.ref, Target: fmtNum(1-c.target) + "–" + fmtNum(1+c.target)}
				if v, ok := ratio(func(a, b loadSummary) (float64, bool) { return a.OKPerSec / b.OKPerSec, b.OKPerSec > 0 }); ok {
					cr.Value, cr.Pass = v, pass(v >= 1-c.target && v <= 1+c.target)
				}
			case "p50over":
				cr = checkResult{What: "p50 − " + c.ref + " p50, ms", Target: "≤ " + fmtNum(c.target)}
				if v, ok := ratio(func(a, b loadSummary) (float64, bool) {
					return a.LatencyMS.P50 - b.LatencyMS.P50, b.LatencyMS.P50 > 0
				}); ok {
					cr.Value, cr.Pass = v, pass(v <= c.target)
				}
			case "p50max":
				cr = checkResult{What: "p50 ms", Value: rr.S.LatencyMS.P50, Target: "≤ " + fmtNum(c.target), Pass: pass(rr.S.LatencyMS.P50 <= c.target)}
			case "noerrors":
				var errs int64
				for _, s := range rr.rounds {
					errs += s.Errors + s.Unsent
				}
				if len(rr.rounds) == 0 {
					errs = rr.S.Errors + rr.S.Unsent
				}
				cr = checkResult{What: "errors", Value: float64(errs), Target: "0", Pass: pass(errs == 0)}
			}
			rr.Checks = append(rr.Checks, cr)
		}
	}
}

// mean is the figures a check reads (req/s, p50, p99) averaged over two runs.
func mean(a, b loadSummary) loadSummary {
	m := loadSummary{OKPerSec: (a.OKPerSec + b.OKPerSec) / 2}
	m.LatencyMS.P50 = (a.LatencyMS.P50 + b.LatencyMS.P50) / 2
	m.LatencyMS.P99 = (a.LatencyMS.P99 + b.LatencyMS.P99) / 2
	return m
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return round((s[n/2-1]+s[n/2])/2, 2)
	}
	return s[len(s)/2]
}

func fmtNum(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e6:
		return fmt.Sprintf("%d", int64(v))
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func (r *results) write(stem string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(stem+".json", append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(stem+".md", r.markdown(), 0o644)
}

func (r *results) markdown() []byte {
	var b bytes.Buffer
	s := r.Settings
	fmt.Fprintf(&b, "# trawl benchmark, %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s. Load: `trawl load`, closed loop c=%d unless noted, %s per row after %s warm-up; "+
		"simulated engine at %s; %d round(s): rows held to each other run in turns, one run each a round, and such a check is the median of its "+
		"rounds' figures; a row's own figures are its median run's. Everything on loopback, on the same cores as the load tool; the machine is shared, "+
		"so absolute figures are noisy: the ratios within one run are what counts.\n\n",
		r.Machine, s.Concurrency, s.Duration, s.Warmup, s.SimLatency, s.Repeat)
	b.WriteString("| path | req/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU µs/req | against the targets |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, rr := range r.Rows {
		if rr.Err != "" {
			fmt.Fprintf(&b, "| %s | failed: %s | | | | | | |\n", rr.ID, strings.ReplaceAll(rr.Err, "|", "/"))
			continue
		}
		var cs []string
		for _, c := range rr.Checks {
			cs = append(cs, c.String())
		}
		errs := fmt.Sprint(rr.S.Errors)
		if rr.S.Errors > 0 {
			errs += " (" + kv(rr.S.ErrorsByKind) + ")"
		}
		if rr.S.Unsent > 0 {
			errs += fmt.Sprintf(" +%d unsent", rr.S.Unsent)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.2f | %.2f | %s | %s | %s |\n", rr.ID, rr.S.OKPerSec,
			rr.S.LatencyMS.P50, rr.S.LatencyMS.P99, rr.S.LatencyMS.P999, errs, fmtNum(rr.CPUPerReqUS), strings.Join(cs, "; "))
	}
	b.WriteString("\nRows:\n\n")
	for _, rr := range r.Rows {
		fmt.Fprintf(&b, "- `%s`: %s", rr.ID, rr.Title)
		if rr.RedisCmdsPerReq > 0 {
			fmt.Fprintf(&b, "; %.2f Redis commands per request", rr.RedisCmdsPerReq)
		}
		if len(rr.CPUPerReqUSByProc) > 0 {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(rr.CPUPerReqUSByProc)) {
				parts = append(parts, fmt.Sprintf("%s %s", k, fmtNum(rr.CPUPerReqUSByProc[k])))
			}
			b.WriteString("; server CPU µs/req by process: " + strings.Join(parts, ", "))
		}
		if rr.AllocsPerReq > 0 {
			fmt.Fprintf(&b, "; %s kB and %s allocations per request, GC %s%% of the server's CPU",
				fmtNum(rr.AllocKBPerReq), fmtNum(rr.AllocsPerReq), fmtNum(rr.GCSharePct))
		}
		if len(rr.RunsReqPerSec) > 1 {
			fmt.Fprintf(&b, "; req/s of each run: %v", rr.RunsReqPerSec)
		}
		if len(rr.OthersCPUPct) > 0 {
			fmt.Fprintf(&b, "; the group's other processes, idle, used %v%% of a core during its runs", rr.OthersCPUPct)
		}
		for _, n := range rr.Notes {
			b.WriteString("; " + n)
		}
		b.WriteString("\n")
	}
	var wrk []*rowResult
	for _, rr := range r.Rows {
		if rr.Wrk != nil {
			wrk = append(wrk, rr)
		}
	}
	if len(wrk) > 0 {
		// wrk costs the machine less a request than trawl load, so a CPU-bound row (a hit) gets
		// more of it than under trawl load while the floor, held up by Redis and NATS, does
		// not: the ratio to floor-nats is shown under both clients.
		var floor float64
		for _, rr := range wrk {
			if rr.ID == "floor-nats" && rr.Wrk.Err == "" {
				floor = rr.Wrk.ReqPerSec
			}
		}
		b.WriteString("\nThe same rows under wrk (hot key, closed loop):\n\n| path | req/s | p50 ms | p99 ms | req/s ÷ floor-nats |\n|---|---:|---:|---:|---:|\n")
		for _, rr := range wrk {
			if rr.Wrk.Err != "" {
				fmt.Fprintf(&b, "| %s | %s | | | |\n", rr.ID, rr.Wrk.Err)
				continue
			}
			ratio := ""
			if floor > 0 {
				ratio = fmt.Sprintf("%.2f", rr.Wrk.ReqPerSec/floor)
			}
			fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.2f | %s |\n", rr.ID, rr.Wrk.ReqPerSec, rr.Wrk.P50MS, rr.Wrk.P99MS, ratio)
		}
	}
	if r.GoBench != nil {
		b.WriteString("\nHit path micro-benchmarks (`" + r.GoBench.Command + "`):\n\n```\n" + r.GoBench.Output + "\n```\n")
	}
	if r.Convert != nil {
		r.Convert.markdown(&b)
	}
	if r.Soak != nil {
		r.Soak.markdown(&b)
	}
	for _, rr := range r.Rows {
		for _, p := range rr.Profiles {
			if strings.HasSuffix(p, ".txt") {
				fmt.Fprintf(&b, "\nProfile `%s` (top):\n\n```\n%s```\n", p, head(p, 30))
			}
		}
	}
	return b.Bytes()
}

func kv(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// head is the first n lines of a file.
func head(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error() + "\n"
	}
	lines := strings.SplitAfter(string(b), "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}
