package ingress

import (
	"bytes"
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
// deadline cap. Then it is answered (or, with async, started) as an HTTP request is.
func (s *Server) clientSearch(req clientReq) {
	s.clientCall(req, usage.Search, func(data []byte, t *tenant, reqID string, start time.Time) (*call, bool, *schemas.Error) {
		r, form := params.DecodeBody(data)
		if r == nil {
			return nil, false, schemas.ValidationError(form)
		}
		if errs := params.Validate(r, form, s.engines.Known, s.engines.Supports, s.cfg.Deadlines.MaxMS()); len(errs) > 0 {
			return nil, false, schemas.ValidationError(errs)
		}
		return s.newCall(schemas.KindSearch, r, nil, t, reqID, start), r.Async, nil
	})
}

// clientScrape answers schemas.SubjectClientScrape as clientSearch answers searches.
func (s *Server) clientScrape(req clientReq) {
	s.clientCall(req, usage.Scrape, func(data []byte, t *tenant, reqID string, start time.Time) (*call, bool, *schemas.Error) {
		r, e := s.scrapeRequest(data, start)
		if e != nil {
			return nil, false, e
		}
		return s.newCall(schemas.KindScrape, nil, r, t, reqID, start), r.Async, nil
	})
}

// clientCall admits a NATS client request (key, tenant limits, body size), lets decode read
// and validate it into a call, and answers it.
func (s *Server) clientCall(req clientReq, kind usage.Kind, decode func(data []byte, t *tenant, reqID string, start time.Time) (*call, bool, *schemas.Error)) {
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
		if e := s.limit(nil, t, nil, start); e != nil {
			fail(e)
			return
		}
	}
	// Admitted: from here on the request is usage, whatever its answer (as over HTTP).
	asked := false
	defer s.countRefused(t, kind, &asked, start)
	data := req.data
	if len(data) > s.cfg.MaxBodyBytes {
		fail(schemas.Errorf(schemas.TypeTooLarge, "body is %d bytes; the limit is %d", len(data), s.cfg.MaxBodyBytes))
		return
	}
	cl, async, e := decode(data, t, reqID, start)
	if e == nil {
		e = s.checkWebhook(cl)
	}
	if e != nil {
		fail(e)
		return
	}
	asked = true
	if async {
		doc, e := s.startAsync(cl)
		if e != nil {
			fail(e)
			return
		}
		s.reply(req.reply, &nats.Msg{Data: doc})
		return
	}
	ans := s.ask(cl, nil)
	if ans.err != nil {
		fail(ans.err)
	} else {
		m := &nats.Msg{Header: nats.Header{schemas.HeaderCache: {ans.cache}}, Data: ans.body}
		if ans.timings != "" {
			m.Header.Set(schemas.HeaderTimings, ans.timings)
		}
		s.reply(req.reply, m)
	}
	s.afterAnswer(cl, &ans, false)
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
