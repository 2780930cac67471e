package ingress

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// A call is one admitted search or scrape on its way to an answer. Every way of asking (GET
// and POST, NATS clients, async, batch items) builds one and goes through ask, so each is
// answered, archived and announced the same way.
type call struct {
	kind  string // schemas.KindSearch or KindScrape
	id    string // the answer's id: every answer has its own
	reqID string
	t     *tenant
	// subject and fwd are what is asked of the cache: fwd is the request as forwarded, encoded
	// only when the near cache cannot answer (a near hit never needs it).
	subject string
	fwd     any
	// search is the request of a search; nil for a scrape. maxAge is its max_age (the near
	// cache judges an entry by it).
	search *schemas.SearchRequest
	maxAge *int
	// engine (a search's engines) or url (a scrape's) go into a status document's metadata.
	engine, url string
	nearKey     string
	start       time.Time
	deadline    time.Time
	webhook     string
	batch       string
	// parts: the caller (a dialect) takes a near hit in parts, answer.meta and answer.tail,
	// and the JSON is composed only where it is needed (the archive's bundle, a memo miss).
	parts bool
}

// answer is what a call came to: body (the JSON answered) or err.
type answer struct {
	body []byte
	err  *schemas.Error
	// cache is the Trawl-Cache state ("hit" for a near hit); fresh its Trawl-Fresh-Until.
	cache, timings string
	round          time.Duration
	near           bool
	done           time.Time
	// meta and tail are a near hit's body taken apart (nil otherwise), for a dialect that
	// rewrites the metadata: it is spared decoding what was just encoded. For a call that
	// asked for parts (call.parts) body is nil until native composes it.
	meta *schemas.SearchMetadata
	tail []byte
	// smeta is a scrape's near hit's scrape_metadata (its body is composed).
	smeta *schemas.ScrapeMetadata
	// entry is the near cache's entry the answer was served from or put in (nil if none):
	// keep archives a near hit as a reference to the answer the entry was first archived as.
	entry *nearEntry
}

// native is the answer's JSON, composed from its parts if it was handed over in parts.
func (a *answer) native() []byte {
	if a.body == nil && a.meta != nil {
		a.body = schemas.AppendResponse(make([]byte, 0, len(a.tail)+512), a.meta, a.tail)
	}
	return a.body
}

// newCall builds the call of a validated request. The fields a client sets for the ingress
// (async, webhook_url) are taken off what the cache is asked.
func (s *Server) newCall(kind string, search *schemas.SearchRequest, scrape *schemas.ScrapeRequest, t *tenant, reqID string, start time.Time) *call {
	cl := &call{kind: kind, reqID: reqID, t: t, start: start}
	// Answers given once are archived in bundles; those updated later have plain ids.
	if (search != nil && search.Async) || (scrape != nil && scrape.Async) || s.archive == nil {
		cl.id = schemas.NewID()
	} else {
		cl.id = s.archive.newBundledID()
	}
	// An async request without a timeout_ms of its own has --async-timeout, and says so to the
	// cache, which would otherwise give it the default deadline.
	timeout := func(async bool, ms *int) {
		if async && *ms == 0 {
			*ms = int(s.cfg.AsyncTimeout / time.Millisecond)
		}
		cl.deadline = s.cfg.Deadlines.For(start, *ms)
	}
	switch {
	case search != nil:
		cl.subject, cl.search, cl.engine, cl.webhook = schemas.SubjectSearch, search, search.Engine, search.WebhookURL
		cl.nearKey, cl.maxAge = s.near.key(search), search.MaxAge
		fwd := *search
		timeout(fwd.Async, &fwd.TimeoutMS)
		fwd.Async, fwd.WebhookURL = false, ""
		cl.fwd = &fwd
	case scrape != nil:
		cl.subject, cl.url, cl.webhook = schemas.SubjectScrape, scrape.URL, scrape.WebhookURL
		cl.nearKey, cl.maxAge = s.near.scrapeKey(scrape), scrape.MaxAge
		fwd := *scrape
		timeout(fwd.Async, &fwd.TimeoutMS)
		fwd.Async, fwd.WebhookURL = false, ""
		cl.fwd = &fwd
	}
	if cl.engine == "" && search != nil {
		cl.engine = schemas.DefaultEngine
	}
	return cl
}

// ask answers cl: from the near cache when it may, else from the cache service; then archives
// the answer. A near hit's body is appended to dst (the HTTP response's own buffer).
func (s *Server) ask(cl *call, dst []byte) answer {
	var ans answer
	if cl.nearKey != "" {
		if e := s.near.get(cl.nearKey, cl.maxAge, cl.start); e != nil {
			s.nearHits.Inc()
			now := time.Now()
			if e.scrape {
				smeta := e.scrapeMetaFor(cl.id, cl.reqID, cl.start, now)
				ans = answer{cache: "hit", timings: e.timings, near: true, done: now, smeta: &smeta, entry: e,
					body: schemas.AppendScrapeResponse(dst, &smeta, e.tail)}
				s.keep(cl, &ans)
				s.countAnswer(cl, &ans)
				return ans
			}
			meta := e.metaFor(cl.id, cl.reqID, cl.start, now)
			ans = answer{cache: "hit", timings: e.timings, near: true, done: now, meta: &meta, tail: e.tail, entry: e}
			if !cl.parts {
				ans.body = schemas.AppendResponse(dst, &meta, e.tail)
			}
			s.keep(cl, &ans)
			s.countAnswer(cl, &ans)
			return ans
		}
		s.nearMisses.Inc()
	}
	hv := &[3]string{cl.reqID, schemas.FormatDeadline(cl.deadline), cl.id} // one allocation for the values
	var data []byte
	if r, ok := cl.fwd.(*schemas.SearchRequest); ok {
		data = schemas.MarshalSearchRequest(r)
	} else {
		data, _ = json.Marshal(cl.fwd)
	}
	msg := &nats.Msg{Subject: cl.subject, Data: data, Header: nats.Header{
		schemas.HeaderRequestID: hv[0:1:1],
		schemas.HeaderDeadline:  hv[1:2:2],
		schemas.HeaderSearchID:  hv[2:3:3],
	}}
	if cl.t != nil {
		msg.Header[schemas.HeaderTenant] = cl.t.names
	}
	sent := time.Now()
	reply, err := s.request(msg, cl.deadline)
	ans.round = time.Since(sent)
	ans.done = time.Now()
	switch {
	case err != nil:
		ans.err = requestError(err)
	case reply.Header.Get(schemas.HeaderServiceErrorCode) != "":
		ans.err = schemas.DecodeError(reply.Header.Get(schemas.HeaderServiceErrorCode), reply.Header.Get(schemas.HeaderServiceError), reply.Data)
	default:
		ans.body, ans.cache, ans.timings = reply.Data, reply.Header.Get(schemas.HeaderCache), reply.Header.Get(schemas.HeaderTimings)
		if cl.nearKey != "" {
			ans.entry = s.near.put(cl.nearKey, ans.cache, reply.Header.Get(schemas.HeaderFreshUntil), ans.timings, reply.Data, ans.done)
		}
	}
	if ans.err != nil {
		ans.err.RequestID = cl.reqID
		ans.err.SearchID = cl.id
	}
	s.keep(cl, &ans)
	s.countAnswer(cl, &ans)
	return ans
}

// keep archives an answer without waiting: the JSON as answered, or the problem wrapped in a
// status document; in a bundle when its id says so (bundle.go).
func (s *Server) keep(cl *call, ans *answer) {
	facts := [len(bundleFields)]string{cl.kind, schemas.StatusSuccess, cl.t.nameOrEmpty(), unixMS(cl.start), unixMS(ans.done), "", cl.batch}
	if e := ans.entry; e != nil && ans.err == nil && bundled(cl.id) && s.archive != nil {
		// The answer's tail is the entry's: the first answer archived with it is written
		// whole, the near hits after it as a reference to that one (bundle.go, bundleHit).
		if ref := e.archived.Load(); ref != nil && ans.near {
			if ans.smeta != nil {
				s.archive.bundleScrapeRef(cl.id, &facts, ans.smeta, *ref)
			} else {
				s.archive.bundleHit(cl.id, &facts, ans.meta, *ref)
			}
			return
		}
		e.archived.CompareAndSwap(nil, &cl.id)
	}
	if ans.err == nil && ans.body == nil && ans.meta != nil && bundled(cl.id) {
		// A dialect's near hit, in parts: composed straight into its bundle.
		s.archive.bundleParts(cl.id, &facts, ans.meta, ans.tail)
		return
	}
	status, pageID, doc := schemas.StatusSuccess, "", ans.native()
	if ans.err != nil {
		status, pageID, doc = schemas.StatusError, ans.err.PageID, statusDoc(cl, schemas.StatusError, ans.err, ans.done)
	}
	if !bundled(cl.id) {
		// An async request or batch item: its record is stored before its end is announced
		// (afterAnswer), so a client told it is done finds it done. Nobody waits on its
		// goroutine but the announcement.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		s.archive.putSync(ctx, answerMsg(cl, status, pageID, doc, ans.done))
		cancel()
		return
	}
	facts[1], facts[5] = status, pageID
	s.archive.bundle(cl.id, &facts, doc)
}

// metaKey is the member that opens a kind's answers.
func metaKey(kind string) string {
	if kind == schemas.KindScrape {
		return "scrape_metadata"
	}
	return "search_metadata"
}

// statusMeta is the metadata of an answer that is not (yet) a success.
type statusMeta struct {
	ID          string    `json:"id"`
	RequestID   string    `json:"request_id,omitempty"`
	Status      string    `json:"status"`
	Engine      string    `json:"engine,omitempty"`
	URL         string    `json:"url,omitempty"`
	PageID      string    `json:"page_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ProcessedAt time.Time `json:"processed_at,omitzero"`
}

// statusDoc is what GET /v1/searches/{id} answers for a request still Processing, or one that
// ended in Error (with its problem): the metadata of its kind, and the error.
func statusDoc(cl *call, status string, e *schemas.Error, done time.Time) []byte {
	m := statusMeta{ID: cl.id, RequestID: cl.reqID, Status: status, Engine: cl.engine, URL: cl.url,
		CreatedAt: cl.start.UTC().Truncate(time.Millisecond), ProcessedAt: done.UTC().Truncate(time.Millisecond)}
	if e != nil {
		m.PageID = e.PageID
	}
	doc := map[string]any{metaKey(cl.kind): m}
	if e != nil {
		doc["error"] = e
	}
	b, _ := json.Marshal(doc)
	return b
}

// writeAnswer answers an HTTP request with a call's answer, and returns it (its body is the
// response's: valid until the handler returns).
func (s *Server) writeAnswer(c *fasthttp.RequestCtx, cl *call) answer {
	// A near hit is composed in the response's own buffer, which fasthttp keeps from request
	// to request; anything else is copied into it.
	buf := c.Response.SwapBody(nil)
	ans := s.ask(cl, buf[:0])
	if ans.err != nil {
		c.Response.SwapBody(buf)
		s.problem(c, ans.err, cl.reqID)
		return ans
	}
	c.Response.Header.Set("X-Cache", cacheHeader(ans.cache))
	var tb [160]byte
	c.Response.Header.SetBytesV("Server-Timing", appendServerTiming(tb[:0], time.Since(cl.start), ans.round, ans.timings))
	c.SetContentType("application/json")
	if ans.near {
		c.Response.SwapBody(ans.body)
		return ans
	}
	c.Response.SwapBody(buf)
	c.SetBody(ans.body)
	return ans
}
