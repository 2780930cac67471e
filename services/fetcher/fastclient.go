package fetcher

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/trawl-dev/trawl/engines"
	"github.com/valyala/fasthttp"
)

// The direct route fetches engine pages with fasthttp's client. On the miss path net/http's
// client (its per-connection read and write goroutines, the Request and Response it builds,
// the body's pipe) was about an eighth of trawl's CPU, fasthttp's costs a fraction of that
// (scripts/bench, miss-aio). Proxied routes stay on net/http: its proxy handling (requests in
// absolute form, a 407 as an answer) is what the route scores read. Scrapes stay there too,
// behind their SSRF guard (scrape.go).

// maxRedirects is net/http's client's limit, which the engines' fetches always had.
const maxRedirects = 5

// fastHeaderBytes is the client's read buffer per connection, which bounds the response
// headers it reads (fasthttp's default is 4 KiB, which an engine's cookies can pass). Headers
// past it are read by net/http's client instead (fastSend), as every page was before: the
// buffers live as long as their connections, and at 64 KiB they were 7 MB of the live heap of
// `trawl serve` under sustained misses, which the collector works on under the soft limit.
const fastHeaderBytes = 16 << 10

func newFastClient(maxBody int64) *fasthttp.Client {
	return &fasthttp.Client{
		NoDefaultUserAgentHeader: true, // the engine's own headers name the browser
		DisablePathNormalizing:   true, // the URL goes out as the engine built it
		MaxConnsPerHost:          1024,
		MaxConnWaitTimeout:       5 * time.Second,
		MaxIdleConnDuration:      90 * time.Second,
		ReadBufferSize:           fastHeaderBytes,
		MaxResponseBodySize:      int(min(maxBody+1, 1<<31-1)),
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			return fastDialer.DialTimeout(addr, min(timeout, 5*time.Second))
		},
	}
}

var fastDialer = &fasthttp.TCPDialer{DNSCacheDuration: time.Minute}

// fastSend is send on the direct route. The attempt's deadline (ctx's) is the client's; a
// cancelled job without one runs to the attempt's timeout.
func (s *Service) fastSend(jobCtx, ctx context.Context, rt *route, engine string, req *engines.Request, start time.Time) ([]byte, result, bool) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = start.Add(time.Minute)
	}
	hreq, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(hreq)
	defer fasthttp.ReleaseResponse(resp)
	hreq.SetRequestURI(req.URL)
	hreq.Header.SetMethod(req.Method)
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	// What net/http's transport asks for by itself, and decodes (below, bounded).
	if len(hreq.Header.Peek("Accept-Encoding")) == 0 {
		hreq.Header.Set("Accept-Encoding", "gzip")
	}
	if req.Body != nil {
		hreq.SetBody(req.Body)
	}
	if err := fastDo(rt.fast, hreq, resp, deadline); err != nil {
		var small *fasthttp.ErrSmallBuffer
		if errors.As(err, &small) && rt.client != nil {
			// Headers past fastHeaderBytes: net/http's client reads up to a megabyte of them.
			return s.netSend(jobCtx, ctx, rt, engine, req, start)
		}
		if errors.Is(err, fasthttp.ErrBodyTooLarge) {
			return s.status(engine, resp.StatusCode(), "", make([]byte, s.cfg.MaxBodyBytes+1), time.Since(start))
		}
		if errors.Is(err, fasthttp.ErrTimeout) && time.Until(deadline) < 100*time.Millisecond {
			// fasthttp's timer and ctx's end together: transportFailure reads the timeout
			// from ctx, microseconds away at most.
			<-ctx.Done()
		}
		return nil, s.transportFailure(jobCtx, ctx, rt, engine, err, time.Since(start)), false
	}
	b, err := fastBody(resp, s.cfg.MaxBodyBytes+1)
	lat := time.Since(start)
	if err != nil {
		return nil, s.transportFailure(jobCtx, ctx, rt, engine, fmt.Errorf("reading body: %w", err), lat), false
	}
	return s.status(engine, resp.StatusCode(), string(resp.Header.Peek("Retry-After")), b, lat)
}

// fastDo sends hreq, following redirects as net/http's client does: up to maxRedirects, a
// 301, 302 or 303 after a POST turning into a GET.
func fastDo(c *fasthttp.Client, hreq *fasthttp.Request, resp *fasthttp.Response, deadline time.Time) error {
	for hops := 0; ; hops++ {
		if err := c.DoDeadline(hreq, resp, deadline); err != nil {
			return err
		}
		status := resp.StatusCode()
		loc := resp.Header.Peek("Location")
		if !fasthttp.StatusCodeIsRedirect(status) || len(loc) == 0 {
			return nil
		}
		if hops >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		next := fasthttp.AcquireURI()
		hreq.URI().CopyTo(next)
		next.UpdateBytes(loc)
		hreq.SetURI(next)
		fasthttp.ReleaseURI(next)
		if status != http.StatusTemporaryRedirect && status != http.StatusPermanentRedirect && !hreq.Header.IsGet() && !hreq.Header.IsHead() {
			hreq.Header.SetMethod(http.MethodGet)
			hreq.ResetBody()
			hreq.Header.SetContentLength(0)
			hreq.Header.Del("Content-Type")
		}
		resp.Reset()
	}
}

// fastBody returns a copy of the response's page, gunzipped within limit bytes: a small
// compressed body may not blow up in memory.
func fastBody(resp *fasthttp.Response, limit int64) ([]byte, error) {
	body := resp.Body()
	if !bytes.EqualFold(resp.Header.ContentEncoding(), []byte("gzip")) {
		// Copied into the memory of a page published earlier (recyclePage): the response's
		// buffer stays the client's, whose pool sizes its buffers by what they held (a
		// buffer swapped out from under it read as empty, and it shrank them all).
		if p, ok := fetchedPages.Get().(*[]byte); ok && cap(*p) >= len(body) {
			return append((*p)[:0], body...), nil
		} // one too small is left to the collector: the pages it could hold are rarer
		// A quarter larger, so that the buffer serves the next pages too, which differ in length.
		b := make([]byte, len(body), len(body)+len(body)/4)
		copy(b, body)
		return b, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(body))
	} else {
		err = zr.Reset(bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	defer gzipReaders.Put(zr)
	return readLimited(zr, limit)
}

var gzipReaders sync.Pool

// fetchedPages are the buffers of pages already published, for fastBody to copy the next into.
var fetchedPages sync.Pool // *[]byte, empty

// recyclePage gives a fetched page's memory back once nothing reads it any more (it has been
// compressed onto the parse stream).
func recyclePage(b []byte) {
	if cap(b) == 0 || cap(b) > 1<<20 {
		return
	}
	b = b[:0]
	fetchedPages.Put(&b)
}
