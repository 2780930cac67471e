package fetcher

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/trawl-dev/trawl/schemas"
)

// Time kept back from the job's deadline: the page still has to be published, parsed and
// answered, and a failure should reach the requester as itself, not as its own timeout.
const (
	deadlineReserve = 50 * time.Millisecond
	// minAttempt is the shortest attempt worth starting.
	minAttempt = 50 * time.Millisecond
)

// fetch tries the engine until an attempt succeeds, a failure is final, the breaker refuses,
// the retry budget or the attempts run out, or the deadline comes. Every retry goes out on
// another route after a jittered exponential backoff. It returns the page or the typed failure
// of the last attempt, and the number of attempts made.
func (s *Service) fetch(ctx context.Context, job *schemas.FetchJob) (*page, int, *schemas.Error) {
	var p plan
	if job.Scrape != nil {
		var e *schemas.Error
		if p, e = s.scrapePlan(job.Scrape); e != nil {
			return nil, 0, e
		}
	} else {
		engine := job.Request.Engine
		up, err := s.upstream(&job.Request)
		if err != nil {
			return nil, 0, schemas.AsError(err)
		}
		p = plan{name: engine, breaker: engine, breakers: s.breakers}
		first := up.req
		if up.prelude != nil {
			first = up.prelude
		}
		if u, err := url.Parse(first.URL); err == nil {
			p.host = u.Host
		}
		p.attempt = func(ctx context.Context, rt *route, timeout time.Duration) result {
			return s.attempt(ctx, rt, engine, up, &job.Request, timeout)
		}
	}
	return s.run(ctx, job, p)
}

// upstream is what an attempt at r sends: the engine's prelude when it needs one (the
// request proper is then built from the prelude's answer, in each attempt), else its request.
func (s *Service) upstream(r *schemas.SearchRequest) (upstream, error) {
	pre, err := s.engines.Prelude(r)
	if err != nil || pre != nil {
		return upstream{prelude: pre}, err
	}
	req, err := s.engines.Request(r)
	return upstream{req: req}, err
}

// plan is how to fetch one job: the engine's request, or a scrape's.
type plan struct {
	// name labels metrics and errors (the engine, or "scrape"); breaker is the key of the
	// circuit breaker in breakers (the engine, or the scraped host).
	name     string
	breaker  string
	breakers *breakers
	// host is the upstream host, for politeness and route choice.
	host    string
	attempt func(ctx context.Context, rt *route, timeout time.Duration) result
}

// run tries the plan until an attempt succeeds, a failure is final, the breaker refuses, the
// retry budget or the attempts run out, or the deadline comes.
func (s *Service) run(ctx context.Context, job *schemas.FetchJob, p plan) (*page, int, *schemas.Error) {
	engine, host := p.name, p.host
	deadline, _ := ctx.Deadline()
	bo := &backoff.ExponentialBackOff{
		// RandomizationFactor 1 draws from [0, 2×interval]: full jitter with Backoff as the
		// first cap, doubling up to MaxBackoff.
		InitialInterval:     s.cfg.Backoff / 2,
		RandomizationFactor: 1,
		Multiplier:          2,
		MaxInterval:         s.cfg.MaxBackoff / 2,
	}
	bo.Reset()
	var (
		way   journey
		last  *result
		n     int
		trace []string // attempt by attempt, for the debug log of slow fetches
	)
	start := time.Now()
	defer func() {
		if took := time.Since(start); took > 2*time.Second && s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.Debug("slow fetch", "job", job.ID, "took", took, "attempts", trace)
		}
	}()
	fail := func(e *schemas.Error) (*page, int, *schemas.Error) { return nil, n, e }
	for n < s.cfg.MaxAttempts {
		if n == 0 {
			s.budget.deposit()
		} else {
			// A retry after an attempt that never reached the engine (a dead proxy, a proxy's
			// junk page) adds no load to it, so it does not draw on the budget.
			if last.breaker != errExcluded && !s.budget.withdraw() {
				s.m.budgetDenied.WithLabelValues(engine).Inc()
				break
			}
			if s.cfg.Backoff > 0 {
				wait := bo.NextBackOff()
				if time.Until(deadline)-deadlineReserve < wait+minAttempt {
					break
				}
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
				}
				t.Stop()
			}
		}
		left := time.Until(deadline) - deadlineReserve
		if left < minAttempt || ctx.Err() != nil {
			break
		}
		done, open := p.breakers.allow(p.breaker)
		if open != nil {
			return fail(open)
		}
		res, rt, ok := s.try(ctx, host, engine, p.attempt, &way, min(s.cfg.AttemptTimeout, left))
		if !ok {
			// No slot or route could be had before the deadline: no attempt was made.
			done(errExcluded)
			break
		}
		done(res.breaker)
		n++
		trace = append(trace, fmt.Sprintf("%s@%s:%s/%s", res.label, time.Since(start).Round(time.Millisecond), rt.name, res.latency.Round(time.Millisecond)))
		s.m.attempts.WithLabelValues(engine, res.label).Inc()
		if res.outcome == outOK {
			return res.page, n, nil
		}
		last = &res
		way.record(rt, res.retryAfter, time.Now())
		if res.outcome == outFinal || res.outcome == outCancelled {
			break
		}
	}
	if last != nil && last.page != nil && last.err != nil && last.err.Kind == schemas.TypeUnrecognised {
		// Every route saw a page the parser does not know: hand it on to be reported and kept.
		return last.page, n, nil
	}
	if last != nil && time.Until(deadline) >= deadlineReserve+minAttempt {
		return fail(last.err)
	}
	// The deadline ended the job: whatever the last attempt said, the answer is a timeout.
	e := schemas.NewError(schemas.TypeTimeout, "no answer from the engine within the request's deadline")
	if last != nil {
		e.Detail += " (last attempt: " + last.err.Error() + ")"
	}
	e.Engine = engine
	return fail(e)
}

// try makes one attempt: a politeness slot for the host, a route from the pool, the request.
// ok is false when no slot or route could be had in time.
func (s *Service) try(ctx context.Context, host, engine string, attempt func(context.Context, *route, time.Duration) result, way *journey, timeout time.Duration) (result, *route, bool) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	waitStart := time.Now()
	release, err := s.polite.acquire(wctx, host)
	if err != nil {
		return result{}, nil, false
	}
	defer release()
	rt, err := s.pool.acquire(wctx, host, way)
	if err != nil {
		return result{}, nil, false
	}
	waited := time.Since(waitStart)
	s.m.politeWait.Observe(waited.Seconds())
	if timeout-waited < minAttempt {
		s.pool.release(rt, host, engine, outCancelled, 0, 0)
		return result{}, nil, false
	}
	res := attempt(ctx, rt, timeout-waited)
	s.pool.release(rt, host, engine, res.outcome, res.latency, res.retryAfter)
	return res, rt, true
}
