package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type wrkResult struct {
	ReqPerSec float64 `json:"req_per_s"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	Err       string  `json:"error,omitempty"`
}

// wrk loads the hot key with wrk under the run's concurrency and duration, for comparison
// with trawl load's figures.
func (e *env) wrk(target string, auth bool) *wrkResult {
	if _, err := exec.LookPath("wrk"); err != nil {
		return &wrkResult{Err: "wrk not on PATH"}
	}
	args := []string{"-t2", "-c" + strconv.Itoa(e.s.Concurrency), "-d" + strconv.Itoa(int(e.s.Duration.Seconds())) + "s", "--latency"}
	if auth {
		args = append(args, "-H", "Authorization: Bearer "+apiKey)
	}
	out, err := exec.Command("wrk", append(args, target+"?q=golang&engine=duckduckgo")...).CombinedOutput()
	fmt.Printf("   wrk: %s\n", strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "\n   wrk: "))
	if err != nil {
		return &wrkResult{Err: err.Error()}
	}
	r := &wrkResult{}
	if m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindSubmatch(out); m != nil {
		r.ReqPerSec, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	r.P50MS = wrkLatency(out, "50%")
	r.P99MS = wrkLatency(out, "99%")
	return r
}

// wrkLatency reads a line of wrk's latency distribution ("50%    2.81ms") in milliseconds.
func wrkLatency(out []byte, pct string) float64 {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(pct) + `\s+([\d.]+)(us|ms|s)\s*$`).FindSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	switch string(m[2]) {
	case "us":
		return v / 1000
	case "s":
		return v * 1000
	}
	return v
}

// profileCPU takes a CPU profile of an all-in-one during the row's run, and its top list.
func (e *env) profileCPU(id, ops string) []string {
	secs := max(1, int(e.s.Duration.Seconds())-2)
	time.Sleep(time.Second) // start the profile once the run is under way
	return e.fetchProfile(id+".cpu", fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", ops, secs), "")
}

// profileAllocs fetches the allocation profile (every allocation since the start) after the run.
func (e *env) profileAllocs(id, ops string) []string {
	return e.fetchProfile(id+".allocs", "http://"+ops+"/debug/pprof/allocs", "-sample_index=alloc_space")
}

func (e *env) fetchProfile(name, url, topFlag string) []string {
	client := *httpc
	client.Timeout = e.s.Duration + 30*time.Second
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "   profile:", err)
		return nil
	}
	defer resp.Body.Close()
	path := filepath.Join(e.runDir, name+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return nil
	}
	_, err = io.Copy(f, resp.Body)
	f.Close()
	if err != nil || resp.StatusCode != 200 {
		fmt.Fprintln(os.Stderr, "   profile:", url, resp.Status, err)
		return nil
	}
	args := []string{"tool", "pprof", "-top", "-nodecount=40"}
	if topFlag != "" {
		args = append(args, topFlag)
	}
	top, err := exec.Command("go", append(args, e.binPath("trawl"), path)...).CombinedOutput()
	txt := filepath.Join(e.runDir, name+".txt")
	if err == nil {
		os.WriteFile(txt, top, 0o644)
		return []string{path, txt}
	}
	return []string{path}
}

type goBench struct {
	Command string `json:"command"`
	Output  string `json:"output"`
}

// goBench runs the hit path's Go benchmarks with -benchmem, where they exist.
func (e *env) goBench() *goBench {
	var pkgs []string
	for _, dir := range []string{"services/ingress", "services/cache"} {
		files, _ := filepath.Glob(filepath.Join(e.root, dir, "*_test.go"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if regexp.MustCompile(`func Benchmark(SearchHit|Hit)\w*\(`).Match(b) {
				pkgs = append(pkgs, "./"+dir)
				break
			}
		}
	}
	if len(pkgs) == 0 {
		return &goBench{Command: "(none)", Output: "no BenchmarkSearchHit / BenchmarkHit in services/ingress or services/cache"}
	}
	args := append([]string{"test", "-run", "^$", "-bench", "^Benchmark(SearchHit|Hit)", "-benchmem", "-count", "1"}, pkgs...)
	fmt.Printf("\n== go %s\n", strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir = e.root
	out, err := cmd.CombinedOutput()
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "FAIL") ||
			strings.HasPrefix(l, "cpu:") || (err != nil && l != "") {
			keep = append(keep, l)
		}
	}
	txt := strings.Join(keep, "\n")
	fmt.Println(txt)
	return &goBench{Command: "go " + strings.Join(args, " "), Output: txt}
}

// runtimeFigures are the Go runtime counters of an all-in-one's /metrics that say where a
// request's CPU goes besides the work itself: memory allocated and the garbage collector's share.
type runtimeFigures struct {
	allocBytes, mallocs, gcCPU, totalCPU float64
}

// readRuntime reads the counters from the ops listener's /metrics; ok is false when it could not.
func readRuntime(ops string) (f runtimeFigures, ok bool) {
	if ops == "" {
		return f, false
	}
	resp, err := httpc.Get("http://" + ops + "/metrics")
	if err != nil {
		return f, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return f, false
	}
	seen := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		name, val, found := strings.Cut(line, " ")
		if !found {
			continue
		}
		dst := map[string]*float64{
			"go_memstats_alloc_bytes_total":             &f.allocBytes,
			"go_memstats_mallocs_total":                 &f.mallocs,
			"go_cpu_classes_gc_total_cpu_seconds_total": &f.gcCPU,
			"go_cpu_classes_total_cpu_seconds_total":    &f.totalCPU,
		}[name]
		if dst == nil {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			*dst = v
			seen++
		}
	}
	return f, seen == 4
}

// perRequest turns two readings around a run of n requests into the row's figures: kB and
// allocations per request and the GC's share of the process's CPU (runtime/metrics' own
// estimate, updated at each GC).
func (rr *rowResult) setRuntime(before, after runtimeFigures, n int64) {
	if n <= 0 {
		return
	}
	rr.AllocKBPerReq = round((after.allocBytes-before.allocBytes)/1024/float64(n), 1)
	rr.AllocsPerReq = round((after.mallocs-before.mallocs)/float64(n), 0)
	if cpu := after.totalCPU - before.totalCPU; cpu > 0 {
		rr.GCSharePct = round(100*(after.gcCPU-before.gcCPU)/cpu, 1)
	}
}
