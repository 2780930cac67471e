package parser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/trawl-dev/trawl/kit/buffers"
	"github.com/trawl-dev/trawl/kit/enginehealth"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/streams"
	"github.com/trawl-dev/trawl/kit/work"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
)

// Deps are what the parse stage is handed by its main.
type Deps struct {
	NC      *nats.Conn
	Engines *engines.Registry
	Streams schemas.StreamLimits
	Log     *slog.Logger
	Metrics prometheus.Registerer
	// Handoff, when set, is where the parser offers itself to the fetchers of its process
	// (kit/handoff).
	Handoff *handoff.Point
}

// Service is one parser.
type Service struct {
	cfg     Config
	nc      *nats.Conn
	engines *engines.Registry
	streams schemas.StreamLimits
	log     *slog.Logger

	pages    *prometheus.CounterVec
	duration *prometheus.HistogramVec

	archived *prometheus.CounterVec
	health   *health
	js       jetstream.JetStream
	archive  jetstream.Stream
	keeper   *streams.Keeper
	handoff  *handoff.Point

	// slots bound the parses under way to --parse-concurrency. Pages off the stream never
	// wait for one (the puller takes no more than that); pages handed over by this process's
	// fetchers (kit/handoff) are parsed on the fetchers' goroutines, as many as
	// --fetch-concurrency, and wait here.
	slots   chan struct{}
	waiting prometheus.Gauge
	work    work.Tracker
	puller  *work.Puller
	svc     micro.Service
	stop    sync.Once
}

// New checks the configuration and builds a parser; Start attaches it to the stream.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NC == nil || d.Engines == nil {
		return nil, errors.New("parser: NATS connection and engines are required")
	}
	if d.Log == nil {
		d.Log = logging.Discard()
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	f := promauto.With(d.Metrics)
	s := &Service{
		cfg: cfg, nc: d.NC, engines: d.Engines, streams: d.Streams, log: d.Log, handoff: d.Handoff,
		pages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_parser_pages_total",
			Help: "Pages parsed, by engine and outcome (ok, no_results, suspect, degraded, blocked, unrecognised_page, malformed).",
		}, []string{"engine", "outcome"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trawl_parser_parse_duration_seconds",
			Help:    "Time to parse one page.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14),
		}, []string{"engine"}),
		archived: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_parser_archived_pages_total",
			Help: "Pages sent to the archive (written), refused by it (failed) or not sent because too many writes were in flight (dropped).",
		}, []string{"outcome"}),
		waiting: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_parser_waiting_pages",
			Help: "Pages waiting for one of the --parse-concurrency parse slots (handed over in memory by the fetchers of the same process).",
		}),
		health: newHealth(cfg, f),
		slots:  make(chan struct{}, cfg.Concurrency),
	}
	return s, nil
}

// Start ensures the streams and the durable consumer, then consumes.
func (s *Service) Start(ctx context.Context) error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return err
	}
	s.keeper = streams.NewKeeper(js, s.streams, schemas.StreamParse,
		schemas.ParseConsumer(s.cfg.MaxAckPending, s.cfg.AckWait, s.cfg.MaxDeliver), s.log)
	cons, err := s.keeper.Ensure(ctx)
	if err != nil {
		return fmt.Errorf("parser: %w", err)
	}
	host, _ := os.Hostname()
	s.health.board = enginehealth.New(js, s.streams, enginehealth.Options{Create: true,
		Name: host + "/" + strconv.Itoa(os.Getpid()), Engines: s.engines.Names(), Log: s.log, OnChange: s.health.onChange})
	s.health.board.Start(ctx)
	s.health.shared.Set(boolGauge(s.health.board.Shared()))
	if s.streams.Archive.Disabled {
		s.log.Info("archive off (--archive=false): pages are not kept")
	} else if err := s.openArchive(ctx); err != nil {
		return fmt.Errorf("parser: archive: %w", err)
	}
	s.svc, err = micro.AddService(s.nc, micro.Config{
		Name:        schemas.ServiceParser,
		Version:     schemas.Version,
		Description: "parses fetched pages from " + schemas.StreamParse,
		QueueGroup:  schemas.ServiceParser,
	})
	if err == nil {
		err = s.svc.AddEndpoint("reparse", micro.HandlerFunc(s.onPageReparse), micro.WithEndpointSubject(schemas.SubjectPageReparse))
	}
	if err != nil {
		if s.svc != nil {
			s.svc.Stop()
		}
		return fmt.Errorf("parser: register service: %w", err)
	}
	s.puller = work.StartPuller(cons, s.cfg.Concurrency, &s.work, s.handle, s.log)
	s.keeper.Start()
	s.handoff.OfferParser(s)
	s.log.Info("parse stage started", "concurrency", s.cfg.Concurrency, "engine_health", s.health.board.String())
	return nil
}

// Ready fails while the parse stream or its consumer is missing (for /readyz).
func (s *Service) Ready() error {
	if s.keeper == nil {
		return errors.New("not started")
	}
	return s.keeper.Ready()
}

// Stop stops pulling and lets pages in hand finish.
func (s *Service) Stop() {
	s.handoff.WithdrawParser(s)
	if s.keeper != nil {
		s.keeper.Stop()
	}
	s.stop.Do(func() {
		if s.puller != nil {
			s.puller.Stop()
		}
		s.work.Close()
		s.work.Wait()
		if s.svc != nil {
			s.svc.Stop()
		}
		if s.health.board != nil {
			s.health.board.Stop()
		}
	})
}

// handle takes a page off the parse stream.
func (s *Service) handle(msg jetstream.Msg) {
	page, err := schemas.DecodePage(msg.Headers(), msg.Data())
	if err != nil {
		s.log.Warn("malformed parse job", "subject", msg.Subject(), "err", err)
		s.pages.WithLabelValues("", "malformed").Inc()
		msg.Term()
		return
	}
	var html []byte
	// A page whose requester has given up is not worth decompressing: process ends it.
	if page.Err == nil && !page.Job.Expired(time.Now()) {
		html = page.Data
		if page.Compressed() {
			buf := pageBuffers.Get()
			dec, err := page.Decompress(*buf)
			if err != nil {
				pageBuffers.Put(buf, *buf)
				s.pages.WithLabelValues(page.Job.Route(), "malformed").Inc()
				s.settle(msg, s.publish(&schemas.Outcome{Key: page.Job.Key, JobID: page.Job.ID, Err: schemas.AsError(err)}))
				return
			}
			// The page lives only while it is parsed: the SERP holds copies of its text.
			defer pageBuffers.Put(buf, dec)
			html = dec
		}
	}
	s.settle(msg, s.process(&page, html, nil))
}

// TakePage is the parse of a page handed over in memory by a fetcher of this process
// (kit/handoff): the same as one taken off the stream, with the fetcher's Judge of it when
// parsed is not nil.
func (s *Service) TakePage(page *schemas.PageMsg, html []byte, parsed *handoff.Parsed) error {
	if err := s.process(page, html, parsed); err != errExpired {
		return err
	}
	return nil
}

// Judge reads a search page for a fetcher of this process (kit/handoff), under the same
// parse slots as the pages TakePage reads.
func (s *Service) Judge(engine string, html []byte, r *schemas.SearchRequest) *handoff.Parsed {
	release := s.slot()
	defer release()
	start := time.Now()
	serp, err := s.parse(engine, html, r)
	return &handoff.Parsed{SERP: serp, Err: err, Took: time.Since(start)}
}

// slot waits for a parse slot and returns its release.
func (s *Service) slot() (release func()) {
	select {
	case s.slots <- struct{}{}:
	default:
		s.waiting.Inc()
		s.slots <- struct{}{}
		s.waiting.Dec()
	}
	return func() { <-s.slots }
}

// errExpired is process's word for a page whose requester has given up: nothing to answer.
var errExpired = errors.New("deadline passed")

// settle acks a page taken off the stream once its outcome is out (err nil), ends it when
// its deadline has passed, and has it delivered again later when the outcome could not be
// published.
func (s *Service) settle(msg jetstream.Msg, err error) {
	switch err {
	case nil:
		msg.Ack()
	case errExpired:
		msg.TermWithReason("deadline passed")
	default:
		msg.NakWithDelay(500 * time.Millisecond)
	}
}

// process parses a page (html, decompressed) or takes its fetch failure (page.Err), publishes
// the outcome and archives the page: nil once the outcome is out, errExpired when nobody
// waits for it any more, else the publish's error. parsed, when not nil, is the page as Judge
// read it: it is not read again.
func (s *Service) process(page *schemas.PageMsg, html []byte, parsed *handoff.Parsed) error {
	job := page.Job
	engine := job.Route()
	if job.Expired(time.Now()) {
		s.pages.WithLabelValues(engine, "expired").Inc()
		return errExpired
	}
	if page.Err != nil {
		// The fetch failed: its typed failure is the job's outcome.
		s.pages.WithLabelValues(engine, "fetch_failed").Inc()
		return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Err: page.Err})
	}
	// Archived once the outcome is out (deferred: the answer never waits on the archive),
	// before the page's buffer goes back to its pool (defers run last in, first out); a
	// suspect page is archived with its reason.
	var suspect string
	defer func() { s.archivePage(page, html, suspect) }()
	if job.Scrape != nil {
		release := s.slot()
		defer release()
		return s.convert(page, html, time.Now())
	}
	if parsed == nil {
		parsed = s.Judge(engine, html, &job.Request)
	}
	serp, perr, parseDur := parsed.SERP, parsed.Err, parsed.Took
	s.duration.WithLabelValues(engine).Observe(parseDur.Seconds())
	if perr != nil {
		e := schemas.AsError(perr)
		if e.Engine == "" {
			e.Engine = engine
		}
		s.pages.WithLabelValues(engine, e.Kind).Inc()
		s.log.Warn("page not parsed", "engine", engine, "job", job.ID, "kind", e.Kind, "err", e.Detail)
		e.PageID = job.ID
		if e.Kind == schemas.TypeUnrecognised {
			// No results and no no-results marker: the loudest kind of suspect page.
			suspect = schemas.SuspectUnrecognised + ": " + e.Detail
			s.record(engine, enginehealth.Verdict{Suspect: true, Rule: schemas.SuspectUnrecognised, Reason: e.Detail, PageID: job.ID})
		}
		return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Err: e})
	}
	var warnings []schemas.Warning
	if v, judged := s.health.judge.page(engine, &job.Request, serp); judged {
		v.PageID = job.ID
		rec := s.record(engine, v)
		if v.Suspect {
			suspect = v.Rule + ": " + v.Reason
			if rec.Degraded() && failsDegraded(s.health.answer, len(serp.OrganicResults)) {
				s.pages.WithLabelValues(engine, "degraded").Inc()
				e := schemas.Errorf(schemas.TypeDegraded, "%s is degraded (%d suspect pages in a row) and this page is suspect too: %s", engine, rec.Run, v.Reason)
				e.Engine, e.PageID = engine, job.ID
				return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Err: e})
			}
			warnings = append(warnings, warning(engine, v, rec))
		}
	}
	body, err := Body(&job.Request, serp, warnings...)
	if err != nil {
		return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Err: schemas.AsError(err)})
	}
	outcome := "ok"
	switch {
	case suspect != "":
		outcome = "suspect"
	case len(serp.OrganicResults) == 0:
		outcome = "no_results"
	}
	s.pages.WithLabelValues(engine, outcome).Inc()
	return s.publish(&schemas.Outcome{Key: job.Key, JobID: job.ID, Body: body, Suspect: suspect,
		FetchMS: page.FetchMS, ParseMS: float64(parseDur.Microseconds()) / 1000})
}

// failsDegraded reports whether --degraded-answer answers a suspect page of a degraded engine,
// holding results organic results, with 502 degraded rather than the page and a warning.
func failsDegraded(policy string, results int) bool {
	return policy == schemas.DegradedFail || policy == schemas.DegradedEmpty && results == 0
}

// pageBuffers hold decompressed pages while they are parsed: one per page in flight.
var pageBuffers = buffers.Pool{Max: 4 << 20}

// parse runs the engine's parser, turning a panic on hostile HTML into a typed error: one
// page must never take the stage down.
func (s *Service) parse(engine string, html []byte, r *schemas.SearchRequest) (serp *schemas.SERP, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("parser panic", "engine", engine, "panic", p)
			err = schemas.Errorf(schemas.TypeUnrecognised, "%s: parser failed on this page", engine)
		}
	}()
	return s.engines.Parse(engine, html, r)
}

// publish sends the outcome; the page is settled only once it is sent.
func (s *Service) publish(o *schemas.Outcome) error {
	return schemas.PublishOutcome(s.nc, o)
}
