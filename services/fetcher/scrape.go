package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/trawl-dev/trawl/kit/target"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
)

// A scrape fetches any page a client names, so everything an engine's fetch trusts is checked
// here: the target may not be inside the network (target.Policy, at dial time, so DNS
// rebinding and redirects are covered), the page is capped after decoding, a bot challenge is
// `blocked` and never a page, and only content the parse stage can convert is fetched in full.
// Retries, routes, politeness and breakers are the engines' (fetch.go), with one breaker per
// host: one site failing says nothing of another.

// scrapeHeaders are what a current desktop browser sends for a page.
func scrapeHeaders() http.Header {
	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,application/json;q=0.8,*/*;q=0.5")
	h.Set("Accept-Language", "en-US,en;q=0.9")
	h.Set("Accept-Encoding", target.AcceptEncoding)
	return h
}

// scrapePlan checks the target's form (scheme, credentials, port, literal address) before any
// connection, then plans the fetch.
func (s *Service) scrapePlan(r *schemas.ScrapeRequest) (plan, *schemas.Error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return plan{}, schemas.Errorf(schemas.TypeValidation, "url: %v", err)
	}
	if err := s.policy.CheckURL(u); err != nil {
		return plan{}, forbidden(err)
	}
	p := plan{name: schemas.ScrapeRoute, breaker: u.Host, breakers: s.hostBreakers, host: u.Host}
	p.attempt = func(ctx context.Context, rt *route, timeout time.Duration) result {
		return s.scrapeAttempt(ctx, rt, u, timeout)
	}
	return p, nil
}

// forbidden is err as the typed forbidden_target error it is (or wraps).
func forbidden(err error) *schemas.Error {
	if e, ok := target.AsForbidden(err); ok {
		return e
	}
	return schemas.NewError(schemas.TypeForbiddenTarget, err.Error())
}

// scrapeAttempt makes one attempt at a page through rt.
func (s *Service) scrapeAttempt(jobCtx context.Context, rt *route, u *url.URL, timeout time.Duration) result {
	const name = schemas.ScrapeRoute
	ctx, cancel := context.WithTimeout(jobCtx, timeout)
	defer cancel()
	final := func(e *schemas.Error) result {
		return result{err: e, outcome: outFinal, breaker: errExcluded, label: e.Kind}
	}
	if rt.proxy != nil {
		// Through a proxy the dial goes to the proxy: the target's addresses are checked here
		// instead (a name that changes its answer between now and the proxy's lookup is the
		// one gap left; deployments that scrape through proxies should pin DNS there too).
		if err := s.policy.CheckHost(ctx, net.DefaultResolver, u.Hostname()); err != nil {
			if e, ok := target.AsForbidden(err); ok {
				return final(e)
			}
			return final(upstreamErr(name, err.Error())) // the name does not resolve
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return final(schemas.Errorf(schemas.TypeValidation, "url: %v", err))
	}
	hreq.Header = scrapeHeaders()
	start := time.Now()
	resp, err := s.scrapeClient(rt).Do(hreq)
	if err != nil {
		if e, ok := target.AsForbidden(err); ok {
			return final(e)
		}
		var e *schemas.Error
		if errors.As(err, &e) {
			// The policy's verdict on a redirect chain (more than MaxRedirects hops, 5): the
			// page's doing, the same through every route, so not retried and no breaker's.
			e.Engine = name
			return final(e)
		}
		return s.transportFailure(jobCtx, ctx, rt, name, err, time.Since(start))
	}
	defer resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	if ct != "" && !scrape.Accepts(ct) && resp.StatusCode < 300 {
		// Refused before the body is read: a 1 GiB video is not downloaded to be turned down.
		return final(schemas.Errorf(schemas.TypeUnsupportedContent, "the page is %s; a scrape reads HTML, XHTML, plain text and JSON", ct))
	}
	b, err := target.ReadBody(resp, s.cfg.ScrapeMaxBytes)
	lat := time.Since(start)
	if err != nil {
		var e *schemas.Error
		if errors.As(err, &e) && e.Kind != schemas.TypeUpstream {
			return final(e)
		}
		return s.transportFailure(jobCtx, ctx, rt, name, fmt.Errorf("reading body: %w", err), lat)
	}
	res := result{latency: lat, label: strconv.Itoa(resp.StatusCode)}
	if why, ok := scrape.Challenge(resp.StatusCode, resp.Header, b); ok {
		// The site (or its bot wall) refused this address: another route may get through.
		res.err, res.outcome, res.breaker, res.label = blockedErr(name, why), outRoute, errEngine, "blocked"
		return res
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		res.err, res.outcome, res.breaker = upstreamErr(name, "upstream status "+res.label), outUpstream, errEngine
		res.retryAfter = retryAfter(resp.Header.Get("Retry-After"))
		if res.retryAfter > 0 {
			res.err.RetryAfterMS = res.retryAfter.Milliseconds()
		}
		return res
	case resp.StatusCode == http.StatusProxyAuthRequired:
		res.err, res.outcome, res.breaker = upstreamErr(name, "proxy refused: authentication required"), outRoute, errExcluded
		return res
	}
	// Any other status is the page's own answer (a 404 page is content too): it is scraped and
	// its status reported as it is, in scrape_metadata.http_status.
	res.page = &page{Status: resp.StatusCode, Body: b, FinalURL: resp.Request.URL.String(), ContentType: ct}
	res.outcome, res.label = outOK, "ok"
	return res
}

// scrapeClient is the route's client for scrapes (Service.scrapeClients): connections of its
// own, with the target policy at dial time (direct) or per hop (through a proxy), redirects
// bounded and checked, and compression left to target.ReadBody, which caps the decoded size.
func (s *Service) scrapeClient(rt *route) *http.Client {
	if c, ok := s.scrapeClients.Load(rt); ok {
		return c.(*http.Client)
	}
	base := newTransport(rt.proxy)
	base.DisableCompression = true
	c := &http.Client{CheckRedirect: s.policy.CheckRedirect}
	if rt.proxy == nil {
		c.Transport = s.policy.Transport(base)
	} else {
		c.Transport = base
		c.CheckRedirect = s.policy.CheckRedirectProxied(net.DefaultResolver)
	}
	actual, _ := s.scrapeClients.LoadOrStore(rt, c)
	return actual.(*http.Client)
}
