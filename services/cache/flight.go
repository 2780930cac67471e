package cache

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/trawl-dev/trawl/kit/config"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/schemas"
)

// A flight is this replica's wait for one key's upstream answer, shared by every local request
// for that key. Across replicas, a short Redis lock per key elects the one flight that
// publishes the fetch job (the holder); the others follow: they hear the outcome on the result
// subject like the holder does, and take over if the lock vanishes with no outcome stored (the
// holder died). Without Redis every flight fetches for itself (one replica, or Redis down).
type flight struct {
	key   string
	req   ask
	reqID string
	// jobID is the lock token, the fetch job's id (and Nats-Msg-Id) and the stored entry's id.
	jobID string
	// seen is the id of the entry the first request found ("" when none); seenOK is false when
	// the store could not be asked. A different entry in the store later is news: someone
	// fetched the key meanwhile.
	seen     string
	seenOK   bool
	started  time.Time
	deadline time.Time
	result   chan *nats.Msg // an outcome heard on the result subject; the first one counts
	// want is the id of the job whose outcome this flight waits for: its own once it
	// publishes, the holder's while it follows. Outcomes of any other job are dropped.
	want atomic.Pointer[string]
	// again is the id of the job published again once this replica's NATS connection came
	// back while it waited (lead): its outcome is as good as want's.
	again atomic.Pointer[string]

	done chan struct{} // closed once ent or err is set
	ent  *entry
	err  *schemas.Error
	// fetched is true when this flight published the job itself: its first request is the miss.
	fetched bool
	// expired is true when the flight's own deadline passed with no outcome.
	expired bool
}

// How a flight's key was resolved (trawl_cache_flights_total).
const (
	endFetched  = "fetched"
	endTakeover = "takeover"
	endFollowed = "followed"
	endFound    = "found"
	endFailed   = "failed"
)

// join returns the flight for key, starting one when there is none; started is true for the
// request that started it, whose deadline (zero for a background refresh) sets the flight's.
// It returns nil once the replica is stopping.
func (s *Service) join(key string, r *ask, reqID string, deadline time.Time, seen string, seenOK bool) (fl *flight, started bool) {
	s.mu.Lock()
	if fl := s.flights[key]; fl != nil {
		s.mu.Unlock()
		return fl, false
	}
	if s.closed {
		s.mu.Unlock()
		return nil, false
	}
	now := time.Now()
	fl = &flight{
		key: key, req: *r, reqID: reqID, jobID: schemas.NewJobID(), seen: seen, seenOK: seenOK,
		started: now, deadline: flightDeadline(now, deadline, s.cfg.Deadlines),
		result: make(chan *nats.Msg, 1), done: make(chan struct{}),
	}
	s.flights[key] = fl
	s.flightWG.Add(1)
	s.mu.Unlock()
	go s.fly(fl)
	return fl, true
}

// flightDeadline is the first request's deadline (the job carries it, so a fetcher drops the
// job once nobody can use it: a client that gave up costs no upstream request), or the default
// one for a background refresh. Waiters with later deadlines are not cut short: when the
// flight expires unanswered they join a new one.
func flightDeadline(now, requester time.Time, d config.Deadlines) time.Time {
	if requester.IsZero() {
		return now.Add(d.Default)
	}
	if longest := now.Add(d.Max); requester.After(longest) {
		return longest
	}
	return requester
}

// revalidate refreshes key in the background unless a flight for it is under way already
// (here, or, through the lock, on another replica).
func (s *Service) revalidate(key string, r *ask, reqID, seen string) {
	if _, started := s.join(key, r, reqID, time.Time{}, seen, true); started {
		s.m.refreshes.Inc()
	}
}

func (s *Service) fly(fl *flight) {
	growStack(0)
	defer s.flightWG.Done()
	s.m.flights.Inc()
	defer s.m.flights.Dec()
	ctx, cancel := context.WithDeadline(s.ctx, fl.deadline)
	defer cancel()
	var how string
	fl.ent, fl.err, how = s.resolve(ctx, fl)
	s.log.Debug("flight ended", "key", fl.key, "job", fl.jobID, "how", how, "fetched", fl.fetched, "err", fl.err)
	s.m.flightEnds.WithLabelValues(how).Inc()
	// Out of the map before waking the waiters: a request that follows a reply never joins a
	// finished flight; it finds the stored entry or starts afresh.
	s.mu.Lock()
	delete(s.flights, fl.key)
	s.mu.Unlock()
	close(fl.done)
}

// growStack grows a new flight's stack while it holds a single frame. A goroutine starts with
// the runtime's average stack (a few KiB, most goroutines being small), and a flight's grew
// deep in the store's Set (otter's generic write path): copying the stack there, frame by
// frame with its pointers adjusted, was 2% of trawl serve's CPU on the miss path. Grown here
// it costs a clear of flightStack bytes and a copy of one frame.
//
//go:noinline
func growStack(i int) byte {
	var pad [flightStack]byte
	pad[i%flightStack] = 1
	return pad[(i+1)%flightStack]
}

// flightStack is the frame growStack takes: the stack of a flight that reaches the store.
const flightStack = 8 << 10

// ask is what a flight fetches: one engine's page for a search, or one page for a scrape.
type ask struct {
	search schemas.SearchRequest
	scrape *schemas.ScrapeRequest
}

// route is the job's route: the engine, or schemas.ScrapeRoute. Entries' freshness windows
// are the route's (a scrape has the default TTL).
func (a *ask) route() string {
	if a.scrape != nil {
		return schemas.ScrapeRoute
	}
	return a.search.Engine
}

func (a *ask) key() string {
	if a.scrape != nil {
		return a.scrape.CacheKey()
	}
	return a.search.CacheKey()
}

func (a *ask) tenant() string {
	if a.scrape != nil {
		return a.scrape.Tenant
	}
	return a.search.Tenant
}

// controls are the request's cache controls: max_age and no_cache.
func (a *ask) controls() (*int, bool) {
	if a.scrape != nil {
		return a.scrape.MaxAge, a.scrape.NoCache
	}
	return a.search.MaxAge, a.search.NoCache
}

// Roles a flight can take for its key.
type role int

const (
	alone    role = iota // no coordination (no Redis, or Redis down): fetch
	holder               // holds the lock: fetch
	follower             // another replica holds the lock: wait for its outcome
)

func (s *Service) resolve(ctx context.Context, fl *flight) (*entry, *schemas.Error, string) {
	fetched := endFetched
	for {
		if ctx.Err() != nil {
			return nil, s.flightTimeout(fl), endFailed
		}
		rl, holderID := s.acquire(fl)
		if rl == follower {
			ent, err, how, again := s.follow(ctx, fl, holderID)
			if !again {
				if err != nil {
					how = endFailed
				}
				return ent, err, how
			}
			fetched = endTakeover
			continue
		}
		// Someone may have fetched and stored the key between our lookup and now (their lock
		// released just before we took it): their answer is as new as ours would be.
		if ent := s.recheck(fl); ent != nil {
			if rl == holder {
				s.release(fl)
			}
			return ent, nil, endFound
		}
		ent, err := s.lead(ctx, fl, rl == holder)
		if err != nil {
			return nil, err, endFailed
		}
		return ent, nil, fetched
	}
}

// acquire elects this flight to fetch, or names the replica that does.
func (s *Service) acquire(fl *flight) (role, string) {
	if s.rs == nil {
		return alone, ""
	}
	for range 3 {
		var won bool
		var h string
		err := s.g.do("lock", func(ctx context.Context) (err error) {
			won, h, err = s.rs.acquire(ctx, fl.key, fl.jobID, s.cfg.LockTTL)
			return err
		})
		s.log.Debug("lock", "key", fl.key, "job", fl.jobID, "won", won, "holder", h, "err", err)
		switch {
		case errors.Is(err, errBypassed):
			return alone, "" // Redis is down: answering matters more than de-duplicating
		case err != nil:
			// Perhaps a slow moment rather than an outage: look at the lock again shortly, as
			// a follower would; if Redis is down the guard soon says so.
			return follower, ""
		case won:
			return holder, ""
		case h != "":
			return follower, h
		}
		// The lock vanished between SET NX and GET: try again.
	}
	return follower, ""
}

// lead publishes the job and waits for its outcome, keeping the lock alive meanwhile; a
// success is stored before the lock is released, so a replica that sees the lock gone finds
// the entry.
func (s *Service) lead(ctx context.Context, fl *flight, locked bool) (*entry, *schemas.Error) {
	if locked {
		defer func() {
			// A stopping replica leaves its lock to expire: the job is queued, and followers
			// that hear its outcome meanwhile need no second fetch.
			if s.ctx.Err() == nil {
				s.release(fl)
			}
		}()
	}
	fl.want.Store(&fl.jobID)
	job := &schemas.FetchJob{
		ID: fl.jobID, Key: fl.key, Request: fl.req.search, Scrape: fl.req.scrape, Deadline: fl.deadline.UnixMilli(),
		RequestID: fl.reqID, Created: time.Now().UTC(), Tenant: fl.req.tenant(),
	}
	if e := s.publish(ctx, job); e != nil {
		// Followers on other replicas see the lock released (below) and try for themselves:
		// only the parse stage publishes outcomes (kit/natsauth).
		return nil, e
	}
	fl.fetched = true
	// Outcomes travel on core NATS, which keeps nothing for a connection that is away: one
	// published while this replica moved to another server is lost, and the flight would
	// wait for it until its deadline. So once the connection has come back, the job is
	// published again under a new id (the old one is a duplicate to JetStream), and the
	// outcome of either answers.
	reconnects := s.nc.Stats().Reconnects
	t := time.NewTicker(s.cfg.LockTTL / 3)
	defer t.Stop()
	for {
		select {
		case msg := <-fl.result:
			id := fl.jobID
			if h := msg.Header.Get(schemas.HeaderJobID); h != "" {
				id = h // want's or again's: onResult let no other through
			}
			ent, e := outcome(msg, id)
			if ent != nil && ent.suspect == "" {
				s.save(fl.key, fl.req.route(), ent)
			}
			return ent, e
		case <-t.C:
			if s.nc.IsClosed() {
				// This replica can no longer hear the outcome nor answer anyone: keeping the
				// lock alive would hold every other replica's request for the key until its
				// deadline. Released (above), the lock lets a follower look in the store and
				// take the key over at once.
				return nil, errConnClosed()
			}
			if n := s.nc.Stats().Reconnects; n != reconnects && s.nc.IsConnected() {
				reconnects = n
				s.republish(ctx, fl, job)
			}
			if locked {
				s.g.do("lock", func(ctx context.Context) error {
					_, err := s.rs.refresh(ctx, fl.key, fl.jobID, s.cfg.LockTTL)
					return err
				})
			}
		case <-ctx.Done():
			return nil, s.flightTimeout(fl)
		}
	}
}

// republish publishes fl's job again under a new id, after this replica's NATS connection
// came back while the flight waited for its outcome. Followers still wait for the first id:
// they find the entry in the store once the lock is released, as ever.
func (s *Service) republish(ctx context.Context, fl *flight, job *schemas.FetchJob) {
	again := *job
	again.ID = schemas.NewJobID()
	fl.again.Store(&again.ID)
	s.m.republished.Inc()
	s.log.Info("NATS connection came back while a fetch was awaited: job published again", "key", fl.key, "job", fl.jobID, "again", again.ID)
	if e := s.publish(ctx, &again); e != nil {
		s.log.Warn("publishing the job again", "key", fl.key, "err", e)
	}
}

// follow waits for the holder's outcome. It polls the lock, quickly at first (the holder may
// be storing its answer right now) and then every quarter of the lock's lifetime; again is true
// when this flight should contend for the lock once more: the holder vanished without storing
// an answer, or Redis has been unreachable for longer than a lock lives.
func (s *Service) follow(ctx context.Context, fl *flight, holderID string) (ent *entry, e *schemas.Error, how string, again bool) {
	want := holderID // a copy: holderID changes below while onResult reads want
	fl.want.Store(&want)
	wait := 10 * time.Millisecond
	longest := max(s.cfg.LockTTL/4, wait)
	heard := time.Now()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case msg := <-fl.result:
			id := holderID
			if id == "" {
				id = fl.jobID
			}
			ent, e := outcome(msg, id)
			return ent, e, endFollowed, false
		case <-ctx.Done():
			return nil, s.flightTimeout(fl), endFailed, false
		case <-timer.C:
		}
		var h string
		err := s.g.do("holder", func(ctx context.Context) (err error) {
			h, err = s.rs.holder(ctx, fl.key)
			return err
		})
		switch {
		case errors.Is(err, errBypassed) || (err != nil && time.Since(heard) > s.cfg.LockTTL):
			// Redis is down, or silent for longer than a lock lives: contend again, which
			// without Redis means fetching alone.
			return nil, nil, "", true
		case err != nil:
		case h == "":
			if ent := s.recheck(fl); ent != nil {
				return ent, nil, endFound, false
			}
			return nil, nil, "", true
		default:
			if h != holderID {
				want := h
				fl.want.Store(&want)
			}
			holderID, heard = h, time.Now()
		}
		wait = min(2*wait, longest)
		timer.Reset(wait)
	}
}

func (s *Service) release(fl *flight) {
	s.g.do("unlock", func(ctx context.Context) error { return s.rs.release(ctx, fl.key, fl.jobID) })
}

// recheck returns an entry stored since the flight's first lookup, if there is one.
func (s *Service) recheck(fl *flight) *entry {
	ent, _ := s.lookup(fl.key)
	switch {
	case ent == nil || ent.ID == fl.seen:
		return nil
	case !fl.seenOK && ent.Created.Before(fl.started.Truncate(time.Millisecond)):
		// The first lookup failed, so "different" proves nothing: demand a newer entry.
		return nil
	}
	return ent
}

// onResult hands an outcome to the flight waiting for its key, if this replica has one.
func (s *Service) onResult(msg *nats.Msg) {
	key, _ := schemas.ResultKey(msg.Subject)
	s.mu.Lock()
	fl := s.flights[key]
	s.mu.Unlock()
	if fl == nil {
		return
	}
	// Only the job this flight waits on may answer it: a result for a key is not enough, as
	// the key is a hash anyone can compute.
	id := msg.Header.Get(schemas.HeaderJobID)
	want, again := fl.want.Load(), fl.again.Load()
	if (want == nil || *want == "" || id != *want) && (again == nil || id != *again) {
		s.m.rejected.WithLabelValues("other_job").Inc()
		return
	}
	select {
	case fl.result <- msg:
	default: // a duplicate outcome (a redelivered job); the first one counts
	}
}

// outcome reads a result message: a stored-body-to-be, or the typed failure.
func outcome(msg *nats.Msg, id string) (*entry, *schemas.Error) {
	o := schemas.DecodeOutcome(msg)
	if o.Err != nil {
		return nil, o.Err
	}
	return &entry{
		Created: time.Now().Truncate(time.Millisecond),
		FetchUS: uint32(o.FetchMS * 1000), ParseUS: uint32(o.ParseMS * 1000),
		ID: id, Body: o.Body, suspect: o.Suspect,
	}, nil
}

func errConnClosed() *schemas.Error {
	e := schemas.NewError(schemas.TypeUnavailable, "cache replica lost its NATS connection")
	e.RetryAfterMS = 1000
	return e
}

func (s *Service) flightTimeout(fl *flight) *schemas.Error {
	fl.expired = true
	if s.ctx.Err() != nil {
		e := schemas.NewError(schemas.TypeUnavailable, "cache replica is stopping")
		e.RetryAfterMS = 1000
		return e
	}
	e := schemas.NewError(schemas.TypeTimeout, "no answer from the engine within the deadline")
	e.Engine = fl.req.search.Engine
	return e
}
