package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*load.Config)
		wantErr string
	}{
		{"defaults", nil, ""},
		{"ipv6 loopback", func(c *load.Config) { c.Target = "http://[::1]:8080/v1/search" }, ""},
		{"localhost", func(c *load.Config) { c.Target = "http://localhost:8080/" }, ""},
		{"nats", func(c *load.Config) { c.Target = "nats://127.0.0.1:4222" }, ""},
		{"remote name refused", func(c *load.Config) { c.Target = "http://example.com:80/" }, "--allow-remote"},
		{"remote address refused", func(c *load.Config) { c.Target = "nats://10.1.2.3:4222" }, "--allow-remote"},
		{"remote allowed", func(c *load.Config) { c.Target, c.AllowRemote = "http://example.com:80/", true }, ""},
		{"scheme", func(c *load.Config) { c.Target = "https://127.0.0.1:8443/" }, "scheme"},
		{"no port", func(c *load.Config) { c.Target = "http://127.0.0.1/" }, "host:port"},
		{"mode", func(c *load.Config) { c.Mode = "burst" }, "mode"},
		{"open without rate", func(c *load.Config) { c.Mode = load.ModeOpen }, "--rate"},
		{"rate in closed loop", func(c *load.Config) { c.Rate = 10 }, "--rate"},
		{"unbounded", func(c *load.Config) { c.Duration, c.Requests = 0, 0 }, "bound"},
		{"concurrency", func(c *load.Config) { c.Concurrency = 0 }, "concurrency"},
		{"query set", func(c *load.Config) { c.QuerySet = "all" }, "query-set"},
		{"zipf keys", func(c *load.Config) { c.QuerySet, c.Keys = load.QueryZipf, 1 }, "keys"},
		{"zipf s", func(c *load.Config) { c.QuerySet, c.ZipfS = load.QueryZipf, 1 }, "zipf-s"},
		{"blank query", func(c *load.Config) { c.Query = "  " }, "query"},
		{"no error allowed", func(c *load.Config) { c.MaxErrorRate = 0 }, ""},
		{"error rate check off", func(c *load.Config) { c.MaxErrorRate = 1 }, ""},
		{"negative error rate", func(c *load.Config) { c.MaxErrorRate = -0.01 }, "--max-error-rate"},
		{"error rate as a percentage", func(c *load.Config) { c.MaxErrorRate = 5 }, "--max-error-rate"},
		{"error rate NaN", func(c *load.Config) { c.MaxErrorRate = math.NaN() }, "--max-error-rate"},
		{"scrape", func(c *load.Config) {
			c.Target, c.ScrapeURL = "http://127.0.0.1:8080/v1/scrape", "http://127.0.0.1:9300/pages/article"
		}, ""},
		{"scrape over nats", func(c *load.Config) { c.Target, c.ScrapeURL = "nats://127.0.0.1:4222", "https://example.com/" }, ""},
		{"scrape a plain handler", func(c *load.Config) {
			c.Target, c.ScrapeURL = "http://127.0.0.1:8093/", "http://127.0.0.1:9300/pages/docs"
		}, ""},
		{"scrape path without a page", func(c *load.Config) { c.Target = "http://127.0.0.1:8080/v1/scrape" }, "--scrape-url"},
		{"scrape sent to search", func(c *load.Config) { c.ScrapeURL = "http://127.0.0.1:9300/pages/article" }, "/v1/scrape"},
		{"scrape url not http", func(c *load.Config) { c.Target, c.ScrapeURL = "http://127.0.0.1:8080/v1/scrape", "ftp://127.0.0.1/x" }, "scrape-url"},
		{"scrape url relative", func(c *load.Config) { c.Target, c.ScrapeURL = "http://127.0.0.1:8080/v1/scrape", "/pages/article" }, "scrape-url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := load.DefaultConfig()
			if tc.mutate != nil {
				tc.mutate(&c)
			}
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// TestClosedLoopCounts: exactly --requests go out, each counted once, with the query and engine.
func TestClosedLoopCounts(t *testing.T) {
	srv := startServer(t, nil)
	s := run(t, cfg(srv.URL, func(c *load.Config) { c.Requests, c.Concurrency = 200, 8 }))
	if got := len(srv.queries()); got != 200 {
		t.Errorf("server saw %d requests, want 200", got)
	}
	if s.Requests != 200 || s.OK != 200 || s.Errors != 0 || s.Hist.TotalCount() != 200 {
		t.Errorf("summary requests %d ok %d errors %d histogram %d, want 200/200/0/200", s.Requests, s.OK, s.Errors, s.Hist.TotalCount())
	}
	if s.Cache["hit"] != 200 {
		t.Errorf("cache counts %v, want hit 200", s.Cache)
	}
	if s.ReqPerSec <= 0 || s.LatencyMS.P50 <= 0 || s.LatencyMS.Max < s.LatencyMS.P99 || s.LatencyMS.P99 < s.LatencyMS.P50 {
		t.Errorf("figures out of order: %+v, %.1f req/s", s.LatencyMS, s.ReqPerSec)
	}
	for i, q := range srv.queries() {
		if q != "golang" || srv.eng[i] != "duckduckgo" {
			t.Fatalf("request %d: q=%q engine=%q", i, q, srv.eng[i])
		}
	}
}

// TestDurationBound: a time-bounded run stops by itself and covers at least that time.
func TestDurationBound(t *testing.T) {
	srv := startServer(t, nil)
	s := run(t, cfg(srv.URL, func(c *load.Config) { c.Requests, c.Duration = 0, 300*time.Millisecond }))
	if s.Requests == 0 || int64(len(srv.queries())) != s.Requests {
		t.Errorf("summary counts %d requests, server saw %d", s.Requests, len(srv.queries()))
	}
	if s.DurationS < 0.3 {
		t.Errorf("run took %.3fs, want at least the 0.3s asked", s.DurationS)
	}
}

func TestHTTPErrorClassification(t *testing.T) {
	problem := func(status int, kind string) fasthttp.RequestHandler {
		return func(c *fasthttp.RequestCtx) {
			c.SetStatusCode(status)
			c.SetContentType("application/problem+json")
			c.SetBodyString(`{"type":"https://trawl.dev/problems/` + kind + `","title":"x","status":503,"kind":"` + kind + `"}`)
		}
	}
	// A listener that accepts and hangs up: the client gets no answer at all.
	hangup, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hangup.Close() })
	go func() {
		for {
			c, err := hangup.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	// A port nothing listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	tests := []struct {
		name       string
		target     func(t *testing.T) string
		timeout    time.Duration
		wantStatus string
		wantKind   string
	}{
		{"overloaded 503", func(t *testing.T) string { return startServer(t, problem(503, "overloaded")).URL }, 0, "503", "overloaded"},
		{"rate limited 429", func(t *testing.T) string { return startServer(t, problem(429, "rate_limited")).URL }, 0, "429", "rate_limited"},
		{"bare 500", func(t *testing.T) string {
			return startServer(t, func(c *fasthttp.RequestCtx) { c.Error("boom", 500) }).URL
		}, 0, "500", "unclassified"},
		{"timeout", func(t *testing.T) string {
			return startServer(t, func(c *fasthttp.RequestCtx) { <-c.Done() }).URL
		}, 100 * time.Millisecond, "", load.KindTimeout},
		{"refused", func(*testing.T) string { return refused }, 0, "", load.KindRefused},
		{"hung up", func(*testing.T) string { return "http://" + hangup.Addr().String() + "/" }, 0, "", load.KindClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, cfg(tc.target(t), func(c *load.Config) {
				c.Requests, c.Concurrency = 6, 2
				if tc.timeout > 0 {
					c.Timeout = tc.timeout
				}
			}))
			if s.Requests != 6 || s.OK != 0 || s.Errors != 6 {
				t.Fatalf("requests %d ok %d errors %d, want 6 failures", s.Requests, s.OK, s.Errors)
			}
			if s.ErrorsByKind[tc.wantKind] != 6 || len(s.ErrorsByKind) != 1 {
				t.Errorf("errors by kind %v, want %s 6", s.ErrorsByKind, tc.wantKind)
			}
			if tc.wantStatus == "" && len(s.ErrorsByStatus) != 0 {
				t.Errorf("errors by status %v for a failure with no answer", s.ErrorsByStatus)
			}
			if tc.wantStatus != "" && (s.ErrorsByStatus[tc.wantStatus] != 6 || len(s.ErrorsByStatus) != 1) {
				t.Errorf("errors by status %v, want %s 6", s.ErrorsByStatus, tc.wantStatus)
			}
		})
	}
}

// TestOpenLoopSchedule: request n never leaves before start + n/rate, so the run spans the
// schedule, and all of it is sent.
func TestOpenLoopSchedule(t *testing.T) {
	srv := startServer(t, nil)
	const n, rate = 40, 200.0
	s := run(t, cfg(srv.URL, func(c *load.Config) { c.Mode, c.Rate, c.Requests, c.Concurrency = load.ModeOpen, rate, n, 4 }))
	at := srv.arrivals()
	if len(at) != n || s.Requests != n || s.Unsent != 0 {
		t.Fatalf("server saw %d, summary %d requests (%d unsent), want %d", len(at), s.Requests, s.Unsent, n)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	for i, a := range at {
		due := s.Started.Add(time.Duration(float64(i) * float64(time.Second) / rate))
		if a.Before(due) {
			t.Fatalf("request %d arrived %v before it was due", i, due.Sub(a))
		}
	}
	if min := float64(n-1) / rate; s.DurationS < min {
		t.Errorf("run took %.3fs, shorter than the %.3fs schedule", s.DurationS, min)
	}
}

// TestOpenLoopDurationCountsDue: a time-bounded open loop accounts for every request due in
// the window, sent or not.
func TestOpenLoopDurationCountsDue(t *testing.T) {
	srv := startServer(t, nil)
	s := run(t, cfg(srv.URL, func(c *load.Config) {
		c.Mode, c.Rate, c.Requests, c.Duration = load.ModeOpen, 100, 0, 500*time.Millisecond
	}))
	if due := s.Requests + s.Unsent; due < 50 || due > 51 {
		t.Errorf("%d sent + %d unsent, want the 50 due in 0.5s at 100/s", s.Requests, s.Unsent)
	}
}

// TestOpenLoopChargesStalls is coordinated omission: one answer stalls for 500 ms. Closed loop
// waits politely and records one slow request; open loop charges the stall to every request
// that fell due during it.
func TestOpenLoopChargesStalls(t *testing.T) {
	const stall = 500 * time.Millisecond
	stallFifth := func() fasthttp.RequestHandler {
		first := make(chan struct{}, 5)
		return func(c *fasthttp.RequestCtx) {
			select {
			case first <- struct{}{}:
				if len(first) == 5 {
					<-time.After(stall) // the server's own slowness, not test synchronisation
				}
			default:
			}
			c.SetBodyString("{}")
		}
	}
	tests := []struct {
		name    string
		mode    string
		rate    float64
		atLeast int64
		atMost  int64
	}{
		{"closed", load.ModeClosed, 0, 1, 4},
		{"open", load.ModeOpen, 100, 10, 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, stallFifth())
			s := run(t, cfg(srv.URL, func(c *load.Config) { c.Mode, c.Rate, c.Requests, c.Concurrency = tc.mode, tc.rate, 60, 1 }))
			slow := countAtLeast(s, stall/2)
			if slow < tc.atLeast || slow > tc.atMost {
				t.Errorf("%d of %d requests took ≥ %v, want %d..%d", slow, s.Requests, stall/2, tc.atLeast, tc.atMost)
			}
			if tc.mode == load.ModeOpen && s.Late == 0 {
				t.Errorf("no request counted late behind the stall")
			}
		})
	}
}

func TestQuerySets(t *testing.T) {
	t.Run("hot", func(t *testing.T) {
		srv := startServer(t, nil)
		run(t, cfg(srv.URL, func(c *load.Config) { c.Query = "nats jetstream" }))
		for _, q := range srv.queries() {
			if q != "nats jetstream" {
				t.Fatalf("hot query set sent %q", q)
			}
		}
	})
	t.Run("distinct", func(t *testing.T) {
		srv := startServer(t, nil)
		run(t, cfg(srv.URL, func(c *load.Config) { c.QuerySet, c.Seed = load.QueryDistinct, 1 }))
		first := srv.queries()
		run(t, cfg(srv.URL, func(c *load.Config) { c.QuerySet, c.Seed = load.QueryDistinct, 2 }))
		seen := map[string]bool{}
		for _, q := range srv.queries() {
			if seen[q] {
				t.Fatalf("query %q sent twice across two distinct runs", q)
			}
			seen[q] = true
		}
		if len(first) != 50 || len(seen) != 100 {
			t.Errorf("%d then %d queries, want 50 distinct per run", len(first), len(seen))
		}
	})
	t.Run("zipf", func(t *testing.T) {
		srv := startServer(t, nil)
		run(t, cfg(srv.URL, func(c *load.Config) { c.QuerySet, c.Keys, c.Requests, c.Seed = load.QueryZipf, 20, 400, 7 }))
		counts := map[string]int{}
		for _, q := range srv.queries() {
			counts[q]++
		}
		if len(counts) > 20 || len(counts) < 3 {
			t.Errorf("%d distinct queries from 20 keys", len(counts))
		}
		top := ""
		for q, n := range counts {
			if top == "" || n > counts[top] {
				top = q
			}
		}
		if top != "golang 0" || counts[top] < 400/5 {
			t.Errorf("most frequent %q (%d of 400), want the rank-0 key to lead", top, counts[top])
		}
	})
}

// TestSummaryJSON pins the summary's JSON shape: the benchmark and the README read it.
func TestSummaryJSON(t *testing.T) {
	srv := startServer(t, problemEvery(3))
	c := cfg(srv.URL, func(c *load.Config) { c.Requests, c.Concurrency, c.Name = 30, 1, "hit" })
	s := run(t, c)
	path := filepath.Join(t.TempDir(), "s.json")
	if err := s.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, b)
	}
	want := map[string]string{
		"name": "string", "target": "string", "transport": "string", "mode": "string", "query_set": "string", "started": "string",
		"concurrency": "number", "seed": "number", "duration_s": "number", "requests": "number", "ok": "number", "errors": "number",
		"req_per_s": "number", "ok_per_s": "number", "bytes_per_s": "number", "late": "number", "unsent": "number",
		"latency_ms": "object", "errors_by_status": "object", "errors_by_kind": "object", "cache": "object",
		"max_error_rate": "number",
	}
	for k, typ := range want {
		if got := jsonType(m[k]); got != typ {
			t.Errorf("%s: %s, want %s", k, got, typ)
		}
	}
	lat, _ := m["latency_ms"].(map[string]any)
	for _, k := range []string{"min", "mean", "p50", "p90", "p99", "p99_9", "max"} {
		if jsonType(lat[k]) != "number" {
			t.Errorf("latency_ms.%s missing", k)
		}
	}
	if m["requests"] != 30.0 || m["errors"] != 10.0 || m["ok"] != 20.0 {
		t.Errorf("counts: requests %v ok %v errors %v, want 30/20/10", m["requests"], m["ok"], m["errors"])
	}
	if st, _ := m["errors_by_status"].(map[string]any); st["503"] != 10.0 {
		t.Errorf("errors_by_status %v, want 503: 10", st)
	}
	if k, _ := m["errors_by_kind"].(map[string]any); k["overloaded"] != 10.0 {
		t.Errorf("errors_by_kind %v, want overloaded: 10", k)
	}
	if m["transport"] != "http" || m["mode"] != "closed" || m["name"] != "hit" {
		t.Errorf("labels %v %v %v", m["transport"], m["mode"], m["name"])
	}
}

// problemEvery answers every nth request with an overloaded 503.
func problemEvery(n int) fasthttp.RequestHandler {
	var i atomic.Int64
	return func(c *fasthttp.RequestCtx) {
		if i.Add(1)%int64(n) == 0 {
			c.SetStatusCode(503)
			c.SetBodyString(`{"kind":"overloaded","status":503}`)
			return
		}
		c.SetBodyString("{}")
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case map[string]any:
		return "object"
	case nil:
		return "missing"
	}
	return "other"
}

// TestMaxErrorRate: a run fails only when its share of failures is over --max-error-rate; one
// exactly at it passes, and 1 passes everything.
func TestMaxErrorRate(t *testing.T) {
	tests := []struct {
		name     string
		failures int64 // of 100 requests
		max      float64
		wantErr  string
	}{
		{"healthy", 0, 0.01, ""},
		{"exactly at the limit", 1, 0.01, ""},
		{"over the limit", 2, 0.01, "load: 2 of 100 requests failed (2.0%), over --max-error-rate 1.0%"},
		{"none allowed, none failed", 0, 0, ""},
		{"none allowed, one failed", 1, 0, "load: 1 of 100 requests failed (1.0%), over --max-error-rate 0.0%"},
		{"half at a half", 50, 0.5, ""},
		{"off, all failed", 100, 1, ""},
		{"all failed", 100, 0.99, "load: 100 of 100 requests failed (100.0%), over --max-error-rate 99.0%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, failFirst(tc.failures))
			s := run(t, cfg(srv.URL, func(c *load.Config) { c.Requests, c.MaxErrorRate = 100, tc.max }))
			if s.Requests != 100 || s.Errors != tc.failures {
				t.Fatalf("requests %d errors %d, want 100 and %d", s.Requests, s.Errors, tc.failures)
			}
			err := s.Check()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("run failed: %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestNothingCompletedFails: a run that completed no request has nothing to vouch for it.
func TestNothingCompletedFails(t *testing.T) {
	srv := startServer(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s, err := load.Run(ctx, cfg(srv.URL, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); s.Requests != 0 || err == nil || !strings.Contains(err.Error(), "no request completed") {
		t.Errorf("requests %d, check %v; want 0 and a failure", s.Requests, err)
	}
}

// TestRefusedTargetSaysWhy: against a port nothing listens on, every request fails at once;
// the run names the target and the cause on its progress writer, once, and fails its check.
func TestRefusedTargetSaysWhy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "http://" + ln.Addr().String() + "/v1/search"
	ln.Close()
	var log bytes.Buffer
	s, err := load.Run(t.Context(), cfg(target, func(c *load.Config) { c.Requests = 200 }), &log)
	if err != nil {
		t.Fatal(err)
	}
	if s.Errors != 200 || s.ErrorsByKind[load.KindRefused] != 200 {
		t.Fatalf("errors %d by kind %v, want 200 refused", s.Errors, s.ErrorsByKind)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "first failure: "+target+": ") || !strings.Contains(lines[0], "connection refused") {
		t.Errorf("log, want one line naming %s and the refusal:\n%s", target, log.String())
	}
	want := "load: 200 of 200 requests failed (100.0%), over --max-error-rate 1.0%"
	if err := s.Check(); err == nil || err.Error() != want {
		t.Errorf("check %v, want %q", err, want)
	}
}

// failFirst answers the first n requests with a 500 and the rest with a 200, so a run's
// failures are exactly n whatever the order the workers send in.
func failFirst(n int64) fasthttp.RequestHandler {
	var i atomic.Int64
	return func(c *fasthttp.RequestCtx) {
		if i.Add(1) <= n {
			c.Error("boom", 500)
			return
		}
		c.SetBodyString("{}")
	}
}
