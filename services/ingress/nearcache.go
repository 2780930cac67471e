package ingress

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// nearCache keeps the cache service's answers for hot keys in the ingress for a moment
// (--near-cache-ttl, a second by default), so a repeated query is answered without the NATS
// round trip to the cache service. It only narrows what the cache service would say:
//
//   - an answer is kept only while the cache service called it fresh (Trawl-Fresh-Until), and
//     never longer than the near TTL: a near hit is never staler than a hit;
//   - no_cache skips it, and max_age is judged on the stored entry's own age, exactly as the
//     cache service judges it;
//   - stale answers, metasearch answers and errors are never kept.
//
// Scrapes are kept the same way, under their own keys (scrapeKey): a scrape hit answered by
// the cache service cost 95 µs of trawl serve's CPU and ran at 0.83× the floor's NATS mode;
// from the near cache, 37 µs and 1.81× (scripts/bench, scrape-hit-aio against floor-nats).
//
// What it gives up: a no_cache refresh made through another ingress replica is seen here only
// when the near entry expires (at most the near TTL later). Authentication, rate limits and
// quotas run before it, so a near hit costs a tenant what any other request does.
type nearCache struct {
	c   *otter.Cache[string, *nearEntry]
	ttl time.Duration
}

// nearEntry is one kept answer, split so each hit can carry its own search_metadata.
type nearEntry struct {
	// body is the answer as the cache service gave it. It is split on the first near hit, not
	// when it is kept: most answers are never asked for again within the near TTL, and the
	// split (decoding the metadata) was 1% of a miss's CPU.
	body  []byte
	split sync.Once
	ok    bool
	// scrape says the body is a scrape's answer: its metadata is smeta, not meta.
	scrape bool
	meta   schemas.SearchMetadata
	smeta  schemas.ScrapeMetadata
	// tail is the answer after its search_metadata (schemas.SplitResponse).
	tail []byte
	// timings is the answer's Trawl-Timings (fetch and parse of the stored entry).
	timings string
	expires time.Time
	// archived is the bundled id of an answer this ingress archived whole with this tail: the
	// near hits after it archive a reference to it and their own metadata (archive.bundleHit),
	// not a copy of the tail. An entry lives a second or so, and the answer it points at was
	// written before it, so the reference outlives its target by no more than that.
	archived atomic.Pointer[string]
	// tailHash is dialect.RestHash(tail), worked out for the first dialect hit (0 before):
	// the dialects' memos look the tail up by it on every hit.
	tailHash atomic.Uint64
	// renders are the dialects' renderings of tail (dialect.Renders).
	renders dialect.Renders
}

// restHash is the tail's dialect.RestHash, worked out once.
func (e *nearEntry) restHash() uint64 {
	h := e.tailHash.Load()
	if h == 0 {
		h = dialect.RestHash(e.tail)
		e.tailHash.Store(h)
	}
	return h
}

func newNearCache(ttl time.Duration, maxBytes int64) *nearCache {
	if ttl <= 0 || maxBytes <= 0 {
		return nil
	}
	c := otter.Must(&otter.Options[string, *nearEntry]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, v *nearEntry) uint32 {
			return uint32(min(len(k)+len(v.body)+len(v.timings)+256, math.MaxUint32))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *nearEntry]) time.Duration {
			return time.Until(e.Value.expires)
		}),
	})
	return &nearCache{c: c, ttl: ttl}
}

// key is the near cache's key for r, "" when r's answer is never kept here.
func (n *nearCache) key(r *schemas.SearchRequest) string {
	if n == nil || r.NoCache {
		return ""
	}
	norm := *r
	norm.Normalize()
	if norm.Metasearch() {
		return ""
	}
	return norm.CacheKey()
}

// scrapeKey is the near cache's key for scrape r, "" when its answer is never kept here. It
// is the cache service's key for r, apart from the searches' keys.
func (n *nearCache) scrapeKey(r *schemas.ScrapeRequest) string {
	if n == nil || r.NoCache {
		return ""
	}
	return scrapeKeyPrefix + r.CacheKey()
}

const scrapeKeyPrefix = "scrape\x00"

// get returns key's entry if a request with max_age maxAge may be answered with it now.
func (n *nearCache) get(key string, maxAge *int, now time.Time) *nearEntry {
	if key == "" {
		return nil
	}
	e, ok := n.c.GetIfPresent(key)
	if !ok || !now.Before(e.expires) || !e.parts() {
		return nil
	}
	if maxAge != nil && now.Sub(e.created()) >= time.Duration(*maxAge)*time.Second {
		return nil // the cache service may have a younger entry, or will fetch one
	}
	return e
}

// put keeps a successful answer of the cache service, if it may be kept, and returns its
// entry (nil when it is not kept).
//
// A miss's answer is not kept: the key has been asked once, and most keys are never asked
// again within the near TTL. Its next request is a hit at the cache service, which is kept,
// and the ones after it are near hits. Keeping every miss's answer filled the near cache with
// one-off answers (8 MiB of live heap under sustained misses, on which the collector works
// under the soft memory limit): scripts/bench miss-aio-60s went from 0.64 to 0.68 of the
// plain handler, the collector from 15.7% to 11.6% of trawl's CPU. A coalesced answer was
// asked for twice at once, and is kept.
func (n *nearCache) put(key string, state string, freshUntil string, timings string, body []byte, now time.Time) *nearEntry {
	// Only keys made here are put: a scrape's says so.
	scrape := len(key) > len(scrapeKeyPrefix) && key[:len(scrapeKeyPrefix)] == scrapeKeyPrefix
	if key == "" || (state != "hit" && state != "coalesced") {
		return nil
	}
	ms, err := strconv.ParseInt(freshUntil, 10, 64)
	if err != nil {
		return nil
	}
	expires := now.Add(n.ttl)
	if fu := time.UnixMilli(ms); fu.Before(expires) {
		expires = fu
	}
	if !now.Before(expires) {
		return nil
	}
	e := &nearEntry{body: body, timings: timings, expires: expires, scrape: scrape}
	n.c.Set(key, e)
	return e
}

// parts splits e's body once. The cache service composes every answer with
// schemas.ComposeResponse; an entry holding anything else, or a metasearch answer, never
// answers.
func (e *nearEntry) parts() bool {
	e.split.Do(func() {
		if e.scrape {
			e.tail, e.ok = schemas.SplitScrapeResponse(e.body, &e.smeta)
			return
		}
		e.tail, e.ok = schemas.SplitResponse(e.body, &e.meta)
		e.ok = e.ok && e.meta.Engines == nil
	})
	return e.ok
}

// created is when the answer's stored entry was made (its metadata's created_at).
func (e *nearEntry) created() time.Time {
	if e.scrape {
		return e.smeta.CreatedAt
	}
	return e.meta.CreatedAt
}

// metaFor is e's search_metadata as one request's answer carries it.
func (e *nearEntry) metaFor(id, reqID string, start, now time.Time) schemas.SearchMetadata {
	meta := e.meta
	meta.ID, meta.RequestID, meta.Cache = id, reqID, "hit"
	meta.AgeSeconds, meta.TimingsMS.Cache = hitTimes(meta.CreatedAt, start, now)
	return meta
}

// hitTimes are a near hit's age_seconds and timings_ms.cache: the entry's age, and the time
// since the request came.
func hitTimes(created, start, now time.Time) (int64, float64) {
	return max(int64(now.Sub(created)/time.Second), 0), float64(now.Sub(start).Microseconds()) / 1000
}

// scrapeMetaFor is e's scrape_metadata as one request's answer carries it.
func (e *nearEntry) scrapeMetaFor(id, reqID string, start, now time.Time) schemas.ScrapeMetadata {
	meta := e.smeta
	meta.ID, meta.RequestID, meta.Cache = id, reqID, "hit"
	meta.AgeSeconds, meta.TimingsMS.Cache = hitTimes(meta.CreatedAt, start, now)
	return meta
}

func (n *nearCache) close() {
	if n != nil {
		n.c.StopAllGoroutines()
	}
}
