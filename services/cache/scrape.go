package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
)

// scrape answers one request on schemas.SubjectScrape: the page from the store when the entry
// suits the request, otherwise through the one flight for its key, exactly as a search.
func (s *Service) scrape(req asyncReq) {
	start := time.Now()
	reqID := req.hdr.Get(schemas.HeaderRequestID)
	r, deadline, perr := s.decodeScrape(req.data, req.hdr, start)
	if perr != nil {
		s.m.requests.WithLabelValues(schemas.ScrapeRoute, perr.Kind).Inc()
		s.replyError(req, perr, reqID)
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ent, state, err := s.get(ctx, &ask{scrape: r}, reqID)
	if err != nil {
		s.finishReply(req, schemas.ScrapeRoute, state, nil, err, reqID, start, 0)
		return
	}
	meta := ent.scrapeMetadata(answerID(req.hdr), r.URL, state, reqID, time.Now(), msSince(start))
	body, cerr := schemas.ComposeScrapeResponse(meta, ent.Body)
	if cerr != nil {
		s.finishReply(req, schemas.ScrapeRoute, state, nil, schemas.AsError(cerr), reqID, start, 0)
		return
	}
	// Fresh until, as for a search: the ingress's near cache keeps the answer no longer.
	var freshUntil int64
	if state != stateStale && ent.suspect == "" {
		freshUntil = ent.Created.Add(s.cfg.ttl(schemas.ScrapeRoute)).UnixMilli()
	}
	s.finishReply(req, schemas.ScrapeRoute, state, body, nil, reqID, start, freshUntil)
}

// decodeScrape reads, validates and normalises a scrape request, and works out its deadline.
func (s *Service) decodeScrape(data []byte, h micro.Headers, now time.Time) (*schemas.ScrapeRequest, time.Time, *schemas.Error) {
	var r schemas.ScrapeRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, time.Time{}, schemas.ValidationError([]schemas.FieldError{{Field: "body", Message: "malformed JSON: " + err.Error()}})
	}
	if dec.More() {
		return nil, time.Time{}, schemas.ValidationError([]schemas.FieldError{{Field: "body", Message: "trailing data after the JSON object"}})
	}
	if errs := r.Validate(s.cfg.Deadlines.MaxMS()); errs != nil {
		return nil, time.Time{}, schemas.ValidationError(errs)
	}
	if e := r.TargetError(); e != nil {
		return nil, time.Time{}, e
	}
	r.Normalize()
	r.Tenant = nats.Header(h).Get(schemas.HeaderTenant)
	deadline := s.cfg.Deadlines.For(now, r.TimeoutMS)
	if d, ok := schemas.ParseDeadline(nats.Header(h).Get(schemas.HeaderDeadline)); ok && d.Before(deadline) {
		deadline = d
	}
	if !deadline.After(now) {
		return nil, time.Time{}, schemas.NewError(schemas.TypeTimeout, "deadline passed before the scrape started")
	}
	return &r, deadline, nil
}

func (e *entry) scrapeMetadata(id, url, cacheState, requestID string, now time.Time, cacheMS float64) *schemas.ScrapeMetadata {
	return &schemas.ScrapeMetadata{
		ID: id, PageID: e.ID, RequestID: requestID, Status: schemas.StatusSuccess, Cache: cacheState,
		CreatedAt: e.Created.UTC(), AgeSeconds: max(int64(now.Sub(e.Created)/time.Second), 0),
		TimingsMS: schemas.Timings{Fetch: float64(e.FetchUS) / 1000, Parse: float64(e.ParseUS) / 1000, Cache: cacheMS},
		URL:       url,
	}
}
