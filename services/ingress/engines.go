package ingress

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
)

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
	out := schemas.EngineList{EngineHealth: "per_process"}
	if s.board.Shared() {
		out.EngineHealth = "shared"
	}
	for _, n := range s.engines.Names() {
		e := schemas.EngineInfo{Name: n, BaseURL: s.engines.Base(n).String(), Breaker: "unknown"}
		if eng, ok := s.engines.Get(n); ok {
			e.Verticals = engines.Verticals(eng)
		}
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
