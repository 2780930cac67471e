package ingress

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/params"
	"github.com/trawl-dev/trawl/services/ingress/usage"
)

// clientSearch answers schemas.SubjectClientSearch: internal clients (the CLIENT account of
// kit/natsauth) request trawl.v1.search, which their account imports from here. A request
// over NATS is held to everything an HTTP request is: the API key (header Authorization:
// Bearer <key>, or X-API-Key) and its tenant's limits, the body's size and validation, the
// deadline cap. Only then is it asked of the cache, and the cache's answer relayed unchanged.
func (s *Server) clientSearch(req clientReq) {
	s.clientCall(req, usage.Search, func(data []byte, start time.Time) (string, []byte, time.Time, *schemas.Error) {
		r, form := params.DecodeBody(data)
		if r == nil {
			return "", nil, time.Time{}, schemas.ValidationError(form)
		}
		if errs := params.Validate(r, form, s.engines.Known, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
			return "", nil, time.Time{}, schemas.ValidationError(errs)
		}
		body, _ := json.Marshal(r)
		return schemas.SubjectSearch, body, s.cfg.Deadlines.For(start, r.TimeoutMS), nil
	})
}

// clientScrape answers schemas.SubjectClientScrape as clientSearch answers searches.
func (s *Server) clientScrape(req clientReq) {
	s.clientCall(req, usage.Scrape, func(data []byte, start time.Time) (string, []byte, time.Time, *schemas.Error) {
		r, e := s.scrapeRequest(data, start)
		if e != nil {
			return "", nil, time.Time{}, e
		}
		body, _ := json.Marshal(r)
		return schemas.SubjectScrape, body, s.cfg.Deadlines.For(start, r.TimeoutMS), nil
	})
}

// clientCall admits a NATS client request (key, tenant limits, body size), lets decode read
// and validate it into the subject and body to ask of the cache, and relays the answer.
func (s *Server) clientCall(req clientReq, kind usage.Kind, decode func(data []byte, start time.Time) (string, []byte, time.Time, *schemas.Error)) {
	start := time.Now()
	h := req.hdr
	reqID := cleanRequestID(h.Get(schemas.HeaderRequestID))
	fail := func(e *schemas.Error) {
		e.RequestID = reqID
		s.reply(req.reply, schemas.ErrorMsg(req.reply, e))
	}
	var t *tenant
	if ring := s.keys.Load(); ring != nil {
		key, bad := natsAPIKey(h)
		if !bad && len(key) > 0 {
			t = ring.lookup(key)
		}
		if t == nil {
			reason := "unknown"
			if bad {
				reason = "scheme"
			} else if len(key) == 0 {
				reason = "missing"
			}
			s.m.authFailures.WithLabelValues(reason).Inc()
			fail(schemas.NewError(schemas.TypeUnauthorized, "an API key is required: send the header Authorization: Bearer <key>"))
			return
		}
		if t.pol.limited() {
			if d := s.lim.take(t.pol, start); d.kind != "" {
				s.m.limited.WithLabelValues(t.name, d.kind).Inc()
				e := schemas.NewError(d.kind, "the tenant's rate limit or quota is used up")
				e.RetryAfterMS = max(1, (d.retryAfter + time.Millisecond - 1).Milliseconds())
				fail(e)
				return
			}
		}
	}
	// Admitted: from here on the request is usage, whatever its answer (as over HTTP).
	res := usage.Error
	defer func() { s.usage.Record(t.nameOrEmpty(), kind, res, start) }()
	data := req.data
	if len(data) > s.cfg.MaxBodyBytes {
		fail(schemas.Errorf(schemas.TypeTooLarge, "body is %d bytes; the limit is %d", len(data), s.cfg.MaxBodyBytes))
		return
	}
	subject, body, deadline, e := decode(data, start)
	if e != nil {
		fail(e)
		return
	}
	msg := &nats.Msg{Subject: subject, Data: body, Header: nats.Header{}}
	msg.Header.Set(schemas.HeaderRequestID, reqID)
	msg.Header.Set(schemas.HeaderDeadline, schemas.FormatDeadline(deadline))
	if t != nil {
		msg.Header[schemas.HeaderTenant] = t.names
	}
	reply, err := s.request(msg, deadline)
	if err != nil {
		fail(requestError(err))
		return
	}
	res = resultOf(reply)
	s.reply(req.reply, &nats.Msg{Header: reply.Header, Data: reply.Data})
}

// clientReq is what a client request keeps of its micro.Request: micro reads the request's
// state once the endpoint's handler returns, so an answer from another goroutine must not go
// through it (a data race); it is published to the reply subject instead.
type clientReq struct {
	reply string
	data  []byte
	hdr   nats.Header
}

func newClientReq(r micro.Request) clientReq {
	return clientReq{reply: r.Reply(), data: r.Data(), hdr: nats.Header(r.Headers())}
}

// reply publishes m to a client's reply subject (none: a request nobody waits on).
func (s *Server) reply(to string, m *nats.Msg) {
	if to == "" {
		return
	}
	m.Subject = to
	if err := s.nc.PublishMsg(m); err != nil {
		s.log.Debug("client reply failed", "err", err)
	}
}

// natsAPIKey reads the API key of a NATS request the way apiKey reads an HTTP one.
func natsAPIKey(h nats.Header) (key []byte, bad bool) {
	if a := h.Get("Authorization"); a != "" {
		const scheme = "bearer "
		if len(a) <= len(scheme) || !strings.EqualFold(a[:len(scheme)], scheme) {
			return nil, true
		}
		return bytes.TrimSpace([]byte(a[len(scheme):])), false
	}
	return []byte(h.Get("X-API-Key")), false
}
