package ingress

import (
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/params"
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
	deadline := s.cfg.Deadlines.For(start, r.TimeoutMS)
	data, _ := json.Marshal(r)
	msg := &nats.Msg{Subject: schemas.SubjectScrape, Data: data, Header: nats.Header{
		schemas.HeaderRequestID: {reqID},
		schemas.HeaderDeadline:  {schemas.FormatDeadline(deadline)},
	}}
	if t != nil {
		msg.Header[schemas.HeaderTenant] = t.names
	}
	sent := time.Now()
	reply, err := s.request(msg, deadline)
	round := time.Since(sent)
	if err != nil {
		s.problem(c, requestError(err), reqID)
		return
	}
	if code := reply.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		s.problem(c, schemas.DecodeError(code, reply.Header.Get(schemas.HeaderServiceError), reply.Data), reqID)
		return
	}
	c.Response.Header.Set("X-Cache", cacheHeader(reply.Header.Get(schemas.HeaderCache)))
	var buf [160]byte
	c.Response.Header.SetBytesV("Server-Timing", appendServerTiming(buf[:0], time.Since(start), round, reply.Header.Get(schemas.HeaderTimings)))
	c.SetContentType("application/json")
	c.SetBody(reply.Data)
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
