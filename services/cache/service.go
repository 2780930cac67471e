package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"encoding/json"

	"github.com/trawl-dev/trawl/kit/buffers"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/streams"
	"github.com/trawl-dev/trawl/kit/work"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/enginehealth"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/schemas"
)

// Deps are what the cache stage is handed by its main.
type Deps struct {
	NC      *nats.Conn
	Store   Store
	Engines *engines.Registry
	Streams schemas.StreamLimits
	Log     *slog.Logger
	Metrics prometheus.Registerer
	// Handoff, when set, is where the cache offers itself to the ingress of its process
	// (kit/handoff).
	Handoff *handoff.Point
}

// Service is one cache replica.
type Service struct {
	cfg     Config
	nc      *nats.Conn
	handoff *handoff.Point
	js      jetstream.JetStream
	store   Store
	engines *engines.Registry
	streams schemas.StreamLimits
	log     *slog.Logger
	m       *metrics
	// g guards a shared backend (nil for the in-process store, which cannot fail); rs is that
	// backend when it is Redis, whose locks coordinate flights across replicas.
	g  *guard
	rs *Redis

	// sem bounds the searches in progress; each holds a slot while it waits.
	sem  chan struct{}
	work work.Tracker

	mu       sync.Mutex
	flights  map[string]*flight
	closed   bool
	flightWG sync.WaitGroup
	// ctx ends every flight when the replica stops.
	ctx    context.Context
	cancel context.CancelFunc

	svc    micro.Service
	keeper *streams.Keeper
	// health is the engine health board (the silent-empty alarm): a metasearch leaves
	// degraded engines out.
	health *enginehealth.Board
	resSub *nats.Subscription
	stop   sync.Once
}

// New checks the configuration and builds a replica; Start connects it.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NC == nil || d.Store == nil || d.Engines == nil {
		return nil, errors.New("cache: NATS connection, store and engines are required")
	}
	for name := range cfg.EngineTTLs {
		if !d.Engines.Known(name) {
			return nil, fmt.Errorf("cache-ttl-engines: unknown engine %q", name)
		}
	}
	if d.Log == nil {
		d.Log = logging.Discard()
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	s := &Service{
		cfg: cfg, nc: d.NC, handoff: d.Handoff, store: d.Store, engines: d.Engines, streams: d.Streams,
		log: d.Log, m: newMetrics(d.Metrics),
		sem:     make(chan struct{}, cfg.Workers),
		flights: map[string]*flight{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.m.backendUp.Set(1)
	switch st := d.Store.(type) {
	case *Memory:
		watchMemory(d.Metrics, st)
	case *Redis:
		s.rs = st
		s.g = newGuard(cfg.RedisTimeout, cfg.RedisSkip, d.Log, s.m)
	default:
		s.g = newGuard(cfg.RedisTimeout, cfg.RedisSkip, d.Log, s.m)
	}
	return s, nil
}

// Start ensures the streams, listens for results and registers the trawl.v1.search endpoint.
func (s *Service) Start(ctx context.Context) error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return err
	}
	s.js = js
	s.keeper = streams.NewKeeper(js, s.streams, "", jetstream.ConsumerConfig{}, s.log)
	if _, err := s.keeper.Ensure(ctx); err != nil {
		return err
	}
	// Every replica hears every result, so requests for one key that landed on different
	// replicas all wake when its one fetch completes.
	s.resSub, err = s.nc.Subscribe(schemas.SubjectResults, s.onResult)
	if err != nil {
		return err
	}
	s.resSub.SetPendingLimits(-1, 256<<20)
	s.svc, err = micro.AddService(s.nc, micro.Config{
		Name:        schemas.ServiceCache,
		Version:     schemas.Version,
		Description: "answers trawl.v1.search from cache; one fetch job per missed key",
		QueueGroup:  schemas.ServiceCache,
	})
	if err == nil {
		// A slow consumer drops requests: bound the backlog by bytes, not by a small count.
		err = s.svc.AddEndpoint("search", micro.HandlerFunc(s.onRequest(s.search)),
			micro.WithEndpointSubject(schemas.SubjectSearch),
			micro.WithEndpointPendingLimits(-1, 256<<20))
	}
	if err == nil {
		err = s.svc.AddEndpoint("scrape", micro.HandlerFunc(s.onRequest(s.scrape)),
			micro.WithEndpointSubject(schemas.SubjectScrape),
			micro.WithEndpointPendingLimits(-1, 256<<20))
	}
	if err != nil {
		s.resSub.Unsubscribe()
		if s.svc != nil {
			s.svc.Stop()
		}
		return fmt.Errorf("cache: register service: %w", err)
	}
	// Return only once the server knows the subscriptions, so a request sent next finds us.
	if err := s.nc.Flush(); err != nil {
		s.log.Warn("cache: flushing subscriptions", "err", err)
	}
	s.keeper.Start()
	s.health = enginehealth.New(js, s.streams, enginehealth.Options{Engines: s.engines.Names(), Log: s.log})
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	s.health.Start(hctx)
	cancel()
	s.handoff.OfferCache(s)
	s.log.Info("cache stage started", "ttl", s.cfg.TTL, "engine_ttls", s.cfg.EngineTTLs.String(),
		"stale_while_revalidate", s.cfg.StaleWhileRevalidate, "stale_if_error", s.cfg.StaleIfError,
		"coordinated", s.rs != nil)
	return nil
}

// Ready fails while a work stream is missing (for /readyz).
func (s *Service) Ready() error {
	if s.keeper == nil {
		return errors.New("not started")
	}
	return s.keeper.Ready()
}

// Stop drains the endpoint, waits for searches in progress (bounded), ends the flights, then
// stops listening for results. Safe to call more than once, and after a failed Start.
func (s *Service) Stop() {
	s.handoff.WithdrawCache(s)
	s.stop.Do(func() {
		if s.keeper != nil {
			s.keeper.Stop()
		}
		if s.health != nil {
			s.health.Stop()
		}
		if s.svc != nil {
			s.svc.Stop()
		}
		s.work.Close()
		waited := s.work.Done()
		select {
		case <-waited:
		case <-time.After(s.cfg.Deadlines.Max):
			s.log.Warn("cache stop: searches still in progress after the longest deadline")
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.flightWG.Wait()
		if s.resSub != nil {
			s.resSub.Unsubscribe()
		}
	})
}

// onRequest makes an endpoint's handler. It runs on the endpoint's subscription goroutine, one
// message at a time, so it only hands the request to a goroutine running handle: a search or
// scrape waits on the store and often on a fetch.
func (s *Service) onRequest(handle func(asyncReq)) func(micro.Request) {
	return func(req micro.Request) { s.dispatch(req, handle) }
}

func (s *Service) dispatch(req micro.Request, handle func(asyncReq)) {
	select {
	case s.sem <- struct{}{}:
	default:
		schemas.RespondError(req, errOverloaded(req.Headers().Get(schemas.HeaderRequestID)))
		return
	}
	// micro reads the request's state once this handler returns, so the search must not answer
	// through req from its own goroutine (a data race); it publishes to the reply subject.
	ar := asyncReq{reply: req.Reply(), data: req.Data(), hdr: req.Headers()}
	if !s.work.Go(func() {
		defer func() { <-s.sem }()
		handle(ar)
	}) {
		<-s.sem
		schemas.RespondError(req, errStopping())
	}
}

// Ask answers a request handed over in memory by the ingress of this process (kit/handoff):
// the handler, limit and drain of a request on the subject, run on the caller's goroutine,
// and the reply it would have published.
func (s *Service) Ask(subject string, m *nats.Msg) (*nats.Msg, bool) {
	var handle func(asyncReq)
	switch subject {
	case schemas.SubjectSearch:
		handle = s.search
	case schemas.SubjectScrape:
		handle = s.scrape
	default:
		return nil, false
	}
	reqID := m.Header.Get(schemas.HeaderRequestID)
	select {
	case s.sem <- struct{}{}:
	default:
		return schemas.ErrorMsg("", errOverloaded(reqID)), true
	}
	defer func() { <-s.sem }()
	var reply *nats.Msg
	req := asyncReq{data: m.Data, hdr: micro.Headers(m.Header), local: func(r *nats.Msg) {
		// The body may be a pooled buffer, given back once the handler returns: a copy, as
		// publishing it would have made.
		r.Data = bytes.Clone(r.Data)
		reply = r
	}}
	if !s.work.Run(func() { handle(req) }) {
		return schemas.ErrorMsg("", errStopping()), true
	}
	if reply == nil {
		e := schemas.NewError(schemas.TypeInternal, "the cache gave no answer")
		e.RequestID = reqID
		return schemas.ErrorMsg("", e), true
	}
	return reply, true
}

func errOverloaded(reqID string) *schemas.Error {
	e := schemas.NewError(schemas.TypeOverloaded, "cache replica at its limit of concurrent searches")
	e.RetryAfterMS = 1000
	e.RequestID = reqID
	return e
}

func errStopping() *schemas.Error {
	e := schemas.NewError(schemas.TypeUnavailable, "cache replica is stopping")
	e.RetryAfterMS = 100
	return e
}

// asyncReq is what a search keeps of its request: a micro.Request's, or one handed over in
// memory (Ask), whose reply goes to local rather than to a reply subject.
type asyncReq struct {
	reply string
	data  []byte
	hdr   micro.Headers
	local func(*nats.Msg)
}

func (s *Service) search(req asyncReq) {
	start := time.Now()
	reqID := req.hdr.Get(schemas.HeaderRequestID)
	r, deadline, perr := s.decode(req.data, req.hdr, start)
	if perr != nil {
		s.m.requests.WithLabelValues("", perr.Kind).Inc()
		s.replyError(req, perr, reqID)
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	if r.Metasearch() {
		body, state, err := s.metasearch(ctx, r, answerID(req.hdr), reqID, start)
		s.finishReply(req, r.Engine, state, body, err, reqID, start, 0)
		return
	}
	ent, state, err := s.get(ctx, &ask{search: *r}, reqID)
	if err != nil {
		s.finishReply(req, r.Engine, state, nil, err, reqID, start, 0)
		return
	}
	meta := ent.metadata(answerID(req.hdr), r.Engine, state, reqID, time.Now(), msSince(start))
	var freshUntil int64
	if state != stateStale && ent.suspect == "" {
		freshUntil = ent.Created.Add(s.cfg.ttl(r.Engine)).UnixMilli()
	}
	// The reply is composed in a pooled buffer: publishing copies it onto the connection, and
	// a miss's answer was a page-sized allocation (5% of a miss's bytes, scripts/bench).
	buf := replyBuffers.Get()
	out := schemas.AppendComposed((*buf)[:0], meta, ent.Body)
	s.finishReply(req, r.Engine, state, out, nil, reqID, start, freshUntil)
	replyBuffers.Put(buf, out)
}

// replyBuffers hold composed replies while they are published.
var replyBuffers = buffers.Pool{Max: 1 << 20}

// answerID is the id the ingress gave the answer (schemas.HeaderSearchID), or a new one for a
// caller inside the pipeline that gave none.
func answerID(h micro.Headers) string {
	if id := h.Get(schemas.HeaderSearchID); schemas.ValidID(id) {
		return id
	}
	return schemas.NewID()
}

// replyHeaders are built once per state and only read: a hit must not allocate a header map.
var replyHeaders = map[string]nats.Header{}

func init() {
	for _, st := range []string{stateHit, stateMiss, stateStale, stateCoalesced} {
		replyHeaders[st] = nats.Header{schemas.HeaderCache: {st}}
	}
}

// finishReply answers a search and counts it. freshUntil (Unix ms, 0: none) is when a
// single-engine answer stops being fresh: the ingress's near cache keeps it no longer.
func (s *Service) finishReply(req asyncReq, engine, state string, body []byte, err *schemas.Error, reqID string, start time.Time, freshUntil int64) {
	outcome := state
	switch {
	case err != nil:
		outcome = err.Kind
		s.replyError(req, err, reqID)
	case freshUntil > 0:
		h := nats.Header{schemas.HeaderCache: {state}, schemas.HeaderFreshUntil: {strconv.FormatInt(freshUntil, 10)}}
		s.respond(req, &nats.Msg{Header: h, Data: body})
	default:
		h, ok := replyHeaders[state]
		if !ok {
			h = nats.Header{schemas.HeaderCache: {state}}
		}
		s.respond(req, &nats.Msg{Header: h, Data: body})
	}
	s.m.requests.WithLabelValues(engine, outcome).Inc()
	s.m.duration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
}

// decode reads and validates a request, and works out its deadline.
func (s *Service) decode(data []byte, h micro.Headers, now time.Time) (*schemas.SearchRequest, time.Time, *schemas.Error) {
	r, perr := parseRequest(data, s.engines.Known, s.cfg.Deadlines.MaxMS())
	if perr != nil {
		return nil, time.Time{}, perr
	}
	r.Tenant = h.Get(schemas.HeaderTenant)
	deadline := s.cfg.Deadlines.For(now, r.TimeoutMS)
	if d, ok := schemas.ParseDeadline(h.Get(schemas.HeaderDeadline)); ok && d.Before(deadline) {
		deadline = d
	}
	if !deadline.After(now) {
		return nil, time.Time{}, schemas.NewError(schemas.TypeTimeout, "deadline passed before the search started")
	}
	return r, deadline, nil
}

// parseRequest decodes a SearchRequest strictly, validates it and normalises it, so that its
// CacheKey is the one every equivalent request shares.
func parseRequest(data []byte, known func(string) bool, maxTimeoutMS int) (*schemas.SearchRequest, *schemas.Error) {
	var r schemas.SearchRequest
	if !schemas.ReadSearchRequest(data, &r) {
		r = schemas.SearchRequest{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, schemas.ValidationError([]schemas.FieldError{{Field: "body", Message: "malformed JSON: " + err.Error()}})
		}
		if dec.More() {
			return nil, schemas.ValidationError([]schemas.FieldError{{Field: "body", Message: "trailing data after the JSON object"}})
		}
	}
	if errs := r.Validate(known, maxTimeoutMS); errs != nil {
		return nil, schemas.ValidationError(errs)
	}
	r.Normalize()
	return &r, nil
}

// get answers one engine's request: from the store when the entry suits the request,
// otherwise by joining (or starting) the one flight for its key. Stale entries are served at
// once while one background fetch refreshes them (stale-while-revalidate), or when the fetch
// fails or outlasts the deadline (stale-if-error). The returned error is the caller's own copy.
func (s *Service) get(ctx context.Context, r *ask, reqID string) (*entry, string, *schemas.Error) {
	key := r.key()
	ent, ok := s.lookup(key)
	var fallback *entry
	seen := ""
	if ent != nil {
		seen = ent.ID
		switch judge(time.Since(ent.Created), s.cfg.windows(r.route()), r) {
		case fresh:
			return ent, stateHit, nil
		case staleRevalidate:
			s.revalidate(key, r, reqID, seen)
			s.m.stale.WithLabelValues("revalidate").Inc()
			return ent, stateStale, nil
		case staleIfError:
			fallback = ent
		}
	}
	deadline, _ := ctx.Deadline()
	s.m.waiters.Inc()
	defer s.m.waiters.Dec()
	var fl *flight
	var started bool
	for {
		fl, started = s.join(key, r, reqID, deadline, seen, ok)
		if fl == nil {
			e := schemas.NewError(schemas.TypeUnavailable, "cache replica is stopping")
			e.RetryAfterMS = 1000
			return nil, stateMiss, e
		}
		if !started {
			s.m.coalesced.Inc()
		}
		select {
		case <-fl.done:
		case <-ctx.Done():
			// Only this request gives up; the flight goes on for the others.
			if fallback != nil {
				s.m.stale.WithLabelValues("timeout").Inc()
				return fallback, stateStale, nil
			}
			e := schemas.NewError(schemas.TypeTimeout, "no answer from the engine within the request's deadline")
			e.Engine = r.search.Engine
			return nil, stateMiss, e
		}
		// A flight started by a request with an earlier deadline ran out before ours: try again.
		// Compare the deadlines rather than ask ctx: the flight's timer may fire a moment
		// before this request's own, and a request whose time is up must not start a flight.
		if !fl.expired || ctx.Err() != nil || s.ctx.Err() != nil || !outlives(deadline, fl.deadline) {
			break
		}
	}
	state := stateCoalesced
	if started && fl.fetched {
		state = stateMiss
	}
	if fl.err != nil {
		if fallback != nil && servesStale(fl.err) {
			s.m.stale.WithLabelValues("error").Inc()
			return fallback, stateStale, nil
		}
		e := *fl.err // every waiter stamps its own request id on it
		return nil, state, &e
	}
	return fl.ent, state, nil
}

// outlives reports whether a request with deadline can still use a flight begun after one
// that expired at flightDeadline; a zero deadline has no end.
func outlives(deadline, flightDeadline time.Time) bool {
	return deadline.IsZero() || deadline.After(flightDeadline)
}

// lookup reads and decodes key's entry; ok is false when the store could not be asked.
func (s *Service) lookup(key string) (ent *entry, ok bool) {
	var raw []byte
	var err error
	if s.g == nil {
		raw, err = s.store.Get(context.Background(), key)
	} else {
		err = s.g.do("get", func(ctx context.Context) (err error) {
			raw, err = s.store.Get(ctx, key)
			return err
		})
	}
	if errors.Is(err, errBadEntry) {
		return nil, true
	}
	if err != nil {
		return nil, false
	}
	if raw == nil {
		return nil, true
	}
	if ent, err = decodeEntry(raw); err != nil {
		s.m.backendErrors.WithLabelValues("decode").Inc()
		return nil, true
	}
	return ent, true
}

// save stores a fetched entry for its fresh time plus the longest stale window.
func (s *Service) save(key, engine string, ent *entry) {
	enc := ent.encode()
	ttl := s.cfg.retention(engine)
	var err error
	if s.g == nil {
		err = s.store.Set(context.Background(), key, enc, ttl)
	} else {
		err = s.g.do("set", func(ctx context.Context) error { return s.store.Set(ctx, key, enc, ttl) })
	}
	if err == nil {
		s.m.storedBytes.Add(float64(len(enc)))
	}
}

func (s *Service) replyError(req asyncReq, e *schemas.Error, reqID string) {
	e.RequestID = reqID
	s.respond(req, schemas.ErrorMsg(req.reply, e))
}

// respond publishes m to a requester's reply subject (none: a fire-and-forget request), or
// hands it back to a request handed over in memory.
func (s *Service) respond(req asyncReq, m *nats.Msg) {
	if req.local != nil {
		req.local(m)
		return
	}
	if req.reply == "" {
		return
	}
	m.Subject = req.reply
	if err := s.nc.PublishMsg(m); err != nil {
		s.log.Debug("reply failed", "err", err)
	}
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
