package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Issue 8's memory targets.
const (
	soakRSSLimit = 150 << 20
	// goroutineMargin is how many goroutines above the baseline still count as "back": timers
	// and idle connections of the runtime and the HTTP server come and go.
	goroutineMargin = 10
)

type memPoint struct {
	T          float64 `json:"t_s"`
	RSS        int64   `json:"rss_bytes"`
	HeapInuse  int64   `json:"heap_inuse_bytes"`
	Goroutines int64   `json:"goroutines"`
}

type soakResult struct {
	Duration    string     `json:"duration"`
	Concurrency int        `json:"concurrency"`
	ServeArgs   []string   `json:"serve_args,omitempty"`
	Baseline    memPoint   `json:"baseline"`
	Peak        memPoint   `json:"peak"`
	After       memPoint   `json:"after"`
	SettledIn   float64    `json:"goroutines_settled_in_s"`
	Samples     []memPoint `json:"samples"`
	// Lingering lists the most common goroutine stacks when the count did not come back.
	Lingering []string        `json:"lingering,omitempty"`
	Load      json.RawMessage `json:"load,omitempty"`
	S         loadSummary     `json:"-"`
	Err       string          `json:"error,omitempty"`
}

// soak runs trawl serve under miss load for BENCH_SOAK and samples its memory: RSS from /proc,
// heap in use and goroutines from its /metrics, each heap figure after a forced GC.
func (e *env) soak() *soakResult {
	s := &soakResult{Duration: e.s.Soak.String(), Concurrency: e.s.SoakConcurrency, ServeArgs: e.s.SoakArgs}
	fmt.Printf("\n== soak: trawl serve, c=%d distinct keys (all misses), %s\n", s.Concurrency, e.s.Soak)
	rig, err := e.serveWith("soak", append([]string{"--nats-listen", "off"}, e.s.SoakArgs...))
	if rig != nil {
		defer stopProcs(rig.procs)
	}
	if err != nil {
		s.Err = err.Error()
		return s
	}
	p := rig.procs[0]
	t0 := time.Now()
	sample := func(gc bool) memPoint {
		if gc {
			httpStatus("http://" + rig.ops + "/debug/pprof/heap?gc=1")
		}
		m, _ := metrics(context.Background(), "http://"+rig.ops+"/metrics", "go_goroutines", "go_memstats_heap_inuse_bytes")
		return memPoint{T: round(time.Since(t0).Seconds(), 1), RSS: p.rssBytes(),
			HeapInuse: int64(m["go_memstats_heap_inuse_bytes"]), Goroutines: int64(m["go_goroutines"])}
	}
	// A short warm load first, so the baseline has its connections and pools.
	// Errors under the soak are reported with its memory figures, not a reason to stop it.
	base := []string{"load", "--target", rig.target, "--query-set", "distinct", "--max-error-rate", "1"}
	if _, err := e.load(append(base, "--requests", "50", "--concurrency", "4", "--duration", "0", "--progress", "0"), "", nil); err != nil {
		s.Err = "warm: " + err.Error()
		return s
	}
	s.Baseline = sample(true)

	out := filepath.Join(e.runDir, "soak.json")
	cmd := exec.Command(e.binPath("trawl"), append(base, "--concurrency", strconv.Itoa(s.Concurrency),
		"--duration", e.s.Soak.String(), "--progress", "10s", "--name", "soak", "--out", out)...)
	cmd.Env = benchEnv()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		s.Err = err.Error()
		return s
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	every := min(max(e.s.Soak/60, time.Second), 10*time.Second)
	tick := time.NewTicker(every)
	var loadErr error
loop:
	for {
		select {
		case loadErr = <-done:
			break loop
		case <-tick.C:
			pt := sample(false)
			s.Samples = append(s.Samples, pt)
			if pt.RSS > s.Peak.RSS {
				s.Peak = pt
			}
		}
	}
	tick.Stop()
	if loadErr != nil {
		s.Err = "load: " + loadErr.Error()
	}
	stopAt := time.Now()
	// The load is over: wait for the goroutines to come back down; idle keep-alive connections
	// (net/http's IdleConnTimeout is 90s) may hold some for that long.
	settled := waitFor(p, "goroutines back to baseline", 150*time.Second, func() bool {
		return sample(false).Goroutines <= s.Baseline.Goroutines+goroutineMargin
	}) == nil
	s.SettledIn = -1
	if settled {
		s.SettledIn = round(time.Since(stopAt).Seconds(), 1)
	}
	s.After = sample(true)
	if !settled {
		s.Lingering = e.goroutineDump(rig.ops)
	}
	if raw, err := os.ReadFile(out); err == nil {
		s.Load = raw
		json.Unmarshal(raw, &s.S)
	}
	return s
}

func (s *soakResult) markdown(b *bytes.Buffer) {
	fmt.Fprintf(b, "\nMemory soak: `trawl serve` %v under c=%d miss load (distinct keys) for %s.\n\n", s.ServeArgs, s.Concurrency, s.Duration)
	if s.Err != "" {
		fmt.Fprintf(b, "Error: %s\n\n", s.Err)
	}
	mib := func(v int64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }
	fmt.Fprintf(b, "| | RSS | heap in use | goroutines |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(b, "| baseline | %s | %s | %d |\n", mib(s.Baseline.RSS), mib(s.Baseline.HeapInuse), s.Baseline.Goroutines)
	fmt.Fprintf(b, "| peak RSS (t=%.0fs) | %s | %s | %d |\n", s.Peak.T, mib(s.Peak.RSS), mib(s.Peak.HeapInuse), s.Peak.Goroutines)
	fmt.Fprintf(b, "| after the load, GC'd | %s | %s | %d |\n\n", mib(s.After.RSS), mib(s.After.HeapInuse), s.After.Goroutines)
	rssOK := map[bool]string{true: "ok", false: "MISSED"}[s.Peak.RSS < soakRSSLimit]
	fmt.Fprintf(b, "Peak RSS %s against the 150 MiB target: %s. ", mib(s.Peak.RSS), rssOK)
	if s.SettledIn >= 0 {
		fmt.Fprintf(b, "Goroutines back within %d of the baseline %.1fs after the load stopped. ", goroutineMargin, s.SettledIn)
	} else {
		fmt.Fprintf(b, "Goroutines NOT back within %d of the baseline 150s after the load stopped; most common stacks then: %s. ",
			goroutineMargin, strings.Join(s.Lingering, "; "))
	}
	fmt.Fprintf(b, "Load: %.0f req/s, %d errors, p50 %.1f ms, p99 %.1f ms.\n\nRSS over time (s: MiB):",
		s.S.OKPerSec, s.S.Errors, s.S.LatencyMS.P50, s.S.LatencyMS.P99)
	for _, pt := range s.Samples {
		fmt.Fprintf(b, " %.0f: %.0f", pt.T, float64(pt.RSS)/(1<<20))
	}
	b.WriteString("\n")
}

// goroutineDump saves the process's goroutine profile beside the results and returns its five
// largest groups as "count × innermost trawl-or-library frame".
func (e *env) goroutineDump(ops string) []string {
	resp, err := httpc.Get("http://" + ops + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	os.WriteFile(filepath.Join(e.runDir, "soak.goroutines.txt"), b, 0o644)
	var out []string
	for _, group := range strings.Split(string(b), "\n\n") {
		lines := strings.Split(strings.TrimSpace(group), "\n")
		if len(lines) < 2 || !strings.Contains(lines[0], " @ ") {
			continue
		}
		frame := ""
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			if len(f) >= 3 && !strings.HasPrefix(f[2], "runtime.") && !strings.HasPrefix(f[2], "internal/") &&
				!strings.HasPrefix(f[2], "sync.") && !strings.HasPrefix(f[2], "net.") && !strings.HasPrefix(f[2], "bufio.") {
				frame = f[2]
				break
			}
		}
		out = append(out, strings.Fields(lines[0])[0]+" × "+frame)
		if len(out) == 5 {
			break
		}
	}
	return out
}
