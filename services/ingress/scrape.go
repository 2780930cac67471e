package ingress

import (
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/params"
	"github.com/trawl-dev/trawl/services/ingress/usage"
)

// scrape answers GET and POST /v1/scrape: the request read and validated as a search's is,
// asked of the cache on schemas.SubjectScrape, the answer relayed.
func (s *Server) scrape(c *fasthttp.RequestCtx, reqID string, start time.Time) {
	if !c.IsGet() && !c.IsPost() {
		c.Response.Header.Set("Allow", "GET, POST")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed on /v1/scrape", c.Method()), reqID)
		return
	}
	t, ok := s.gate(c, reqID, start)
	if !ok {
		return
	}
	asked := false
	defer s.countRefused(t, usage.Scrape, &asked, start)
	var (
		r    *schemas.ScrapeRequest
		form []schemas.FieldError
	)
	if c.IsGet() {
		r, form = params.ParseScrapeQuery(c.QueryArgs())
	} else {
		body, ok := s.postBody(c, reqID, &form)
		if !ok {
			return
		}
		var ferr []schemas.FieldError
		r, ferr = params.DecodeScrapeBody(body)
		form = append(form, ferr...)
		if r == nil {
			s.problem(c, schemas.ValidationError(form), reqID)
			return
		}
	}
	if errs := params.ValidateScrape(r, form, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		s.problem(c, schemas.ValidationError(errs), reqID)
		return
	}
	if e := r.TargetError(); e != nil {
		s.problem(c, e, reqID)
		return
	}
	asked = true
	s.answerHTTP(c, s.newCall(schemas.KindScrape, nil, r, t, reqID, start), r.Async)
}

// scrapeRequest reads and validates a scrape's JSON body (NATS clients).
func (s *Server) scrapeRequest(data []byte, _ time.Time) (*schemas.ScrapeRequest, *schemas.Error) {
	r, form := params.DecodeScrapeBody(data)
	if r == nil {
		return nil, schemas.ValidationError(form)
	}
	if errs := params.ValidateScrape(r, form, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		return nil, schemas.ValidationError(errs)
	}
	if e := r.TargetError(); e != nil {
		return nil, e
	}
	return r, nil
}
