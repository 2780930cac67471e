package load

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to 10 minutes, to 3 significant digits.
const (
	histMin   = 1
	histMax   = int64(10 * time.Minute / time.Microsecond)
	histDigit = 3
	// lateAfter is how far past its due time an open-loop request may leave before it counts
	// as late: a sign the generator or its --concurrency, not the server, set the pace.
	lateAfter = time.Millisecond
)

// Run sends the configured load and returns its summary. progress, when not nil, gets one
// line per cfg.Progress, and one line with the cause of the first failed request. Cancelling
// ctx ends the run early; the summary then covers what was sent and is marked interrupted.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if progress != nil {
		progress = &lockedWriter{w: progress}
	}
	fails := &failureLog{w: progress, target: cfg.Target}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()>>1 | 1
	}
	tr, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	qs := newQueries(cfg)
	ws := make([]*worker, cfg.Concurrency)
	for i := range ws {
		ws[i] = &worker{send: tr.sender(), query: qs.forWorker(i)}
	}
	if cfg.Warmup > 0 {
		runPhase(ctx, cfg, "warmup", cfg.Warmup, 0, ws, progress, fails)
	}
	p := runPhase(ctx, cfg, "run", cfg.Duration, cfg.Requests, ws, progress, fails)
	s := summarize(cfg, p)
	s.Interrupted = ctx.Err() != nil
	return s, nil
}

// failureLog writes the cause of the run's first failed request, once: against a dead target
// every request fails within microseconds, and the counts alone would not say why.
type failureLog struct {
	w      io.Writer
	target string
	once   sync.Once
}

func (f *failureLog) note(o outcome) {
	if f.w == nil {
		return
	}
	f.once.Do(func() {
		fmt.Fprintf(f.w, "trawl load: first failure: %s: %s (the rest are counted, not logged)\n", f.target, o.cause())
	})
}

// lockedWriter lets the progress line and a worker's failure line share one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// worker is one sender with its own query source and its own counts, merged at the end, so
// the hot loop shares nothing but two counters.
type worker struct {
	send  func(q string) outcome
	query func() string
	st    *stats
}

type stats struct {
	hist   *hdrhistogram.Histogram
	n, ok  int64
	bytes  int64
	late   int64
	status map[int]int64
	kinds  map[string]int64
	cache  map[string]int64
}

func newStats() *stats {
	return &stats{hist: hdrhistogram.New(histMin, histMax, histDigit),
		status: map[int]int64{}, kinds: map[string]int64{}, cache: map[string]int64{}}
}

func (s *stats) record(lat time.Duration, o outcome) {
	us := min(max(lat.Microseconds(), histMin), histMax)
	s.hist.RecordValue(us)
	s.n++
	s.bytes += int64(o.bytes)
	if o.cache != "" {
		s.cache[o.cache]++
	}
	if o.ok {
		s.ok++
		return
	}
	if o.status != 0 {
		s.status[o.status]++
	}
	s.kinds[o.kind]++
}

func (s *stats) merge(o *stats) {
	s.hist.Merge(o.hist)
	s.n += o.n
	s.ok += o.ok
	s.bytes += o.bytes
	s.late += o.late
	for k, v := range o.status {
		s.status[k] += v
	}
	for k, v := range o.kinds {
		s.kinds[k] += v
	}
	for k, v := range o.cache {
		s.cache[k] += v
	}
}

// phase is one measured (or warm-up) stretch of load.
type phase struct {
	start, end time.Time
	st         *stats
	// due is how many requests fell due within the phase (open loop), sent the ones that left.
	due, sent int64
}

// runPhase runs the workers until dur passes (0: no time bound) or limit requests were sent
// (0: no bound). Closed loop: each worker sends its next request when its last one is answered.
// Open loop: request n is due at start + n/rate whatever happened before it, and its latency
// counts from then, so a server that stalls is charged for every request it held up.
func runPhase(ctx context.Context, cfg Config, label string, dur time.Duration, limit int64, ws []*worker, progress io.Writer, fails *failureLog) *phase {
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if dur > 0 {
		pctx, cancel = context.WithTimeout(ctx, dur)
	}
	defer cancel()
	open := cfg.Mode == ModeOpen
	var issued, done, failed, inflight atomic.Int64
	p := &phase{start: time.Now(), st: newStats()}
	dueAt := func(n int64) time.Time {
		return p.start.Add(time.Duration(float64(n) * float64(time.Second) / cfg.Rate))
	}

	var wg sync.WaitGroup
	for _, w := range ws {
		w.st = newStats()
		wg.Go(func() {
			var timer *time.Timer
			for {
				n := issued.Add(1) - 1
				if limit > 0 && n >= limit {
					return
				}
				due := time.Now()
				if open {
					due = dueAt(n)
					if wait := time.Until(due); wait > 0 {
						if timer == nil {
							timer = time.NewTimer(wait)
						} else {
							timer.Reset(wait)
						}
						select {
						case <-pctx.Done():
							return
						case <-timer.C:
						}
					} else if -wait > lateAfter {
						w.st.late++
					}
				}
				if pctx.Err() != nil {
					return
				}
				inflight.Add(1)
				o := w.send(w.query())
				lat := time.Since(due)
				inflight.Add(-1)
				w.st.record(lat, o)
				done.Add(1)
				if !o.ok {
					failed.Add(1)
					fails.note(o)
				}
			}
		})
	}

	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if progress == nil || cfg.Progress <= 0 {
			return
		}
		tick := time.NewTicker(cfg.Progress)
		defer tick.Stop()
		var last int64
		lastAt := p.start
		for {
			select {
			case <-stopProgress:
				return
			case now := <-tick.C:
				d := done.Load()
				rate := float64(d-last) / now.Sub(lastAt).Seconds()
				last, lastAt = d, now
				fmt.Fprintf(progress, "trawl load: %-6s %6.1fs %9d done %9.0f req/s %6d errors %5d in flight\n",
					label, now.Sub(p.start).Seconds(), d, rate, failed.Load(), inflight.Load())
			}
		}
	}()
	wg.Wait()
	p.end = time.Now()
	close(stopProgress)
	<-progressDone

	for _, w := range ws {
		p.st.merge(w.st)
	}
	p.sent = p.st.n
	if open {
		p.due = p.sent
		if dur > 0 {
			p.due = max(p.sent, int64(dur.Seconds()*cfg.Rate))
			if limit > 0 {
				p.due = min(p.due, limit)
			}
		}
		if ctx.Err() != nil {
			p.due = p.sent
		}
	}
	return p
}

func statusKey(code int) string { return strconv.Itoa(code) }
