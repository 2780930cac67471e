// Package dialect holds what every client dialect shares: the Backend a dialect asks (the
// ingress implements it, or an HTTP client of a running trawl for `trawl mcp`), and the key a
// request presents. A dialect is a mapping: it reads its clients' request into a native
// schemas request, asks the Backend, and rewrites the native answer into its clients' field
// names. It never fetches, caches or limits anything itself, so every dialect is held to the
// same keys, limits, cache and pipeline as /v1/search and /v1/scrape.
package dialect

import (
	"bytes"
	"context"
	"net"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// Auth is the API key a request presents, read where its dialect's clients put it.
type Auth struct {
	// Key is the key as presented (nil: none).
	Key []byte
	// BadScheme is an Authorization header of a scheme other than Bearer.
	BadScheme bool
	// IP is the client's address, for the per-address limits of open access (nil: unknown).
	IP net.IP
}

// Backend runs native requests. Each call is admitted as the native route admits it (key,
// tenant, rate limit, quota) and answers the native JSON exactly as /v1/* would, or the typed
// error /v1/* would answer. When ctx is the *fasthttp.RequestCtx of the request being served,
// the ingress also sets the native route's response headers on it (rate limits, X-Cache,
// Server-Timing, Retry-After).
type Backend interface {
	// Search answers a search as GET /v1/search does (schemas.SearchResponse).
	Search(ctx context.Context, a Auth, r *schemas.SearchRequest) ([]byte, *schemas.Error)
	// Submit starts a search without waiting for it (POST /v1/search with async=true): the
	// record with search_metadata.status Processing.
	Submit(ctx context.Context, a Auth, r *schemas.SearchRequest) ([]byte, *schemas.Error)
	// Scrape answers a scrape as /v1/scrape does (schemas.ScrapeResponse).
	Scrape(ctx context.Context, a Auth, r *schemas.ScrapeRequest) ([]byte, *schemas.Error)
	// Get is a stored search as GET /v1/searches/{id} answers it; html asks for the raw page
	// instead (?output=html).
	Get(ctx context.Context, a Auth, id string, html bool) ([]byte, *schemas.Error)
	// Account is GET /v1/account: the tenant's usage, quota and rate limit (Account).
	Account(ctx context.Context, a Auth) ([]byte, *schemas.Error)
}

// Options are the settings a dialect reads from the ingress's configuration.
type Options struct {
	// Engines are the engines trawl knows, in registry order.
	Engines []string
	// MaxTimeoutMS caps a client's own timeout (a client's default may exceed trawl's cap:
	// Firecrawl's v1 search sends 60 s); 0 is no cap.
	MaxTimeoutMS int
	// MetaEngines are the engines a SearXNG search asks when it names none.
	MetaEngines string
}

// ClampTimeout is a client's timeout in milliseconds within the cap (0 stays 0: the default).
func (o Options) ClampTimeout(ms int) int {
	if ms <= 0 {
		return 0
	}
	if o.MaxTimeoutMS > 0 && ms > o.MaxTimeoutMS {
		return o.MaxTimeoutMS
	}
	return ms
}

// Known reports whether name is one of Engines.
func (o Options) Known(name string) bool {
	for _, e := range o.Engines {
		if e == name {
			return true
		}
	}
	return false
}

// HeaderAuth reads the key of the native routes: "Authorization: Bearer <key>" or X-API-Key.
func HeaderAuth(c *fasthttp.RequestCtx) Auth {
	a := Auth{IP: c.RemoteIP()}
	if h := c.Request.Header.Peek("Authorization"); len(h) > 0 {
		const scheme = "bearer "
		if len(h) <= len(scheme) || !bytes.EqualFold(h[:len(scheme)], []byte(scheme)) {
			a.BadScheme = true
			return a
		}
		a.Key = bytes.TrimSpace(h[len(scheme):])
		return a
	}
	a.Key = c.Request.Header.Peek("X-API-Key")
	return a
}

// NotImplemented is the typed answer of a native route this build does not have yet.
func NotImplemented(what string) *schemas.Error {
	return schemas.Errorf(schemas.TypeNotImplemented, "%s is not available in this build", what)
}

// SetRetryAfter sets Retry-After for an error that carries one, as the native routes do.
func SetRetryAfter(h *fasthttp.ResponseHeader, e *schemas.Error) {
	if e != nil && e.RetryAfterMS > 0 {
		h.Set("Retry-After", strconv.FormatInt((e.RetryAfterMS+999)/1000, 10))
	}
}

// BaseURL is the address the client reached trawl at, with prefix (a dialect's own links are
// absolute, as its clients expect): the scheme from TLS or X-Forwarded-Proto, the Host header.
func BaseURL(c *fasthttp.RequestCtx, prefix string) string {
	scheme := "http"
	if c.IsTLS() {
		scheme = "https"
	} else if p := string(c.Request.Header.Peek("X-Forwarded-Proto")); p == "https" || p == "http" {
		scheme = p
	}
	host := string(c.Host())
	if host == "" {
		host = c.LocalAddr().String()
	}
	return scheme + "://" + host + prefix
}

// Args are a request's query arguments, and for a form POST its form fields after them (the
// way SearXNG and SerpApi read parameters): the first value of a name wins.
func Args(c *fasthttp.RequestCtx) func(name string) (string, bool) {
	q := c.QueryArgs()
	var post *fasthttp.Args
	if c.IsPost() && bytes.HasPrefix(c.Request.Header.ContentType(), []byte("application/x-www-form-urlencoded")) {
		post = c.PostArgs()
	}
	return func(name string) (string, bool) {
		if q.Has(name) {
			return string(q.Peek(name)), true
		}
		if post != nil && post.Has(name) {
			return string(post.Peek(name)), true
		}
		return "", false
	}
}

// SplitSearcher is a Backend that can hand over a search's answer taken apart, as
// schemas.SplitResponse takes it: the ingress keeps near-cache answers that way, and a
// dialect that rewrites the metadata anyway is spared encoding and decoding it again.
type SplitSearcher interface {
	SearchSplit(ctx context.Context, a Auth, r *schemas.SearchRequest) (*Answer, *schemas.Error)
}

// Answer is a native search answer, taken apart where it is in the cache's form.
type Answer struct {
	Meta schemas.SearchMetadata
	// Rest is the answer after its search_metadata (nil: not in that form; Native is whole).
	Rest []byte
	// RestHash is RestHash(Rest), 0 until worked out: a memo looks Rest up by it, and whoever
	// hands the same Rest out many times (the near cache) works it out once.
	RestHash uint64
	// Renders, when set, are the dialects' renderings kept beside Rest by whoever hands it out
	// (the near cache): a memo looks there first.
	Renders *Renders
	native  []byte
}

// Native is the whole answer.
func (a *Answer) Native() []byte {
	if a.native == nil {
		a.native = schemas.AppendResponse(nil, &a.Meta, a.Rest)
	}
	return a.native
}

// AppendNative appends the whole answer to dst, composing it there if it is in parts.
func (a *Answer) AppendNative(dst []byte) []byte {
	if a.native != nil || a.Rest == nil {
		return append(dst, a.Native()...)
	}
	return schemas.AppendResponse(dst, &a.Meta, a.Rest)
}

// NewAnswer takes a native answer apart.
func NewAnswer(native []byte) *Answer {
	a := &Answer{native: native}
	if rest, ok := schemas.SplitResponse(native, &a.Meta); ok && len(rest) > 1 {
		a.Rest = rest
	}
	return a
}

// SplitAnswer is an answer already in parts: native is meta and rest composed
// (schemas.AppendResponse), or nil to compose it only if Native is asked for.
func SplitAnswer(meta schemas.SearchMetadata, rest, native []byte) *Answer {
	if len(rest) <= 1 { // "}": nothing after the metadata, as NewAnswer has it
		if native == nil {
			native = schemas.AppendResponse(nil, &meta, rest)
		}
		rest = nil
	}
	return &Answer{Meta: meta, Rest: rest, native: native}
}

// Search asks b for a search, taken apart.
func Search(ctx context.Context, b Backend, a Auth, r *schemas.SearchRequest) (*Answer, *schemas.Error) {
	if s, ok := b.(SplitSearcher); ok {
		return s.SearchSplit(ctx, a, r)
	}
	native, e := b.Search(ctx, a, r)
	if e != nil {
		return nil, e
	}
	return NewAnswer(native), nil
}
