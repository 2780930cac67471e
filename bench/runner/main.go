// Command runner is scripts/bench's engine: with every binary built, it starts Redis and the
// simulated engine on loopback, then each path in turn (the floor in its modes, trawl's hit
// and miss paths, the plain Go handler; the scrape API's miss and hit paths and the plain
// scrape handler), loads it with `trawl load` under the same settings, runs the hit path's and
// the converter's Go benchmarks, and writes the table of figures and ratios to
// bench-results/<timestamp>.{json,md}.
//
// The floor is bench/floor, built as <bin>/floor. With -floor-ref (a reference floor built from
// another tree, ../shared/bench/floor by default in scripts/bench) the floor rows are each
// followed by a floor-ref-* row, and checked against it: every ratio in the table is to our
// floor, so a change in its speed would otherwise pass for a change in trawl's.
//
// Settings come from the environment so `BENCH_DURATION=3s scripts/bench` is a smoke run:
//
//	BENCH_DURATION     measured time per row (10s)
//	BENCH_WARMUP       unrecorded load before each row (1s)
//	BENCH_CONCURRENCY  closed-loop concurrency (64)
//	BENCH_REPEAT       measured runs per row; the table shows the median by req/s (1)
//	BENCH_ONLY         regexp over row ids; only those rows run ("none": no rows)
//	BENCH_SIM_LATENCY  the simulated engine's latency (20ms)
//	BENCH_SOAK         run the memory soak this long (e.g. 5m; empty: no soak)
//	BENCH_SOAK_CONCURRENCY, BENCH_SOAK_ARGS  the soak's concurrency (256) and extra `trawl serve` flags
//	BENCH_PROFILE=1    CPU and allocation profiles of the all-in-one rows (pprof files beside the results)
//	BENCH_WRK=1        also load the hot-key rows with wrk, when it is on PATH
//	BENCH_GOBENCH=0    skip the go benchmarks: the hit path's (-benchmem) and scrape's BenchmarkConvert
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type settings struct {
	Duration        time.Duration `json:"duration"`
	Warmup          time.Duration `json:"warmup"`
	Concurrency     int           `json:"concurrency"`
	Repeat          int           `json:"repeat"`
	SimLatency      time.Duration `json:"sim_latency"`
	Only            string        `json:"only,omitempty"`
	Soak            time.Duration `json:"soak,omitempty"`
	SoakConcurrency int           `json:"soak_concurrency,omitempty"`
	SoakArgs        []string      `json:"soak_args,omitempty"`
	Profile         bool          `json:"profile"`
	Wrk             bool          `json:"wrk"`
	GoBench         bool          `json:"gobench"`
	// FloorRef is the reference floor binary the floor rows were checked against ("": none).
	FloorRef string `json:"floor_ref,omitempty"`
}

type env struct {
	s      settings
	only   *regexp.Regexp
	bin    string
	root   string
	runDir string
	logDir string
	redis  string
	sim    string
}

func (e *env) binPath(name string) string { return filepath.Join(e.bin, name) }
func (e *env) redisURL() string           { return "redis://" + e.redis + "/0" }

func main() {
	bin := flag.String("bin", "", "directory of the built binaries")
	root := flag.String("root", ".", "repository root")
	out := flag.String("out", "bench-results", "results directory")
	floorRef := flag.String("floor-ref", "", "a reference floor binary to check bench/floor against (floor-ref-* rows)")
	flag.Parse()
	e, err := newEnv(*bin, *root, *out)
	if err == nil {
		e.s.FloorRef = *floorRef
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Fprintln(os.Stderr, "\nbench: interrupted, stopping everything it started")
		stopAll()
		os.Exit(130)
	}()
	err = e.run(*out)
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func newEnv(bin, root, out string) (*env, error) {
	s := settings{Duration: 10 * time.Second, Warmup: time.Second, Concurrency: 64, SimLatency: 20 * time.Millisecond,
		SoakConcurrency: 256, GoBench: true, Repeat: 1}
	var err error
	dur := func(name string, d *time.Duration) {
		if v := os.Getenv(name); v != "" && err == nil {
			if *d, err = time.ParseDuration(v); err != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	}
	num := func(name string, n *int) {
		if v := os.Getenv(name); v != "" && err == nil {
			if *n, err = strconv.Atoi(v); err != nil || *n < 1 {
				err = fmt.Errorf("%s=%q: want a positive number", name, v)
			}
		}
	}
	dur("BENCH_DURATION", &s.Duration)
	dur("BENCH_WARMUP", &s.Warmup)
	dur("BENCH_SIM_LATENCY", &s.SimLatency)
	dur("BENCH_SOAK", &s.Soak)
	num("BENCH_CONCURRENCY", &s.Concurrency)
	num("BENCH_SOAK_CONCURRENCY", &s.SoakConcurrency)
	num("BENCH_REPEAT", &s.Repeat)
	if err != nil {
		return nil, err
	}
	s.Only = os.Getenv("BENCH_ONLY")
	s.SoakArgs = strings.Fields(os.Getenv("BENCH_SOAK_ARGS"))
	s.Profile = os.Getenv("BENCH_PROFILE") == "1"
	s.Wrk = os.Getenv("BENCH_WRK") == "1"
	s.GoBench = os.Getenv("BENCH_GOBENCH") != "0"
	e := &env{s: s, bin: bin, root: root}
	if s.Only != "" {
		if e.only, err = regexp.Compile(s.Only); err != nil {
			return nil, fmt.Errorf("BENCH_ONLY: %v", err)
		}
	}
	if s.Duration < time.Second {
		return nil, fmt.Errorf("BENCH_DURATION must be at least 1s")
	}
	e.runDir = filepath.Join(out, time.Now().UTC().Format("20060102T150405Z"))
	e.logDir = filepath.Join(e.runDir, "logs")
	return e, os.MkdirAll(e.logDir, 0o755)
}

func (e *env) run(out string) error {
	res := &results{Started: time.Now().UTC(), Settings: e.s, Machine: machine()}
	fmt.Printf("bench: %s; c=%d, %s per row (+%s warm-up); sim %s; logs in %s\n",
		res.Machine.String(), e.s.Concurrency, e.s.Duration, e.s.Warmup, e.s.SimLatency, e.logDir)

	e.redis = freeAddr()
	_, port, _ := strings.Cut(e.redis, ":")
	rp, err := start(e.logDir, "redis", "redis-server", nil, "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru")
	if err != nil {
		return err
	}
	if err := waitFor(rp, "redis answering PING", 20*time.Second, func() bool { r, _ := redisCmd(e.redis, "PING"); return r == "PONG" }); err != nil {
		return err
	}
	simAddr := freeAddr()
	sp, err := start(e.logDir, "sim", e.binPath("trawl"), nil, "sim", "--sim-addr", simAddr,
		"--sim-latency", e.s.SimLatency.String(), "--log-level", "warn")
	if err != nil {
		return err
	}
	e.sim = "http://" + simAddr
	if err := waitFor(sp, "sim listening", 20*time.Second, func() bool { return tcpUp(simAddr) }); err != nil {
		return err
	}

	all := rows(e)
	for _, g := range groups(all, e.only) {
		res.Rows = append(res.Rows, e.runGroup(g)...)
	}
	res.evaluate(all)
	if e.s.GoBench {
		res.GoBench = e.goBench()
		res.Convert = e.convertBench()
	}
	if e.s.Soak > 0 {
		res.Soak = e.soak()
	}
	res.Finished = time.Now().UTC()
	stem := filepath.Join(out, e.runDir[len(out)+1:])
	if err := res.write(stem); err != nil {
		return err
	}
	fmt.Println()
	os.Stdout.Write(res.markdown())
	fmt.Printf("\nbench: results in %s.json and %s.md\n", stem, stem)
	return nil
}

// load runs `trawl load`; with out set it returns the JSON summary written there. Its summary
// text goes to stdout (nil: discarded), its progress to stderr.
func (e *env) load(args []string, out string, stdout *os.File) ([]byte, error) {
	cmd := exec.Command(e.binPath("trawl"), args...)
	cmd.Env = benchEnv()
	var errb bytes.Buffer
	if stdout != nil {
		cmd.Stdout = stdout
		cmd.Stderr = os.Stderr
	} else {
		cmd.Stderr = &errb
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("trawl %s: %v %s", redact(strings.Join(args, " ")), err, strings.TrimSpace(errb.String()))
	}
	if out == "" {
		return nil, nil
	}
	return os.ReadFile(out)
}

func cpuByProc(ps []*proc) map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, p := range ps {
		m[p.name] = p.cpuTime()
	}
	return m
}

func cpuOf(ps []*proc) time.Duration {
	var t time.Duration
	for _, p := range ps {
		t += p.cpuTime()
	}
	return t
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// machineInfo names the machine the figures come from.
type machineInfo struct {
	CPUs   int    `json:"cpus"`
	Model  string `json:"cpu_model"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
	MemMB  int64  `json:"mem_mb"`
}

func (m machineInfo) String() string {
	return fmt.Sprintf("%d CPUs (%s), %d MiB, Linux %s, %s", m.CPUs, m.Model, m.MemMB, m.Kernel, m.Go)
}

func machine() machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.Model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if v, ok := strings.CutPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			m.MemMB = kb >> 10
		}
	}
	return m
}

// redact hides the password of any nats://user:password@ target in s (hit-aio-nats's).
func redact(s string) string {
	fields := strings.Fields(s)
	for i, f := range fields {
		if u, err := url.Parse(f); err == nil && u.User != nil {
			fields[i] = u.Redacted()
		}
	}
	return strings.Join(fields, " ")
}
