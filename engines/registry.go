package engines

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

// Registry resolves engine names and applies base-URL overrides.
type Registry struct {
	engines map[string]Engine
	bases   map[string]*url.URL
}

// NewRegistry builds a registry of the given engines, rejecting empty or duplicate names.
func NewRegistry(list ...Engine) (*Registry, error) {
	r := &Registry{engines: map[string]Engine{}, bases: map[string]*url.URL{}}
	for _, e := range list {
		name := e.Name()
		if name == "" || strings.ContainsAny(name, ", .*>") {
			return nil, fmt.Errorf("engines: invalid engine name %q", name)
		}
		if _, dup := r.engines[name]; dup {
			return nil, fmt.Errorf("engines: engine %q registered twice", name)
		}
		u, err := url.Parse(e.BaseURL())
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("engines: engine %q has a bad base URL %q", name, e.BaseURL())
		}
		r.engines[name] = e
		r.bases[name] = u
	}
	return r, nil
}

// Default is the registry of every engine in all.go with their own base URLs.
func Default() *Registry {
	r, err := NewRegistry(All()...)
	if err != nil {
		panic(err) // all.go is wrong: a programming error caught by every test run
	}
	return r
}

// SetBaseURLs applies "name=url,name=url" overrides (TRAWL_ENGINE_URLS). Only scheme and host
// (and an optional path prefix) of each URL are used.
func (r *Registry) SetBaseURLs(spec string) error {
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, raw, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("engine URL %q: want name=url", part)
		}
		name = strings.TrimSpace(name)
		if _, known := r.engines[name]; !known {
			return fmt.Errorf("engine URL %q: unknown engine %q", part, name)
		}
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("engine URL %q: want an http(s) URL", part)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		r.bases[name] = u
	}
	return nil
}

// Get returns the named engine.
func (r *Registry) Get(name string) (Engine, bool) {
	e, ok := r.engines[name]
	return e, ok
}

// Known reports whether an engine of that name exists.
func (r *Registry) Known(name string) bool {
	_, ok := r.engines[name]
	return ok
}

// Names lists the engines in name order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.engines))
	for n := range r.engines {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Base returns the base URL requests to the engine go to.
func (r *Registry) Base(name string) *url.URL { return r.bases[name] }

// Verticaler is an engine with verticals beyond web results (type=news, type=images): its
// Request and Parse answer each vertical it lists. An engine that is not one has web only.
type Verticaler interface {
	Verticals() []string
}

// Verticals lists the engine's verticals, web first.
func Verticals(e Engine) []string {
	out := []string{schemas.VerticalWeb}
	if v, ok := e.(Verticaler); ok {
		for _, x := range v.Verticals() {
			if x != schemas.VerticalWeb {
				out = append(out, x)
			}
		}
	}
	return out
}

// Supports reports whether the named engine answers the vertical ("" is web).
func (r *Registry) Supports(name, vertical string) bool {
	e, ok := r.engines[name]
	if !ok {
		return false
	}
	if vertical == "" {
		vertical = schemas.VerticalWeb
	}
	for _, v := range Verticals(e) {
		if v == vertical {
			return true
		}
	}
	return false
}

// Request builds the upstream request for a normalised single-engine request. A request with
// a Prelude is built by Follow instead.
func (r *Registry) Request(req *schemas.SearchRequest) (*Request, error) {
	e, base, err := r.resolve(req)
	if err != nil {
		return nil, err
	}
	return e.Request(base, req)
}

// Parse parses a page with the named engine. Organic positions continue across pages, as
// users of hosted SERP APIs expect: page 2 of 10 starts at 11 (see Offset).
func (r *Registry) Parse(name string, page []byte, req *schemas.SearchRequest) (*schemas.SERP, error) {
	e, ok := r.engines[name]
	if !ok {
		return nil, schemas.Errorf(schemas.TypeValidation, "unknown engine %q", name)
	}
	serp, err := e.Parse(page, req)
	if err != nil || serp == nil {
		return serp, asInterstitial(name, page, err)
	}
	if off := Offset(e, req); off > 0 {
		for i := range serp.OrganicResults {
			serp.OrganicResults[i].Position += off
		}
		for i := range serp.NewsResults {
			serp.NewsResults[i].Position += off
		}
		for i := range serp.ImagesResults {
			serp.ImagesResults[i].Position += off
		}
	}
	return serp, nil
}

// Offsetter is an engine whose pages do not all hold the same number of results, so the
// number of results before a page is its own to say.
type Offsetter interface {
	Offset(r *schemas.SearchRequest) int
}

// Offset is the number of organic results before r's page: (page-1) × num (10 when unset), or
// the engine's own count when it is an Offsetter.
func Offset(e Engine, r *schemas.SearchRequest) int {
	if r.Page <= 1 {
		return 0
	}
	if o, ok := e.(Offsetter); ok {
		return o.Offset(r)
	}
	return (r.Page - 1) * PageSize(r)
}

// PageSize is the number of results a page is asked to hold.
func PageSize(r *schemas.SearchRequest) int {
	if r.Num > 0 {
		return r.Num
	}
	return 10
}

// joinURL puts an engine's path and query onto a (possibly overridden) base.
func joinURL(base *url.URL, path string, q url.Values) string {
	u := *base
	u.Path = base.Path + path
	u.RawQuery = q.Encode()
	return u.String()
}
