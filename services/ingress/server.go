package ingress

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trawl-dev/trawl/kit/enginehealth"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/kit/lifecycle"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/ops"
	"github.com/trawl-dev/trawl/services/ingress/params"
	"github.com/trawl-dev/trawl/services/ingress/usage"
	"github.com/trawl-dev/trawl/services/ingress/webhook"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
)

// Deps are what the ingress is handed by its main.
type Deps struct {
	NC *nats.Conn
	// Handoff, when set, is where a cache of this process may be offered (kit/handoff):
	// searches and scrapes then go to it in memory rather than over NATS.
	Handoff *handoff.Point
	Engines *engines.Registry
	Log     *slog.Logger
	// Metrics is the process registry; /metrics serves Gatherer.
	Metrics  prometheus.Registerer
	Gatherer prometheus.Gatherer
	Probe    *ops.Probe
	// RedisURL, when set, shares rate limits and quotas across every ingress replica
	// (config.Common.RedisURL); empty keeps them in process.
	RedisURL string
	// ArchiveTTL is how long the archive keeps answers (--archive-ttl), for messages.
	ArchiveTTL time.Duration
	// NoArchive turns the archive off (--archive=false): answers are not kept, and async
	// requests, batches and reads by id are refused.
	NoArchive bool
}

// Server is one ingress.
type Server struct {
	cfg     Config
	nc      *nats.Conn
	handoff *handoff.Point
	engines *engines.Registry
	log     *slog.Logger
	m       *metrics
	probe   *ops.Probe
	metrics fasthttp.RequestHandler

	// keys is nil under open access; Reload swaps it.
	keys atomic.Pointer[keyring]
	lim  limiter
	rdb  *redis.Client
	ips  *ipPolicies
	cors *cors
	near *nearCache
	// usage counts each tenant's admitted searches and scrapes (account.go).
	usage usage.Counter
	// nearHits and nearMisses are resolved series of m.near.
	nearHits, nearMisses prometheus.Counter
	// webhooks posts finished work to a request's webhook_url (webhooks.go); openSecret signs
	// them under open access.
	webhooks   *webhook.Sender
	openSecret []byte

	srv  *fasthttp.Server
	ln   net.Listener
	svc  micro.Service
	stop sync.Once
	// failed reports a listener that stopped serving while the ingress was not stopping.
	failed chan error
	// clients are NATS client searches in progress (natsapi.go).
	clients  sync.WaitGroup
	stopping atomic.Bool
	// inFlight and lastReq let Stop tell when requests have stopped arriving (lameDuck).
	inFlight atomic.Int64
	lastReq  atomic.Int64

	health engineHealth
	// board is the engine health the parsers share (the silent-empty alarm).
	board *enginehealth.Board

	archive    *archive
	archiveTTL time.Duration
	// slots bound each tenant's async work; asyncCalls (under asyncMu) and asyncWG are that
	// work in flight (async.go).
	slots      slots
	asyncMu    sync.Mutex
	asyncCalls map[string]*call
	asyncWG    sync.WaitGroup
	// stopAsync is closed as the ingress stops: batch items waiting for a slot give up.
	stopAsync chan struct{}

	// responder caches whether a search responder answered a recent ping, for /readyz.
	respMu   sync.Mutex
	respAt   time.Time
	respErr  error
	handlers fasthttp.RequestHandler

	// dialects serve the clients of other search APIs (dialects.go).
	dialects *dialects
}

// New checks the configuration, loads the keys file and builds an ingress; Start listens.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NC == nil || d.Engines == nil {
		return nil, errors.New("ingress: NATS connection and engines are required")
	}
	if d.Log == nil {
		d.Log = logging.Discard()
	}
	if d.Metrics == nil {
		reg := prometheus.NewRegistry()
		d.Metrics, d.Gatherer = reg, reg
	}
	if d.Probe == nil {
		d.Probe = ops.NewProbe()
	}
	s := &Server{cfg: cfg, nc: d.NC, handoff: d.Handoff, failed: make(chan error, 1), engines: d.Engines, log: d.Log, m: newMetrics(d.Metrics), probe: d.Probe,
		lim: localLimiter{}, cors: newCORS(cfg.CORSOrigins), near: newNearCache(cfg.NearCacheTTL, cfg.NearCacheBytes)}
	s.nearHits, s.nearMisses = s.m.near.WithLabelValues("hit"), s.m.near.WithLabelValues("miss")
	s.slots.max, s.asyncCalls, s.stopAsync = cfg.TenantMaxInFlight, map[string]*call{}, make(chan struct{})
	s.archiveTTL = cmp.Or(d.ArchiveTTL, schemas.DefaultArchiveLimits().TTL)
	if !d.NoArchive {
		var err error
		if s.archive, err = newArchive(d.NC, s.m.archived, s.log); err != nil {
			return nil, fmt.Errorf("ingress: archive: %w", err)
		}
	}
	if err := s.initWebhooks(); err != nil {
		return nil, err
	}
	if cfg.KeysFile != "" {
		if err := s.Reload(); err != nil {
			return nil, err
		}
	} else {
		s.log.Warn("no keys file (--keys-file): open access, every request is admitted without an API key")
		if cfg.IPRate > 0 {
			s.ips = newIPPolicies(cfg.IPRate, cfg.IPBurst)
		}
	}
	if d.RedisURL != "" {
		opts, err := redis.ParseURL(d.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("ingress: redis url: %w", err)
		}
		// A rate-limit check sits on every request: fail fast and fall back rather than wait.
		for _, t := range []*time.Duration{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout} {
			if *t == 0 {
				*t = 250 * time.Millisecond
			}
		}
		if opts.MaxRetries == 0 {
			opts.MaxRetries = -1
		}
		if opts.DialerRetries == 0 {
			opts.DialerRetries = 1
		}
		s.rdb = redis.NewClient(opts)
		s.lim = newRedisLimiter(s.rdb, cfg.RateLimitFailClosed, s.log, s.m)
	}
	s.usage = newUsage(cfg, s.rdb, d.Metrics, s.log)
	if d.Gatherer != nil {
		s.metrics = fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{}))
	}
	s.probe.Check("nats", func() error {
		if !s.nc.IsConnected() {
			return errors.New("not connected")
		}
		return nil
	})
	s.probe.Check("search responder", s.responderPresent)
	var err error
	if s.dialects, err = newDialects(s); err != nil {
		return nil, err
	}
	s.handlers = fasthttp.CompressHandlerLevel(s.route, fasthttp.CompressDefaultCompression)
	s.srv = &fasthttp.Server{
		Handler:      s.handlers,
		ErrorHandler: s.malformed,
		Name:         "trawl",
		ReadTimeout:  30 * time.Second,
		WriteTimeout: cfg.Deadlines.Max + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		// A q of 2048 bytes, percent-encoded, is up to 6 KiB of request line.
		ReadBufferSize: 16 << 10,
		// Bodies past MaxBodyBytes get a problem+json 413 from the handler once read; only
		// much larger ones are cut off while reading (also a problem+json 413, by malformed).
		// (A batch may be 16 bodies' worth: batchMaxBody.)
		MaxRequestBodySize:    max(2<<20, 32*cfg.MaxBodyBytes),
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		MaxConnsPerIP:         cfg.MaxConnsPerIP,
		CloseOnShutdown:       true,
	}
	return s, nil
}

// Reload re-reads the keys file (on SIGHUP). A file that fails to load leaves the keys in
// force unchanged; tenants that stay keep their limiter state.
func (s *Server) Reload() error {
	if s.cfg.KeysFile == "" {
		return nil
	}
	ring, err := loadKeys(s.cfg.KeysFile, s.keys.Load())
	if err != nil {
		s.m.keyReloads.WithLabelValues("error").Inc()
		s.log.Error("keys file not loaded; the keys in force stay", "err", err)
		return fmt.Errorf("ingress: keys file: %w", err)
	}
	s.keys.Store(ring)
	s.m.keyReloads.WithLabelValues("ok").Inc()
	s.m.tenants.Set(float64(len(ring.tenants)))
	s.log.Info("keys file loaded", "path", s.cfg.KeysFile, "tenants", len(ring.tenants))
	return nil
}

// Handler is the ingress's request handler, for tests that drive it without a listener.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handlers }

// Start listens and serves in the background.
func (s *Server) Start(ctx context.Context) error {
	ln, err := lifecycle.Listen("http-addr", s.cfg.HTTPAddr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.svc, err = micro.AddService(s.nc, micro.Config{
		Name:        schemas.ServiceIngress,
		Version:     schemas.Version,
		Description: "HTTP face of trawl on " + ln.Addr().String(),
	})
	if err != nil {
		ln.Close()
		return err
	}
	// A search or scrape waits on the cache: each runs on its own goroutine, not the
	// subscription's.
	for _, ep := range []struct {
		name, subject string
		handle        func(clientReq)
	}{
		{"client-search", schemas.SubjectClientSearch, s.clientSearch},
		{"client-scrape", schemas.SubjectClientScrape, s.clientScrape},
	} {
		if err := s.svc.AddEndpoint(ep.name, micro.HandlerFunc(func(r micro.Request) {
			req := newClientReq(r)
			s.clients.Add(1)
			go func() { defer s.clients.Done(); ep.handle(req) }()
		}), micro.WithEndpointSubject(ep.subject)); err != nil {
			ln.Close()
			return err
		}
	}
	go func() {
		err := s.srv.Serve(ln)
		if s.stopping.Load() {
			return
		}
		// fasthttp returns nil when its listener is closed under it: still a failure, the
		// process would answer nothing.
		if err == nil {
			err = errors.New("listener closed")
		}
		s.failed <- fmt.Errorf("http listener %s: %w", ln.Addr(), err)
	}()
	js, err := jetstream.New(s.nc)
	if err != nil {
		js = nil // the board says it is per process
	}
	s.board = enginehealth.New(js, schemas.StreamLimits{}, enginehealth.Options{Engines: s.engines.Names(), Log: s.log})
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	s.board.Start(hctx)
	cancel()
	s.log.Info("ingress listening", "addr", ln.Addr().String())
	return nil
}

// Failed delivers the HTTP listener's failure (lifecycle.Failer).
func (s *Server) Failed() <-chan error { return s.failed }

// Listener is the bound HTTP listener (tests close it under the server).
func (s *Server) Listener() net.Listener { return s.ln }

// lameDuck bounds how long Stop keeps serving after it is called, and lameDuckQuiet is how
// long no new request must arrive before it stops early. A request a client sent just before
// the stop may still sit in an idle keep-alive connection or the listener's backlog; closing
// at once would drop it unanswered (SIGTERM during 40 in-flight searches left 6 without an
// answer). While in lame duck every response says Connection: close, so clients move away.
const (
	lameDuck      = 2 * time.Second
	lameDuckQuiet = 150 * time.Millisecond
)

// Addr is the bound HTTP address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop marks the ingress not ready, stops accepting, and lets requests in flight finish.
func (s *Server) Stop() {
	s.stop.Do(func() {
		began := time.Now()
		s.probe.Stopping()
		s.stopping.Store(true)
		if s.ln != nil {
			s.waitQuiet()
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Deadlines.Max)
			defer cancel()
			s.srv.ShutdownWithContext(ctx)
		}
		close(s.stopAsync)
		s.drainAsync(s.cfg.Deadlines.Max)
		if s.svc != nil {
			s.svc.Stop()
		}
		if s.board != nil {
			s.board.Stop()
		}
		s.clients.Wait()
		s.stopWebhooks(began)
		// Archive writes still awaiting their acks land before the connection goes.
		if s.archive != nil {
			s.archive.stopBundler()
			select {
			case <-s.archive.js.PublishAsyncComplete():
			case <-time.After(2 * time.Second):
			}
		}
		s.usage.Stop() // every request is answered: its count goes to Redis before the client closes
		if s.rdb != nil {
			s.rdb.Close()
		}
		s.near.close()
	})
}

// Route indexes into routes (metrics.go).
const (
	routeSearch = iota
	routeEngines
	routeHealth
	routeReady
	routeMetrics
	routeOpenAPI
	routeRecords
	routeScrape
	routeAccount
	routeOther
)

// waitQuiet returns once no request is in flight and none has arrived for lameDuckQuiet, or
// after lameDuck.
func (s *Server) waitQuiet() {
	end := time.Now().Add(lameDuck)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for now := time.Now(); now.Before(end); now = <-t.C {
		if s.inFlight.Load() == 0 && now.Sub(time.Unix(0, s.lastReq.Load())) >= lameDuckQuiet {
			return
		}
	}
}

func (s *Server) route(c *fasthttp.RequestCtx) {
	start := time.Now()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.lastReq.Store(start.UnixNano())
	if s.stopping.Load() {
		c.SetConnectionClose()
	}
	reqID := requestID(c)
	c.Response.Header.Set("X-Request-Id", reqID)
	preflight := s.cors.apply(c)
	route := routeOther
	switch string(c.Path()) {
	case "/v1/search":
		route = routeSearch
		if !preflight {
			s.search(c, reqID, start)
		}
	case "/v1/scrape":
		route = routeScrape
		if !preflight {
			s.scrape(c, reqID, start)
		}
	case "/v1/account":
		route = routeAccount
		if !preflight {
			s.account(c, reqID, start)
		}
	case "/v1/engines":
		route = routeEngines
		if !preflight {
			s.listEngines(c, reqID, start)
		}
	case "/healthz":
		route = routeHealth
		c.SetContentType("application/json")
		c.SetBody(ops.Health())
	case "/readyz":
		route = routeReady
		c.SetContentType("text/plain; charset=utf-8")
		if err := s.probe.Ready(); err != nil {
			c.SetStatusCode(fasthttp.StatusServiceUnavailable)
			c.SetBodyString("not ready: " + err.Error() + "\n")
			break
		}
		c.SetBodyString("ready\n")
	case "/metrics":
		route = routeMetrics
		// With keys, the public port serves tenants only: tenant names, rates and the rest of
		// the metrics are for the operator, on the ops listener (--ops-addr).
		if s.metrics == nil || s.keys.Load() != nil {
			s.problem(c, schemas.NewError(schemas.TypeNotFound, "metrics are served on the ops listener (--ops-addr)"), reqID)
			break
		}
		s.metrics(c)
	case "/openapi.json":
		route = routeOpenAPI
		c.SetContentType("application/json")
		c.SetBody(schemas.OpenAPI())
	default:
		if preflight {
			break
		}
		if s.records(c, reqID, start) {
			route = routeRecords
			break
		}
		if r := s.dialect(c); r >= 0 {
			route = r
			break
		}
		s.problem(c, schemas.Errorf(schemas.TypeNotFound, "no route %s", c.Path()), reqID)
	}
	code := c.Response.StatusCode()
	s.m.observe(route, code, time.Since(start).Seconds())
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("request", "request_id", reqID, "method", string(c.Method()), "path", string(c.Path()),
			"status", code, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	}
}

// requestID keeps the client's X-Request-Id when it is short printable ASCII (it goes into
// headers and logs), and makes one otherwise.
func requestID(c *fasthttp.RequestCtx) string {
	id := c.Request.Header.Peek(schemas.HeaderRequestID)
	if len(id) == 0 {
		id = c.Request.Header.Peek("X-Request-Id")
	}
	return cleanRequestID(string(id))
}

// cleanRequestID keeps a client's request id if it is short printable ASCII, and otherwise
// (absent, over 128 bytes, control characters: nothing to echo into logs and headers) makes a
// new one.
func cleanRequestID(id string) string {
	if len(id) == 0 || len(id) > 128 {
		return schemas.NewID()
	}
	for i := 0; i < len(id); i++ {
		if b := id[i]; b < 0x21 || b > 0x7e {
			return schemas.NewID()
		}
	}
	return id
}

// gate authenticates a request and applies its limits, answering it when it may not pass.
func (s *Server) gate(c *fasthttp.RequestCtx, reqID string, now time.Time) (*tenant, bool) {
	key, bad := apiKey(&c.Request.Header)
	t, e := s.admit(&c.Response.Header, key, bad, c.RemoteIP(), now)
	if e != nil {
		s.problem(c, e, reqID)
		return t, false
	}
	return t, true
}

// admit finds the tenant of a presented key and applies its limits (per address under open
// access): the one admission of every route, native and dialect. h, when not nil, gets the
// rate-limit and WWW-Authenticate headers.
func (s *Server) admit(h *fasthttp.ResponseHeader, key []byte, bad bool, ip net.IP, now time.Time) (*tenant, *schemas.Error) {
	t, e := s.authenticate(h, key, bad)
	if e != nil {
		return nil, e
	}
	return t, s.limit(h, t, ip, now)
}

// authenticateReq is authenticate for an HTTP request, which takes no rate token (reads of
// the archive and the account).
func (s *Server) authenticateReq(c *fasthttp.RequestCtx) (*tenant, *schemas.Error) {
	key, bad := apiKey(&c.Request.Header)
	return s.authenticate(&c.Response.Header, key, bad)
}

// limit takes one request's worth of the tenant's rate and quota (under open access, the
// client address's rate, if limited), returning the typed refusal when none is left. h, when
// not nil, gets the rate headers.
func (s *Server) limit(h *fasthttp.ResponseHeader, t *tenant, ip net.IP, now time.Time) *schemas.Error {
	var p *policy
	name := ""
	switch {
	case t != nil:
		p, name = t.pol, t.name
	case s.ips != nil && ip != nil:
		p, name = s.ips.get(ip, now), "ip"
	}
	if !p.limited() {
		return nil
	}
	d := s.lim.take(p, now)
	if h != nil {
		setRateHeaders(h, p, d, now)
	}
	if d.kind == "" {
		return nil
	}
	s.m.limited.WithLabelValues(name, d.kind).Inc()
	var e *schemas.Error
	switch d.kind {
	case schemas.TypeQuotaExceeded:
		e = schemas.Errorf(d.kind, "the daily quota of %d requests is used up; it renews at 00:00 UTC", p.quota)
	case schemas.TypeRateLimited:
		e = schemas.Errorf(d.kind, "more than %d requests at once or %.4g per second", p.rate.burst, float64(time.Second)/float64(p.rate.interval))
	default:
		e = schemas.NewError(d.kind, "the rate limiter is unavailable")
	}
	e.RetryAfterMS = max(1, (d.retryAfter + time.Millisecond - 1).Milliseconds())
	return e
}

func (s *Server) search(c *fasthttp.RequestCtx, reqID string, start time.Time) {
	var (
		r    *schemas.SearchRequest
		form []schemas.FieldError
	)
	if !c.IsGet() && !c.IsPost() {
		c.Response.Header.Set("Allow", "GET, POST")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed on /v1/search", c.Method()), reqID)
		return
	}
	t, ok := s.gate(c, reqID, start)
	if !ok {
		return
	}
	// Admitted: from here on the request is usage; ask counts what it answers, this what it
	// refuses.
	asked := false
	defer s.countRefused(t, usage.Search, &asked, start)
	if c.IsGet() {
		r, form = params.ParseQuery(c.QueryArgs())
	} else {
		body, ok := s.postBody(c, reqID, &form)
		if !ok {
			return
		}
		var ferr []schemas.FieldError
		r, ferr = params.DecodeBody(body)
		form = append(form, ferr...)
		if r == nil {
			s.problem(c, schemas.ValidationError(form), reqID)
			return
		}
	}
	if errs := params.Validate(r, form, s.engines.Known, s.engines.Supports, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		s.problem(c, schemas.ValidationError(errs), reqID)
		return
	}
	asked = true
	s.answerHTTP(c, s.newCall(schemas.KindSearch, r, nil, t, reqID, start), r.Async)
}

// cacheHeader is the X-Cache value of a Trawl-Cache state.
func cacheHeader(state string) string {
	switch state {
	case "hit":
		return "HIT"
	case "miss":
		return "MISS"
	case "stale":
		return "STALE"
	case "coalesced":
		return "COALESCED"
	}
	return "UNKNOWN"
}

// problem writes e as RFC 9457 problem+json, with Retry-After when the error carries one.
// postBody is a POST's body within --max-body-bytes (ok is false once a larger one has been
// answered 413); parameters in the query string beside it are added to form as an error.
func (s *Server) postBody(c *fasthttp.RequestCtx, reqID string, form *[]schemas.FieldError) (body []byte, ok bool) {
	body = c.PostBody()
	if len(body) > s.cfg.MaxBodyBytes {
		s.problem(c, schemas.Errorf(schemas.TypeTooLarge, "body is %d bytes; the limit is %d", len(body), s.cfg.MaxBodyBytes), reqID)
		return nil, false
	}
	if c.QueryArgs().Len() > 0 {
		*form = append(*form, params.FieldError("query", "POST takes its parameters in the JSON body only"))
	}
	return body, true
}

func (s *Server) problem(c *fasthttp.RequestCtx, e *schemas.Error, reqID string) {
	e.RequestID = reqID
	if e.Instance == "" {
		e.Instance = string(c.Path())
	}
	if e.RetryAfterMS > 0 {
		c.Response.Header.Set("Retry-After", strconv.FormatInt((e.RetryAfterMS+999)/1000, 10))
	}
	if e.Status >= 500 {
		s.log.Warn("request failed", "request_id", reqID, "path", e.Instance, "kind", e.Kind, "detail", e.Detail)
	}
	c.SetStatusCode(e.Status)
	c.SetContentType("application/problem+json")
	c.SetBody(e.JSON())
}

// malformed answers a request fasthttp could not read, as problem+json like every other error.
func (s *Server) malformed(c *fasthttp.RequestCtx, err error) {
	var e *schemas.Error
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		e = schemas.Errorf(schemas.TypeTooLarge, "body is over the limit of %d bytes", s.cfg.MaxBodyBytes)
	case errors.As(err, &small):
		e = schemas.ValidationError([]schemas.FieldError{params.FieldError("request", "request line and headers must fit in 16 KiB")})
	default:
		e = schemas.ValidationError([]schemas.FieldError{params.FieldError("request", "malformed HTTP request")})
	}
	s.problem(c, e, schemas.NewID())
}

// responderPresent pings the cache service (cached for a second) so /readyz reports whether a
// search would find anyone to answer it.
func (s *Server) responderPresent() error {
	s.respMu.Lock()
	defer s.respMu.Unlock()
	if time.Since(s.respAt) < time.Second {
		return s.respErr
	}
	_, err := s.nc.Request(schemas.SubjectPingCache, nil, 500*time.Millisecond)
	if err != nil {
		err = errors.New("no " + schemas.ServiceCache + " answered: " + err.Error())
	}
	s.respAt, s.respErr = time.Now(), err
	return err
}

// request sends a search on NATS. While the connection is between servers (a node died and
// the client is reconnecting, which takes milliseconds), the request waits for it rather than
// failing at once; and just after such a reconnect, "no responders" may only mean the cache's
// subscription has not been re-registered yet, so it is asked again for a moment. Both waits
// are bounded by the deadline and by reconnectGrace; a deployment with no cache at all still
// gets its 503 at once.
// requestError is the typed error for a failed request to the search responder.
func requestError(err error) *schemas.Error {
	var e *schemas.Error
	switch {
	case errors.Is(err, errNotConnected):
		e = schemas.NewError(schemas.TypeUnavailable, "not connected to NATS")
		e.RetryAfterMS = 1000
	case errors.Is(err, nats.ErrNoResponders):
		e = schemas.NewError(schemas.TypeUnavailable, "no search responder is running")
		e.RetryAfterMS = 1000
	case errors.Is(err, nats.ErrTimeout):
		e = schemas.NewError(schemas.TypeTimeout, "no answer within the request's deadline")
	default:
		e = schemas.Errorf(schemas.TypeUnavailable, "NATS: %v", err)
		e.RetryAfterMS = 1000
	}
	return e
}

func (s *Server) request(msg *nats.Msg, deadline time.Time) (*nats.Msg, error) {
	if c := s.handoff.Cache(); c != nil {
		if reply, ok := c.Ask(msg.Subject, msg); ok {
			return reply, nil
		}
	}
	limit := time.Now().Add(reconnectGrace)
	if deadline.Before(limit) {
		limit = deadline
	}
	reconnected := false
	for !s.nc.IsConnected() && !s.nc.IsClosed() && time.Now().Before(limit) {
		reconnected = true
		time.Sleep(10 * time.Millisecond) // the connection has no "reconnected" channel to wait on
	}
	if !s.nc.IsConnected() {
		// Sent now, the request would wait in the client's reconnect buffer until its deadline.
		return nil, errNotConnected
	}
	window := s.cfg.ResendAfter
	for {
		// Waited in windows of --resend-after, doubling: a request that has had no answer in
		// one is sent again. A crashed replica answers nothing, and NATS routes the resend to
		// a live one; a slow answer is joined by the resend on whichever replica gets it (one
		// flight per key), and the late reply to the earlier send is dropped with its inbox.
		// Doubling bounds what a slow upstream costs: each send holds a slot of the replica
		// that gets it (--cache-workers) until the flight ends, so a 20s request is sent 4
		// times at most (0, 2, 6, 14s), not 10.
		wait := time.Until(deadline) + 50*time.Millisecond
		last := window <= 0 || wait <= window
		if !last {
			wait = window
		}
		reply, err := s.nc.RequestMsg(msg, wait)
		if !last && errors.Is(err, nats.ErrTimeout) {
			window *= 2
			s.m.resends.Inc()
			s.log.Debug("no answer from the cache service: sending again", "subject", msg.Subject,
				"request_id", msg.Header.Get(schemas.HeaderRequestID), "left", time.Until(deadline).Round(time.Millisecond))
			continue
		}
		if !reconnected || !errors.Is(err, nats.ErrNoResponders) || time.Now().Add(25*time.Millisecond).After(limit) {
			return reply, err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

var errNotConnected = errors.New("not connected to NATS")

// reconnectGrace bounds how long a request waits for the NATS connection to come back.
const reconnectGrace = 2 * time.Second
