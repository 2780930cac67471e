package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sony/gobreaker/v2"

	"github.com/trawl-dev/trawl/schemas"
)

// fleet is the health every fetcher shares, in the JetStream KV bucket
// schemas.BucketFetchHealth: what one fetcher learns about a proxy (its score, an eviction and
// its cool-down, an engine's Retry-After through it) and about an engine (its breaker opened, its
// probe passed) steers every other within PollEvery.
//
// Writes go out as they happen (a route's evidence merged by compare-and-set; the breaker's
// record by compare-and-set on its revision). Reads are direct gets of this fetcher's own
// proxies' and engines' keys every PollEvery: no consumer, so nothing to delete at shutdown
// and no consumer permissions.
//
// Half-open probes are the fleet's: the breaker record going half_open, by compare-and-set, is
// the lease of the one fetcher that probes; every other keeps failing fast until the probe's
// result is written (or the lease lapses, when its holder died).
//
// Without the bucket (no JetStream, no permission, a server that stopped answering) health is
// this process's, as it was before: the log says so once per stretch, the gauge
// trawl_fetcher_health_shared is 0, and the fleet tries to bind again every PollEvery.
type fleet struct {
	js      jetstream.JetStream
	limits  schemas.StreamLimits
	name    string
	log     *slog.Logger
	m       *metrics
	pool    *pool
	br      *breakers
	engines []string
	openFor time.Duration
	// leaseFor is how long a probe's lease holds without a result.
	leaseFor time.Duration

	mu       sync.Mutex
	kv       jetstream.KeyValue // nil while per process
	warned   bool
	routeRev map[string]uint64 // route → revision of its record last applied
	recs     map[string]breakerRec

	pmu     sync.Mutex
	pending map[string]schemas.RouteHealth // route → evidence not yet written
	kick    chan struct{}

	skick   chan struct{}           // a proxy's score moved
	written map[string]writtenScore // route → this fetcher's score last shared; scorer's alone

	// ctx ends at close, cutting short a bind or a read of a bucket that does not answer.
	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// writtenScore is this fetcher's score of a route as last shared.
type writtenScore struct {
	health float64
	scored uint64
	at     time.Time
}

// A fetcher shares its score of a route once per PollEvery at most, when attempts moved it:
// by scoreStep at least, or at all when the score shared is scoreRefresh old (so that a route
// in use keeps a fresh score in the fleet, and one no longer tried lets it go stale). The
// first move after a quiet spell goes out at once, so the others see it within a PollEvery.
// The scorer looks at the scores at most once per scorePass, however busy the pool.
const (
	scoreStep    = 0.02
	scoreRefresh = schemas.RouteScoreFresh / 2
	scorePass    = 50 * time.Millisecond
)

type breakerRec struct {
	h   schemas.BreakerHealth
	rev uint64
}

// PollEvery is how often a fetcher reads the fleet's records: how late one fetcher's evidence
// reaches the others, at most (plus a write's round trip).
const PollEvery = 500 * time.Millisecond

// fleetTimeout bounds one KV call on an attempt's path (the probe's lease, a result).
const fleetTimeout = time.Second

func newFleet(js jetstream.JetStream, limits schemas.StreamLimits, name string, cfg Config, engines []string,
	p *pool, b *breakers, m *metrics, log *slog.Logger) *fleet {
	f := &fleet{js: js, limits: limits, name: name, log: log, m: m, pool: p, br: b, engines: engines,
		openFor: cfg.BreakerOpenFor, leaseFor: cfg.AttemptTimeout + 2*time.Second,
		routeRev: map[string]uint64{}, recs: map[string]breakerRec{},
		pending: map[string]schemas.RouteHealth{}, kick: make(chan struct{}, 1), stop: make(chan struct{}),
		skick: make(chan struct{}, 1), written: map[string]writtenScore{}}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	p.evidence = f.noteRoute
	p.moved = func() {
		select {
		case f.skick <- struct{}{}:
		default:
		}
	}
	b.fleet = f
	m.healthShared.Set(0)
	return f
}

// start binds the bucket and reads it once, so that a fetcher starting late starts from the
// fleet's view; then it keeps reading and writing in the background. It never fails: without
// the bucket, health is per process.
func (f *fleet) start(ctx context.Context) {
	f.bind(ctx)
	f.wg.Add(3)
	go f.run()
	go f.writer()
	go f.scorer()
}

func (f *fleet) close() {
	f.once.Do(func() {
		f.cancel()
		close(f.stop)
	})
	f.wg.Wait()
}

func (f *fleet) bucket() jetstream.KeyValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kv
}

// shared reports whether health is the fleet's rather than this process's.
func (f *fleet) shared() bool { return f.bucket() != nil }

func (f *fleet) bind(ctx context.Context) {
	if f.js == nil {
		f.perProcess(errors.New("no JetStream"))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	kv, err := f.js.CreateOrUpdateKeyValue(ctx, schemas.FetchHealthBucket(f.limits))
	if err != nil {
		f.perProcess(err)
		return
	}
	if err := f.poll(ctx, kv); err != nil {
		f.perProcess(err)
		return
	}
	f.mu.Lock()
	was := f.warned
	f.kv, f.warned = kv, false
	f.mu.Unlock()
	f.m.healthShared.Set(1)
	if was {
		f.log.Info("fetch health: shared through JetStream KV again", "bucket", schemas.BucketFetchHealth)
	}
}

// perProcess notes that health is this process's only, once per stretch.
func (f *fleet) perProcess(err error) {
	if f.ctx.Err() != nil {
		return // closing: a read cut short says nothing about the bucket
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kv = nil
	f.m.healthShared.Set(0)
	if !f.warned {
		f.warned = true
		f.log.Warn("fetch health is per process: the shared bucket is unavailable (proxy bans, evictions and breakers are this fetcher's alone until it is back)",
			"bucket", schemas.BucketFetchHealth, "err", err)
	}
}

// run reads the fleet's records every PollEvery, and binds again while unbound.
func (f *fleet) run() {
	defer f.wg.Done()
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(f.ctx, 2*time.Second)
		if kv := f.bucket(); kv == nil {
			f.bind(ctx)
		} else if err := f.poll(ctx, kv); err != nil {
			f.perProcess(err)
		}
		cancel()
	}
}

func missing(err error) bool {
	return errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted)
}

func conflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		(errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence)
}

// poll reads the records of this fetcher's proxies and engines and applies them.
func (f *fleet) poll(ctx context.Context, kv jetstream.KeyValue) error {
	for _, name := range f.pool.proxyNames() {
		e, err := kv.Get(ctx, schemas.RouteHealthKey(name))
		if missing(err) {
			continue
		}
		if err != nil {
			return err
		}
		f.mu.Lock()
		seen := f.routeRev[name] == e.Revision()
		f.routeRev[name] = e.Revision()
		f.mu.Unlock()
		var h schemas.RouteHealth
		if seen || json.Unmarshal(e.Value(), &h) != nil || h.Route != name {
			continue
		}
		rests, scores, evicted := f.pool.applyFleet(h, f.name)
		if rests > 0 {
			f.m.fleetApplied.WithLabelValues("route_rest").Add(float64(rests))
		}
		if scores > 0 {
			f.m.fleetApplied.WithLabelValues("route_score").Add(float64(scores))
		}
		if evicted {
			f.m.fleetApplied.WithLabelValues("route_evicted").Inc()
			f.log.Info("proxy evicted on the fleet's evidence", "proxy", name, "until", h.EvictedUntil, "by", h.By)
		}
	}
	for _, engine := range f.engines {
		if err := f.refreshBreaker(ctx, kv, engine); err != nil {
			return err
		}
		f.gauge(engine)
	}
	return nil
}

// gauge sets trawl_fetcher_breaker_state to what this fetcher applies: its own breaker's
// state, or the fleet's when that is open (or probed by another fetcher) and this one's is not.
func (f *fleet) gauge(engine string) {
	g := stateGauge(f.br.get(engine).load().State())
	if h, ok := f.breaker(engine); ok && h.By != f.name && time.Now().Before(h.Until) {
		switch h.State {
		case schemas.BreakerOpen:
			g = max(g, stateGauge(gobreaker.StateOpen))
		case schemas.BreakerHalfOpen:
			g = max(g, stateGauge(gobreaker.StateHalfOpen))
		}
	}
	f.br.m.breakerState.WithLabelValues(engine).Set(g)
}

// refreshBreaker reads the engine's breaker record. A probe that closed the breaker elsewhere
// closes this fetcher's too, if it opened before the probe.
func (f *fleet) refreshBreaker(ctx context.Context, kv jetstream.KeyValue, engine string) error {
	e, err := kv.Get(ctx, schemas.BreakerHealthKey(engine))
	if errors.Is(err, jetstream.ErrInvalidKey) {
		return nil // a name no key can hold: that engine's breaker stays this process's
	}
	if missing(err) {
		f.mu.Lock()
		delete(f.recs, engine)
		f.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	var h schemas.BreakerHealth
	if json.Unmarshal(e.Value(), &h) != nil {
		return nil
	}
	f.mu.Lock()
	old, had := f.recs[engine]
	if had && old.rev > e.Revision() {
		f.mu.Unlock()
		return nil
	}
	f.recs[engine] = breakerRec{h: h, rev: e.Revision()}
	f.mu.Unlock()
	if had && old.rev == e.Revision() || h.By == f.name {
		return nil
	}
	switch h.State {
	case schemas.BreakerOpen:
		if time.Now().Before(h.Until) {
			f.m.fleetApplied.WithLabelValues("breaker_open").Inc()
		}
	case schemas.BreakerClosed:
		br := f.br.get(engine)
		if st := br.load().State(); st != gobreaker.StateClosed && h.Updated.After(br.opened()) {
			br.reset()
			f.br.m.breakerState.WithLabelValues(engine).Set(0)
			f.m.fleetApplied.WithLabelValues("breaker_closed").Inc()
		}
	}
	return nil
}

// breaker is the fleet's record of the engine's breaker, if any.
func (f *fleet) breaker(engine string) (schemas.BreakerHealth, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kv == nil {
		return schemas.BreakerHealth{}, false
	}
	r, ok := f.recs[engine]
	return r.h, ok && time.Since(r.h.Updated) < schemas.FetchHealthTTL
}

type admission int

const (
	// admitLocal: the fleet has nothing against it; the fetcher's own breaker decides.
	admitLocal admission = iota
	// admitProbe: this attempt is the fleet's probe, while this fetcher's breaker is closed.
	admitProbe
	// admitRefuse: open in the fleet, or another fetcher probes.
	admitRefuse
)

// admit is the fleet's word on an attempt at engine, before the fetcher's own breaker's. It
// refuses while the fleet's record is open or another fetcher holds the probe, and takes the
// probe (the record goes half_open by this fetcher, by compare-and-set: one winner) when the
// fleet's record or this fetcher's breaker is due one.
func (f *fleet) admit(engine string, br *breaker) (admission, time.Duration) {
	kv := f.bucket()
	if kv == nil {
		return admitLocal, 0
	}
	var ctx context.Context
	for range 4 {
		now := time.Now()
		f.mu.Lock()
		rec, ok := f.recs[engine]
		f.mu.Unlock()
		cur := rec.h
		live := ok && now.Sub(cur.Updated) < schemas.FetchHealthTTL
		st := br.load().State()
		due := st == gobreaker.StateHalfOpen ||
			st == gobreaker.StateOpen && !now.Before(br.opened().Add(f.openFor))
		switch {
		case live && cur.State == schemas.BreakerOpen && now.Before(cur.Until):
			return admitRefuse, cur.Until.Sub(now)
		case live && cur.State == schemas.BreakerHalfOpen && cur.By == f.name && now.Before(cur.Until):
			if st == gobreaker.StateClosed {
				return admitProbe, 0
			}
			return admitLocal, 0 // the half-open breaker bounds the probes
		case live && cur.State == schemas.BreakerHalfOpen && now.Before(cur.Until):
			f.m.probeLeases.WithLabelValues(engine, "waited").Inc()
			return admitRefuse, time.Second
		case live && cur.State != schemas.BreakerClosed:
			// Due for a probe (open past its time, or a probe whose holder went quiet).
		case !due:
			return admitLocal, 0
		case live && cur.Updated.After(br.opened()):
			// Closed by a probe since this breaker opened: the record is newer than it.
			br.reset()
			f.br.m.breakerState.WithLabelValues(engine).Set(0)
			return admitLocal, 0
		}
		if ctx == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.Background(), fleetTimeout)
			defer cancel()
		}
		next := schemas.BreakerHealth{Engine: engine, State: schemas.BreakerHalfOpen, Until: now.Add(f.leaseFor), Updated: now, By: f.name}
		err := f.putBreaker(ctx, kv, next, rec.rev)
		if err == nil {
			f.m.probeLeases.WithLabelValues(engine, "won").Inc()
			if st == gobreaker.StateOpen && !due {
				// The fleet is due a probe before this breaker is: this fetcher probes.
				br.reset()
				f.br.m.breakerState.WithLabelValues(engine).Set(0)
				st = gobreaker.StateClosed
			}
			if st == gobreaker.StateClosed {
				return admitProbe, 0
			}
			return admitLocal, 0
		}
		if !conflict(err) {
			// The bucket is not answering: this fetcher's breaker decides alone.
			return admitLocal, 0
		}
		if err := f.refreshBreaker(ctx, kv, engine); err != nil {
			return admitLocal, 0
		}
	}
	return admitRefuse, time.Second
}

// putBreaker writes the engine's record over revision rev (0: create it), and keeps it.
func (f *fleet) putBreaker(ctx context.Context, kv jetstream.KeyValue, h schemas.BreakerHealth, rev uint64) error {
	val, err := json.Marshal(h)
	if err != nil {
		return err
	}
	key := schemas.BreakerHealthKey(h.Engine)
	var nrev uint64
	if rev == 0 {
		nrev, err = kv.Create(ctx, key, val)
	} else {
		nrev, err = kv.Update(ctx, key, val, rev)
	}
	if err != nil {
		return err
	}
	f.mu.Lock()
	if cur := f.recs[h.Engine]; cur.rev < nrev {
		f.recs[h.Engine] = breakerRec{h: h, rev: nrev}
	}
	f.mu.Unlock()
	return nil
}

// settled tells the fleet what an attempt allowed through the breaker did to it: the breaker
// opened (until when) or closed, or the fleet's probe passed or failed.
func (f *fleet) settled(engine string, br *breaker, err error, probe bool) {
	if probe {
		br.probing.Store(false)
	}
	switch br.changed.Swap(0) {
	case int32(stateGauge(gobreaker.StateOpen)) + 1:
		f.writeBreaker(engine, schemas.BreakerOpen, br.opened().Add(f.openFor))
		return
	case int32(stateGauge(gobreaker.StateClosed)) + 1:
		f.writeBreaker(engine, schemas.BreakerClosed, time.Time{})
		return
	}
	if !probe || errors.Is(err, errExcluded) {
		return
	}
	if err == nil {
		f.writeBreaker(engine, schemas.BreakerClosed, time.Time{})
	} else {
		f.writeBreaker(engine, schemas.BreakerOpen, time.Now().Add(f.openFor))
	}
}

// writeBreaker writes the engine's breaker state: open until a time (a later open already
// written stands), or closed (unless another fetcher holds the probe, or opened it since).
func (f *fleet) writeBreaker(engine, state string, until time.Time) {
	kv := f.bucket()
	if kv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleetTimeout)
	defer cancel()
	for range 8 {
		now := time.Now()
		f.mu.Lock()
		rec, ok := f.recs[engine]
		f.mu.Unlock()
		cur := rec.h
		live := ok && now.Sub(cur.Updated) < schemas.FetchHealthTTL
		if live && cur.By != f.name && cur.State != schemas.BreakerClosed && now.Before(cur.Until) {
			if state == schemas.BreakerClosed || cur.State == schemas.BreakerOpen && !until.After(cur.Until) {
				return
			}
		}
		if live && state == schemas.BreakerClosed && cur.State == schemas.BreakerClosed {
			return
		}
		err := f.putBreaker(ctx, kv, schemas.BreakerHealth{Engine: engine, State: state, Until: until, Updated: now, By: f.name}, rec.rev)
		if err == nil {
			return
		}
		if !conflict(err) || f.refreshBreaker(ctx, kv, engine) != nil {
			f.log.Debug("fetch health: writing a breaker record failed", "engine", engine, "err", err)
			return
		}
	}
}

// scorer shares this fetcher's scores as attempts move them.
func (f *fleet) scorer() {
	defer f.wg.Done()
	var held <-chan time.Time
	for {
		select {
		case <-f.stop:
			return
		case <-f.skick:
		case <-held:
		}
		held = nil
		if f.bucket() == nil {
			continue // per process: the scores stay here
		}
		if wait := f.shareScores(time.Now()); wait > 0 {
			held = time.After(wait)
		}
		select {
		case <-f.stop:
			return
		case <-time.After(scorePass):
		}
	}
}

// shareScores queues for the writer this fetcher's scores of its proxies that attempts moved
// since they were last shared (see scoreStep). It returns how long until a score held back by
// the once-per-PollEvery limit may go (0: none held back).
func (f *fleet) shareScores(now time.Time) time.Duration {
	var wait time.Duration
	for _, s := range f.pool.ownScores() {
		last, ok := f.written[s.route]
		if s.scored == last.scored {
			continue // no attempt scored since: nothing new to say
		}
		since := now.Sub(last.at)
		if ok && since < PollEvery {
			if d := PollEvery - since; wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		if ok && math.Abs(s.health-last.health) < scoreStep && since < scoreRefresh {
			continue
		}
		f.written[s.route] = writtenScore{health: s.health, scored: s.scored, at: now}
		f.noteRoute(schemas.RouteHealth{Route: s.route,
			Scores: map[string]schemas.RouteScore{f.name: {Health: s.health, Seen: s.seen, At: now}}})
	}
	return wait
}

// noteRoute queues the pool's evidence about a route; the pool calls it under its lock.
func (f *fleet) noteRoute(h schemas.RouteHealth) {
	f.pmu.Lock()
	cur := f.pending[h.Route]
	cur, _ = mergeRoute(cur, h, time.Time{})
	f.pending[h.Route] = cur
	f.pmu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// mergeRoute adds evidence ev to record cur (the later time wins; rests over by now, and
// scores no longer fresh at now, are dropped) and reports whether ev added anything.
func mergeRoute(cur, ev schemas.RouteHealth, now time.Time) (schemas.RouteHealth, bool) {
	next := cur
	next.Route = ev.Route
	changed := false
	if ev.EvictedUntil.After(next.EvictedUntil) {
		next.EvictedUntil, changed = ev.EvictedUntil, true
	}
	next.Rest = map[string]time.Time{}
	for host, until := range cur.Rest {
		if until.After(now) {
			next.Rest[host] = until
		}
	}
	for host, until := range ev.Rest {
		if until.After(next.Rest[host]) {
			next.Rest[host], changed = until, true
		}
	}
	next.Scores = nil
	keep := func(name string, s schemas.RouteScore) {
		if next.Scores == nil {
			next.Scores = map[string]schemas.RouteScore{}
		}
		next.Scores[name] = s
	}
	for name, s := range cur.Scores {
		if now.Sub(s.At) < schemas.RouteScoreFresh {
			keep(name, s)
		}
	}
	for name, s := range ev.Scores {
		if now.Sub(s.At) < schemas.RouteScoreFresh && s.At.After(next.Scores[name].At) {
			keep(name, s)
			changed = true
		}
	}
	return next, changed
}

// writer writes the routes' evidence as it comes.
func (f *fleet) writer() {
	defer f.wg.Done()
	for {
		select {
		case <-f.stop:
			return
		case <-f.kick:
		}
		f.pmu.Lock()
		batch := f.pending
		f.pending = map[string]schemas.RouteHealth{}
		f.pmu.Unlock()
		kv := f.bucket()
		if kv == nil {
			continue // per process: the evidence stays here
		}
		for _, ev := range batch {
			ctx, cancel := context.WithTimeout(f.ctx, 2*time.Second)
			if err := f.writeRoute(ctx, kv, ev); err != nil {
				f.log.Debug("fetch health: writing a route record failed", "proxy", ev.Route, "err", err)
			}
			cancel()
		}
	}
}

// writeRoute merges the evidence into the route's record by compare-and-set.
func (f *fleet) writeRoute(ctx context.Context, kv jetstream.KeyValue, ev schemas.RouteHealth) error {
	key := schemas.RouteHealthKey(ev.Route)
	for range 8 {
		var cur schemas.RouteHealth
		var rev uint64
		e, err := kv.Get(ctx, key)
		switch {
		case missing(err):
		case err != nil:
			return err
		default:
			rev = e.Revision()
			if json.Unmarshal(e.Value(), &cur) != nil {
				cur = schemas.RouteHealth{}
			}
		}
		now := time.Now()
		next, changed := mergeRoute(cur, ev, now)
		if !changed {
			return nil
		}
		next.Updated, next.By = now, f.name
		val, err := json.Marshal(next)
		if err != nil {
			return err
		}
		if rev == 0 {
			_, err = kv.Create(ctx, key, val)
		} else {
			_, err = kv.Update(ctx, key, val, rev)
		}
		if err == nil || !conflict(err) {
			return err
		}
	}
	return fmt.Errorf("route %s: too many concurrent writers", ev.Route)
}

// String describes where health lives, for logs.
func (f *fleet) String() string {
	if f.shared() {
		return "shared (KV " + schemas.BucketFetchHealth + ")"
	}
	return "per process"
}
