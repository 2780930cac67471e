package reliability_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/cmd/trawl/reliability"
	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// TestShortReliabilityRun is the reliability run in small: the faults and proxy list,
// a second fetcher killed halfway; nothing lost, nothing late, no empty 200, 99% answered.
func TestShortReliabilityRun(t *testing.T) {
	if testing.Short() {
		t.Skip("reliability run skipped in -short mode")
	}
	o := reliability.DefaultOptions()
	o.Requests, o.Concurrency, o.WarmUp = 300, 32, 100
	o.Sim.Seed = 7
	o.Stack = func(c *stack.Config) {
		// Shorter hangs keep the test in seconds; the full run uses the defaults.
		c.Fetcher.AttemptTimeout = 2 * time.Second
		// The simulated faults fail about half of all attempts, independently (attempts by
		// result in the report: 302 of 620). At the default 20 attempts before a breaker may
		// open at 80% failed, a fetcher's first attempts reach 16 failures of 20 by chance
		// about once in two hundred windows, and the run's start has several: once in about
		// ten CI runs a breaker opened and 248 of 300 requests failed fast with circuit_open.
		// At 60, 48 failures of 60 is a one-in-a-million draw; a real outage still opens it.
		c.Fetcher.BreakerMinRequests = 60
	}
	rep, err := reliability.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	rep.Print(testWriter{t})
	if missed := rep.Missed(reliability.Targets{MinSuccess: 0.99}); len(missed) > 0 {
		t.Errorf("targets missed: %v", missed)
	}
	if rep.KilledAt == 0 {
		t.Error("no fetcher was killed")
	}
	if rep.Faults["5xx"] == 0 || rep.Faults["429"] == 0 || rep.Faults["captcha"] == 0 {
		t.Errorf("faults not injected: %v", rep.Faults)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// An engine that is fully down fails fast through the whole stack: 503 circuit_open with a
// Retry-After, without reaching the engine; once it is back, searches succeed again by
// themselves.
func TestEngineDownFailsFastAndRecovers(t *testing.T) {
	sc := sim.DefaultConfig()
	sc.Latency = time.Millisecond
	sc.Error5xx = 1
	s := testkit.StartSim(t, sc)
	cfg := stack.DefaultConfig()
	cfg.NATSListen = "off"
	cfg.NATSStoreDir = t.TempDir()
	cfg.Streams.Memory = true
	cfg.Ingress.HTTPAddr = "127.0.0.1:0"
	cfg.EngineURLs = "duckduckgo=" + s.URL()
	cfg.Fetcher.BreakerMinRequests = 10
	cfg.Fetcher.BreakerOpenFor = time.Second
	cfg.Fetcher.Backoff, cfg.Fetcher.MaxBackoff = time.Millisecond, 5*time.Millisecond
	st, err := stack.Start(t.Context(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	base := "http://" + st.HTTPAddr() + "/v1/search?q="

	n := 0
	search := func() (*http.Response, schemas.Error) {
		t.Helper()
		n++
		resp, err := http.Get(base + "down" + strconv.Itoa(n))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var p schemas.Error
		json.Unmarshal(body, &p)
		return resp, p
	}
	var open *http.Response
	for range 10 {
		resp, p := search()
		if resp.StatusCode == 200 {
			t.Fatal("200 from an engine that only fails")
		}
		if p.Kind == schemas.TypeCircuitOpen {
			open = resp
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || p.RetryAfterMS <= 0 {
				t.Errorf("circuit open answer: %d Retry-After %q, problem %+v", resp.StatusCode, resp.Header.Get("Retry-After"), p)
			}
			break
		}
	}
	if open == nil {
		t.Fatal("no 503 circuit_open after 10 failing searches")
	}
	before := s.Requests()
	if resp, p := search(); resp.StatusCode != 503 || p.Kind != schemas.TypeCircuitOpen {
		t.Fatalf("while open: %d %s", resp.StatusCode, p.Kind)
	}
	if s.Requests() != before {
		t.Error("the engine was asked while its breaker was open")
	}
	s.SetConfig(func(c *sim.Config) { c.Error5xx = 0 })
	testkit.Eventually(t, 15*time.Second, func() bool {
		resp, _ := search()
		return resp.StatusCode == 200
	}, "searches did not recover once the engine was back")
}
