package ingress

import (
	"context"
	"encoding/json"
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
		mcp: mcp.FastHTTPHandler(mcp.NewServer(b, o), func() bool { return s.keys.Load() == nil }),
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
		if searxng.Wants(c) {
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
	ent, meta, reply, e := b.search(ctx, a, r)
	switch {
	case e != nil:
		return nil, e
	case ent != nil:
		return schemas.AppendResponse(nil, &meta, ent.tail), nil
	}
	return reply, nil
}

func (b backend) SearchSplit(ctx context.Context, a dialect.Auth, r *schemas.SearchRequest) (*dialect.Answer, *schemas.Error) {
	ent, meta, reply, e := b.search(ctx, a, r)
	switch {
	case e != nil:
		return nil, e
	case ent != nil:
		return &dialect.Answer{Meta: meta, Rest: ent.tail}, nil
	}
	return dialect.NewAnswer(reply), nil
}

// search is /v1/search's path for a dialect: admission, validation, the near cache (ent and
// meta of a near hit) or the cache service's reply.
func (b backend) search(ctx context.Context, a dialect.Auth, r *schemas.SearchRequest) (ent *nearEntry, meta schemas.SearchMetadata, reply []byte, e *schemas.Error) {
	s := b.s
	h, t, reqID, start, e := b.begin(ctx, a)
	if e != nil {
		return nil, meta, nil, e
	}
	if errs := r.Validate(s.engines.Known, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		return nil, meta, nil, schemas.ValidationError(errs)
	}
	nearKey := s.near.key(r)
	if nearKey != "" {
		if ent := s.near.get(nearKey, r, start); ent != nil {
			s.nearHits.Inc()
			if h != nil {
				ent.headers(h, start)
			}
			return ent, ent.metaFor(reqID, start, time.Now()), nil, nil
		}
		s.nearMisses.Inc()
	}
	data, _ := json.Marshal(r)
	msg, e := s.ask(h, schemas.SubjectSearch, data, t, s.cfg.Deadlines.For(start, r.TimeoutMS), start, reqID)
	if e != nil {
		e.RequestID = reqID
		return nil, meta, nil, b.failed(e, reqID, "dialect search")
	}
	if nearKey != "" {
		s.near.put(nearKey, msg.Header.Get(schemas.HeaderCache), msg.Header.Get(schemas.HeaderFreshUntil), msg.Header.Get(schemas.HeaderTimings), msg.Data, time.Now())
	}
	return nil, meta, msg.Data, nil
}

func (b backend) Scrape(ctx context.Context, a dialect.Auth, r *schemas.ScrapeRequest) ([]byte, *schemas.Error) {
	s := b.s
	h, t, reqID, start, e := b.begin(ctx, a)
	if e != nil {
		return nil, e
	}
	if errs := r.Validate(s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		return nil, schemas.ValidationError(errs)
	}
	if e := r.TargetError(); e != nil {
		return nil, e
	}
	data, _ := json.Marshal(r)
	reply, e := s.ask(h, schemas.SubjectScrape, data, t, s.cfg.Deadlines.For(start, r.TimeoutMS), start, reqID)
	if e != nil {
		e.RequestID = reqID
		return nil, b.failed(e, reqID, "dialect scrape")
	}
	return reply.Data, nil
}

// Submit is async=true on /v1/search.
// TODO(archive): the lead's native async search lands on main; answer its 202 record here.
func (b backend) Submit(ctx context.Context, a dialect.Auth, r *schemas.SearchRequest) ([]byte, *schemas.Error) {
	if _, _, _, _, e := b.begin(ctx, a); e != nil {
		return nil, e
	}
	return nil, dialect.NotImplemented("async search (POST /v1/search async=true)")
}

// Get is GET /v1/searches/{id}[?output=html].
// TODO(archive): the lead's native archive lands on main; ask it here.
func (b backend) Get(ctx context.Context, a dialect.Auth, id string, html bool) ([]byte, *schemas.Error) {
	if _, _, _, _, e := b.begin(ctx, a); e != nil {
		return nil, e
	}
	return nil, dialect.NotImplemented("the search archive (GET /v1/searches/{id})")
}

// Account is GET /v1/account.
// TODO(archive): the native /v1/account lands on main; answer it here.
func (b backend) Account(ctx context.Context, a dialect.Auth) ([]byte, *schemas.Error) {
	if _, _, _, _, e := b.begin(ctx, a); e != nil {
		return nil, e
	}
	return nil, dialect.NotImplemented("account figures (GET /v1/account)")
}
