package ingress

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// engineInfo is one engine as GET /v1/engines shows it: what it is, and its health as a
// fetcher's circuit breaker sees it ("unknown" when no fetcher answered).
type engineInfo struct {
	Name    string `json:"name"`
	BaseURL string `json:"base_url"`
	// Breaker is closed, half_open, open or unknown; Healthy is true only when closed.
	Breaker      string `json:"breaker"`
	Healthy      bool   `json:"healthy"`
	RetryAfterMS int64  `json:"retry_after_ms,omitempty"`
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
	}{}
	for _, n := range s.engines.Names() {
		e := engineInfo{Name: n, BaseURL: s.engines.Base(n).String(), Breaker: "unknown"}
		if st, ok := status[n]; ok {
			e.Breaker, e.Healthy, e.RetryAfterMS = st.Breaker, st.Breaker == schemas.BreakerClosed, st.RetryAfterMS
		}
		out.Engines = append(out.Engines, e)
	}
	b, _ := json.Marshal(out)
	c.SetContentType("application/json")
	c.SetBody(b)
}
