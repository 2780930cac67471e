package ingress

import (
	"hash/maphash"
	"sync"
	"time"
)

// Batching: one tenant at c=64 used to cost two Redis round trips per request (redis_rate's
// Allow, then the quota script), and those round trips were most of the hit path's CPU. So
// the Redis limiter keeps at most one exchange per policy in flight from this replica: the
// requests of that policy that arrive meanwhile queue, and the whole queue is decided by the
// next exchange, in one round trip for N requests (batchScript). No timer gathers a batch: a
// request that finds nothing in flight goes at once, alone, so without concurrency a request
// costs one round trip as before (one fewer with a quota).
//
// The leader of a batch (its first request) runs the exchange on its own goroutine, hands
// every other request its answer, and passes the lead to the first request of the queue,
// which takes the whole queue as its batch. So no goroutine is started, and a request waits
// for at most the exchange in flight when it came plus its own batch's.
//
// redis_rate has no such layer (its AllowN/AllowAtMost decide n requests a caller already
// holds): this is our own code on top of its key and algorithm, and it measurably pays. At 64
// concurrent requests of one tenant (BenchmarkRedisLimiter, 2 cores) a request cost 1 round
// trip and ~40 µs through redis_rate (2 and ~70-115 µs with a quota); batched, ~0.03 round
// trips and ~2.5 µs (~3.5-5.5 µs). The price: with two or three concurrent requests a
// request may wait for its predecessor's round trip instead of overlapping it.

// batches holds the queues of the policies that have an exchange in flight; a policy without
// one has no entry, so the table stays as small as the set of busy policies. It is keyed by
// the policy itself, which carries the limits a batch is decided with: after a keys reload
// the old and the new policy of a tenant may each have one exchange in flight for a moment.
type batches struct {
	seed   maphash.Seed
	shards [16]batchShard
	queues sync.Pool // *batchQueue
	calls  sync.Pool // *limitCall
}

type batchShard struct {
	mu sync.Mutex
	m  map[*policy]*batchQueue
}

// batchQueue is the requests of one policy waiting for the exchange after the one in flight.
type batchQueue struct {
	waiting []*limitCall
}

// limitCall is one request in a batch.
type limitCall struct {
	now  time.Time
	done chan struct{} // one send: the answer is in d, or the lead is handed over in batch
	// batch is set when this call is to lead: the requests to decide, this one first.
	batch []*limitCall
	d     decision
	// fellBack: Redis failed, or was marked down, for this call's batch.
	fellBack bool
	self     [1]*limitCall // the batch of a leader that found no exchange in flight
}

func (b *batches) init() {
	b.seed = maphash.MakeSeed()
	for i := range b.shards {
		b.shards[i].m = map[*policy]*batchQueue{}
	}
	b.queues.New = func() any { return new(batchQueue) }
	b.calls.New = func() any { return &limitCall{done: make(chan struct{}, 1)} }
}

func (b *batches) shard(p *policy) *batchShard {
	return &b.shards[maphash.String(b.seed, p.rateKey)%uint64(len(b.shards))]
}

// pending counts the policies with an exchange in flight (for tests).
func (b *batches) pending() int {
	n := 0
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// batched decides one request through Redis, together with the policy's other requests
// that queue while an exchange is in flight.
func (r *redisLimiter) batched(p *policy, now time.Time) decision {
	c := r.batches.calls.Get().(*limitCall)
	c.now = now
	sh := r.batches.shard(p)
	sh.mu.Lock()
	if q := sh.m[p]; q != nil {
		q.waiting = append(q.waiting, c)
		sh.mu.Unlock()
		<-c.done
	} else {
		sh.m[p] = r.batches.queues.Get().(*batchQueue)
		sh.mu.Unlock()
		c.self[0] = c
		c.batch = c.self[:]
	}
	if c.batch != nil {
		r.lead(sh, p, c.batch)
	}
	d, fellBack := c.d, c.fellBack
	*c = limitCall{done: c.done}
	r.batches.calls.Put(c)
	if fellBack {
		return r.fallback(p, now)
	}
	return d
}

// lead decides batch (whose first call is the caller's), answers the others, and hands the
// lead to the queue that formed meanwhile, or retires the policy's entry if none did.
func (r *redisLimiter) lead(sh *batchShard, p *policy, batch []*limitCall) {
	now := batch[0].now
	if now.UnixNano() < r.downUntil.Load() { // an earlier batch found Redis down
		for _, c := range batch {
			c.fellBack = true
		}
	} else if res, err := r.exchange(p, len(batch), now); err != nil {
		r.failed(err, now)
		for _, c := range batch {
			c.fellBack = true
		}
	} else {
		r.recovered()
		for i, c := range batch {
			c.d = res.decide(p, i, c.now)
		}
	}
	for _, c := range batch[1:] {
		c.done <- struct{}{} // buffered: never blocks; c is not touched after this
	}

	sh.mu.Lock()
	q := sh.m[p]
	next := q.waiting
	if len(next) == 0 {
		delete(sh.m, p)
		sh.mu.Unlock()
		r.batches.queues.Put(q)
		return
	}
	// The finished batch's slice becomes the new queue (unless it is a lone leader's own).
	q.waiting = nil
	if cap(batch) > 1 {
		clear(batch)
		q.waiting = batch[:0]
	}
	sh.mu.Unlock()
	next[0].batch = next
	next[0].done <- struct{}{}
}
