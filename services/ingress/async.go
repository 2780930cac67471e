package ingress

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// An async request (async=true) is answered at once with its id and status Processing; its
// work runs through the ordinary pipeline with its own deadline (--async-timeout), and its
// answer replaces the Processing record in the archive, where the client polls it
// (GET /v1/searches/{id}). Its end is announced on trawl.v1.done.<tenant>, and POSTed to its
// webhook_url if it has one. Batch items run the same way.
//
// Each tenant has at most --tenant-max-inflight async requests and batch items running at
// once, so one tenant's thousand queries cannot take every cache slot from the others: a
// single async request over the bound is refused (429), batch items wait their turn.

// slots bound each tenant's async work in flight.
type slots struct {
	max int
	mu  sync.Mutex
	sem map[string]chan struct{}
}

func (s *slots) of(t *tenant) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := t.nameOrEmpty()
	ch := s.sem[name]
	if ch == nil {
		if s.sem == nil {
			s.sem = map[string]chan struct{}{}
		}
		ch = make(chan struct{}, s.max)
		s.sem[name] = ch
	}
	return ch
}

// tryAcquire takes a slot of t's if one is free.
func (s *slots) tryAcquire(t *tenant) bool {
	select {
	case s.of(t) <- struct{}{}:
		return true
	default:
		return false
	}
}

// acquire waits for a slot of t's, or for stop.
func (s *slots) acquire(t *tenant, stop <-chan struct{}) bool {
	select {
	case s.of(t) <- struct{}{}:
		return true
	case <-stop:
		return false
	}
}

func (s *slots) release(t *tenant) { <-s.of(t) }

// answerHTTP answers an admitted search or scrape: at once with its id when async, else when
// its answer comes.
func (s *Server) answerHTTP(c *fasthttp.RequestCtx, cl *call, async bool) {
	if e := s.checkWebhook(cl); e != nil {
		s.problem(c, e, cl.reqID)
		return
	}
	if !async {
		ans := s.writeAnswer(c, cl)
		s.afterAnswer(cl, &ans, false)
		return
	}
	doc, e := s.startAsync(cl)
	if e != nil {
		s.problem(c, e, cl.reqID)
		return
	}
	c.SetStatusCode(fasthttp.StatusAccepted)
	c.Response.Header.Set("Location", recordPath(cl.kind, cl.id))
	c.SetContentType("application/json")
	c.SetBody(doc)
}

// recordPath is where an answer is read back.
func recordPath(kind, id string) string {
	if kind == schemas.KindScrape {
		return scrapesPrefix + id
	}
	return searchesPrefix + id
}

// startAsync records cl as Processing and starts it; the status document is the immediate
// answer. The record is stored before the answer goes out, so the first poll finds it.
func (s *Server) startAsync(cl *call) ([]byte, *schemas.Error) {
	if !s.slots.tryAcquire(cl.t) {
		e := schemas.Errorf(schemas.TypeRateLimited, "%d async requests of this tenant are in progress; wait for some to finish", s.cfg.TenantMaxInFlight)
		e.RetryAfterMS = 1000
		return nil, e
	}
	doc := statusDoc(cl, schemas.StatusProcessing, nil, time.Time{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.archive.putSync(ctx, answerMsg(cl, schemas.StatusProcessing, "", doc, time.Time{})); err != nil {
		s.slots.release(cl.t)
		e := schemas.Errorf(schemas.TypeUnavailable, "the archive, which holds async answers, is unavailable: %v", err)
		e.RetryAfterMS = 1000
		return nil, e
	}
	s.track(cl)
	go func() {
		defer s.untrack(cl)
		defer s.slots.release(cl.t)
		ans := s.ask(cl, nil)
		s.afterAnswer(cl, &ans, true)
	}()
	return doc, nil
}

// afterAnswer announces the end of an async request and sends its webhook.
func (s *Server) afterAnswer(cl *call, ans *answer, async bool) {
	if async {
		ev := schemas.DoneEvent{ID: cl.id, Kind: cl.kind, Status: schemas.StatusSuccess, Batch: cl.batch, Done: ans.done.UTC()}
		if ans.err != nil {
			ev.Status, ev.Error = schemas.StatusError, ans.err.Kind
		}
		data, _ := json.Marshal(&ev)
		if err := s.nc.Publish(schemas.SubjectDonePrefix+schemas.TenantToken(cl.t.nameOrEmpty()), data); err != nil {
			s.log.Debug("done event not published", "id", cl.id, "err", err)
		}
	}
	if cl.webhook != "" {
		s.sendWebhook(cl, ans)
	}
}

// track and untrack keep the async work in flight, so Stop can wait for it and record what it
// cannot wait for.
func (s *Server) track(cl *call) {
	s.asyncMu.Lock()
	s.asyncCalls[cl.id] = cl
	s.asyncMu.Unlock()
	s.asyncWG.Add(1)
}

func (s *Server) untrack(cl *call) {
	s.asyncMu.Lock()
	delete(s.asyncCalls, cl.id)
	s.asyncMu.Unlock()
	s.asyncWG.Done()
}

// drainAsync waits up to d for the async work in flight; what is still running then is
// recorded as an Error (the process is going away), so no poll waits forever on it.
func (s *Server) drainAsync(d time.Duration) {
	done := make(chan struct{})
	go func() { s.asyncWG.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(d):
	}
	s.asyncMu.Lock()
	left := make([]*call, 0, len(s.asyncCalls))
	for _, cl := range s.asyncCalls {
		left = append(left, cl)
	}
	s.asyncMu.Unlock()
	for _, cl := range left {
		e := schemas.NewError(schemas.TypeUnavailable, "trawl stopped before this request was answered; send it again")
		e.SearchID, e.RequestID = cl.id, cl.reqID
		now := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s.archive.putSync(ctx, answerMsg(cl, schemas.StatusError, "", statusDoc(cl, schemas.StatusError, e, now), now))
		cancel()
	}
	s.log.Warn("stopped with async requests unanswered; they are recorded as errors", "count", len(left))
}
