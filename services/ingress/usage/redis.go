package usage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/kit/logging"
)

// Redis counts across every ingress replica. Record only adds to this process's per-tenant
// cells; every FlushEvery one script call adds them all to Redis hashes, one per tenant and
// period (trawl:usage:t:<tenant>:h:2006010215, …:d:20060102, …:m:200601; open access is
// trawl:usage:open:…), each expiring once no Snapshot reads it. A Snapshot reads those hashes
// and adds what is still only counted here, so a replica sees its own requests at once and
// another replica's within one flush interval.
//
// Exactly once: a flush whose answer is lost (a timeout, a dropped connection) may or may not
// have been applied. So each flush carries this process's id and a sequence number, the script
// applies it only when the number is above the last one applied for that id, and a flush of
// unknown outcome is sent again, unchanged, before anything else. Requests recorded meanwhile
// wait in the cells; those cells stay bounded by dropping periods no Snapshot can read any more
// (hours before the last: Redis was down for over an hour), counted in
// trawl_ingress_usage_dropped_total.
type Redis struct {
	t     table
	rdb   *redis.Client
	log   *slog.Logger
	every time.Duration
	// id names this process in the flush sequence's key.
	id string

	// flushMu makes a flush and a Snapshot exclusive: while it is held, a request's counts are
	// either in Redis or in the cells (or in unsure), never on their way.
	flushMu sync.Mutex
	seq     int64
	// unsure is the flush whose outcome is unknown, sent again before any other.
	unsure *flushBatch

	errs     prometheus.Counter
	loggedAt time.Time // of the last "Redis unreachable" line (under flushMu)

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// flushBatch is one script call: the hashes, and per hash its expiry and increments.
type flushBatch struct {
	seq  int64
	keys []string
	args []any
	// requests counts the requests in the batch (for the log line when it is lost).
	requests int64
}

// flushScript adds a batch of increments to the usage hashes, once.
//
// KEYS[1]: the process's sequence key; KEYS[2..]: the hashes.
// ARGV[1]: the batch's sequence number; ARGV[2]: the sequence key's TTL, seconds; then per
// hash: its EXPIREAT (Unix seconds), its number of fields n, then n field/increment pairs.
// Returns 1 when applied, 0 when this batch was applied before.
var flushScript = redis.NewScript(`
local seq = tonumber(ARGV[1])
local last = tonumber(redis.call("GET", KEYS[1]) or "0")
if seq <= last then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[2])
local a = 3
for i = 2, #KEYS do
  local at, n = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  for j = 1, n do
    redis.call("HINCRBY", KEYS[i], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call("EXPIREAT", KEYS[i], at)
end
return 1`)

// seqTTL outlives any outage a process keeps counting through: its sequence key is its only
// memory of which flushes were applied.
const seqTTL = 7 * 24 * time.Hour

// NewRedis returns a counter shared through rdb, flushing in the background until Stop.
func NewRedis(rdb *redis.Client, o Options) *Redis {
	r := &Redis{rdb: rdb, log: o.Log, every: o.FlushEvery, stop: make(chan struct{}), done: make(chan struct{})}
	if r.log == nil {
		r.log = logging.Discard()
	}
	if r.every <= 0 {
		r.every = DefaultFlushEvery
	}
	var id [12]byte
	rand.Read(id[:])
	r.id = hex.EncodeToString(id[:])
	r.t.init(o)
	reg := o.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	r.errs = promauto.With(reg).NewCounter(prometheus.CounterOpts{
		Name: "trawl_ingress_usage_flush_errors_total",
		Help: "Flushes of usage counts to Redis that failed (the counts are kept and sent again).",
	})
	go r.run()
	return r
}

// Record counts one request (Counter).
func (r *Redis) Record(tenant string, kind Kind, res Result, at time.Time) {
	sl := r.t.slot(tenant)
	if sl.record(kind, res, at) {
		sl.mu.Lock()
		n := sl.prune()
		sl.mu.Unlock()
		if n > 0 {
			r.t.dropped.Add(float64(n))
		}
	}
}

// Snapshot reads tenant's counts from Redis and adds those not flushed yet (Counter). It
// fails while Redis does not answer: counts without the other replicas' would mislead.
func (r *Redis) Snapshot(ctx context.Context, tenant string, now time.Time) (Usage, error) {
	sl := r.t.slot(tenant)
	ps := periodsOf(now)
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if err := r.resendUnsure(ctx); err != nil {
		return Usage{}, err
	}
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ps))
	for i, p := range ps {
		cmds[i] = pipe.HMGet(ctx, sl.key+p.key(), fieldNames[:]...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Usage{}, fmt.Errorf("usage: redis: %w", err)
	}
	var raw raw
	for i, c := range cmds {
		for j, v := range c.Val() {
			if s, ok := v.(string); ok {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return Usage{}, fmt.Errorf("usage: redis: %s %s: %w", sl.key+ps[i].key(), fieldNames[j], err)
				}
				raw[i][j] = n
			}
		}
	}
	sl.mu.Lock()
	sl.read(&raw, ps)
	sl.mu.Unlock()
	return raw.usage(tenant, now), nil
}

// Stop stops the background flushes and flushes what is left (Counter).
func (r *Redis) Stop() {
	r.stopOnce.Do(func() {
		close(r.stop)
		<-r.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.flushMu.Lock()
		defer r.flushMu.Unlock()
		if err := r.flush(ctx); err != nil {
			r.errs.Inc()
			lost := r.pending()
			if r.unsure != nil {
				lost += r.unsure.requests
			}
			r.log.Error("usage: the last flush to Redis failed; these counts are lost", "requests", lost, "err", err)
		}
	})
}

func (r *Redis) run() {
	defer close(r.done)
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
		r.flushMu.Lock()
		err := r.flush(context.Background()) // the client's own timeouts bound it
		if err != nil {
			r.errs.Inc()
			if now := time.Now(); now.Sub(r.loggedAt) >= 30*time.Second {
				r.loggedAt = now
				r.log.Warn("usage: Redis unreachable; counts are kept here and sent when it is back", "err", err)
			}
		}
		r.flushMu.Unlock()
	}
}

// flush sends the batch of unknown outcome, if any, then everything the cells hold; the
// caller holds flushMu.
func (r *Redis) flush(ctx context.Context) error {
	if err := r.resendUnsure(ctx); err != nil {
		return err
	}
	b := r.take()
	if b == nil {
		return nil
	}
	if err := r.send(ctx, b); err != nil {
		r.unsure = b
		r.giveUpOnRefusal(err)
		return err
	}
	return nil
}

func (r *Redis) resendUnsure(ctx context.Context) error {
	if r.unsure == nil {
		return nil
	}
	if err := r.send(ctx, r.unsure); err != nil {
		r.giveUpOnRefusal(err)
		return err
	}
	r.unsure = nil
	return nil
}

// giveUpOnRefusal drops the unsure batch when Redis answered that the script failed (ERR,
// WRONGTYPE: a key of the wrong type, say): sent again it would fail again, and hold back every
// later flush. A network error leaves the outcome unknown, and a passing refusal (LOADING,
// READONLY during a failover, OOM) did not run it: then the batch is kept.
func (r *Redis) giveUpOnRefusal(err error) {
	var refused redis.Error
	if r.unsure == nil || !errors.As(err, &refused) {
		return
	}
	if msg := refused.Error(); !strings.HasPrefix(msg, "ERR") && !strings.HasPrefix(msg, "WRONGTYPE") {
		return
	}
	r.t.dropped.Add(float64(r.unsure.requests))
	r.log.Error("usage: Redis refused a flush; its counts are dropped", "requests", r.unsure.requests, "err", err)
	r.unsure = nil
}

func (r *Redis) send(ctx context.Context, b *flushBatch) error {
	args := append([]any{b.seq, int64(seqTTL / time.Second)}, b.args...)
	return flushScript.Run(ctx, r.rdb, append([]string{"trawl:usage:seq:" + r.id}, b.keys...), args...).Err()
}

// take empties every tenant's cells into one batch (nil: nothing to send).
func (r *Redis) take() *flushBatch {
	var b *flushBatch
	for _, sl := range r.t.all() {
		sl.mu.Lock()
		cells := sl.cells
		sl.cells = nil
		sl.mu.Unlock()
		for _, c := range cells {
			if c.n.zero() {
				continue
			}
			if b == nil {
				r.seq++
				b = &flushBatch{seq: r.seq}
			}
			b.keys = append(b.keys, sl.key+c.p.key())
			nf := 0
			for _, v := range c.n {
				if v != 0 {
					nf++
				}
			}
			b.args = append(b.args, c.p.expires().Unix(), nf)
			for i, v := range c.n {
				if v != 0 {
					b.args = append(b.args, fieldNames[i], v)
				}
			}
			if c.p.unit == hour {
				b.requests += c.n[0] + c.n[3]
			}
		}
	}
	return b
}

// pending counts the requests only counted here; the caller holds flushMu.
func (r *Redis) pending() (n int64) {
	for _, sl := range r.t.all() {
		sl.mu.Lock()
		for _, c := range sl.cells {
			if c.p.unit == hour {
				n += c.n[0] + c.n[3]
			}
		}
		sl.mu.Unlock()
	}
	return n
}

// key is the period's part of a hash's key.
func (p period) key() string {
	t := p.start()
	switch p.unit {
	case hour:
		return "h:" + t.Format("2006010215")
	case day:
		return "d:" + t.Format("20060102")
	}
	return "m:" + t.Format("200601")
}

// expires is when a period's hash may go: once no Snapshot reads it (readable), with a day's
// margin for clocks that disagree.
func (p period) expires() time.Time {
	next := period{p.unit, p.idx + 2}.start()
	if p.unit == hour {
		return next.Add(time.Hour)
	}
	return next.Add(24 * time.Hour)
}

var _ Counter = (*Redis)(nil)
