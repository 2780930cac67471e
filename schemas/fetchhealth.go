package schemas

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Fetch health: what one fetcher has learnt about proxy routes and engines, shared by every
// fetcher through one JetStream KV bucket (BucketFetchHealth). Two kinds of keys:
//
//   - route.<id> (RouteHealthKey): a proxy route's evidence, RouteHealth: until when it is
//     evicted, and until when each engine host asked it (Retry-After) to stay away. Writers
//     merge with a compare-and-set (the later time wins), so no fetcher's evidence is lost.
//     It also holds each fetcher's own current score of the route (Scores), fresh for
//     RouteScoreFresh, which the others combine with theirs when they pick and evict routes.
//   - breaker.<engine> (BreakerHealthKey): the engine's breaker as the fleet sees it,
//     BreakerHealth: open until a time, probing (one fetcher holds the half-open probe, taken
//     with a compare-and-set on the key's revision: the fleet's lease), or closed.
//
// Fetchers read the keys of their own routes and engines by direct gets (no consumer); keys
// not rewritten for FetchHealthTTL expire.

// BucketFetchHealth is the KV bucket of fetch health (its stream is "KV_" + the name).
const BucketFetchHealth = "TRAWL_FETCH_HEALTH"

// FetchHealthTTL is how long a fetch health record lives without being rewritten: past the
// longest rest an engine can impose (a minute) and the default longest eviction (5 minutes).
const FetchHealthTTL = 15 * time.Minute

// RouteHealth is one proxy route's record in BucketFetchHealth.
type RouteHealth struct {
	// Route is the proxy URL without credentials.
	Route string `json:"route"`
	// EvictedUntil is when the route's latest eviction cool-down ends (zero: never evicted).
	EvictedUntil time.Time `json:"evicted_until,omitzero"`
	// Rest maps an engine host to when its Retry-After through this route ends.
	Rest map[string]time.Time `json:"rest,omitempty"`
	// Scores maps a fetcher's name to its own current score of the route. A fetcher rewrites
	// its entry while its attempts move the score (at most every 500 ms); an entry older than
	// RouteScoreFresh is ignored, and dropped by the next write.
	Scores map[string]RouteScore `json:"scores,omitempty"`
	// Updated is when the record was last written, and by which fetcher.
	Updated time.Time `json:"updated"`
	By      string    `json:"by,omitempty"`
}

// RouteScore is one fetcher's score of a route: its health (an EWMA of its attempts'
// outcomes, 1 healthy, 0 failing), how many outcomes it has scored, and when it wrote it.
type RouteScore struct {
	Health float64   `json:"health"`
	Seen   int       `json:"seen"`
	At     time.Time `json:"at"`
}

// RouteScoreFresh is how long a fetcher's score of a route counts for the others: a score its
// writer stopped refreshing is no longer backed by its attempts.
const RouteScoreFresh = 5 * time.Second

// BreakerHealth is one engine's breaker in BucketFetchHealth.
type BreakerHealth struct {
	Engine string `json:"engine"`
	// State is BreakerOpen (Until: when a probe may go), BreakerHalfOpen (By holds the probe
	// until Until; past it, another fetcher may take it) or BreakerClosed.
	State string    `json:"state"`
	Until time.Time `json:"until,omitzero"`
	// Updated is when the record was last written, and by which fetcher.
	Updated time.Time `json:"updated"`
	By      string    `json:"by,omitempty"`
}

// RouteHealthKey is the key of a route's record: a digest of its name (a URL holds
// characters a key may not).
func RouteHealthKey(route string) string {
	sum := sha256.Sum256([]byte(route))
	return "route." + hex.EncodeToString(sum[:12])
}

// BreakerHealthKey is the key of an engine's breaker record.
func BreakerHealthKey(engine string) string { return "breaker." + engine }

// FetchHealthBucket declares the fetch health bucket: small (a key per proxy and per engine,
// a history of one) and in memory, so after a full restart every route and engine starts
// healthy.
func FetchHealthBucket(l StreamLimits) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      BucketFetchHealth,
		Description: "fetch health: proxy bans and evictions, engine breakers, shared by every fetcher",
		History:     1,
		TTL:         FetchHealthTTL,
		MaxBytes:    8 << 20,
		Storage:     jetstream.MemoryStorage,
		Replicas:    max(l.Replicas, 1),
	}
}
