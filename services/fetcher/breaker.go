package fetcher

import (
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/trawl-dev/trawl/schemas"
)

// errExcluded marks an attempt that says nothing about the engine (a dead proxy, a garbage
// page from a proxy, our own deadline): the breaker neither counts it a success nor a failure.
var errExcluded = errors.New("not the engine's doing")

// errEngine marks an attempt the engine failed.
var errEngine = errors.New("engine failed")

// breakers holds one circuit breaker per engine. A breaker counts attempts over a rolling
// window and opens when their failure share reaches the ratio; while open every job for the
// engine fails fast with circuit_open, and after openFor it lets probes through (half-open),
// whose success closes it again.
type breakers struct {
	cfg Config
	m   *metrics
	mu  sync.Mutex
	all map[string]*breaker
	// perHost marks the scrapes' breakers, one per host: too many names for a gauge label
	// each, and bounded in number (maxHostBreakers).
	perHost bool
	// fleet shares the engines' breakers with the other fetchers (nil: per process, and
	// always for the per-host ones).
	fleet *fleet
}

// maxHostBreakers bounds the per-host breakers kept; past it, closed ones are forgotten.
const maxHostBreakers = 10000

type breaker struct {
	// cb is swapped for a fresh one (reset) when the fleet's probe closed the engine's breaker
	// while this one was open: gobreaker has no way to close a breaker from outside.
	cb  atomic.Pointer[gobreaker.TwoStepCircuitBreaker[struct{}]]
	gen atomic.Int64
	mk  func(gen int64) *gobreaker.TwoStepCircuitBreaker[struct{}]
	// openedAt (Unix ns) is when it last opened, to tell requesters when to come back. It is
	// written under gobreaker's lock (OnStateChange), so it is atomic rather than locked.
	openedAt atomic.Int64
	// changed is the last transition to open or closed (stateGauge+1) not yet told to the
	// fleet: OnStateChange runs under gobreaker's lock, so the attempt's done tells it.
	changed atomic.Int32
	// probing is set while this fetcher's fleet probe (its own breaker closed) is in flight.
	probing atomic.Bool
}

func (br *breaker) load() *gobreaker.TwoStepCircuitBreaker[struct{}] { return br.cb.Load() }

// reset replaces the breaker with a closed one.
func (br *breaker) reset() {
	g := br.gen.Add(1)
	br.cb.Store(br.mk(g))
	br.changed.Store(0)
}

// opened is when the breaker last opened (zero: never).
func (br *breaker) opened() time.Time {
	if ns := br.openedAt.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

func newBreakers(cfg Config, m *metrics) *breakers {
	return &breakers{cfg: cfg, m: m, all: map[string]*breaker{}}
}

func newHostBreakers(cfg Config, m *metrics) *breakers {
	return &breakers{cfg: cfg, m: m, all: map[string]*breaker{}, perHost: true}
}

func (b *breakers) get(engine string) *breaker {
	b.mu.Lock()
	defer b.mu.Unlock()
	if br, ok := b.all[engine]; ok {
		return br
	}
	if b.perHost && len(b.all) >= maxHostBreakers {
		for name, old := range b.all {
			if old.load().State() == gobreaker.StateClosed {
				delete(b.all, name)
			}
		}
	}
	br := &breaker{}
	ratio, minReq := b.cfg.BreakerRatio, uint32(b.cfg.BreakerMinRequests)
	br.mk = func(gen int64) *gobreaker.TwoStepCircuitBreaker[struct{}] {
		return b.newCB(engine, br, gen, ratio, minReq)
	}
	br.cb.Store(br.mk(0))
	if !b.perHost {
		b.m.breakerState.WithLabelValues(engine).Set(0)
	}
	b.all[engine] = br
	return br
}

func (b *breakers) newCB(engine string, br *breaker, gen int64, ratio float64, minReq uint32) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         engine,
		MaxRequests:  uint32(b.cfg.BreakerProbes),
		Interval:     b.cfg.BreakerWindow,
		BucketPeriod: max(b.cfg.BreakerWindow/10, time.Second),
		Timeout:      b.cfg.BreakerOpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			n := c.TotalSuccesses + c.TotalFailures
			return n >= minReq && float64(c.TotalFailures) >= ratio*float64(n)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if br.gen.Load() != gen {
				return // a breaker replaced by reset
			}
			if to == gobreaker.StateOpen {
				br.openedAt.Store(time.Now().UnixNano())
			}
			if to != gobreaker.StateHalfOpen {
				br.changed.Store(int32(stateGauge(to)) + 1)
			}
			if !b.perHost {
				b.m.breakerState.WithLabelValues(engine).Set(stateGauge(to))
			}
		},
	})
}

func stateGauge(s gobreaker.State) float64 {
	switch s {
	case gobreaker.StateHalfOpen:
		return 1
	case gobreaker.StateOpen:
		return 2
	}
	return 0
}

func stateName(s gobreaker.State) string {
	switch s {
	case gobreaker.StateHalfOpen:
		return schemas.BreakerHalfOpen
	case gobreaker.StateOpen:
		return schemas.BreakerOpen
	}
	return schemas.BreakerClosed
}

// allow asks the engine's breaker for one attempt. done reports its result: nil for success,
// errExcluded, or any other error for a failure. When the breaker refuses, err is a
// circuit_open error carrying how long to wait.
//
// With the fleet's health shared (fleet.go), the fleet has the first word: an engine open on
// any fetcher is open here, and the half-open probe goes from one fetcher only.
func (b *breakers) allow(engine string) (done func(error), err *schemas.Error) {
	br := b.get(engine)
	probe := false
	if f := b.fleet; f != nil {
		switch a, wait := f.admit(engine, br); a {
		case admitRefuse:
			return nil, b.openErr(engine, wait)
		case admitProbe:
			// This fetcher's breaker is closed but the fleet's is due a probe: one at a time.
			if !br.probing.CompareAndSwap(false, true) {
				return nil, b.openErr(engine, time.Second)
			}
			probe = true
		}
	}
	cbDone, cerr := br.load().Allow()
	if cerr != nil {
		if probe {
			br.probing.Store(false)
		}
		return nil, b.openErr(engine, br.retryAfter(b.cfg.BreakerOpenFor))
	}
	if b.fleet == nil {
		return cbDone, nil
	}
	return func(err error) {
		cbDone(err)
		b.fleet.settled(engine, br, err, probe)
	}, nil
}

func (b *breakers) openErr(engine string, wait time.Duration) *schemas.Error {
	e := schemas.Errorf(schemas.TypeCircuitOpen, "%s failed %.0f%% or more of recent attempts; failing fast while it recovers", engine, b.cfg.BreakerRatio*100)
	e.Engine = engine
	e.RetryAfterMS = max(wait, time.Second).Milliseconds()
	return e
}

// retryAfter is the time left until an open breaker lets probes through (at least a second:
// a half-open breaker busy with its probes refuses too).
func (br *breaker) retryAfter(openFor time.Duration) time.Duration {
	if br.load().State() != gobreaker.StateOpen {
		return time.Second
	}
	return max(openFor-time.Since(time.Unix(0, br.openedAt.Load())), time.Second)
}

// status reports the breaker of every engine named (closed for those never used).
func (b *breakers) status(names []string) []schemas.EngineStatus {
	sort.Strings(names)
	out := make([]schemas.EngineStatus, 0, len(names))
	for _, n := range names {
		b.mu.Lock()
		br, ok := b.all[n]
		b.mu.Unlock()
		es := schemas.EngineStatus{Name: n, Breaker: schemas.BreakerClosed}
		if ok {
			cb := br.load()
			st := cb.State()
			c := cb.Counts()
			es.Breaker, es.Requests, es.Failures = stateName(st), c.TotalSuccesses+c.TotalFailures, c.TotalFailures
			if st == gobreaker.StateOpen {
				es.RetryAfterMS = br.retryAfter(b.cfg.BreakerOpenFor).Milliseconds()
			}
		}
		if b.fleet != nil && es.Breaker == schemas.BreakerClosed {
			// Open elsewhere in the fleet: open here too.
			if h, ok := b.fleet.breaker(n); ok && h.State != schemas.BreakerClosed && time.Now().Before(h.Until) {
				es.Breaker, es.RetryAfterMS = h.State, max(time.Until(h.Until), time.Second).Milliseconds()
			}
		}
		out = append(out, es)
	}
	return out
}
