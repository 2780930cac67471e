package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rows that are held to each other run in turns. The machine is a shared, paravirtualised
// guest whose speed moves 15-40% from one minute to the next (the same build read 2.14× and
// 2.53× floor-nats twenty minutes apart), so a ratio between two rows measured minutes apart
// measured the host as much as trawl. A group's processes are all started first; then each
// round measures every row of the group once, one after the other, and a check between two
// rows of one group is the median of its per-round ratios: each ratio is taken between runs
// seconds apart. The other rows' processes idle meanwhile; what they spend is shown beside
// each row (others_cpu_pct), a few tenths of a percent of one core each.

// A group may have a pivot (row.pivot), the row the others are held to: it then runs before
// and after each of them (P A P B P …), and a check against it takes the mean of the two runs
// around the row's, so a drift of the machine during a round cancels out to first order.

// groups splits the rows that run into groups, in the order of each group's first row; a row
// without a group is a group of its own.
func groups(all []row, only *regexp.Regexp) [][]row {
	var out [][]row
	at := map[string]int{}
	for _, r := range all {
		if only != nil && !only.MatchString(r.id) {
			continue
		}
		if i, ok := at[r.group]; ok && r.group != "" {
			out[i] = append(out[i], r)
			continue
		}
		at[r.group] = len(out)
		out = append(out, []row{r})
	}
	return out
}

// live is a row of the group being measured: its processes and its runs so far.
type live struct {
	r   row
	rr  *rowResult
	rig *rig
	// shared: rig is the group pivot's (row.at), stopped with it.
	shared bool
	logDir string
	base   []string
	runs   []run
}

// run is one measured run of a row.
type run struct {
	raw       []byte
	s         loadSummary
	cpu       time.Duration
	byProc    map[string]time.Duration
	others    time.Duration
	redisCmds int64
	rt        [2]runtimeFigures
}

// runGroup starts every row's processes, measures the rows in turns for e.s.Repeat rounds,
// and stops them.
func (e *env) runGroup(g []row) []*rowResult {
	var ls []*live
	defer func() {
		for _, l := range ls {
			if l.rig != nil && !l.shared {
				stopProcs(l.rig.procs)
			}
		}
	}()
	var out []*rowResult
	var pivot *live
	for _, r := range g {
		l := e.setupRow(r, pivot)
		out = append(out, l.rr)
		switch {
		case l.rr.Err == "":
			ls = append(ls, l)
			if r.pivot && pivot == nil {
				pivot = l
			}
		case l.rig != nil && !l.shared:
			stopProcs(l.rig.procs)
		}
	}
	ok := func(l *live) bool { return l != nil && l.rr.Err == "" }
	run := func(l *live, rnd int) {
		if err := e.measure(l, rnd, ls); err != nil {
			l.rr.Err = err.Error()
			fmt.Println("   failed:", err)
		}
	}
	for rnd := range e.s.Repeat {
		if !ok(pivot) {
			for _, l := range ls {
				if ok(l) {
					run(l, rnd)
				}
			}
			continue
		}
		// The pivot runs between every two other rows (the last run of a round opens the
		// next): each row is held to the mean of the pivot's runs just before and after it.
		if rnd == 0 {
			run(pivot, rnd)
		}
		for _, l := range ls {
			if l == pivot || !ok(l) {
				continue
			}
			run(l, rnd)
			before := len(pivot.runs) - 1
			if ok(pivot) && ok(l) {
				run(pivot, rnd)
				l.rr.brackets = append(l.rr.brackets, [2]int{before, len(pivot.runs) - 1})
			}
		}
	}
	for _, l := range ls {
		if l.rr.Err == "" {
			e.finish(l)
		}
	}
	return out
}

// setupRow starts a row's processes (or, for a row served at its pivot, takes the pivot's)
// and asks its hot key once (r.warm).
func (e *env) setupRow(r row, pivot *live) *live {
	l := &live{r: r, rr: &rowResult{ID: r.id, Title: r.title}, logDir: filepath.Join(e.logDir, r.id)}
	fmt.Printf("\n== %s: %s (starting)\n", r.id, r.title)
	if err := os.MkdirAll(l.logDir, 0o755); err != nil {
		l.rr.Err = err.Error()
		return l
	}
	var rig *rig
	var err error
	if r.at != "" {
		rig, err = atPivot(pivot, r.at)
		l.shared = true
	} else {
		// Each row's processes log under logs/<row>/, so rows that run the same binary keep apart.
		logs := e.logDir
		e.logDir = l.logDir
		rig, err = r.setup(e)
		e.logDir = logs
	}
	l.rig = rig
	if err != nil {
		l.rr.Err = err.Error()
		fmt.Println("   failed:", err)
		return l
	}
	l.rr.Target = redact(rig.target)
	// Errors are a row's figures, held to its checks (noErrors), not a reason to drop the row.
	l.base = []string{"load", "--target", rig.target, "--concurrency", strconv.Itoa(e.s.Concurrency), "--max-error-rate", "1"}
	l.base = append(l.base, r.load...) // a row's own --concurrency comes later and wins
	if r.warm {
		if _, err := e.load(append(l.base, "--requests", "1", "--duration", "0", "--progress", "0"), "", nil); err != nil {
			l.rr.Err = "warming the key: " + err.Error()
		}
	}
	return l
}

// measure warms a row up (its own warm-up before its first run, BENCH_WARMUP after) and
// measures it once; group is every row running, whose idle CPU is noted.
func (e *env) measure(l *live, rnd int, group []*live) error {
	r := l.r
	turn := len(l.runs)
	fmt.Printf("\n== %s (round %d of %d): %s\n", r.id, rnd+1, e.s.Repeat, r.title)
	warmup := e.s.Warmup
	if r.warmup > 0 && turn == 0 {
		warmup = r.warmup
	}
	if warmup > 0 {
		if _, err := e.load(append(l.base, "--duration", warmup.String(), "--progress", "0"), "", nil); err != nil {
			return fmt.Errorf("warm-up: %v", err)
		}
	}
	profDone := make(chan []string, 1)
	profiling := e.s.Profile && l.rig.ops != "" && turn == 0
	if profiling {
		go func() { profDone <- e.profileCPU(r.id, l.rig.ops) }()
	}
	var others []*proc
	for _, o := range group {
		if o.rig != nil && !o.shared {
			for _, p := range o.rig.procs {
				if !slices.Contains(l.rig.procs, p) {
					others = append(others, p)
				}
			}
		}
	}
	out := filepath.Join(e.runDir, r.id+".json")
	if turn > 0 {
		out = filepath.Join(e.runDir, fmt.Sprintf("%s.%d.json", r.id, turn+1))
	}
	procs := l.rig.procs
	cpu0, redis0, by0, others0 := cpuOf(procs), redisCommands(e.redis), cpuByProc(procs), cpuOf(others)
	rt0, rtOK := readRuntime(l.rig.ops)
	dur := e.s.Duration
	if r.duration > 0 {
		dur = r.duration
	}
	raw, err := e.load(append(l.base, "--duration", dur.String(), "--name", r.id, "--out", out), out, os.Stdout)
	if err != nil {
		return err
	}
	ru := run{raw: raw, cpu: cpuOf(procs) - cpu0, byProc: cpuByProc(procs), others: cpuOf(others) - others0, redisCmds: -1}
	if rt1, ok := readRuntime(l.rig.ops); ok && rtOK {
		ru.rt = [2]runtimeFigures{rt0, rt1}
	}
	for name, d := range by0 {
		ru.byProc[name] -= d
	}
	if redis0 >= 0 {
		ru.redisCmds = redisCommands(e.redis) - redis0
	}
	if profiling {
		l.rr.Profiles = append(<-profDone, e.profileAllocs(r.id, l.rig.ops)...)
	}
	if err := json.Unmarshal(raw, &ru.s); err != nil {
		return fmt.Errorf("reading the summary: %v", err)
	}
	if len(others) > 0 {
		l.rr.OthersCPUPct = append(l.rr.OthersCPUPct, round(100*ru.others.Seconds()/dur.Seconds(), 1))
	}
	l.runs = append(l.runs, ru)
	l.rr.RunsReqPerSec = append(l.rr.RunsReqPerSec, ru.s.OKPerSec)
	l.rr.rounds = append(l.rr.rounds, ru.s)
	return nil
}

// finish sets a row's figures from its median run (by req/s).
func (e *env) finish(l *live) {
	rr := l.rr
	runs := slices.Clone(l.runs)
	slices.SortFunc(runs, func(a, b run) int { return cmp.Compare(a.s.OKPerSec, b.s.OKPerSec) })
	med := runs[len(runs)/2]
	rr.Load, rr.S = med.raw, med.s
	if n := rr.S.Requests; n > 0 {
		rr.CPUPerReqUS = round(float64(med.cpu)/float64(time.Microsecond)/float64(n), 1)
		if len(l.rig.procs) > 1 {
			rr.CPUPerReqUSByProc = map[string]float64{}
			for name, d := range med.byProc {
				rr.CPUPerReqUSByProc[name] = round(float64(d)/float64(time.Microsecond)/float64(n), 1)
			}
		}
		if med.redisCmds > 0 {
			rr.RedisCmdsPerReq = round(float64(med.redisCmds)/float64(n), 2)
		}
		if med.rt[1].mallocs > 0 {
			rr.setRuntime(med.rt[0], med.rt[1], n)
		}
	}
	if l.r.warm && rr.S.Cache["hit"] != rr.S.Requests {
		rr.Notes = append(rr.Notes, fmt.Sprintf("not every answer was a hit: cache %v", rr.S.Cache))
	}
	if e.s.Wrk && l.r.wrk {
		rr.Wrk = e.wrk(l.rig.target, strings.Contains(strings.Join(l.r.load, " "), "--api-key"))
	}
}

// atPivot is the rig of a row served by its group's pivot's processes, loaded at path
// instead of the pivot's /v1/search.
func atPivot(pivot *live, path string) (*rig, error) {
	if pivot == nil || pivot.rig == nil {
		return nil, fmt.Errorf("served at the pivot (%s), but the group's pivot did not start", path)
	}
	r := *pivot.rig
	r.target = strings.TrimSuffix(r.target, "/v1/search") + path
	return &r, nil
}
