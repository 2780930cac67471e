package engines

import (
	"errors"
	"net/url"

	"github.com/trawl-dev/trawl/schemas"
)

// Preluder is an engine that, for some requests, must fetch a first page before it can ask
// for the one it parses: DuckDuckGo's news and images answer only a request carrying the
// token (vqd) its search page hands out for the query. The fetcher sends the prelude and the
// request it leads to in one attempt, through one route, so the token is used from the
// address it was given to, and a block on either request is that attempt's failure.
type Preluder interface {
	// Prelude is the first request for r, or nil when r is asked in one request (Request).
	Prelude(base *url.URL, r *schemas.SearchRequest) (*Request, error)
	// Follow builds the request whose answer Parse reads from the prelude's page. A page that
	// does not give what it needs is a *schemas.Error: TypeBlocked for a block or challenge
	// page, TypeUnrecognised otherwise.
	Follow(base *url.URL, r *schemas.SearchRequest, prelude []byte) (*Request, error)
}

// resolve finds a request's engine and its base URL, refusing verticals the engine lacks.
func (r *Registry) resolve(req *schemas.SearchRequest) (Engine, *url.URL, error) {
	e, ok := r.engines[req.Engine]
	if !ok {
		return nil, nil, schemas.Errorf(schemas.TypeValidation, "unknown engine %q", req.Engine)
	}
	if !r.Supports(req.Engine, req.Type) {
		return nil, nil, schemas.Errorf(schemas.TypeValidation, "engine %q has no %s vertical", req.Engine, req.Type)
	}
	base := *r.bases[req.Engine]
	return e, &base, nil
}

// Prelude is the first of the two requests req needs, or nil when one (Request) is enough.
func (r *Registry) Prelude(req *schemas.SearchRequest) (*Request, error) {
	e, base, err := r.resolve(req)
	if err != nil {
		return nil, err
	}
	p, ok := e.(Preluder)
	if !ok {
		return nil, nil
	}
	return p.Prelude(base, req)
}

// Follow is the request req leads to once its prelude answered page.
func (r *Registry) Follow(req *schemas.SearchRequest, page []byte) (*Request, error) {
	e, base, err := r.resolve(req)
	if err != nil {
		return nil, err
	}
	p, ok := e.(Preluder)
	if !ok {
		return nil, schemas.Errorf(schemas.TypeInternal, "engine %q has no prelude to follow", req.Engine)
	}
	out, err := p.Follow(base, req, page)
	var se *schemas.Error
	if errors.As(err, &se) && se.Engine == "" {
		se.Engine = req.Engine
	}
	return out, err
}
