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
)

// clientSearch answers schemas.SubjectClientSearch: internal clients (the CLIENT account of
// kit/natsauth) request trawl.v1.search, which their account imports from here. A request
// over NATS is held to everything an HTTP request is: the API key (header Authorization:
// Bearer <key>, or X-API-Key) and its tenant's limits, the body's size and validation, the
// deadline cap. Only then is it asked of the cache, and the cache's answer relayed unchanged.
func (s *Server) clientSearch(req micro.Request) {
	start := time.Now()
	h := nats.Header(req.Headers())
	reqID := cleanRequestID(h.Get(schemas.HeaderRequestID))
	fail := func(e *schemas.Error) {
		e.RequestID = reqID
		schemas.RespondError(req, e)
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
	data := req.Data()
	if len(data) > s.cfg.MaxBodyBytes {
		fail(schemas.Errorf(schemas.TypeTooLarge, "body is %d bytes; the limit is %d", len(data), s.cfg.MaxBodyBytes))
		return
	}
	r, form := params.DecodeBody(data)
	if r == nil {
		fail(schemas.ValidationError(form))
		return
	}
	if errs := params.Validate(r, form, s.engines.Known, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
		fail(schemas.ValidationError(errs))
		return
	}
	deadline := s.cfg.Deadlines.For(start, r.TimeoutMS)
	body, _ := json.Marshal(r)
	msg := &nats.Msg{Subject: schemas.SubjectSearch, Data: body, Header: nats.Header{}}
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
	if err := req.Respond(reply.Data, micro.WithHeaders(micro.Headers(reply.Header))); err != nil {
		s.log.Debug("client search reply failed", "err", err)
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
