package fetcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/trawl-dev/trawl/kit/target"

	"github.com/trawl-dev/trawl/kit/buffers"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/kit/jspub"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/streams"
	"github.com/trawl-dev/trawl/kit/work"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
)

// Deps are what the fetch stage is handed by its main.
type Deps struct {
	NC      *nats.Conn
	Engines *engines.Registry
	Streams schemas.StreamLimits
	Log     *slog.Logger
	Metrics prometheus.Registerer
	// Transport overrides the direct route's HTTP transport (tests); nil builds the default.
	Transport http.RoundTripper
	// Handoff, when set, is where a parser of the same process may be offered (kit/handoff):
	// pages then go to it in memory rather than through the parse stream (nil: --handoff=false).
	Handoff *handoff.Point
}

// Service is one fetcher.
type Service struct {
	cfg      Config
	nc       *nats.Conn
	handoff  *handoff.Point
	js       jetstream.JetStream
	engines  *engines.Registry
	streams  schemas.StreamLimits
	log      *slog.Logger
	m        *metrics
	pool     *pool
	budget   *retryBudget
	breakers *breakers
	// fleet shares proxy and breaker health with the other fetchers.
	fleet  *fleet
	polite *politeness
	// policy guards scrapes' targets; hostBreakers are their breakers, one per host; and
	// scrapeClients their clients, one per route (*route → *http.Client).
	policy        *target.Policy
	hostBreakers  *breakers
	scrapeClients sync.Map

	work    work.Tracker
	puller  *work.Puller
	keeper  *streams.Keeper
	svc     micro.Service
	deadSub *nats.Subscription
	stop    sync.Once
	// ctx is cancelled when Stop gives up waiting, to cut off fetches still running.
	ctx    context.Context
	cancel context.CancelFunc
	// bgCtx stops the background work (probes) at Stop.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup
}

// New checks the configuration and builds a fetcher; Start attaches it to the stream.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NC == nil || d.Engines == nil {
		return nil, errors.New("fetcher: NATS connection and engines are required")
	}
	if d.Log == nil {
		d.Log = logging.Discard()
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	proxies, _ := parseProxies(cfg.Proxies) // checked by Validate
	policy, _ := cfg.scrapePolicy()         // checked by Validate
	m := newMetrics(d.Metrics)
	ctx, cancel := context.WithCancel(context.Background())
	bgCtx, bgCancel := context.WithCancel(context.Background())
	s := &Service{
		cfg: cfg, nc: d.NC, handoff: d.Handoff, engines: d.Engines, streams: d.Streams, log: d.Log, m: m,
		pool:     newPool(poolConfig{MaxBodyBytes: cfg.MaxBodyBytes, MaxConns: cfg.ProxyMaxConns, Cooldown: cfg.ProxyCooldown, MaxCooldown: cfg.ProxyMaxCooldown}, proxies, d.Transport, m),
		budget:   newRetryBudget(cfg.RetryRatio, cfg.RetryBurst),
		breakers: newBreakers(cfg, m),
		polite:   newPoliteness(cfg.HostMaxConns, cfg.HostMinInterval),
		policy:   policy, hostBreakers: newHostBreakers(cfg, m),
		ctx: ctx, cancel: cancel,
		bgCtx: bgCtx, bgCancel: bgCancel,
	}
	// The name tells the fleet's records apart by writer: unique even across a NATS cluster.
	name := d.NC.Opts.Name + "#" + nuid.Next()
	s.fleet = newFleet(nil, d.Streams, name, cfg, d.Engines.Names(), s.pool, s.breakers, m, d.Log.With("component", "fetch-health"))
	return s, nil
}

// Start ensures the streams and the durable consumer, registers the micro service (with the
// engines status endpoint), watches for jobs that ran out of deliveries, then consumes.
func (s *Service) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	js, err := jetstream.New(s.nc)
	if err != nil {
		return err
	}
	s.js = js
	s.keeper = streams.NewKeeper(js, s.streams, schemas.StreamFetch,
		schemas.FetchConsumer(s.cfg.MaxAckPending, s.cfg.AckWait, s.cfg.MaxDeliver), s.log)
	cons, err := s.keeper.Ensure(ctx)
	if err != nil {
		return fmt.Errorf("fetcher: %w", err)
	}
	s.svc, err = micro.AddService(s.nc, micro.Config{
		Name:        schemas.ServiceFetcher,
		Version:     schemas.Version,
		Description: "fetches engine pages for jobs on " + schemas.StreamFetch,
	})
	if err != nil {
		return fmt.Errorf("fetcher: register service: %w", err)
	}
	if err := s.svc.AddEndpoint("engines-status", micro.HandlerFunc(s.serveStatus),
		micro.WithEndpointSubject(schemas.SubjectEnginesStatus)); err != nil {
		return fmt.Errorf("fetcher: status endpoint: %w", err)
	}
	if err := s.watchDeadLetters(); err != nil {
		return fmt.Errorf("fetcher: dead-letter watch: %w", err)
	}
	// Before the first job: a fetcher starting late starts from the fleet's view.
	s.fleet.js = js
	s.fleet.start(ctx)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.pool.runProbes(s.bgCtx, s.probe)
	}()
	// Each fetcher pulls no more jobs than it has free slots: its in-flight bound.
	s.puller = work.StartPuller(cons, s.cfg.Concurrency, &s.work, s.onJob, s.log)
	s.keeper.Start()
	s.log.Info("fetch stage started", "concurrency", s.cfg.Concurrency, "routes", len(s.pool.routes), "health", s.fleet.String())
	return nil
}

// Ready fails while the fetch stream or its consumer is missing (for /readyz).
func (s *Service) Ready() error {
	if s.keeper == nil {
		return errors.New("not started")
	}
	return s.keeper.Ready()
}

// Stop stops pulling, lets jobs in hand finish (bounded by the ack wait: after that they are
// redelivered anyway), and naks what is left so another fetcher takes it at once.
func (s *Service) Stop() {
	s.stop.Do(func() {
		if s.keeper != nil {
			s.keeper.Stop()
		}
		if s.puller != nil {
			s.puller.Stop()
		}
		if s.deadSub != nil {
			s.deadSub.Unsubscribe()
		}
		s.work.Close()
		done := s.work.Done()
		select {
		case <-done:
		case <-time.After(s.cfg.AckWait):
			s.cancel()
			<-done
		}
		s.cancel()
		s.bgCancel()
		s.bg.Wait()
		s.fleet.close()
		if s.svc != nil {
			s.svc.Stop()
		}
		s.pool.closeIdle()
	})
}

// onJob runs on its own goroutine, one of at most --fetch-concurrency (work.Puller).
func (s *Service) onJob(msg jetstream.Msg) {
	s.m.inFlight.Inc()
	defer s.m.inFlight.Dec()
	s.handle(msg)
}

// noDeadline bounds a job that carries no deadline (never sent by trawl's cache).
const noDeadline = time.Minute

func (s *Service) handle(msg jetstream.Msg) {
	job, err := schemas.DecodeFetchJob(msg.Data())
	if err != nil {
		s.log.Warn("malformed fetch job", "subject", msg.Subject(), "err", err)
		s.m.jobs.WithLabelValues("", "malformed").Inc()
		s.deadLetter(msg.Subject(), msg.Data(), "malformed", err.Error())
		msg.Term()
		return
	}
	engine := job.Route()
	if job.Expired(time.Now()) {
		// The requester has given up: fetching now would be wasted upstream quota.
		s.m.jobs.WithLabelValues(engine, "expired").Inc()
		msg.TermWithReason("deadline passed")
		return
	}
	deadline := job.DeadlineTime()
	if deadline.IsZero() {
		deadline = time.Now().Add(noDeadline)
	}
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	stopProgress := s.keepAlive(ctx, msg)
	defer stopProgress()

	start := time.Now()
	pg, attempts, ferr := s.fetch(ctx, job)
	fetchMS := float64(time.Since(start).Microseconds()) / 1000
	s.m.duration.WithLabelValues(engine).Observe(time.Since(start).Seconds())
	s.m.perJob.Observe(float64(attempts))
	if ferr != nil {
		if s.ctx.Err() != nil {
			// Shutting down: let another fetcher have it.
			msg.Nak()
			s.m.jobs.WithLabelValues(engine, "requeued").Inc()
			return
		}
		if ferr.Kind == schemas.TypeTimeout || job.Expired(time.Now()) {
			// The requester's deadline cut the fetch short. The cache answers that requester
			// with a 504 at its deadline; a failure published here would also reach waiters
			// with later deadlines, who are owed a fetch of their own, not this one's cut-off.
			s.m.jobs.WithLabelValues(engine, "expired").Inc()
			msg.TermWithReason("deadline passed during the fetch")
			return
		}
		outcome := "failed"
		if ferr.Kind == schemas.TypeCircuitOpen {
			outcome = "circuit_open"
		}
		s.m.jobs.WithLabelValues(engine, outcome).Inc()
		s.fail(msg, job, ferr)
		return
	}
	page := schemas.PageMsg{Job: job, JobJSON: msg.Data(), FetchMS: fetchMS, Attempts: attempts,
		FinalURL: pg.FinalURL, HTTPStatus: pg.Status, ContentType: pg.ContentType}
	if pg.FinalURL == "" {
		page.HTTPStatus = 0 // an engine's page: its status says nothing the parser reads
	}
	buf := pageBuffers.Get()
	page.Compress(*buf, pg.Body)
	if p := s.parser(); p != nil {
		// The job stays unacked until the page's outcome is out: if it cannot be, or the
		// process dies first, the job is fetched again.
		err = p.TakePage(&page, pg.Body, pg.parsed)
	} else {
		var out *nats.Msg
		if out, err = page.Msg(); err == nil {
			pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err = jspub.Publish(pctx, s.nc, out, jetstream.DefaultPubRetryWait)
			pcancel()
		}
	}
	// The parser and PublishMsg have copied what they keep of the page, whatever they returned.
	recyclePage(pg.Body)
	pg.Body = nil
	pageBuffers.Put(buf, page.Data)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) {
			// The parse stream is full: the requester hears it now rather than at its deadline.
			e := schemas.Errorf(schemas.TypeOverloaded, "parse queue is full: %s", apiErr.Description)
			e.RetryAfterMS = 1000
			s.fail(msg, job, e)
			return
		}
		s.log.Warn("handing the page on failed; job will be redelivered", "job", job.ID, "err", err)
		msg.NakWithDelay(time.Second)
		s.m.jobs.WithLabelValues(engine, "requeued").Inc()
		return
	}
	msg.Ack()
	s.m.jobs.WithLabelValues(engine, "ok").Inc()
}

// parser is the parser of this process pages are handed to, nil when they go through the
// parse stream (none in this process, or --handoff=false).
func (s *Service) parser() handoff.Parser { return s.handoff.Parser() }

// pageBuffers hold compressed pages until they are published: one per job in flight.
var pageBuffers = buffers.Pool{Max: 1 << 20}

// fail publishes the typed failure to the requesters, then acks: the failure is the answer.
func (s *Service) fail(msg jetstream.Msg, job *schemas.FetchJob, e *schemas.Error) {
	if e.Engine == "" {
		e.Engine = job.Request.Engine
	}
	// The failure goes to the parse stage like a page: only the parse stage publishes
	// outcomes (kit/natsauth). If it cannot be queued, the job is tried again.
	if err := s.publishFailure(job, msg.Data(), e); err != nil {
		msg.NakWithDelay(time.Second)
		return
	}
	msg.Ack()
}

// publishFailure hands a job's typed failure to the parse stage: to the parser of this
// process, else on the parse stream.
func (s *Service) publishFailure(job *schemas.FetchJob, jobJSON []byte, e *schemas.Error) error {
	page := &schemas.PageMsg{Job: job, JobJSON: jobJSON, Err: e}
	if p := s.parser(); p != nil {
		return p.TakePage(page, nil, nil)
	}
	out, err := page.Msg()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = jspub.Publish(ctx, s.nc, out, jetstream.DefaultPubRetryWait)
	return err
}

// keepAlive tells the server the job is still being worked on, so a fetch longer than the ack
// wait is not redelivered to a second fetcher. A timer that re-arms itself rather than a
// goroutine with a ticker per job: most fetches end long before the first signal, and the
// goroutine, its ticker and its select were 1% of `trawl serve`'s CPU under misses
// (miss-aio-60s profile, 2026-12-04).
func (s *Service) keepAlive(ctx context.Context, msg jetstream.Msg) func() {
	every := s.cfg.AckWait / 3
	var (
		mu      sync.Mutex
		stopped bool
		t       *time.Timer
	)
	tick := func() {
		if ctx.Err() != nil {
			return
		}
		msg.InProgress()
		mu.Lock()
		if !stopped {
			t.Reset(every)
		}
		mu.Unlock()
	}
	mu.Lock()
	t = time.AfterFunc(every, tick)
	mu.Unlock()
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
	}
}

// probe tests an evicted route with a real search for the engine that last failed through it.
// Any answer from the engine passes, even an error status: the route carried it. A block page,
// junk or a broken connection fails.
func (s *Service) probe(ctx context.Context, rt *route) bool {
	engine := rt.lastEngine
	if engine == "" {
		engine = schemas.DefaultEngine
	}
	r := schemas.SearchRequest{Q: s.cfg.ProbeQuery, Engine: engine}
	r.Normalize()
	up, err := s.upstream(&r)
	if err != nil {
		return true // nothing to probe with: let live traffic judge
	}
	res := s.attempt(ctx, rt, engine, up, &r, s.cfg.AttemptTimeout)
	return res.outcome == outOK || res.outcome == outUpstream
}
