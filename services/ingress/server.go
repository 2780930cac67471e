package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

// Deps are what the ingress is handed by its main.
type Deps struct {
	NC      *nats.Conn
	Engines *engines.Registry
	Log     *slog.Logger
	// Metrics is the process registry; /metrics serves Gatherer.
	Metrics  prometheus.Registerer
	Gatherer prometheus.Gatherer
	Probe    *kit.Probe
}

// Server is one ingress.
type Server struct {
	cfg     Config
	nc      *nats.Conn
	engines *engines.Registry
	log     *slog.Logger
	m       *metrics
	probe   *kit.Probe
	metrics fasthttp.RequestHandler

	srv  *fasthttp.Server
	ln   net.Listener
	svc  micro.Service
	stop sync.Once

	// responder caches whether a search responder answered a recent ping, for /readyz.
	respMu   sync.Mutex
	respAt   time.Time
	respErr  error
	handlers fasthttp.RequestHandler
}

// New checks the configuration and builds an ingress; Start listens.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.NC == nil || d.Engines == nil {
		return nil, errors.New("ingress: NATS connection and engines are required")
	}
	if d.Log == nil {
		d.Log = kit.Discard()
	}
	if d.Metrics == nil {
		reg := prometheus.NewRegistry()
		d.Metrics, d.Gatherer = reg, reg
	}
	if d.Probe == nil {
		d.Probe = kit.NewProbe()
	}
	s := &Server{cfg: cfg, nc: d.NC, engines: d.Engines, log: d.Log, m: newMetrics(d.Metrics), probe: d.Probe}
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
	s.handlers = fasthttp.CompressHandlerLevel(s.route, fasthttp.CompressDefaultCompression)
	s.srv = &fasthttp.Server{
		Handler:      s.handlers,
		Name:         "trawl",
		ReadTimeout:  30 * time.Second,
		WriteTimeout: cfg.Deadlines.Max + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		// Bodies past MaxBodyBytes still get a problem+json 413 from the handler; only truly
		// huge ones are cut off by fasthttp itself.
		MaxRequestBodySize:            4 << 20,
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		DisableHeaderNamesNormalizing: false,
		CloseOnShutdown:               true,
	}
	return s, nil
}

// Handler is the ingress's request handler, for tests that drive it without a listener.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handlers }

// Start listens and serves in the background.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
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
	go func() {
		if err := s.srv.Serve(ln); err != nil {
			s.log.Error("http server", "err", err)
		}
	}()
	s.log.Info("ingress listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the bound HTTP address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop marks the ingress not ready, stops accepting, and lets requests in flight finish.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.probe.Stopping()
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Deadlines.Max)
		defer cancel()
		if s.ln != nil {
			s.srv.ShutdownWithContext(ctx)
		}
		if s.svc != nil {
			s.svc.Stop()
		}
	})
}

func (s *Server) route(c *fasthttp.RequestCtx) {
	start := time.Now()
	reqID := string(c.Request.Header.Peek("X-Request-Id"))
	if reqID == "" || len(reqID) > 128 {
		reqID = nuid.Next()
	}
	c.Response.Header.Set("X-Request-Id", reqID)
	path := string(c.Path())
	route := path
	switch path {
	case "/v1/search":
		s.search(c, reqID, start)
	case "/v1/engines":
		s.listEngines(c)
	case "/healthz":
		c.SetContentType("text/plain; charset=utf-8")
		c.SetBodyString("ok\n")
	case "/readyz":
		c.SetContentType("text/plain; charset=utf-8")
		if err := s.probe.Ready(); err != nil {
			c.SetStatusCode(fasthttp.StatusServiceUnavailable)
			c.SetBodyString("not ready: " + err.Error() + "\n")
			break
		}
		c.SetBodyString("ready\n")
	case "/metrics":
		if s.metrics == nil {
			s.problem(c, schemas.NewError(schemas.TypeNotFound, "metrics are served elsewhere"), reqID)
			break
		}
		s.metrics(c)
	default:
		route = "other"
		s.problem(c, schemas.Errorf(schemas.TypeNotFound, "no route %s", path), reqID)
	}
	s.m.requests.WithLabelValues(route, strconv.Itoa(c.Response.StatusCode())).Inc()
	s.m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

func (s *Server) search(c *fasthttp.RequestCtx, reqID string, start time.Time) {
	var (
		r    *schemas.SearchRequest
		form []schemas.FieldError
	)
	switch {
	case c.IsGet():
		r, form = ParseQuery(c.QueryArgs())
	case c.IsPost():
		body := c.PostBody()
		if len(body) > s.cfg.MaxBodyBytes {
			s.problem(c, schemas.Errorf(schemas.TypeTooLarge, "body is %d bytes; the limit is %d", len(body), s.cfg.MaxBodyBytes), reqID)
			return
		}
		if c.QueryArgs().Len() > 0 {
			form = append(form, schemas.FieldError{Field: "query", Message: "POST takes its parameters in the JSON body only"})
		}
		var ferr []schemas.FieldError
		r, ferr = DecodeBody(body)
		form = append(form, ferr...)
		if r == nil {
			s.problem(c, schemas.ValidationError(form), reqID)
			return
		}
	default:
		c.Response.Header.Set("Allow", "GET, POST")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed on /v1/search", c.Method()), reqID)
		return
	}
	if errs := validate(r, form, s.engines.Known, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		s.problem(c, schemas.ValidationError(errs), reqID)
		return
	}
	deadline := s.cfg.Deadlines.For(start, r.TimeoutMS)
	data, _ := json.Marshal(r)
	msg := nats.NewMsg(schemas.SubjectSearch)
	msg.Data = data
	msg.Header.Set(schemas.HeaderRequestID, reqID)
	msg.Header.Set(schemas.HeaderDeadline, schemas.FormatDeadline(deadline))
	// The cache answers 504 at the deadline itself; the grace lets that typed answer arrive
	// before the ingress gives up on its own.
	reply, err := s.nc.RequestMsg(msg, time.Until(deadline)+50*time.Millisecond)
	if err != nil {
		var e *schemas.Error
		switch {
		case errors.Is(err, nats.ErrNoResponders):
			e = schemas.NewError(schemas.TypeUnavailable, "no search responder is running")
			e.RetryAfterMS = 1000
		case errors.Is(err, nats.ErrTimeout):
			e = schemas.NewError(schemas.TypeTimeout, "no answer within the request's deadline")
		default:
			e = schemas.Errorf(schemas.TypeUnavailable, "NATS: %v", err)
			e.RetryAfterMS = 1000
		}
		s.problem(c, e, reqID)
		return
	}
	if code := reply.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		e := schemas.DecodeError(code, reply.Header.Get(schemas.HeaderServiceError), reply.Data)
		s.problem(c, e, reqID)
		return
	}
	state := reply.Header.Get(schemas.HeaderCache)
	c.Response.Header.Set("X-Cache", strings.ToUpper(state))
	c.Response.Header.Set("Server-Timing", "total;dur="+strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 2, 64))
	c.SetContentType("application/json")
	c.SetBody(reply.Data)
}

func (s *Server) listEngines(c *fasthttp.RequestCtx) {
	type engineInfo struct {
		Name    string `json:"name"`
		BaseURL string `json:"base_url"`
	}
	out := struct {
		Engines []engineInfo `json:"engines"`
	}{}
	for _, n := range s.engines.Names() {
		out.Engines = append(out.Engines, engineInfo{Name: n, BaseURL: s.engines.Base(n).String()})
	}
	b, _ := json.Marshal(out)
	c.SetContentType("application/json")
	c.SetBody(b)
}

// problem writes e as RFC 9457 problem+json, with Retry-After when the error carries one.
func (s *Server) problem(c *fasthttp.RequestCtx, e *schemas.Error, reqID string) {
	e.RequestID = reqID
	if e.Instance == "" {
		e.Instance = string(c.Path())
	}
	if e.RetryAfterMS > 0 {
		c.Response.Header.Set("Retry-After", strconv.FormatInt((e.RetryAfterMS+999)/1000, 10))
	}
	c.SetStatusCode(e.Status)
	c.SetContentType("application/problem+json")
	c.SetBody(e.JSON())
}

// responderPresent pings the cache service (cached for a second) so /readyz reports whether a
// search would find anyone to answer it.
func (s *Server) responderPresent() error {
	s.respMu.Lock()
	defer s.respMu.Unlock()
	if time.Since(s.respAt) < time.Second {
		return s.respErr
	}
	_, err := s.nc.Request("$SRV.PING."+schemas.ServiceCache, nil, 500*time.Millisecond)
	if err != nil {
		err = errors.New("no " + schemas.ServiceCache + " answered: " + err.Error())
	}
	s.respAt, s.respErr = time.Now(), err
	return err
}
