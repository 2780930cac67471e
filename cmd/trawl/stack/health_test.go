package stack_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// TestLayoutDriftAlarm is issue 19's run: 1,000 distinct searches of Mojeek, whose simulated
// pages turn into a soft block (its results page with no results and no no-results notice) from
// request 200 to request 600. With --health-suspect-run 5 and the default --degraded-answer
// (empty: these soft-block pages have no results), at most
// 4 empty 200s are served before mojeek is degraded, the rest of the drift answers 502
// degraded, /v1/engines says why, the alarm clears once the layout is back, and the real
// no-results queries sprinkled through the run never raise it. Every stage runs under its own
// NATS user, so the engine health bucket's permissions are held here too.
func TestLayoutDriftAlarm(t *testing.T) {
	const run, total, driftFrom, driftTo = 5, 1000, 200, 600
	e := start(t, func(c *stack.Config) {
		c.Parser.SuspectRun = run
	}, func(c *sim.Config) {
		c.Latency = 0
		c.Drift, c.DriftFrom = sim.DriftSoftBlock, driftFrom
	})
	engineStatus := func() (string, string) {
		r := e.get(t, "/v1/engines")
		var list struct {
			Engines []struct{ Name, Status, Reason string }
		}
		if r.status != 200 || json.Unmarshal(r.body, &list) != nil {
			t.Fatalf("engines: %d %s", r.status, r.body)
		}
		for _, en := range list.Engines {
			if en.Name == "mojeek" {
				return en.Status, en.Reason
			}
		}
		t.Fatal("no mojeek in /v1/engines")
		return "", ""
	}
	emptyOK, degraded, genuine, degradedAt := 0, 0, 0, 0
	for i := 1; i <= total; i++ {
		if i == driftTo {
			e.sim.SetConfig(func(c *sim.Config) { c.Drift = "" })
		}
		q := fmt.Sprintf("drift run %d", i)
		if i%50 == 0 {
			q = fmt.Sprintf("noresults %d", i) // a real no-results query
		}
		r := e.get(t, "/v1/search?engine=mojeek&q="+url.QueryEscape(q))
		switch {
		case r.status == 200:
			var resp struct {
				Organic []json.RawMessage `json:"organic_results"`
			}
			json.Unmarshal(r.body, &resp)
			if len(resp.Organic) == 0 {
				if i%50 == 0 {
					genuine++
				} else {
					emptyOK++
				}
			}
		case r.status == 502 && json.Valid(r.body):
			var p schemas.Error
			json.Unmarshal(r.body, &p)
			if p.Kind != schemas.TypeDegraded {
				t.Fatalf("request %d: 502 %s", i, r.body)
			}
			degraded++
			if degradedAt == 0 {
				degradedAt = i
				// The ingress reads the parsers' bucket every 500 ms.
				testkit.Eventually(t, 2*time.Second, func() bool {
					st, reason := engineStatus()
					return st == schemas.EngineDegraded && reason != ""
				}, "/v1/engines says mojeek is degraded, with the reason, after the first 502 degraded")
			}
		default:
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		if i == driftFrom-1 {
			if st, _ := engineStatus(); st != schemas.EngineOK {
				t.Fatalf("before the drift mojeek is %q", st)
			}
		}
	}
	t.Logf("empty 200s %d, 502 degraded %d (first at request %d), genuine no-results %d", emptyOK, degraded, degradedAt, genuine)
	if emptyOK > run-1 {
		t.Errorf("%d empty 200s served during the drift, want at most %d", emptyOK, run-1)
	}
	if degradedAt == 0 || degradedAt > driftFrom+run+1 {
		t.Errorf("first 502 degraded at request %d, want within the run after %d", degradedAt, driftFrom)
	}
	if genuine != total/50 {
		t.Errorf("%d genuine no-results answers, want %d", genuine, total/50)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		st, _ := engineStatus()
		return st == schemas.EngineOK
	}, "the alarm clears once the layout is back")
}
