package ingress

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/params"
)

// A batch is up to --batch-max searches (POST /v1/searches) or scrapes (POST /v1/scrapes) in
// one body: {"requests": [<request>, …]} (or the bare array), each request as its single
// request's JSON body would be. Every item gets an id and its own archived answer, exactly as
// an async request; the batch's list is archived under the batch's id.
//
// With Accept: application/x-ndjson the answers stream back one line each as they complete,
// in completion order, each with its index and id; otherwise the answer is 202 with the
// batch's id, and GET /v1/batches/{id} shows progress and results.
//
// A batch is counted against the tenant's rate and quota item by item, when it arrives: the
// items over the limit end at once as rate_limited (or quota_exceeded) lines, never a stall.
// The items admitted run at most --tenant-max-inflight at a time per tenant.

// batchLine is one NDJSON line of a batch's answer.
type batchLine = schemas.BatchItem

func (s *Server) batch(c *fasthttp.RequestCtx, reqID string, start time.Time, kind string) {
	if !c.IsPost() {
		c.Response.Header.Set("Allow", "POST")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here: POST a batch, or GET %s{id}", c.Method(), recordPath(kind, "")), reqID)
		return
	}
	t, e := s.authenticateReq(c)
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	body := c.PostBody()
	if limit := s.batchMaxBody(); len(body) > limit {
		s.problem(c, schemas.Errorf(schemas.TypeTooLarge, "batch body is %d bytes; the limit is %d", len(body), limit), reqID)
		return
	}
	if c.QueryArgs().Len() > 0 {
		s.problem(c, schemas.ValidationError([]schemas.FieldError{params.FieldError("query", "a batch takes its requests in the JSON body only")}), reqID)
		return
	}
	raws, e := s.decodeBatch(body)
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	b := &schemas.Batch{ID: schemas.NewID(), Kind: kind, Status: schemas.StatusProcessing,
		CreatedAt: start.UTC().Truncate(time.Millisecond), Total: len(raws), Items: make([]schemas.BatchItem, len(raws))}
	calls := make([]*call, len(raws))
	fails := make([]*schemas.Error, len(raws))
	for i, raw := range raws {
		cl, fe := s.batchCall(kind, raw, t, reqID+"."+strconv.Itoa(i), start)
		cl.batch = b.ID
		calls[i], fails[i] = cl, fe
		b.Items[i] = schemas.BatchItem{Index: i, ID: cl.id, Status: schemas.StatusProcessing}
	}
	rec, _ := json.Marshal(b)
	h := nats.Header{schemas.HeaderArchiveKind: {kind}}
	if t != nil {
		h[schemas.HeaderTenant] = t.names
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err := s.archive.putSync(ctx, &nats.Msg{Subject: schemas.ArchiveSubject(schemas.ArchiveBatch, b.ID), Header: h, Data: rec})
	cancel()
	if err != nil {
		e := schemas.Errorf(schemas.TypeUnavailable, "the archive, which holds batches, is unavailable: %v", err)
		e.RetryAfterMS = 1000
		s.problem(c, e, reqID)
		return
	}
	// Each item's limits are taken now, in order, so a batch over the rate ends its excess
	// at once.
	for i, cl := range calls {
		if fails[i] == nil {
			fails[i] = s.limit(&c.Response.Header, t, c.RemoteIP(), start)
		}
		if fails[i] != nil {
			fails[i].RequestID, fails[i].SearchID = cl.reqID, cl.id
		}
	}
	lines := make(chan batchLine, len(calls))
	for i, cl := range calls {
		if fails[i] != nil {
			now := time.Now()
			s.archive.put(answerMsg(cl, schemas.StatusError, "", statusDoc(cl, schemas.StatusError, fails[i], now), now))
			lines <- batchLine{Index: i, ID: cl.id, Status: schemas.StatusError, Error: fails[i]}
			continue
		}
		s.track(cl)
		go func() {
			defer s.untrack(cl)
			lines <- s.runItem(i, cl)
		}()
	}
	c.Response.Header.Set("Location", batchesPrefix+b.ID)
	c.Response.Header.Set("Trawl-Batch-Id", b.ID)
	if !acceptsNDJSON(c) {
		c.SetStatusCode(fasthttp.StatusAccepted)
		c.SetContentType("application/json")
		c.SetBody(rec)
		return
	}
	c.SetContentType("application/x-ndjson")
	n := len(calls)
	c.SetBodyStreamWriter(func(w *bufio.Writer) {
		// The items run on whether or not the client stays: each is archived as it ends.
		for range n {
			l := <-lines
			data, _ := json.Marshal(&l)
			w.Write(data)
			w.WriteByte('\n')
			if w.Flush() != nil {
				return
			}
		}
	})
}

// runItem waits for a slot of the tenant's, then asks.
func (s *Server) runItem(i int, cl *call) batchLine {
	if !s.slots.acquire(cl.t, s.stopAsync) {
		e := schemas.NewError(schemas.TypeUnavailable, "trawl is stopping; send this request again")
		e.RequestID, e.SearchID = cl.reqID, cl.id
		ans := answer{err: e, done: time.Now()}
		s.keep(cl, &ans)
		return batchLine{Index: i, ID: cl.id, Status: schemas.StatusError, Error: e}
	}
	defer s.slots.release(cl.t)
	ans := s.ask(cl, nil)
	s.afterAnswer(cl, &ans, true)
	if ans.err != nil {
		return batchLine{Index: i, ID: cl.id, Status: schemas.StatusError, Error: ans.err}
	}
	return batchLine{Index: i, ID: cl.id, Status: schemas.StatusSuccess, Response: ans.body}
}

// batchMaxBody bounds a batch's body: a request's bound for each of 16 requests (1 MiB by
// default), which fasthttp's own read limit allows.
func (s *Server) batchMaxBody() int { return 16 * s.cfg.MaxBodyBytes }

// decodeBatch reads a batch's requests, each left raw for its kind's strict decoder.
func (s *Server) decodeBatch(body []byte) ([]json.RawMessage, *schemas.Error) {
	var raws []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	var err error
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		err = json.Unmarshal(trimmed, &raws)
	default:
		var br schemas.BatchRequest
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err = dec.Decode(&br); err == nil && dec.More() {
			err = errors.New("more than one JSON value")
		}
		raws = br.Requests
	}
	switch {
	case err != nil:
		return nil, schemas.ValidationError([]schemas.FieldError{params.FieldError("body", `must be {"requests": [...]} or an array of requests: `+err.Error())})
	case len(raws) == 0:
		return nil, schemas.ValidationError([]schemas.FieldError{params.FieldError("requests", "must hold at least one request")})
	case len(raws) > s.cfg.BatchMax:
		return nil, schemas.ValidationError([]schemas.FieldError{params.FieldError("requests", "at most "+strconv.Itoa(s.cfg.BatchMax)+" requests in a batch (--batch-max)")})
	}
	return raws, nil
}

// batchCall reads one item of a batch into a call; an item that is not a valid request still
// gets a call (its id and record) and the validation error.
func (s *Server) batchCall(kind string, raw []byte, t *tenant, reqID string, start time.Time) (*call, *schemas.Error) {
	var cl *call
	var form []schemas.FieldError
	if kind == schemas.KindScrape {
		r, f := params.DecodeScrapeBody(raw)
		if r != nil {
			f = params.ValidateScrape(r, f, s.cfg.Deadlines.MaxMS())
			r.Async = true // runs as an async request: --async-timeout
			cl = s.newCall(kind, nil, r, t, reqID, start)
		}
		form = f
		if r != nil && len(form) == 0 {
			if e := r.TargetError(); e != nil {
				return cl, e
			}
		}
	} else {
		r, f := params.DecodeBody(raw)
		if r != nil {
			f = params.Validate(r, f, s.engines.Known, s.engines.Supports, s.cfg.Deadlines.MaxMS())
			r.Async = true
			cl = s.newCall(kind, r, nil, t, reqID, start)
		}
		form = f
	}
	if cl == nil {
		cl = &call{kind: kind, id: schemas.NewID(), reqID: reqID, t: t, start: start}
	}
	if len(form) > 0 {
		return cl, schemas.ValidationError(form)
	}
	return cl, s.checkWebhook(cl)
}

func acceptsNDJSON(c *fasthttp.RequestCtx) bool {
	return bytes.Contains(c.Request.Header.Peek("Accept"), []byte("application/x-ndjson"))
}

// getBatch answers GET /v1/batches/{id}: the batch with each item's status and, once ended,
// its answer or problem.
func (s *Server) getBatch(c *fasthttp.RequestCtx, t *tenant, id, reqID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := s.archive.get(ctx, schemas.ArchiveBatch, id)
	switch {
	case errors.Is(err, errNoRecord) || (err == nil && !owned(m, t, "")):
		s.problem(c, s.notFound("batch", id), reqID)
		return
	case err != nil:
		s.problem(c, archiveError(err), reqID)
		return
	}
	var b schemas.Batch
	if err := json.Unmarshal(m.Data, &b); err != nil {
		s.problem(c, schemas.Errorf(schemas.TypeInternal, "archived batch unreadable: %v", err), reqID)
		return
	}
	for i := range b.Items {
		it := &b.Items[i]
		r, err := s.archive.get(ctx, schemas.ArchiveAnswer, it.ID)
		if err != nil {
			if !errors.Is(err, errNoRecord) {
				s.problem(c, archiveError(err), reqID)
				return
			}
			continue // not archived yet (or its write was dropped): still Processing
		}
		switch it.Status = r.Header.Get(schemas.HeaderArchiveStatus); it.Status {
		case schemas.StatusSuccess:
			it.Response = r.Data
			b.Succeeded++
		case schemas.StatusError:
			var doc struct {
				Error *schemas.Error `json:"error"`
			}
			json.Unmarshal(r.Data, &doc)
			it.Error = doc.Error
			b.Failed++
		}
	}
	b.Done = b.Succeeded + b.Failed
	if b.Done == b.Total {
		b.Status = schemas.StatusSuccess
	}
	c.SetContentType("application/json")
	data, _ := json.Marshal(&b)
	c.SetBody(data)
}
