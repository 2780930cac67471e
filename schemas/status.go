package schemas

// Circuit breaker states as reported in EngineStatus.Breaker.
const (
	BreakerClosed   = "closed"
	BreakerHalfOpen = "half_open"
	BreakerOpen     = "open"
)

// EnginesStatus answers SubjectEnginesStatus: one fetcher's view of the engines it fetches from
// and the proxies it fetches through. Fetchers share evictions and breakers through
// BucketFetchHealth (an engine open on one is open on all, within a second), but each keeps
// its own counts and health scores: with several fetchers the answer is that of whichever one
// took the request.
type EnginesStatus struct {
	// Fetcher names the fetcher that answered (its NATS client name and id).
	Fetcher string         `json:"fetcher"`
	Engines []EngineStatus `json:"engines"`
	Proxies []ProxyStatus  `json:"proxies,omitempty"`
}

// EngineStatus is one engine's circuit breaker.
type EngineStatus struct {
	Name string `json:"name"`
	// Breaker is closed, half_open or open.
	Breaker string `json:"breaker"`
	// RetryAfterMS is, while open, how long until the breaker lets a probe through.
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	// Requests and Failures count upstream attempts in the breaker's current window.
	Requests uint32 `json:"requests"`
	Failures uint32 `json:"failures"`
}

// ProxyStatus is one route of the proxy pool ("direct" for no proxy).
type ProxyStatus struct {
	// Proxy is the proxy URL without credentials, or "direct".
	Proxy string `json:"proxy"`
	// State is active, evicted or probing.
	State string `json:"state"`
	// Health is the proxy's success score in [0,1] (an EWMA of attempt outcomes).
	Health    float64 `json:"health"`
	LatencyMS float64 `json:"latency_ms"`
	InFlight  int     `json:"in_flight"`
	Evictions int     `json:"evictions,omitempty"`
	// RetryAfterMS is, while evicted, how long until the proxy is probed.
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
}
