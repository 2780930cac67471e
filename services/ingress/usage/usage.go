// Package usage counts each tenant's answered searches and scrapes by UTC hour, day and month,
// for GET /v1/account and the per-tenant metrics. Record sits on the ingress's hot path: it is a
// map lookup, one short per-tenant lock and a few additions, and never waits on anything else.
// Local keeps the counts in this process; Redis adds them up across every ingress replica,
// flushing what each replica counted in one round trip per interval.
package usage

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Kind is what a request asked for.
type Kind uint8

const (
	Search Kind = iota
	Scrape
	nKinds
)

func (k Kind) String() string {
	if k == Scrape {
		return "scrape"
	}
	return "search"
}

// Result is how an admitted request was answered.
type Result uint8

const (
	// Miss is a success the cache did not answer from a stored entry (a fetch, a coalesced
	// or stale answer).
	Miss Result = iota
	// Hit is a success answered from the cache (Trawl-Cache: hit) or the ingress's near cache.
	Hit
	// Error is a typed failure after admission: validation, timeout, upstream, unavailable.
	Error
	nResults
)

func (r Result) String() string {
	switch r {
	case Hit:
		return "hit"
	case Error:
		return "error"
	}
	return "miss"
}

// OpenLabel is the tenant label of requests under open access (no keys file): tenant names
// are never empty, and a metric label should not be.
const OpenLabel = "open"

// Counts are one period's requests of one tenant.
type Counts struct {
	Searches, SearchHits, SearchErrors int64
	Scrapes, ScrapeHits, ScrapeErrors  int64
}

// Hits is the period's cache hits, searches and scrapes together.
func (c Counts) Hits() int64 { return c.SearchHits + c.ScrapeHits }

// Errors is the period's typed failures, searches and scrapes together.
func (c Counts) Errors() int64 { return c.SearchErrors + c.ScrapeErrors }

// Usage is a tenant's counts at one instant (At), by UTC period.
type Usage struct {
	Tenant string
	At     time.Time
	// ThisHour, LastHour, Today and ThisMonth are the UTC hour of At, the hour before it,
	// the UTC day and the UTC month.
	ThisHour, LastHour, Today, ThisMonth Counts
}

// Counter counts requests and reads them back.
type Counter interface {
	// Record counts one admitted request of tenant ("" under open access), answered with res,
	// in the periods of at (the request's arrival, when its quota was charged). It never blocks
	// on I/O.
	Record(tenant string, kind Kind, res Result, at time.Time)
	// Snapshot is tenant's usage in the periods of now, including every request this process
	// has recorded so far.
	Snapshot(ctx context.Context, tenant string, now time.Time) (Usage, error)
	// Stop flushes what is still only counted here (Redis) and stops; it is safe to repeat.
	Stop()
}

// fields is a period's counts as stored: per kind, requests, hits and errors.
type fields [nKinds * 3]int64

// fieldNames name the fields in Redis hashes.
var fieldNames = [len(fields{})]string{"search", "search_hit", "search_error", "scrape", "scrape_hit", "scrape_error"}

func (f *fields) add(k Kind, r Result, n int64) {
	i := int(k) * 3
	f[i] += n
	switch r {
	case Hit:
		f[i+1] += n
	case Error:
		f[i+2] += n
	}
}

func (f *fields) merge(o *fields) {
	for i := range f {
		f[i] += o[i]
	}
}

func (f *fields) counts() Counts {
	return Counts{Searches: f[0], SearchHits: f[1], SearchErrors: f[2], Scrapes: f[3], ScrapeHits: f[4], ScrapeErrors: f[5]}
}

func (f *fields) zero() bool { return *f == fields{} }

// unit is a period's length.
type unit uint8

const (
	hour unit = iota
	day
	month
)

// period is one UTC hour, day or month: idx counts hours or days since the Unix epoch, or
// months since year 0 (year*12 + month-1).
type period struct {
	unit unit
	idx  int64
}

func hourOf(unix int64) int64 { return floorDiv(unix, 3600) }
func dayOf(unix int64) int64  { return floorDiv(unix, 86400) }
func monthOf(t time.Time) int64 {
	y, m, _ := t.UTC().Date()
	return int64(y)*12 + int64(m) - 1
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// start is when the period begins.
func (p period) start() time.Time {
	switch p.unit {
	case hour:
		return time.Unix(p.idx*3600, 0).UTC()
	case day:
		return time.Unix(p.idx*86400, 0).UTC()
	}
	return time.Date(int(p.idx/12), time.Month(p.idx%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// readable reports whether a Snapshot at the newest period of each unit (newest) may still
// read p: this hour and the last, today (and yesterday, for clock skew between replicas), this
// month and the last. Counts of older periods are of no use to anyone and are dropped.
func (p period) readable(newest [3]int64) bool { return p.idx >= newest[p.unit]-1 }

// cell is one period's counts.
type cell struct {
	p period
	n fields
}

// slot is one tenant's counts kept in this process: all of them (Local), or those not yet
// flushed (Redis).
type slot struct {
	// key is the tenant's Redis key prefix.
	key string
	// label is the tenant's metric label.
	label string

	mu sync.Mutex
	// day and month cache the month of a day, so Record computes a calendar date once a day.
	day, month int64
	// newest is the latest period of each unit recorded.
	newest [3]int64
	cells  []cell
	// total counts every request since the start, by kind and result: the tenant's
	// trawl_ingress_tenant_requests_total, read when scraped (plain additions under mu, where a
	// prometheus.Counter would add a contended atomic to every request).
	total [nKinds][nResults]int64
}

// add counts one request in p; the caller holds sl.mu.
func (sl *slot) add(p period, k Kind, r Result) (appended bool) {
	for i := range sl.cells {
		if sl.cells[i].p == p {
			sl.cells[i].n.add(k, r, 1)
			return false
		}
	}
	var c cell
	c.p = p
	c.n.add(k, r, 1)
	sl.cells = append(sl.cells, c)
	return true
}

// record counts one request at the periods of at, and reports whether a new period was
// started (so old ones may be pruned).
func (sl *slot) record(k Kind, r Result, at time.Time) bool {
	u := at.Unix()
	h, d := hourOf(u), dayOf(u)
	sl.mu.Lock()
	if d != sl.day || sl.month == 0 {
		sl.day, sl.month = d, monthOf(at)
	}
	m := sl.month
	sl.total[k][r]++
	sl.newest = [3]int64{max(sl.newest[hour], h), max(sl.newest[day], d), max(sl.newest[month], m)}
	a := sl.add(period{hour, h}, k, r)
	a = sl.add(period{day, d}, k, r) || a
	a = sl.add(period{month, m}, k, r) || a
	sl.mu.Unlock()
	return a
}

// prune drops the cells no Snapshot can read any more and returns the requests they held;
// the caller holds sl.mu.
func (sl *slot) prune() (dropped int64) {
	kept := sl.cells[:0]
	for _, c := range sl.cells {
		if c.p.readable(sl.newest) {
			kept = append(kept, c)
			continue
		}
		if c.p.unit == hour { // each request is in one cell of each unit: count it once
			dropped += c.n[0] + c.n[3]
		}
	}
	clear(sl.cells[len(kept):])
	sl.cells = kept
	return dropped
}

// read adds sl's counts of the periods ps to r; the caller holds sl.mu.
func (sl *slot) read(r *raw, ps [4]period) {
	for _, c := range sl.cells {
		for i, p := range ps {
			if c.p == p {
				r[i].merge(&c.n)
			}
		}
	}
}

// periodsOf are the periods a Snapshot at now reads, in the order of Usage.fields.
func periodsOf(now time.Time) [4]period {
	u := now.Unix()
	h := hourOf(u)
	return [4]period{{hour, h}, {hour, h - 1}, {day, dayOf(u)}, {month, monthOf(now)}}
}

// raw is a Usage being summed, as fields of periodsOf's periods.
type raw [4]fields

func (r *raw) usage(tenant string, now time.Time) Usage {
	return Usage{Tenant: tenant, At: now, ThisHour: r[0].counts(), LastHour: r[1].counts(), Today: r[2].counts(), ThisMonth: r[3].counts()}
}

// Options are what both counters take.
type Options struct {
	// Metrics is where the per-tenant counters are registered (nil: nowhere).
	Metrics prometheus.Registerer
	// Log reports a failing Redis (nil: nowhere).
	Log *slog.Logger
	// FlushEvery is how often Redis gets what this process counted (0: DefaultFlushEvery).
	FlushEvery time.Duration
}

// DefaultFlushEvery is the flush interval when Options leave it unset.
const DefaultFlushEvery = 200 * time.Millisecond

// table finds a tenant's slot; slots are never removed (tenants are few: the keys file's).
type table struct {
	// slots is copied on write, so a lookup is one plain map read (a sync.Map's interface
	// keys cost a fifth of Record).
	slots   atomic.Pointer[map[string]*slot]
	mu      sync.Mutex
	reqs    *prometheus.Desc
	dropped prometheus.Counter
	prefix  string
}

func (t *table) init(o Options) {
	reg := o.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	f := promauto.With(reg)
	t.reqs = prometheus.NewDesc("trawl_ingress_tenant_requests_total",
		"Admitted searches and scrapes, by tenant (\"open\" under open access), kind (search, scrape) and result (hit: answered from a cache, miss, error: a typed failure).",
		[]string{"tenant", "kind", "result"}, nil)
	reg.MustRegister(tenantRequests{t})
	t.dropped = f.NewCounter(prometheus.CounterOpts{
		Name: "trawl_ingress_usage_dropped_total",
		Help: "Requests whose usage counts were dropped unflushed: Redis was unreachable until their hour could no longer be read.",
	})
	t.prefix = "trawl:usage:"
}

func (t *table) slot(tenant string) *slot {
	if sl := t.all()[tenant]; sl != nil {
		return sl
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.all()
	if sl := old[tenant]; sl != nil {
		return sl
	}
	label, key := tenant, t.prefix+"t:"+tenant+":"
	if tenant == "" {
		label, key = OpenLabel, t.prefix+"open:"
	}
	sl := &slot{key: key, label: label}
	m := make(map[string]*slot, len(old)+1)
	maps.Copy(m, old)
	m[tenant] = sl
	t.slots.Store(&m)
	return sl
}

// all is every tenant's slot; the map must not be modified.
func (t *table) all() map[string]*slot {
	if m := t.slots.Load(); m != nil {
		return *m
	}
	return nil
}

// tenantRequests collects trawl_ingress_tenant_requests_total from the slots.
type tenantRequests struct{ t *table }

func (c tenantRequests) Describe(ch chan<- *prometheus.Desc) { ch <- c.t.reqs }

func (c tenantRequests) Collect(ch chan<- prometheus.Metric) {
	for _, sl := range c.t.all() {
		sl.mu.Lock()
		total := sl.total
		sl.mu.Unlock()
		for k := range nKinds {
			for r := range nResults {
				ch <- prometheus.MustNewConstMetric(c.t.reqs, prometheus.CounterValue, float64(total[k][r]), sl.label, k.String(), r.String())
			}
		}
	}
}
