package cluster

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/natsconn"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

var (
	scaling       = flag.Bool("scaling", false, "TestFetcherScaling: the measured run (1, 2 and 4 fetchers, large bursts)")
	scalingBurst  = flag.Int("scaling-burst", 0, "TestFetcherScaling: distinct searches per burst (default 30, 2000 with -scaling)")
	scalingReport = flag.String("scaling-report", "", "TestFetcherScaling: also write the table (markdown) to this file")
)

// fetchConcurrency is each fetcher's in-flight bound in the scaling run: with a 50 ms engine one
// fetcher can finish at most 8 / 50ms = 160 jobs a second.
const fetchConcurrency = 8

// TestFetcherScaling fires a burst of distinct searches (every one a miss) over NATS at the
// cache and measures how fast 1, 2 and 4 fetcher processes, each bounded to 8 jobs in flight,
// work the TRAWL_FETCH backlog off against a 50 ms engine: the miss throughput, and the
// consumer lag (waiting + in hand) as it drains. Without -scaling it is a smoke run of 1 and 2
// fetchers that checks every search is answered and the lag drains to zero; it asserts nothing
// about speed.
func TestFetcherScaling(t *testing.T) {
	fleets, burst := []int{1, 2}, 30
	if *scaling {
		fleets, burst = []int{1, 2, 4}, 2000
	}
	if *scalingBurst > 0 {
		burst = *scalingBurst
	}
	var rows []scaleRow
	for _, n := range fleets {
		t.Run(fmt.Sprintf("%d fetchers", n), func(t *testing.T) {
			r := measureBurst(t, n, burst)
			rows = append(rows, r)
			t.Logf("%d fetchers: %d searches in %s, %.0f/s (10–90%%: %.0f/s), peak lag %d, lag series %v, longest stall %s",
				n, r.answered, r.total.Round(time.Millisecond), r.overall, r.steady, r.peakLag, r.series, r.stalled.Round(time.Millisecond))
		})
	}
	if len(rows) == 0 {
		return
	}
	tbl := scalingTable(rows)
	t.Logf("\n%s", tbl)
	if *scalingReport != "" {
		if err := os.WriteFile(*scalingReport, []byte(tbl), 0o644); err != nil {
			t.Error(err)
		}
	}
}

type scaleRow struct {
	fetchers int
	burst    int
	answered int
	total    time.Duration
	// overall is burst / total; steady is the rate between 10% and 90% answered.
	overall, steady float64
	peakLag         uint64
	// drain is the time from the peak lag to zero.
	drain  time.Duration
	series []uint64
	// stalled is the longest time the lag stood still above zero (over a second).
	stalled time.Duration
	// cores is the CPU this test process (every stage, NATS and the engine) used during the
	// burst, in cores: near the machine's count, the CPU binds, not the fetchers.
	cores float64
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measureBurst(t *testing.T, fetchers, burst int) scaleRow {
	ns := testkit.StartNATS(t)
	sc := sim.DefaultConfig()
	sc.Latency = 50 * time.Millisecond
	sm := testkit.StartSim(t, sc)

	cfg := stack.DefaultConfig()
	cfg.Fetcher.Concurrency = fetchConcurrency
	cfg.Streams.FetchMaxMsgs = int64(max(burst*2, 10000))
	b := newBench(t, ns.ClientURL(), "", "duckduckgo="+sm.URL(), cfg)
	b.start(kindParser, "parser-1")
	b.start(kindParser, "parser-2")
	for i := range fetchers {
		b.start(kindFetcher, fmt.Sprintf("fetcher-%d", i+1))
	}
	b.start(kindCache, "cache-1")

	nc, err := natsconn.Connect(ns.ClientURL(), "load", logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	cons, err := js.Consumer(context.Background(), schemas.StreamFetch, schemas.ConsumerFetch)
	if err != nil {
		t.Fatal(err)
	}
	salt := nuid.Next()
	if err := search(nc, "warm "+salt); err != nil {
		t.Fatalf("warm-up search: %v", err)
	}

	var answered, failed atomic.Int64
	var mu sync.Mutex
	var doneAt []time.Time
	var errs []string
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			err := search(nc, fmt.Sprintf("scale %s %d", salt, i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed.Add(1)
				if len(errs) < 5 {
					errs = append(errs, err.Error())
				}
				return
			}
			answered.Add(1)
			doneAt = append(doneAt, time.Now())
		})
	}

	// Sample the consumer's lag (jobs waiting + jobs in hand, what KEDA scales on) until the
	// burst is answered.
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	var series []uint64
	var peak uint64
	var peakAt, zeroAt time.Time
	// A stall is the lag standing still above zero: no job finished and none was delivered.
	var stillSince time.Time
	var stalled time.Duration
	reported := false
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
sampling:
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := cons.Info(ctx)
		cancel()
		if err == nil {
			lag := info.NumPending + uint64(info.NumAckPending)
			series = append(series, lag)
			if lag > peak {
				peak, peakAt = lag, time.Now()
			}
			if lag == 0 && peak > 0 && zeroAt.IsZero() {
				zeroAt = time.Now()
			}
			switch n := len(series); {
			case lag == 0 || n < 2 || series[n-2] != lag:
				stillSince = time.Time{}
			case stillSince.IsZero():
				stillSince = time.Now()
			default:
				if d := time.Since(stillSince); d > time.Second {
					stalled = max(stalled, d)
					if !reported && d > 3*time.Second {
						reported = true
						var stacks strings.Builder
						pprof.Lookup("goroutine").WriteTo(&stacks, 1)
						t.Logf("STALL: lag stuck at %d for %s; stage log so far:\n%s\ngoroutines:\n%s",
							lag, d.Round(time.Millisecond), b.logs.String(), stacks.String())
					}
				}
			}
		}
		select {
		case <-finished:
			break sampling
		case <-tick.C:
		}
	}
	total, cpu := time.Since(start), cpuTime()-cpu0
	if failed.Load() > 0 {
		t.Errorf("%d of %d searches failed: %q", failed.Load(), burst, errs)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		info, err := cons.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, "the consumer lag does not drain to zero")
	if zeroAt.IsZero() {
		zeroAt = time.Now()
	}

	r := scaleRow{fetchers: fetchers, burst: burst, answered: int(answered.Load()), total: total, peakLag: peak,
		series: thin(series, 12), stalled: stalled}
	r.overall = float64(r.answered) / total.Seconds()
	r.cores = cpu.Seconds() / total.Seconds()
	if n := len(doneAt); n >= 10 {
		lo, hi := doneAt[n/10], doneAt[n*9/10]
		if d := hi.Sub(lo).Seconds(); d > 0 {
			r.steady = float64(n*9/10-n/10) / d
		}
	}
	if !peakAt.IsZero() {
		r.drain = zeroAt.Sub(peakAt)
	}
	return r
}

// search asks trawl.v1.search over NATS, as an internal service would, with a deadline long
// enough for the whole burst.
func search(nc *nats.Conn, q string) error {
	data, _ := json.Marshal(schemas.SearchRequest{Q: q, Engine: "duckduckgo", TimeoutMS: 60000})
	msg, err := nc.Request(schemas.SubjectSearch, data, 65*time.Second)
	if err != nil {
		return err
	}
	if code := msg.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		return fmt.Errorf("%s: %s", code, msg.Header.Get(schemas.HeaderServiceError))
	}
	return nil
}

// thin keeps about n evenly spaced samples of s, and its last.
func thin(s []uint64, n int) []uint64 {
	if len(s) <= n {
		return s
	}
	var out []uint64
	step := float64(len(s)-1) / float64(n-1)
	for i := range n {
		out = append(out, s[int(float64(i)*step)])
	}
	return out
}

func scalingTable(rows []scaleRow) string {
	var b strings.Builder
	base := rows[0].steady
	fmt.Fprintf(&b, "| fetchers | in flight (8 each) | burst | all answered in | misses/s (overall) | misses/s (10–90%%) | × one fetcher | peak lag | lag peak → 0 | CPU used (cores of %d) |\n", runtime.NumCPU())
	fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %d | %d | %.2f s | %.0f | %.0f | %.2f | %d | %.2f s | %.2f |\n",
			r.fetchers, r.fetchers*fetchConcurrency, r.burst, r.total.Seconds(), r.overall, r.steady,
			r.steady/base, r.peakLag, r.drain.Seconds(), r.cores)
	}
	return b.String()
}
