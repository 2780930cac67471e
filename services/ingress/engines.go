package ingress

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// engineInfo is one engine as GET /v1/engines shows it: what it is, its health as a fetcher's
// circuit breaker sees it ("unknown" when no fetcher answered), and the silent-empty alarm's
// status as the parsers share it.
type engineInfo struct {
	Name    string `json:"name"`
	BaseURL string `json:"base_url"`
	// Breaker is closed, half_open, open or unknown; Healthy is true only when closed and the
	// engine is not degraded.
	Breaker      string `json:"breaker"`
	Healthy      bool   `json:"healthy"`
	RetryAfterMS int64  `json:"retry_after_ms,omitempty"`
	// Status is ok or degraded (a run of suspect pages: see schemas.EngineHealth); Run is the
	// current run of suspect pages; Rule, Reason and PageID describe the last one.
	Status string     `json:"status"`
	Run    int        `json:"suspect_run,omitempty"`
	Rule   string     `json:"rule,omitempty"`
	Reason string     `json:"reason,omitempty"`
	PageID string     `json:"page_id,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
}

// engineHealth caches the fetchers' engines status for a second, so clients polling
// /v1/engines cost the fetchers at most one request per second per ingress.
type engineHealth struct {
	mu     sync.Mutex
	at     time.Time
	status map[string]schemas.EngineStatus // nil: no fetcher answered
}

func (s *Server) enginesStatus() map[string]schemas.EngineStatus {
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.at) < time.Second {
		return h.status
	}
	h.at, h.status = time.Now(), nil
	msg, err := s.nc.Request(schemas.SubjectEnginesStatus, nil, 300*time.Millisecond)
	if err != nil {
		return nil
	}
	var st schemas.EnginesStatus
	if json.Unmarshal(msg.Data, &st) != nil {
		return nil
	}
	h.status = make(map[string]schemas.EngineStatus, len(st.Engines))
	for _, e := range st.Engines {
		h.status[e.Name] = e
	}
	return h.status
}

func (s *Server) listEngines(c *fasthttp.RequestCtx, reqID string, start time.Time) {
	if !c.IsGet() && !c.IsHead() {
		c.Response.Header.Set("Allow", "GET")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed on /v1/engines", c.Method()), reqID)
		return
	}
	if _, ok := s.gate(c, reqID, start); !ok {
		return
	}
	status := s.enginesStatus()
	out := struct {
		Engines []engineInfo `json:"engines"`
		// EngineHealth is "shared" when the alarm's status comes from the parsers' JetStream
		// bucket, "per_process" while this ingress cannot read it (every status reads ok).
		EngineHealth string `json:"engine_health"`
	}{EngineHealth: "per_process"}
	if s.board.Shared() {
		out.EngineHealth = "shared"
	}
	for _, n := range s.engines.Names() {
		e := engineInfo{Name: n, BaseURL: s.engines.Base(n).String(), Breaker: "unknown"}
		if st, ok := status[n]; ok {
			e.Breaker, e.Healthy, e.RetryAfterMS = st.Breaker, st.Breaker == schemas.BreakerClosed, st.RetryAfterMS
		}
		h := s.board.Get(n)
		e.Status, e.Run, e.Rule, e.Reason, e.PageID = h.Status, h.Run, h.Rule, h.Reason, h.PageID
		if h.Degraded() {
			e.Healthy = false
			since := h.Since
			e.Since = &since
		}
		out.Engines = append(out.Engines, e)
	}
	b, _ := json.Marshal(out)
	c.SetContentType("application/json")
	c.SetBody(b)
}
