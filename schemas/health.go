package schemas

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Engine health: what the parse stage has learnt about each engine's pages, shared by every
// replica of every stage through one JetStream KV bucket (BucketEngineHealth), one key per
// engine holding its EngineHealth as JSON. Parsers write it (compare-and-set on the key's
// revision, so concurrent parsers never lose a count); ingresses, caches and parsers watch it.
// A key that is not rewritten for EngineHealthTTL expires: an engine no page has been judged
// of for that long is healthy again until its pages say otherwise.

// BucketEngineHealth is the KV bucket of engine health (its stream is "KV_" + the name).
const BucketEngineHealth = "TRAWL_ENGINE_HEALTH"

// EngineHealthTTL is how long an engine's health record lives without being rewritten.
const EngineHealthTTL = 30 * time.Minute

// Engine health statuses (EngineHealth.Status, GET /v1/engines "status").
const (
	// EngineOK: the engine's pages yield what they usually do.
	EngineOK = "ok"
	// EngineDegraded: a run of the engine's pages were suspect (the silent-empty alarm).
	EngineDegraded = "degraded"
)

// Suspect rules: why a page was judged suspect (EngineHealth.Rule, the "rule" label of
// trawl_parser_suspect_pages_total).
const (
	// SuspectUnrecognised: no results and no no-results marker (a page no parser knows).
	SuspectUnrecognised = "unrecognised"
	// SuspectEmpty: a page the parser read as zero results, without the engine's no-results
	// notice (an empty results column: a soft block looks like this).
	SuspectEmpty = "empty"
	// SuspectCount: far fewer organic results than the engine's baseline, on a page that
	// says more follow.
	SuspectCount = "count"
	// SuspectFields: far fewer results with title, URL and snippet than the baseline.
	SuspectFields = "fields"
)

// EngineHealth is one engine's record in BucketEngineHealth.
type EngineHealth struct {
	Engine string `json:"engine"`
	// Status is EngineOK or EngineDegraded.
	Status string `json:"status"`
	// Run counts the suspect pages in a row (the alarm's run); Clear, while degraded, the
	// healthy pages in a row (the same run of them clears it).
	Run   int `json:"run"`
	Clear int `json:"clear,omitempty"`
	// Rule and Reason describe the last suspect page (kept while degraded).
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason,omitempty"`
	// PageID is the last suspect page, in the archive (GET /v1/searches/{id}?output=html).
	PageID string `json:"page_id,omitempty"`
	// Since is when the status last changed.
	Since time.Time `json:"since"`
	// Updated is when the record was last written, and by which parser.
	Updated time.Time `json:"updated"`
	By      string    `json:"by,omitempty"`
}

// Degraded reports whether the engine is degraded.
func (h EngineHealth) Degraded() bool { return h.Status == EngineDegraded }

// EngineHealthBucket declares the engine health bucket. It is small (one key per engine,
// a history of one) and lives in memory: after a full restart every engine starts healthy.
func EngineHealthBucket(l StreamLimits) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      BucketEngineHealth,
		Description: "engine health: the silent-empty alarm, shared by every replica",
		History:     1,
		TTL:         EngineHealthTTL,
		MaxBytes:    1 << 20,
		Storage:     jetstream.MemoryStorage,
		Replicas:    max(l.Replicas, 1),
	}
}

// Degraded-answer policies (--degraded-answer): what a client gets for a suspect page while its
// engine is degraded.
const (
	// DegradedEmpty, the default, answers 502 degraded for a suspect page with no results and
	// the page with a warning for one that still has some: a degraded engine never serves a run
	// of empty 200s, and results that only lost their snippets still reach the client.
	DegradedEmpty = "empty"
	// DegradedWarn answers the page, with a warning (SearchBody.Warnings).
	DegradedWarn = "warn"
	// DegradedFail answers 502 degraded instead.
	DegradedFail = "fail"
)

// Warning is a caveat on an answer: the page it came from was suspect (it yielded far less
// than its engine usually does), and whether the engine is degraded.
type Warning struct {
	// Kind is "suspect" (the engine is not degraded yet) or "degraded".
	Kind   string `json:"kind"`
	Engine string `json:"engine"`
	// Rule is the suspect rule the page broke (count, fields).
	Rule   string `json:"rule,omitempty"`
	Detail string `json:"detail"`
}

// HeaderSuspect marks a suspect page's outcome (the cache answers it but does not store it)
// and its archived page: the rule and the reason, "fields: 0% of results have a snippet …".
const HeaderSuspect = "Trawl-Suspect"
