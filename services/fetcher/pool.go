package fetcher

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/valyala/fasthttp"
)

// Health scoring. A route's health is an EWMA of its attempts' outcomes (1 success, 0 a failure
// the route is to blame for). Engine answers such as 5xx and 429 do not move it: the proxy did
// its job, and the engine's own health is its breaker's business.
const (
	healthAlpha = 0.3
	// A route is evicted once its health is below evictBelow and below the mean health of the
	// other active routes by evictMargin: judging against the others keeps an engine-wide
	// problem (every route failing alike) from emptying the pool.
	evictBelow = 0.3
	// minSeen is how many scored outcomes a route needs before it can be evicted.
	minSeen     = 4
	evictMargin = 0.25
	// A probed route comes back on probation: two more failures evict it again.
	readmitHealth = 0.5
	// After this many attempts at good health, a route's eviction streak is forgiven.
	forgiveAfter  = 20
	forgiveHealth = 0.8
	latencyAlpha  = 0.2
	// maxRest bounds a Retry-After an engine can impose on a route.
	maxRest = time.Minute
)

type routeState int

const (
	routeActive routeState = iota
	routeEvicted
	routeProbing
)

func (s routeState) String() string {
	switch s {
	case routeEvicted:
		return "evicted"
	case routeProbing:
		return "probing"
	}
	return "active"
}

// outcome is what one attempt says about the route it went through.
type outcome int

const (
	// outOK: a usable page (results or a real no-results page).
	outOK outcome = iota
	// outRoute: the route failed (connection error, timeout, garbage, block page).
	outRoute
	// outUpstream: the engine answered an error status (5xx, 429): the route worked.
	outUpstream
	// outCancelled: cut short by the job's deadline or a shutdown: it says nothing.
	outCancelled
	// outFinal: a failure no other attempt can mend (a 4xx, an oversized page).
	outFinal
)

var outcomeNames = [...]string{"ok", "route_failed", "upstream_error", "cancelled", "final"}

func (o outcome) String() string { return outcomeNames[o] }

// route is one way out: a proxy, or the direct connection.
type route struct {
	name   string // proxy URL without credentials, or "direct"
	proxy  *url.URL
	client *http.Client
	tr     *http.Transport
	// fast, on the direct route, fetches engine pages (fastclient.go); nil elsewhere.
	fast *fasthttp.Client

	// Guarded by pool.mu.
	state      routeState
	inFlight   int
	health     float64
	latency    time.Duration // EWMA of successful attempts; 0 until the first
	good       int           // attempts at good health since the last eviction
	seen       int           // scored outcomes since admission (or re-admission)
	evictions  int           // evictions in a row
	until      time.Time     // end of the current cool-down
	rest       map[string]time.Time
	lastEngine string
	scored     uint64 // scored outcomes ever: tells the fleet whether the score moved
	// fleet holds the other fetchers' scores of this proxy, by fetcher name, as last read.
	fleet map[string]schemas.RouteScore
}

// parseProxies reads the proxy list; an empty list is the direct connection alone.
func parseProxies(spec string) ([]*url.URL, error) {
	var out []*url.URL
	seen := map[string]bool{}
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var u *url.URL
		if strings.EqualFold(part, "direct") {
			part = "direct"
		} else {
			var err error
			if u, err = url.Parse(part); err != nil {
				return nil, fmt.Errorf("%q: %v", redact(part), err)
			}
			switch u.Scheme {
			case "http", "https", "socks5", "socks5h":
			default:
				return nil, fmt.Errorf("%q: scheme must be http, https, socks5 or socks5h", redact(part))
			}
			if u.Hostname() == "" || u.Port() == "" && u.Scheme != "http" && u.Scheme != "https" {
				return nil, fmt.Errorf("%q: want scheme://host:port", redact(part))
			}
		}
		if seen[part] {
			return nil, fmt.Errorf("%q listed twice", redact(part))
		}
		seen[part] = true
		out = append(out, u)
	}
	if len(out) == 0 {
		out = append(out, nil)
	}
	return out, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return raw
}

func routeName(u *url.URL) string {
	if u == nil {
		return "direct"
	}
	c := *u
	c.User = nil
	return c.String()
}

// newTransport is the connection pool of one route. A proxy URL selects http(s) forward
// proxying (CONNECT for https targets) or SOCKS5; net/http speaks all of them.
func newTransport(proxy *url.URL) *http.Transport {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	if proxy != nil {
		tr.Proxy = http.ProxyURL(proxy)
	}
	return tr
}

func limitRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("more than 5 redirects")
	}
	return nil
}

// errRouteWait says no route can be had before the job's deadline.
var errRouteWait = errors.New("no route free before the deadline")

type poolConfig struct {
	// MaxBodyBytes bounds a page on the direct route's fast client.
	MaxBodyBytes int64
	MaxConns     int
	Cooldown     time.Duration
	MaxCooldown  time.Duration
}

// pool chooses a route for each attempt and keeps the routes' scores.
type pool struct {
	cfg    poolConfig
	m      *metrics
	now    func() time.Time
	mu     sync.Mutex
	rnd    *rand.Rand // guarded by mu; tests seed it
	routes []*route
	// wake is closed (and replaced) whenever a slot frees or a route's state changes.
	wake chan struct{}
	// evidence, when set, hears what this pool learns about a proxy (an eviction, a host's
	// Retry-After) for the other fetchers. It is called under mu and must not block.
	evidence func(schemas.RouteHealth)
	// moved, when set, hears that a proxy's score moved (for the fleet to share it, later and
	// at its own pace). It is called under mu and must not block.
	moved func()
}

func newPool(cfg poolConfig, proxies []*url.URL, override http.RoundTripper, m *metrics) *pool {
	p := &pool{cfg: cfg, m: m, now: time.Now, wake: make(chan struct{}), rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	for _, u := range proxies {
		r := &route{name: routeName(u), proxy: u, health: 1, rest: map[string]time.Time{}}
		var rt http.RoundTripper
		if u == nil && override != nil {
			rt = override
		} else {
			if u == nil {
				r.fast = newFastClient(cfg.MaxBodyBytes)
			}
			r.tr = newTransport(u)
			rt = r.tr
		}
		r.client = &http.Client{Transport: rt, CheckRedirect: limitRedirects}
		p.routes = append(p.routes, r)
		m.proxyState.WithLabelValues(r.name).Set(0)
		m.proxyHealth.WithLabelValues(r.name).Set(1)
	}
	return p
}

func (p *pool) broadcastLocked() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// journey is one job's way through the pool: the routes it tried, in order, and those an
// engine told it (by Retry-After) not to come back through before a time.
type journey struct {
	tried     []*route
	notBefore map[*route]time.Time
}

func (j *journey) last() *route {
	if j == nil || len(j.tried) == 0 {
		return nil
	}
	return j.tried[len(j.tried)-1]
}

func (j *journey) has(r *route) bool { return j != nil && contains(j.tried, r) }

// record adds an attempt through r; retryAfter > 0 keeps the job off r until then.
func (j *journey) record(r *route, retryAfter time.Duration, now time.Time) {
	j.tried = append(j.tried, r)
	if retryAfter > 0 {
		if j.notBefore == nil {
			j.notBefore = map[*route]time.Time{}
		}
		j.notBefore[r] = now.Add(min(retryAfter, maxRest))
	}
}

// acquire returns a route for one attempt to host, taking a slot of its concurrency cap. A
// retry never goes out on the route of the previous attempt while another route is active,
// and prefers routes the job has not tried yet.
//
// Retry-After: a job never goes back through a route before the Retry-After it got there
// (with no other route it waits, or fails at once when the wait would pass its deadline).
// Other jobs may still use that route, at a cost penalty that sends them elsewhere while a
// route that is not resting is free: the engine's limit is on the address it saw, so a retry
// through another address owes it no wait, and blocking a route for every job on each 429
// would let a few 429s stall the whole pool.
func (p *pool) acquire(ctx context.Context, host string, j *journey) (*route, error) {
	for {
		p.mu.Lock()
		r, wait := p.pickLocked(host, j, false)
		if r == nil && wait > 0 && p.pastDeadline(ctx, wait) {
			// The other routes rest longer than the job can wait: the previous one will do.
			r, _ = p.pickLocked(host, j, true)
		}
		if r != nil {
			r.inFlight++
			p.mu.Unlock()
			return r, nil
		}
		wake := p.wake
		p.mu.Unlock()
		if wait > 0 && p.pastDeadline(ctx, wait) {
			return nil, errRouteWait
		}
		var timer *time.Timer
		var tc <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			tc = timer.C
		}
		select {
		case <-wake:
		case <-tc:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

func (p *pool) pastDeadline(ctx context.Context, wait time.Duration) bool {
	d, ok := ctx.Deadline()
	return ok && p.now().Add(wait).After(d)
}

// pickLocked chooses among the eligible routes by the power of two choices on expected cost;
// wait > 0 is how long until a route the job must keep off is free to it again.
func (p *pool) pickLocked(host string, j *journey, allowLast bool) (*route, time.Duration) {
	now := p.now()
	last := j.last()
	var fresh, other, lastOK []*route
	var wait time.Duration
	active := 0
	for _, r := range p.routes {
		if r.state != routeActive {
			continue
		}
		active++
		if r.proxy != nil && r.inFlight >= p.cfg.MaxConns {
			// The cap spares a proxy; the direct connection is bounded by the fetcher's
			// concurrency and the per-host limit (--host-max-conns) instead.
			continue
		}
		if t, ok := r.rest[host]; ok && !now.Before(t) {
			delete(r.rest, host)
		}
		if j != nil {
			if d := j.notBefore[r].Sub(now); d > 0 {
				if wait == 0 || d < wait {
					wait = d
				}
				continue
			}
		}
		switch {
		case r == last:
			lastOK = append(lastOK, r)
		case !j.has(r):
			fresh = append(fresh, r)
		default:
			other = append(other, r)
		}
	}
	cands := fresh
	if len(cands) == 0 {
		cands = other
	}
	if len(cands) == 0 && (active == 1 || allowLast) {
		// The previous route is the only one left: a retry on it beats no retry.
		cands = lastOK
	}
	switch len(cands) {
	case 0:
		return nil, wait
	case 1:
		return cands[0], 0
	}
	a := p.rnd.IntN(len(cands))
	b := p.rnd.IntN(len(cands) - 1)
	if b >= a {
		b++
	}
	mean := p.meanLatencyLocked()
	if p.costLocked(cands[b], host, now, mean) < p.costLocked(cands[a], host, now, mean) {
		a = b
	}
	return cands[a], 0
}

func contains(rs []*route, r *route) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// restPenalty multiplies the cost of a route resting after a Retry-After from the host.
const restPenalty = 4

// costLocked is a route's expected cost: latency, queueing behind its attempts in flight, the
// attempts its failures add, and a penalty while the host asked it to wait.
func (p *pool) costLocked(r *route, host string, now time.Time, mean time.Duration) float64 {
	lat := r.latency
	if lat == 0 {
		// Unmeasured (or only failing so far): as good as the average, so a fast-failing
		// route is not preferred for its speed.
		lat = mean
	}
	fh, _ := p.healthLocked(r, now)
	h := max(fh, 0.05)
	c := (lat.Seconds() + 0.001) * float64(r.inFlight+1) / h
	if now.Before(r.rest[host]) {
		c *= restPenalty
	}
	return c
}

func (p *pool) meanLatencyLocked() time.Duration {
	var sum time.Duration
	n := 0
	for _, r := range p.routes {
		if r.state == routeActive && r.latency > 0 {
			sum += r.latency
			n++
		}
	}
	if n == 0 {
		return 100 * time.Millisecond
	}
	return sum / time.Duration(n)
}

// release returns the route's slot and scores the attempt. retryAfter > 0 rests the route for
// host that long (the engine's Retry-After concerns the address it saw, that is the route).
func (p *pool) release(r *route, host, engine string, o outcome, latency, retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r.inFlight--
	if retryAfter > 0 {
		until := p.now().Add(min(retryAfter, maxRest))
		r.rest[host] = until
		if p.evidence != nil && r.proxy != nil && engine != schemas.ScrapeRoute {
			// A scraped host's rest stays here: too many hosts, and no engine's ban.
			p.evidence(schemas.RouteHealth{Route: r.name, Rest: map[string]time.Time{host: until}})
		}
	}
	p.m.proxyAttempts.WithLabelValues(r.name, o.String()).Inc()
	if o == outOK || o == outRoute {
		r.seen++
		r.scored++
		if p.moved != nil && r.proxy != nil {
			p.moved()
		}
	}
	switch o {
	case outOK:
		r.health += healthAlpha * (1 - r.health)
		if r.latency == 0 {
			r.latency = latency
		} else {
			r.latency += time.Duration(latencyAlpha * float64(latency-r.latency))
		}
		if r.health >= forgiveHealth {
			if r.good++; r.good >= forgiveAfter {
				r.evictions = 0
			}
		}
	case outRoute:
		r.health -= healthAlpha * r.health
		r.good = 0
		r.lastEngine = engine
		if r.state == routeActive && p.shouldEvictLocked(r) {
			p.evictLocked(r)
		}
	}
	p.m.proxyHealth.WithLabelValues(r.name).Set(r.health)
	p.broadcastLocked()
}

// scoreWeightCap bounds the weight of one fetcher's score in the fleet's: an EWMA at
// healthAlpha has forgotten what came more than about ten outcomes ago.
const scoreWeightCap = 10

// healthLocked is the route's health as the fleet sees it, and how many outcomes back it:
// this fetcher's own score combined with the other fetchers' fresh ones.
//
// The combination is a mean weighted by how many outcomes each fetcher scored (capped), not
// the worst score: a fetcher that tried the route once or twice counts little, and one
// fetcher whose own path to a proxy is bad cannot alone rank it down for a fleet that finds
// it fine (a route bad for everyone is evicted anyway, and evictions are shared). A fetcher
// that has not tried the route yet takes the fleet's score as it is.
func (p *pool) healthLocked(r *route, now time.Time) (float64, int) {
	w := float64(min(r.seen, scoreWeightCap))
	sum, seen := w*r.health, r.seen
	for _, s := range r.fleet {
		if now.Sub(s.At) >= schemas.RouteScoreFresh || s.Seen <= 0 {
			continue
		}
		sw := float64(min(s.Seen, scoreWeightCap))
		sum += sw * min(max(s.Health, 0), 1)
		w += sw
		seen += s.Seen
	}
	if w == 0 {
		return r.health, seen
	}
	return sum / w, seen
}

func (p *pool) shouldEvictLocked(r *route) bool {
	now := p.now()
	health, seen := p.healthLocked(r, now)
	if health >= evictBelow || seen < minSeen {
		return false
	}
	var sum float64
	n := 0
	for _, o := range p.routes {
		if o != r && o.state == routeActive {
			h, _ := p.healthLocked(o, now)
			sum += h
			n++
		}
	}
	if n == 0 {
		return false
	}
	// The others must be doing well themselves: when every route fails (the engine blocks all
	// of them), the healths drift apart by chance alone, and that is no reason to evict one.
	others := sum / float64(n)
	return others >= evictBelow+evictMargin && health < others-evictMargin
}

func (p *pool) evictLocked(r *route) {
	r.evictions++
	cd := p.cfg.Cooldown
	for i := 1; i < r.evictions && cd < p.cfg.MaxCooldown; i++ {
		cd *= 2
	}
	cd = min(cd, p.cfg.MaxCooldown)
	r.state = routeEvicted
	r.until = p.now().Add(cd)
	if p.evidence != nil && r.proxy != nil {
		// The direct route is this machine's address: another fetcher's is not the same one.
		p.evidence(schemas.RouteHealth{Route: r.name, EvictedUntil: r.until})
	}
	p.m.proxyState.WithLabelValues(r.name).Set(1)
	p.m.proxyEvictions.WithLabelValues(r.name).Inc()
	if r.tr != nil {
		// Connections through a bad proxy are not worth keeping for its return.
		r.tr.CloseIdleConnections()
	}
}

// applyFleet applies the other fetchers' evidence about the named route: its rests per host,
// its eviction (the route is evicted here until the same time, without counting as an
// eviction of this pool's own), and the other fetchers' scores (self names this fetcher,
// whose own entry is left out). It returns what was new: rests, scores and an eviction.
func (p *pool) applyFleet(h schemas.RouteHealth, self string) (rests, scores int, evicted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for _, r := range p.routes {
		if r.proxy == nil || r.name != h.Route {
			continue
		}
		for host, until := range h.Rest {
			if until.After(now) && until.After(r.rest[host]) {
				r.rest[host] = until
				rests++
			}
		}
		fleet := make(map[string]schemas.RouteScore, len(h.Scores))
		for name, s := range h.Scores {
			if name == self || now.Sub(s.At) >= schemas.RouteScoreFresh {
				continue
			}
			fleet[name] = s
			if s.At.After(r.fleet[name].At) {
				scores++
			}
		}
		r.fleet = fleet
		if h.EvictedUntil.After(now) {
			switch r.state {
			case routeActive:
				r.state, r.until, evicted = routeEvicted, h.EvictedUntil, true
				p.m.proxyState.WithLabelValues(r.name).Set(1)
				if r.tr != nil {
					r.tr.CloseIdleConnections()
				}
			case routeEvicted:
				if h.EvictedUntil.After(r.until) {
					r.until = h.EvictedUntil
				}
			}
		}
		if rests > 0 || scores > 0 || evicted {
			p.broadcastLocked()
		}
	}
	return rests, scores, evicted
}

// ownScore is this fetcher's own score of a proxy route.
type ownScore struct {
	route  string
	health float64
	seen   int
	scored uint64
}

// ownScores lists this fetcher's own scores of its proxy routes (not the direct one: another
// fetcher's direct connection is another address).
func (p *pool) ownScores() []ownScore {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ownScore, 0, len(p.routes))
	for _, r := range p.routes {
		if r.proxy != nil {
			out = append(out, ownScore{route: r.name, health: r.health, seen: r.seen, scored: r.scored})
		}
	}
	return out
}

// proxyNames lists the proxy routes (not the direct one).
func (p *pool) proxyNames() []string {
	var out []string
	for _, r := range p.routes {
		if r.proxy != nil {
			out = append(out, r.name)
		}
	}
	return out
}

// dueProbes marks the evicted routes whose cool-down is over as probing and returns them.
func (p *pool) dueProbes() []*route {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var out []*route
	for _, r := range p.routes {
		if r.state == routeEvicted && !now.Before(r.until) {
			r.state = routeProbing
			p.m.proxyState.WithLabelValues(r.name).Set(2)
			out = append(out, r)
		}
	}
	return out
}

// probed records a probe's verdict: the route comes back on probation, or rests longer.
func (p *pool) probed(r *route, pass bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m.proxyProbes.WithLabelValues(r.name, map[bool]string{true: "pass", false: "fail"}[pass]).Inc()
	if !pass {
		p.evictLocked(r)
		return
	}
	r.state = routeActive
	r.health = readmitHealth
	r.good = 0
	r.seen = minSeen // on probation: judged again from its next failure
	r.scored++
	if p.moved != nil && r.proxy != nil {
		p.moved()
	}
	p.m.proxyState.WithLabelValues(r.name).Set(0)
	p.m.proxyHealth.WithLabelValues(r.name).Set(r.health)
	p.broadcastLocked()
}

// nextProbe is how long until the earliest cool-down ends (0: none pending).
func (p *pool) nextProbe() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d time.Duration
	now := p.now()
	for _, r := range p.routes {
		if r.state == routeEvicted {
			if w := max(r.until.Sub(now), time.Millisecond); d == 0 || w < d {
				d = w
			}
		}
	}
	return d
}

// runProbes probes evicted routes as their cool-downs end, until ctx is done. probe says
// whether the route works again.
func (p *pool) runProbes(ctx context.Context, probe func(context.Context, *route) bool) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		for _, r := range p.dueProbes() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.probed(r, probe(ctx, r))
			}()
		}
		wait := p.nextProbe()
		if wait == 0 || wait > 250*time.Millisecond {
			// Evictions happen at any time; look again soon.
			wait = 250 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// status reports every route.
func (p *pool) status() []schemas.ProxyStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	out := make([]schemas.ProxyStatus, 0, len(p.routes))
	for _, r := range p.routes {
		ps := schemas.ProxyStatus{Proxy: r.name, State: r.state.String(), Health: r.health,
			LatencyMS: float64(r.latency.Microseconds()) / 1000, InFlight: r.inFlight, Evictions: r.evictions}
		if r.state == routeEvicted {
			ps.RetryAfterMS = max(r.until.Sub(now).Milliseconds(), 0)
		}
		out = append(out, ps)
	}
	return out
}

func (p *pool) closeIdle() {
	for _, r := range p.routes {
		if r.tr != nil {
			r.tr.CloseIdleConnections()
		}
	}
}
