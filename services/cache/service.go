package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

// Deps are what the cache stage is handed by its main.
type Deps struct {
	NC      *nats.Conn
	Store   Store
	Engines *engines.Registry
	Streams schemas.StreamLimits
	Log     *slog.Logger
	Metrics prometheus.Registerer
}

// Service is one cache replica.
type Service struct {
	cfg     Config
	nc      *nats.Conn
	js      jetstream.JetStream
	store   Store
	engines *engines.Registry
	streams schemas.StreamLimits
	log     *slog.Logger
	m       *metrics

	// sem bounds the searches in progress; each holds a slot while it waits.
	sem chan struct{}
	wg  sync.WaitGroup

	mu      sync.Mutex
	flights map[string]*flight

	svc    micro.Service
	resSub *nats.Subscription
	stop   sync.Once
}

// flight is one upstream fetch for a key, shared by every request that waits for it.
type flight struct {
	key    string
	engine string
	result chan *nats.Msg // the parser's (or fetcher's) outcome, delivered once
	done   chan struct{}  // closed when ent or err is set
	ent    *entry
	err    *schemas.Error
}

// New checks the configuration and builds a replica; Start connects it.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NC == nil || d.Store == nil || d.Engines == nil {
		return nil, errors.New("cache: NATS connection, store and engines are required")
	}
	if d.Log == nil {
		d.Log = kit.Discard()
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	return &Service{
		cfg: cfg, nc: d.NC, store: d.Store, engines: d.Engines, streams: d.Streams,
		log: d.Log, m: newMetrics(d.Metrics),
		sem:     make(chan struct{}, cfg.Workers),
		flights: map[string]*flight{},
	}, nil
}

// Start ensures the streams, listens for results and registers the trawl.v1.search endpoint.
func (s *Service) Start(ctx context.Context) error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return err
	}
	s.js = js
	if err := kit.EnsureStreams(ctx, js, s.streams); err != nil {
		return err
	}
	// Every replica hears every result, so requests for one key that landed on different
	// replicas all wake when its one fetch completes.
	s.resSub, err = s.nc.Subscribe(schemas.SubjectResultPrefix+">", s.onResult)
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
		err = s.svc.AddEndpoint("search", micro.HandlerFunc(s.onSearch),
			micro.WithEndpointSubject(schemas.SubjectSearch),
			micro.WithEndpointPendingLimits(-1, 256<<20))
	}
	if err != nil {
		s.resSub.Unsubscribe()
		if s.svc != nil {
			s.svc.Stop()
		}
		return fmt.Errorf("cache: register service: %w", err)
	}
	s.log.Info("cache stage started", "ttl", s.cfg.TTL)
	return nil
}

// Stop drains the endpoint, waits for searches in progress (bounded), then stops listening
// for results. Safe to call more than once, and after a failed Start.
func (s *Service) Stop() {
	s.stop.Do(func() {
		if s.svc != nil {
			s.svc.Stop()
		}
		waited := make(chan struct{})
		go func() { s.wg.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(s.cfg.Deadlines.Max):
			s.log.Warn("cache stop: searches still in progress after the longest deadline")
		}
		if s.resSub != nil {
			s.resSub.Unsubscribe()
		}
	})
}

// onSearch runs on the endpoint's subscription goroutine, one message at a time, so it only
// hands the request to a goroutine: a search waits on the store and often on a fetch.
func (s *Service) onSearch(req micro.Request) {
	select {
	case s.sem <- struct{}{}:
	default:
		e := schemas.NewError(schemas.TypeOverloaded, "cache replica at its limit of concurrent searches")
		e.RetryAfterMS = 1000
		s.replyError(req, e, req.Headers().Get(schemas.HeaderRequestID))
		return
	}
	s.wg.Add(1)
	go func() {
		defer func() { <-s.sem; s.wg.Done() }()
		s.search(req)
	}()
}

func (s *Service) search(req micro.Request) {
	start := time.Now()
	reqID := req.Headers().Get(schemas.HeaderRequestID)
	r, deadline, perr := s.decode(req.Data(), req.Headers(), start)
	if perr != nil {
		s.m.requests.WithLabelValues("", perr.Kind).Inc()
		s.replyError(req, perr, reqID)
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	if len(r.Engines()) > 1 {
		body, state, err := s.metasearch(ctx, r, reqID, start)
		s.finishReply(req, r.Engine, state, body, err, reqID, start)
		return
	}
	ent, state, err := s.get(ctx, r, reqID)
	if err != nil {
		s.finishReply(req, r.Engine, state, nil, err, reqID, start)
		return
	}
	meta := ent.metadata(r.Engine, state, reqID, time.Now(), msSince(start))
	s.finishReply(req, r.Engine, state, schemas.ComposeResponse(meta, ent.Body), nil, reqID, start)
}

func (s *Service) finishReply(req micro.Request, engine, state string, body []byte, err *schemas.Error, reqID string, start time.Time) {
	outcome := state
	if err != nil {
		outcome = err.Kind
		s.replyError(req, err, reqID)
	} else {
		req.Respond(body, micro.WithHeaders(micro.Headers{schemas.HeaderCache: {state}}))
	}
	s.m.requests.WithLabelValues(engine, outcome).Inc()
	s.m.duration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
}

// decode reads and validates a request, and works out its deadline.
func (s *Service) decode(data []byte, h micro.Headers, now time.Time) (*schemas.SearchRequest, time.Time, *schemas.Error) {
	var r schemas.SearchRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, time.Time{}, schemas.ValidationError([]schemas.FieldError{{Field: "body", Message: "malformed JSON: " + err.Error()}})
	}
	if dec.More() {
		return nil, time.Time{}, schemas.ValidationError([]schemas.FieldError{{Field: "body", Message: "trailing data after the JSON object"}})
	}
	if errs := r.Validate(s.engines.Known, s.cfg.Deadlines.MaxMS()); errs != nil {
		return nil, time.Time{}, schemas.ValidationError(errs)
	}
	r.Normalize()
	deadline := s.cfg.Deadlines.For(now, r.TimeoutMS)
	if d, ok := schemas.ParseDeadline(h.Get(schemas.HeaderDeadline)); ok && d.Before(deadline) {
		deadline = d
	}
	if !deadline.After(now) {
		return nil, time.Time{}, schemas.NewError(schemas.TypeTimeout, "deadline passed before the search started")
	}
	return &r, deadline, nil
}

// get answers one engine's request: from the store when fresh enough, otherwise by joining
// (or starting) the one flight for its key.
func (s *Service) get(ctx context.Context, r *schemas.SearchRequest, reqID string) (*entry, string, *schemas.Error) {
	key := r.CacheKey()
	if !r.NoCache && (r.MaxAge == nil || *r.MaxAge > 0) {
		if ent := s.lookup(ctx, key); ent != nil {
			age := time.Since(ent.Created)
			fresh := age < s.cfg.TTL
			if r.MaxAge != nil && age >= time.Duration(*r.MaxAge)*time.Second {
				fresh = false
			}
			if fresh {
				return ent, "hit", nil
			}
		}
	}
	fl, leader := s.join(key, r, ctx, reqID)
	select {
	case <-fl.done:
	case <-ctx.Done():
		return nil, "miss", schemas.NewError(schemas.TypeTimeout, "no answer from the engine within the request's deadline")
	}
	state := "coalesced"
	if leader {
		state = "miss"
	}
	if fl.err != nil {
		return nil, state, fl.err
	}
	return fl.ent, state, nil
}

func (s *Service) lookup(ctx context.Context, key string) *entry {
	raw, err := s.store.Get(ctx, key)
	if err != nil {
		s.m.backendErrors.WithLabelValues("get").Inc()
		s.log.Debug("cache get failed; answering without cache", "err", err)
		return nil
	}
	if raw == nil {
		return nil
	}
	ent, err := decodeEntry(raw)
	if err != nil {
		s.m.backendErrors.WithLabelValues("decode").Inc()
		return nil
	}
	return ent
}

// join returns the flight for key, starting one when there is none; leader is true for the
// request that started it.
func (s *Service) join(key string, r *schemas.SearchRequest, ctx context.Context, reqID string) (*flight, bool) {
	s.mu.Lock()
	if fl, ok := s.flights[key]; ok {
		s.mu.Unlock()
		return fl, false
	}
	fl := &flight{key: key, engine: r.Engine, result: make(chan *nats.Msg, 1), done: make(chan struct{})}
	s.flights[key] = fl
	s.mu.Unlock()
	s.m.flights.Inc()
	deadline, _ := ctx.Deadline()
	job := schemas.FetchJob{ID: nuid.Next(), Key: key, Request: *r, Deadline: deadline.UnixMilli(), RequestID: reqID, Created: time.Now().UTC()}
	s.wg.Add(1)
	go s.fly(fl, &job)
	return fl, true
}

// fly publishes the flight's job and waits for its outcome, then stores a success before
// waking the waiters, so a request that follows the reply finds the entry.
func (s *Service) fly(fl *flight, job *schemas.FetchJob) {
	defer s.wg.Done()
	defer s.m.flights.Dec()
	finish := func() {
		close(fl.done)
		s.mu.Lock()
		delete(s.flights, fl.key)
		s.mu.Unlock()
	}
	defer finish()

	ctx, cancel := context.WithDeadline(context.Background(), job.DeadlineTime())
	defer cancel()
	if err := s.publish(ctx, job); err != nil {
		fl.err = err
		return
	}
	var msg *nats.Msg
	select {
	case msg = <-fl.result:
	case <-ctx.Done():
		fl.err = schemas.NewError(schemas.TypeTimeout, "no answer from the engine within the request's deadline")
		fl.err.Engine = fl.engine
		return
	}
	if code := msg.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		fl.err = schemas.DecodeError(code, msg.Header.Get(schemas.HeaderServiceError), msg.Data)
		return
	}
	fetchMS, parseMS := schemas.ParseTimings(msg.Header.Get(schemas.HeaderTimings))
	ent := &entry{Created: time.Now().Truncate(time.Millisecond), FetchUS: uint32(fetchMS * 1000), ParseUS: uint32(parseMS * 1000), ID: job.ID, Body: msg.Data}
	enc := ent.encode()
	setCtx, setCancel := context.WithTimeout(context.Background(), time.Second)
	if err := s.store.Set(setCtx, fl.key, enc, s.cfg.TTL); err != nil {
		s.m.backendErrors.WithLabelValues("set").Inc()
		s.log.Debug("cache set failed", "err", err)
	} else {
		s.m.storedBytes.Add(float64(len(enc)))
	}
	setCancel()
	fl.ent = ent
}

func (s *Service) publish(ctx context.Context, job *schemas.FetchJob) *schemas.Error {
	data, _ := json.Marshal(job)
	msg := nats.NewMsg(schemas.SubjectFetchPrefix + job.Request.Engine)
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, job.ID)
	msg.Header.Set(schemas.HeaderDeadline, strconv.FormatInt(job.Deadline, 10))
	msg.Header.Set(schemas.HeaderKey, job.Key)
	if job.RequestID != "" {
		msg.Header.Set(schemas.HeaderRequestID, job.RequestID)
	}
	_, err := s.js.PublishMsg(ctx, msg)
	if err == nil {
		s.m.jobs.WithLabelValues("ok").Inc()
		return nil
	}
	var apiErr *jetstream.APIError
	switch {
	case errors.As(err, &apiErr):
		// The stream refused the job (full: discard-new): say so at once.
		s.m.jobs.WithLabelValues("refused").Inc()
		e := schemas.Errorf(schemas.TypeOverloaded, "fetch queue is full: %s", apiErr.Description)
		e.RetryAfterMS = 1000
		return e
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		s.m.jobs.WithLabelValues("no_stream").Inc()
		e := schemas.NewError(schemas.TypeUnavailable, "fetch queue is not available")
		e.RetryAfterMS = 1000
		return e
	case errors.Is(err, context.DeadlineExceeded):
		s.m.jobs.WithLabelValues("timeout").Inc()
		return schemas.NewError(schemas.TypeTimeout, "deadline passed while queueing the fetch")
	}
	s.m.jobs.WithLabelValues("error").Inc()
	e := schemas.Errorf(schemas.TypeUnavailable, "queueing the fetch: %v", err)
	e.RetryAfterMS = 1000
	return e
}

// onResult hands an outcome to the flight waiting for its key, if this replica has one.
func (s *Service) onResult(msg *nats.Msg) {
	key := strings.TrimPrefix(msg.Subject, schemas.SubjectResultPrefix)
	s.mu.Lock()
	fl := s.flights[key]
	s.mu.Unlock()
	if fl == nil {
		return
	}
	select {
	case fl.result <- msg:
	default: // a duplicate outcome (a redelivered job); the first one counts
	}
}

func (s *Service) replyError(req micro.Request, e *schemas.Error, reqID string) {
	e.RequestID = reqID
	req.Error(e.Code(), e.Title, e.JSON(), micro.WithHeaders(micro.Headers{schemas.HeaderErrorType: {e.Kind}}))
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
