package ingress

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
	"github.com/trawl-dev/trawl/services/ingress/dialect/firecrawl"
	"github.com/trawl-dev/trawl/services/ingress/dialect/searxng"
	"github.com/trawl-dev/trawl/services/ingress/dialect/serpapi"
	"github.com/trawl-dev/trawl/services/ingress/mcp"
	"github.com/trawl-dev/trawl/services/ingress/params"
)

// Route labels of the dialects (metrics.go), after the native ones.
const (
	routeSerpAPI = routeOther + 1 + iota
	routeSearXNG
	routeFirecrawl
	routeMCP
)

// dialects are the client dialects (issue 18), each a mapping onto the native routes through
// backend: the same admission, near cache and relay as /v1/search and /v1/scrape.
type dialects struct {
	serp  serpapi.Handler
	searx searxng.Handler
	fire  firecrawl.Handler
	mcp   fasthttp.RequestHandler
}

func newDialects(s *Server) (*dialects, error) {
	for _, n := range strings.Split(s.cfg.SearXNGEngines, ",") {
		if !s.engines.Known(n) {
			return nil, fmt.Errorf("ingress: --searxng-engines: unknown engine %q", n)
		}
	}
	b := backend{s}
	// The dialects' memo of rewritten answers takes a quarter of the near cache's bound beside
	// it (stage.go counts it), and is off with it.
	memo := dialect.NewMemo(s.cfg.NearCacheBytes / 4)
	o := dialect.Options{Engines: s.engines.Names(), MaxTimeoutMS: s.cfg.Deadlines.MaxMS(), MetaEngines: s.cfg.SearXNGEngines}
	return &dialects{
		serp:  serpapi.Handler{B: b, Memo: memo},
		searx: searxng.Handler{B: b, O: o, Memo: memo},
		fire:  firecrawl.Handler{B: b, O: o, Memo: memo, MaxBody: s.cfg.MaxBodyBytes},
		// Without keys, a web page that rebinds a name to 127.0.0.1 could call the tools.
		mcp: mcp.FastHTTPHandler(mcp.NewServer(b, o), b, memo, func() bool { return s.keys.Load() == nil }),
	}, nil
}

// dialect serves c if its path belongs to a dialect, returning its route label (-1: none).
// SearXNG's clients always send format, SerpApi's never do: that tells the two apart on the
// bare /search both claim.
func (s *Server) dialect(c *fasthttp.RequestCtx) int {
	d := s.dialects
	p := string(c.Path())
	switch {
	case p == "/search" || p == "/search.json":
		if p == "/search" && searxng.Wants(c) {
			d.searx.Serve(c, "", "/search")
			return routeSearXNG
		}
		d.serp.Serve(c, "", p)
		return routeSerpAPI
	case p == "/account" || p == "/account.json" || p == "/search.html" || strings.HasPrefix(p, "/searches/"):
		d.serp.Serve(c, "", p)
		return routeSerpAPI
	case strings.HasPrefix(p, "/serpapi/"):
		d.serp.Serve(c, "/serpapi", strings.TrimPrefix(p, "/serpapi"))
		return routeSerpAPI
	case p == "/searxng" || strings.HasPrefix(p, "/searxng/"):
		d.searx.Serve(c, "/searxng", strings.TrimPrefix(p, "/searxng"))
		return routeSearXNG
	case strings.HasPrefix(p, "/firecrawl/"):
		d.fire.Serve(c, strings.TrimPrefix(p, "/firecrawl"))
		return routeFirecrawl
	case p == "/mcp":
		d.mcp(c)
		return routeMCP
	}
	return -1
}

// backend is the ingress as the dialects' dialect.Backend.
type backend struct{ s *Server }

var (
	_ dialect.Backend       = backend{}
	_ dialect.SplitSearcher = backend{}
)

// begin admits a dialect's call as gate admits a native request: when ctx is the request
// being served, its response gets the native headers and its request id is kept.
func (b backend) begin(ctx context.Context, a dialect.Auth) (h *fasthttp.ResponseHeader, t *tenant, reqID string, start time.Time, e *schemas.Error) {
	start = time.Now()
	if c, ok := ctx.(*fasthttp.RequestCtx); ok {
		h = &c.Response.Header
		reqID = string(h.Peek("X-Request-Id"))
	}
	if reqID == "" {
		reqID = schemas.NewID()
	}
	t, e = b.s.admit(h, a.Key, a.BadScheme, a.IP, start)
	if e != nil {
		e.RequestID = reqID
	}
	return h, t, reqID, start, e
}

// failed logs a failure of trawl's own as problem does for the native routes (never the
// request's query: a SerpApi key travels there).
func (b backend) failed(e *schemas.Error, reqID, what string) *schemas.Error {
	if e.Status >= 500 {
		b.s.log.Warn("request failed", "request_id", reqID, "path", what, "kind", e.Kind, "detail", e.Detail)
	}
	return e
}

func (b backend) Search(ctx context.Context, a dialect.Auth, r *schemas.SearchRequest) ([]byte, *schemas.Error) {
	ans, e := b.ask(ctx, a, r, nil)
	return ans.native(), e
}

// SearchSplit hands a near hit over in the parts it was made from; anything else is split.
func (b backend) SearchSplit(ctx context.Context, a dialect.Auth, r *schemas.SearchRequest) (*dialect.Answer, *schemas.Error) {
	ans, e := b.ask(ctx, a, r, nil)
	if e != nil {
		return nil, e
	}
	if ans.meta != nil {
		a := dialect.SplitAnswer(*ans.meta, ans.tail, ans.body) // body nil: composed if asked
		if ans.entry != nil {
			a.RestHash, a.Renders = ans.entry.restHash(), &ans.entry.renders
		}
		return a, nil
	}
	return dialect.NewAnswer(ans.body), nil
}

func (b backend) Scrape(ctx context.Context, a dialect.Auth, r *schemas.ScrapeRequest) ([]byte, *schemas.Error) {
	ans, e := b.ask(ctx, a, nil, r)
	return ans.native(), e
}

// call admits and validates a dialect's search or scrape into the call /v1/search or
// /v1/scrape would make of it.
func (b backend) call(ctx context.Context, a dialect.Auth, search *schemas.SearchRequest, scrape *schemas.ScrapeRequest) (*call, *fasthttp.ResponseHeader, *schemas.Error) {
	s := b.s
	h, t, reqID, start, e := b.begin(ctx, a)
	if e != nil {
		return nil, h, e
	}
	if search != nil {
		errs := search.Validate(s.engines.Known, s.cfg.Deadlines.MaxMS())
		if len(errs) == 0 {
			errs = search.ValidateVertical(s.engines.Supports)
		}
		if len(errs) > 0 {
			return nil, h, schemas.ValidationError(errs)
		}
		return s.newCall(schemas.KindSearch, search, nil, t, reqID, start), h, s.checkWebhookOf(t, search.WebhookURL)
	}
	if errs := params.ValidateScrape(scrape, nil, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		return nil, h, schemas.ValidationError(errs)
	}
	if e := scrape.TargetError(); e != nil {
		return nil, h, e
	}
	return s.newCall(schemas.KindScrape, nil, scrape, t, reqID, start), h, s.checkWebhookOf(t, scrape.WebhookURL)
}

// ask answers a dialect's search or scrape through the native path: near cache, cache
// service, archive, usage; h, when the call serves a request, gets the native headers.
func (b backend) ask(ctx context.Context, a dialect.Auth, search *schemas.SearchRequest, scrape *schemas.ScrapeRequest) (answer, *schemas.Error) {
	s := b.s
	cl, h, e := b.call(ctx, a, search, scrape)
	if e != nil {
		if cl != nil {
			e.RequestID = cl.reqID
		}
		return answer{}, e
	}
	cl.parts = search != nil
	ans := s.ask(cl, nil)
	if ans.err != nil {
		return answer{}, b.failed(ans.err, cl.reqID, "dialect "+cl.kind)
	}
	if h != nil {
		h.Set("X-Cache", cacheHeader(ans.cache))
		var tb [160]byte
		h.SetBytesV("Server-Timing", appendServerTiming(tb[:0], time.Since(cl.start), ans.round, ans.timings))
	}
	if cl.webhook != "" {
		ans.native()
		s.afterAnswer(cl, &ans, false)
	}
	return ans, nil
}

// Submit is async=true on /v1/search: the Processing record, at once.
func (b backend) Submit(ctx context.Context, a dialect.Auth, r *schemas.SearchRequest) ([]byte, *schemas.Error) {
	r.Async = true
	cl, _, e := b.call(ctx, a, r, nil)
	if e != nil {
		return nil, e
	}
	return b.s.startAsync(cl)
}

// Get is GET /v1/searches/{id}[?output=html].
func (b backend) Get(ctx context.Context, a dialect.Auth, id string, html bool) ([]byte, *schemas.Error) {
	s := b.s
	// Reading the archive takes no rate token: the key alone.
	var h *fasthttp.ResponseHeader
	if c, ok := ctx.(*fasthttp.RequestCtx); ok {
		h = &c.Response.Header
	}
	t, e := s.authenticate(h, a.Key, a.BadScheme)
	if e != nil {
		return nil, e
	}
	if !schemas.ValidID(id) {
		return nil, schemas.ValidationError([]schemas.FieldError{{Field: "id", Message: "is not a trawl id (16 to 64 letters and digits)"}})
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, e := s.findAnswer(rctx, t, schemas.KindSearch, id)
	if e != nil {
		return nil, e
	}
	if !html {
		return s.withWebhook(rctx, t, id, m.Data), nil
	}
	pageID, e := s.pageIDOf(m, schemas.KindSearch, id, "")
	if e != nil {
		return nil, e
	}
	page, _, e := s.rawPage(rctx, t, schemas.KindSearch, pageID)
	return page, e
}

// Account is GET /v1/account.
func (b backend) Account(ctx context.Context, a dialect.Auth) ([]byte, *schemas.Error) {
	s := b.s
	var h *fasthttp.ResponseHeader
	if c, ok := ctx.(*fasthttp.RequestCtx); ok {
		h = &c.Response.Header
	}
	t, e := s.authenticate(h, a.Key, a.BadScheme)
	if e != nil {
		return nil, e
	}
	return s.accountDoc(t, time.Now(), schemas.NewID())
}
