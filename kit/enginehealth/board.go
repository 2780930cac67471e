// Package enginehealth is the board of engine health every replica reads: the silent-empty
// alarm's state per engine (schemas.EngineHealth), kept in the JetStream KV bucket declared in
// schemas (schemas.BucketEngineHealth) so that every parser counts into one run of suspect
// pages and every ingress and cache sees the same status. Parsers write it (Record), with a
// compare-and-set on the key's revision; everyone watches it.
//
// Without JetStream (the bucket cannot be created or bound) the board keeps the records in
// the process, says so in the log once, and keeps trying to bind every second: the alarm
// still works per process, only no longer fleet-wide.
package enginehealth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
)

// Rules are the alarm's settings.
type Rules struct {
	// Run is how many suspect pages in a row make an engine degraded, and how many healthy
	// pages in a row clear it.
	Run int
}

// Verdict is what one page said about its engine.
type Verdict struct {
	// Suspect is false for a healthy page.
	Suspect bool
	Rule    string
	Reason  string
	PageID  string
}

// Step is the alarm's state machine: the record after one page's verdict.
func Step(cur schemas.EngineHealth, v Verdict, r Rules, now time.Time) schemas.EngineHealth {
	next := cur
	if next.Status == "" {
		next.Status, next.Since = schemas.EngineOK, now
	}
	if v.Suspect {
		next.Run++
		next.Clear = 0
		next.Rule, next.Reason, next.PageID = v.Rule, v.Reason, v.PageID
		if next.Status == schemas.EngineOK && next.Run >= r.Run {
			next.Status, next.Since = schemas.EngineDegraded, now
		}
		return next
	}
	next.Run = 0
	if next.Status == schemas.EngineDegraded {
		next.Clear++
		if next.Clear >= r.Run {
			next.Status, next.Since, next.Clear = schemas.EngineOK, now, 0
			next.Rule, next.Reason, next.PageID = "", "", ""
		}
		return next
	}
	next.Rule, next.Reason, next.PageID = "", "", ""
	return next
}

// Board is one process's view of engine health.
type Board struct {
	js     jetstream.JetStream
	limits schemas.StreamLimits
	// create: this process owns the bucket (a parser); others only bind to it.
	create bool
	name   string
	names  []string
	log    *slog.Logger

	mu     sync.Mutex
	kv     jetstream.KeyValue // nil while per-process
	recs   map[string]schemas.EngineHealth
	revs   map[string]uint64
	warned bool
	// onChange is called with every record applied (watched or written), outside mu.
	onChange func(schemas.EngineHealth)

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Options configure a board.
type Options struct {
	// Create makes the board create or update the bucket (parsers); others bind to it.
	Create bool
	// Name identifies this process in the records it writes.
	Name string
	// Engines are the engines whose records the board reads.
	Engines  []string
	Log      *slog.Logger
	OnChange func(schemas.EngineHealth)
}

// PollEvery is how often a board reads every engine's record: how late one replica's
// evidence reaches the others at most. A read is a direct get per engine (no consumer, so
// nothing to clean up and no consumer permissions).
const PollEvery = 500 * time.Millisecond

// New returns a board on js (nil: per-process only). Start binds it.
func New(js jetstream.JetStream, limits schemas.StreamLimits, o Options) *Board {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Board{js: js, limits: limits, create: o.Create, name: o.Name, names: o.Engines, log: o.Log, onChange: o.OnChange,
		recs: map[string]schemas.EngineHealth{}, revs: map[string]uint64{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

// Start binds the bucket (once, waiting up to ctx) and keeps it bound in the background; it
// never fails: without the bucket the board is per-process, and says so.
func (b *Board) Start(ctx context.Context) {
	b.bind(ctx)
	go b.run()
}

// Stop ends the board's background work (the watch ends with the connection).
func (b *Board) Stop() {
	b.once.Do(func() { close(b.stop) })
	<-b.done
}

// Shared reports whether the board is the fleet's (JetStream KV) rather than this process's.
func (b *Board) Shared() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.kv != nil
}

// Get returns the engine's record; an engine without one (or whose record outlived
// schemas.EngineHealthTTL) is ok.
func (b *Board) Get(engine string) schemas.EngineHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.get(engine, time.Now())
}

func (b *Board) get(engine string, now time.Time) schemas.EngineHealth {
	h, ok := b.recs[engine]
	if !ok || now.Sub(h.Updated) > schemas.EngineHealthTTL {
		return schemas.EngineHealth{Engine: engine, Status: schemas.EngineOK}
	}
	return h
}

// Degraded lists the degraded engines, by name.
func (b *Board) Degraded() []schemas.EngineHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	var out []schemas.EngineHealth
	for name := range b.recs {
		if h := b.get(name, now); h.Degraded() {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Engine < out[j].Engine })
	return out
}

// Record applies one page's verdict to the engine's record, fleet-wide when the board is
// shared, and returns the record before and after. A healthy page of a healthy engine
// writes nothing.
func (b *Board) Record(ctx context.Context, engine string, v Verdict, r Rules) (before, after schemas.EngineHealth) {
	for attempt := 0; ; attempt++ {
		b.mu.Lock()
		kv, now := b.kv, time.Now()
		// An expired record is written over its revision: if the server has dropped it, the
		// update conflicts and the record is read (absent) and created afresh.
		cur, rev := b.get(engine, now), b.revs[engine]
		next := Step(cur, v, r, now)
		if next == cur {
			b.mu.Unlock()
			return cur, cur
		}
		next.Engine, next.Updated, next.By = engine, now, b.name
		if kv == nil {
			b.recs[engine] = next
			b.mu.Unlock()
			b.changed(next)
			return cur, next
		}
		b.mu.Unlock()
		val, _ := json.Marshal(next)
		var err error
		var nrev uint64
		if rev == 0 {
			nrev, err = kv.Create(ctx, engine, val)
		} else {
			nrev, err = kv.Update(ctx, engine, val, rev)
		}
		if err == nil {
			b.apply(engine, next, nrev)
			return cur, next
		}
		if attempt < 8 && conflict(err) {
			// Another parser wrote first: read its record and apply the verdict to it.
			b.refresh(ctx, kv, engine)
			continue
		}
		// JetStream is not answering: count this page here rather than lose it.
		b.mu.Lock()
		if !b.warned {
			b.warned = true
			b.log.Warn("engine health: writing the shared record failed; counting in this process", "engine", engine, "err", err)
		}
		b.recs[engine] = next
		b.mu.Unlock()
		b.changed(next)
		return cur, next
	}
}

func conflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) ||
		(errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence)
}

// refresh reads the engine's record from the bucket.
func (b *Board) refresh(ctx context.Context, kv jetstream.KeyValue, engine string) {
	e, err := kv.Get(ctx, engine)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		// Create writes over a deleted key as over a missing one.
		b.mu.Lock()
		delete(b.recs, engine)
		b.revs[engine] = 0
		b.mu.Unlock()
		return
	}
	if err != nil {
		return
	}
	var h schemas.EngineHealth
	if json.Unmarshal(e.Value(), &h) == nil {
		b.apply(engine, h, e.Revision())
	}
}

// apply stores a record of a known revision (never an older one over a newer).
func (b *Board) apply(engine string, h schemas.EngineHealth, rev uint64) {
	b.mu.Lock()
	if rev < b.revs[engine] {
		b.mu.Unlock()
		return
	}
	b.recs[engine], b.revs[engine] = h, rev
	b.mu.Unlock()
	b.changed(h)
}

func (b *Board) changed(h schemas.EngineHealth) {
	if b.onChange != nil {
		b.onChange(h)
	}
}

// bind opens (or creates) the bucket and reads it once.
func (b *Board) bind(ctx context.Context) {
	if b.js == nil {
		b.perProcess(errors.New("no JetStream"))
		return
	}
	var kv jetstream.KeyValue
	var err error
	if b.create {
		kv, err = b.js.CreateOrUpdateKeyValue(ctx, schemas.EngineHealthBucket(b.limits))
	} else {
		kv, err = b.js.KeyValue(ctx, schemas.BucketEngineHealth)
	}
	if err != nil {
		b.perProcess(err)
		return
	}
	b.mu.Lock()
	was := b.warned
	b.kv, b.warned = kv, false
	b.mu.Unlock()
	if was {
		b.log.Info("engine health: shared through JetStream KV", "bucket", schemas.BucketEngineHealth)
	}
	b.poll(ctx, kv)
}

// perProcess notes that the board is this process's only, once per stretch.
func (b *Board) perProcess(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.kv = nil
	if !b.warned {
		b.warned = true
		b.log.Warn("engine health is per process: the shared bucket is unavailable (every replica judges its engines alone until it is back)",
			"bucket", schemas.BucketEngineHealth, "err", err)
	}
}

// run reads the bucket every PollEvery, and rebinds while unbound.
func (b *Board) run() {
	defer close(b.done)
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
		b.mu.Lock()
		kv := b.kv
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if kv == nil {
			b.bind(ctx)
		} else {
			b.poll(ctx, kv)
		}
		cancel()
	}
}

// poll reads every engine's record; a bucket that stopped answering makes the board
// per-process until it answers again.
func (b *Board) poll(ctx context.Context, kv jetstream.KeyValue) {
	for _, name := range b.names {
		e, err := kv.Get(ctx, name)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
			b.mu.Lock()
			_, had := b.recs[name]
			delete(b.recs, name)
			b.revs[name] = 0
			b.mu.Unlock()
			if had {
				b.changed(schemas.EngineHealth{Engine: name, Status: schemas.EngineOK})
			}
		case err != nil:
			b.perProcess(err)
			return
		default:
			var h schemas.EngineHealth
			if err := json.Unmarshal(e.Value(), &h); err != nil {
				b.log.Warn("engine health: unreadable record", "engine", name, "err", err)
				continue
			}
			b.apply(name, h, e.Revision())
		}
	}
}

// String describes the board for logs.
func (b *Board) String() string {
	if b.Shared() {
		return fmt.Sprintf("shared (KV %s)", schemas.BucketEngineHealth)
	}
	return "per process"
}
