package schemas

import "time"

// EngineList is the answer of GET /v1/engines.
type EngineList struct {
	Engines []EngineInfo `json:"engines"`
	// EngineHealth is "shared" when the silent-empty alarm's status comes from the parsers'
	// JetStream bucket, "per_process" while the ingress cannot read it (every status reads ok).
	EngineHealth string `json:"engine_health"`
}

// EngineInfo is one engine as GET /v1/engines shows it: what it is and answers, its health as
// a fetcher's circuit breaker sees it ("unknown" when no fetcher answered), and the
// silent-empty alarm's status as the parsers share it.
type EngineInfo struct {
	Name    string `json:"name"`
	BaseURL string `json:"base_url"`
	// Verticals are the type= values the engine answers, web first (VerticalWeb,
	// VerticalNews, VerticalImages); any other is refused before anything is fetched.
	Verticals []string `json:"verticals"`
	// Breaker is closed, half_open, open or unknown; Healthy is true only when closed and the
	// engine is not degraded.
	Breaker      string `json:"breaker"`
	Healthy      bool   `json:"healthy"`
	RetryAfterMS int64  `json:"retry_after_ms,omitempty"`
	// Status is ok or degraded (a run of suspect pages: see EngineHealth); Run is the current
	// run of suspect pages; Rule, Reason and PageID describe the last one.
	Status string     `json:"status"`
	Run    int        `json:"suspect_run,omitempty"`
	Rule   string     `json:"rule,omitempty"`
	Reason string     `json:"reason,omitempty"`
	PageID string     `json:"page_id,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
}
