package ingress

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// pagePrefix is GET /v1/searches/{id}/page: the raw HTML of a result page no parser
// recognised, kept by the parse stage (trawl.v1.pages.get) for a while so a layout change can
// be looked at, and re-parsed (…/page?reparse=true) with today's parser without fetching again.
const pagePrefix = "/v1/searches/"

func (s *Server) keptPage(c *fasthttp.RequestCtx, reqID string, start time.Time) {
	id, ok := strings.CutSuffix(strings.TrimPrefix(string(c.Path()), pagePrefix), "/page")
	if !ok || id == "" || strings.Contains(id, "/") {
		s.problem(c, schemas.Errorf(schemas.TypeNotFound, "no route %s", c.Path()), reqID)
		return
	}
	if !c.IsGet() {
		c.Response.Header.Set("Allow", "GET")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here", c.Method()), reqID)
		return
	}
	t, ok := s.gate(c, reqID, start)
	if !ok {
		return
	}
	subject := schemas.SubjectPageGet
	switch string(c.QueryArgs().Peek("reparse")) {
	case "", "false":
	case "true":
		subject = schemas.SubjectPageReparse
	default:
		s.problem(c, schemas.ValidationError([]schemas.FieldError{{Field: "reparse", Message: "must be true or false"}}), reqID)
		return
	}
	req, _ := json.Marshal(map[string]string{"id": id, "tenant": t.nameOrEmpty()})
	reply, err := s.nc.Request(subject, req, 5*time.Second)
	if err != nil {
		e := schemas.Errorf(schemas.TypeUnavailable, "page store: %v", err)
		if errors.Is(err, nats.ErrNoResponders) {
			e.Detail = "no parser is running"
		}
		e.RetryAfterMS = 1000
		s.problem(c, e, reqID)
		return
	}
	if code := reply.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		s.problem(c, schemas.DecodeError(code, reply.Header.Get(schemas.HeaderServiceError), reply.Data), reqID)
		return
	}
	if subject == schemas.SubjectPageReparse {
		c.SetContentType("application/json")
	} else {
		c.SetContentType("text/html; charset=utf-8")
		// The page is the engine's, not ours: never let a browser run it in trawl's origin.
		c.Response.Header.Set("Content-Security-Policy", "sandbox")
	}
	c.SetBody(reply.Data)
}
