package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/usage"
)

// What counts as usage: a search or scrape (HTTP or NATS) that was admitted, its key, rate and
// quota passed, and then answered, successfully or with a typed failure (validation included:
// it was charged to the quota). A request the gate refused is not usage; nor is reading the
// account. A hit is an answer the cache gave from a stored entry (Trawl-Cache: hit) or the near
// cache's; stale and coalesced answers are misses. Each is counted once, at its arrival time,
// by the replica that answered it.

// newUsage is the usage counter: shared through Redis when the ingress has one.
func newUsage(cfg Config, rdb *redis.Client, reg prometheus.Registerer, log *slog.Logger) usage.Counter {
	o := usage.Options{Metrics: reg, Log: log, FlushEvery: cfg.UsageFlushInterval}
	if rdb != nil {
		return usage.NewRedis(rdb, o)
	}
	return usage.NewLocal(o)
}

// countRefused counts an admitted search or scrape that never reached ask (a bad request after
// the quota was charged): deferred as soon as the gate admits it, it counts unless *asked.
func (s *Server) countRefused(t *tenant, kind usage.Kind, asked *bool, start time.Time) {
	if !*asked {
		s.usage.Record(t.nameOrEmpty(), kind, usage.Error, start)
	}
}

// countAnswer counts an answered call (ask): a hit, a miss or a typed failure.
func (s *Server) countAnswer(cl *call, ans *answer) {
	kind, res := usage.Search, usage.Miss
	if cl.kind == schemas.KindScrape {
		kind = usage.Scrape
	}
	switch {
	case ans.err != nil:
		res = usage.Error
	case ans.cache == "hit":
		res = usage.Hit
	}
	s.usage.Record(cl.t.nameOrEmpty(), kind, res, cl.start)
}

// account answers GET /v1/account: the caller's usage, quota and rate limit. It needs the key
// but takes no rate token and no quota: a tenant must be able to see why it is refused, and
// the read costs one Redis round trip (a replica's reads of it go one at a time).
func (s *Server) account(c *fasthttp.RequestCtx, reqID string, start time.Time) {
	if !c.IsGet() && !c.IsHead() {
		c.Response.Header.Set("Allow", "GET")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed on /v1/account", c.Method()), reqID)
		return
	}
	t, e := s.authenticateReq(c)
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	b, e := s.accountDoc(t, start, reqID)
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	c.SetContentType("application/json")
	c.SetBody(b)
}

// accountDoc is t's account (schemas.Account) as of now, encoded.
func (s *Server) accountDoc(t *tenant, start time.Time, reqID string) ([]byte, *schemas.Error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	u, err := s.usage.Snapshot(ctx, t.nameOrEmpty(), start)
	if err != nil {
		s.log.Warn("account: usage counts unavailable", "request_id", reqID, "err", err)
		e := schemas.NewError(schemas.TypeUnavailable, "usage counts are unavailable: the shared store (Redis) does not answer")
		e.RetryAfterMS = 1000
		return nil, e
	}
	a := schemas.Account{
		Tenant:    t.nameOrEmpty(),
		AsOf:      start.UTC(),
		Searches:  periods(&u, func(c usage.Counts) int64 { return c.Searches }),
		Scrapes:   periods(&u, func(c usage.Counts) int64 { return c.Scrapes }),
		CacheHits: periods(&u, usage.Counts.Hits),
		Errors:    periods(&u, usage.Counts.Errors),
	}
	if t == nil {
		a.Note = "open access (no keys file): the counts are every request this deployment admitted"
		if s.ips != nil {
			a.RateLimit = rateLimitOf(newLimit(s.cfg.IPRate, s.cfg.IPBurst))
			a.RateLimit.PerClientAddress = true
		}
	} else {
		if t.pol.rate != nil {
			a.RateLimit = rateLimitOf(t.pol.rate)
		}
		if q := t.pol.quota; q > 0 {
			used := min(s.quotaUsed(ctx, t.pol, start), q)
			a.Quota = &schemas.AccountQuota{Daily: q, UsedToday: used, LeftToday: q - used,
				RenewsAt: time.Unix(start.Unix()+int64(untilMidnight(start)/time.Second), 0).UTC()}
		}
	}
	b, _ := json.Marshal(&a)
	return b, nil
}

func periods(u *usage.Usage, f func(usage.Counts) int64) schemas.UsagePeriods {
	return schemas.UsagePeriods{ThisHour: f(u.ThisHour), LastHour: f(u.LastHour), Today: f(u.Today), ThisMonth: f(u.ThisMonth)}
}

func rateLimitOf(l *limit) *schemas.AccountRateLimit {
	return &schemas.AccountRateLimit{PerSecond: l.perSec, Burst: l.burst, PerHour: int64(math.Floor(l.perSec*3600 + 1e-9))}
}

// quotaUsed is p's count for today as the limiter itself keeps it (the same counter that
// admits or refuses, so the account never disagrees with the next 429). It counts requests
// refused by the quota too; the caller caps it at the quota.
func (s *Server) quotaUsed(ctx context.Context, p *policy, now time.Time) int64 {
	if r, ok := s.lim.(*redisLimiter); ok && now.UnixNano() >= r.downUntil.Load() {
		n, err := r.rdb.Get(ctx, p.quotaKey+strconv.FormatInt(now.Unix()/86400, 10)).Int64()
		if err == nil || errors.Is(err, redis.Nil) {
			return n
		}
		// Redis failing: the in-process count is what the limiter falls back to meanwhile.
	}
	v := p.local.day.Load()
	if v>>40 != uint64(now.Unix()/86400) {
		return 0
	}
	return int64(v & (1<<40 - 1))
}
