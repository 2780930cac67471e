package fetcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/schemas"
)

// page is a fetched upstream response.
type page struct {
	Status int
	Body   []byte
	// FinalURL and ContentType are a scraped page's (empty for an engine's page).
	FinalURL    string
	ContentType string
	// parsed is the page as the parser of this process read it to judge it (kit/handoff),
	// nil when it was classified: that parser takes it without reading the page again.
	parsed *handoff.Parsed
}

// result is one attempt: a page, or a failure with what it says about the route (pool) and
// the engine (breaker).
type result struct {
	page    *page
	err     *schemas.Error // the failure as the requester would see it
	outcome outcome
	// breaker is nil for a success, errExcluded when the engine is not to blame, else a failure.
	breaker    error
	retryAfter time.Duration
	latency    time.Duration
	label      string // for trawl_fetcher_attempts_total
}

// upstream is what one attempt sends for an engine's job: req, or, for an engine that needs a
// first page (engines.Preluder), prelude and then the request the engine builds from its
// answer.
type upstream struct {
	prelude *engines.Request
	req     *engines.Request
}

// attempt sends the job's request through rt and judges the answer. A 200 page is read by the
// engine's own parser: a CAPTCHA, consent or anomaly page is a failure of the route (retried
// elsewhere, never cached, never an empty success); only results or a genuine no-results page
// are a success. With a prelude, both requests go through rt within the one attempt and its
// timeout, and the prelude's answer is judged the same way: its status first, then the
// engine's reading of it (a block page, or no token, fails the attempt). jobCtx is the job's
// context: when it ends first, the attempt says nothing.
func (s *Service) attempt(jobCtx context.Context, rt *route, engine string, up upstream, sreq *schemas.SearchRequest, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(jobCtx, timeout)
	defer cancel()
	start := time.Now()
	req := up.req
	if up.prelude != nil {
		b, res, ok := s.send(jobCtx, ctx, rt, engine, up.prelude, start)
		if !ok {
			return res
		}
		next, err := s.engines.Follow(sreq, b)
		if err != nil {
			e := schemas.AsError(err)
			if e.Kind != schemas.TypeBlocked && e.Kind != schemas.TypeUnrecognised {
				// Not what the page said but what the engine could not do: no route does better.
				e.Engine = engine
				res.err, res.outcome, res.breaker, res.label = e, outFinal, errExcluded, "error"
				return res
			}
			// The prelude's page is not kept for the parser: it is not the page Parse reads.
			return s.misjudged(engine, e, nil, res)
		}
		req = next
	}
	b, res, ok := s.send(jobCtx, ctx, rt, engine, req, start)
	if !ok {
		return res
	}
	return s.judge(engine, b, sreq, res)
}

// send makes one request through rt. ok is true for a 200 answer within the size cap, whose
// body is b and whose result is still to be judged; otherwise res is the attempt's failure.
// Latency counts from start, so an attempt's two requests are timed as one.
func (s *Service) send(jobCtx, ctx context.Context, rt *route, engine string, req *engines.Request, start time.Time) (b []byte, res result, ok bool) {
	if rt.fast != nil {
		return s.fastSend(jobCtx, ctx, rt, engine, req, start)
	}
	return s.netSend(jobCtx, ctx, rt, engine, req, start)
}

// netSend is send on net/http's client.
func (s *Service) netSend(jobCtx, ctx context.Context, rt *route, engine string, req *engines.Request, start time.Time) (b []byte, res result, ok bool) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, result{err: upstreamErr(engine, err.Error()), outcome: outFinal, breaker: errExcluded, label: "error"}, false
	}
	hreq.Header = req.Header.Clone()
	resp, err := rt.client.Do(hreq)
	if err != nil {
		return nil, s.transportFailure(jobCtx, ctx, rt, engine, err, time.Since(start)), false
	}
	defer resp.Body.Close()
	b, err = readBody(resp, s.cfg.MaxBodyBytes+1)
	lat := time.Since(start)
	if err != nil {
		return nil, s.transportFailure(jobCtx, ctx, rt, engine, fmt.Errorf("reading body: %w", err), lat), false
	}
	return s.status(engine, resp.StatusCode, resp.Header.Get("Retry-After"), b, lat)
}

// status judges an answer by its status and size: ok is true for a 200 page within the cap,
// b, still to be judged; otherwise res is the attempt's failure.
func (s *Service) status(engine string, code int, retryAfterHeader string, b []byte, lat time.Duration) ([]byte, result, bool) {
	res := result{latency: lat, label: strconv.Itoa(code)}
	switch {
	case int64(len(b)) > s.cfg.MaxBodyBytes:
		res.err, res.outcome, res.breaker = upstreamErr(engine, fmt.Sprintf("page larger than %d bytes", s.cfg.MaxBodyBytes)), outFinal, errExcluded
	case code == http.StatusOK:
		return b, res, true
	case code == http.StatusTooManyRequests || code >= 500:
		res.err, res.outcome, res.breaker = upstreamErr(engine, "upstream status "+res.label), outUpstream, errEngine
		res.retryAfter = retryAfter(retryAfterHeader)
		if res.retryAfter > 0 {
			res.err.RetryAfterMS = res.retryAfter.Milliseconds()
		}
	case code == http.StatusProxyAuthRequired:
		res.err, res.outcome, res.breaker = upstreamErr(engine, "proxy refused: authentication required"), outRoute, errExcluded
	case code == http.StatusForbidden:
		// Engines answer a banned address 403 as often as with a CAPTCHA page (and
		// DuckDuckGo's JSON endpoints answer a token they did not hand out so).
		res.err, res.outcome, res.breaker = blockedErr(engine, "upstream status 403"), outRoute, errEngine
	default:
		res.err, res.outcome, res.breaker = upstreamErr(engine, "upstream status "+res.label), outFinal, errExcluded
	}
	return nil, res, false
}

// judge classifies a 200 page with the engine's classifier, which answers as its parser
// would without building the page when the bytes make the answer certain (the parser stage
// reads the page in full anyway). With a parser in this process the page is read once, by
// that parser, and its reading is the judgement.
func (s *Service) judge(engine string, b []byte, sreq *schemas.SearchRequest, res result) result {
	var parsed *handoff.Parsed
	var perr error
	if p := s.parser(); p != nil {
		parsed = p.Judge(engine, b, sreq)
		perr = parsed.Err
	} else {
		perr = s.engines.Classify(engine, b, sreq)
	}
	if perr == nil {
		res.page, res.outcome, res.label = &page{Status: http.StatusOK, Body: b, parsed: parsed}, outOK, "ok"
		return res
	}
	res = s.misjudged(engine, perr, b, res)
	if res.page != nil {
		res.page.parsed = parsed
	}
	return res
}

// misjudged is the failure of an attempt whose 200 page the engine did not accept: perr is
// what it said. b, the page, is kept for the parser when it is one the parser could not
// read, nil when there is nothing to keep.
func (s *Service) misjudged(engine string, perr error, b []byte, res result) result {
	e := schemas.AsError(perr)
	e.Engine = engine
	res.err, res.outcome = e, outRoute
	switch e.Kind {
	case schemas.TypeBlocked:
		// The engine refused this address: a failure of the engine towards us, and of the route.
		res.label, res.breaker = "blocked", errEngine
	default:
		// Not the engine's page (a proxy's portal or junk), or a layout the parser does not
		// know: another route may do better; the breaker is not the tool for either.
		res.label, res.breaker = "unrecognised", errExcluded
		// Kept: if no route does better, the page goes to the parser after all, which reports
		// it and keeps it for inspection (a layout change must be seen, not retried away).
		if b != nil {
			res.page = &page{Status: http.StatusOK, Body: b}
		}
	}
	return res
}

// transportFailure judges an attempt that got no complete answer.
func (s *Service) transportFailure(jobCtx, ctx context.Context, rt *route, engine string, err error, lat time.Duration) result {
	res := result{latency: lat, outcome: outRoute, label: "error"}
	switch {
	case jobCtx.Err() != nil:
		// The job's deadline (or a shutdown) cut the attempt short: it proves nothing.
		res.outcome, res.breaker, res.label = outCancelled, errExcluded, "cancelled"
		res.err = schemas.NewError(schemas.TypeTimeout, "the engine did not answer within the request's deadline")
		res.err.Engine = engine
		return res
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// A hang: the engine's or the proxy's, there is no telling; both are charged.
		res.label, res.breaker = "timeout", errEngine
		res.err = upstreamErr(engine, fmt.Sprintf("no answer within the attempt timeout (%s)", lat.Round(time.Millisecond)))
		return res
	}
	res.err = upstreamErr(engine, err.Error())
	if rt.proxy != nil {
		// Through a proxy, a broken connection is the proxy's until proven otherwise (an
		// engine's reset reaches us as the proxy's 502).
		res.breaker = errExcluded
	} else {
		res.breaker = errEngine
	}
	return res
}

func upstreamErr(engine, detail string) *schemas.Error {
	e := schemas.NewError(schemas.TypeUpstream, detail)
	e.Engine = engine
	return e
}

func blockedErr(engine, detail string) *schemas.Error {
	e := schemas.NewError(schemas.TypeBlocked, engine+": "+detail)
	e.Engine = engine
	return e
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// readBody reads at most limit bytes of resp's body into a buffer of exactly its size: of the
// stated Content-Length when there is one (net/http delivers that many bytes or an error),
// else read through a pooled buffer and copied out. io.ReadAll's growing buffer allocated
// about twice each page, the largest single allocation on the miss path.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n < limit {
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return readLimited(resp.Body, limit)
}

// readLimited reads at most limit bytes of r through a pooled buffer and returns a copy of
// exactly their size.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // an odd huge page is not kept for the next one
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(r, limit))
	return bytes.Clone(buf.Bytes()), err
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
