package cache

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestAskInMemory: a cache offers itself at the handoff point once started and withdraws at
// Stop; a search handed over in memory is answered as one over NATS is (a miss, then a hit
// for either way of asking, from the one store), a bad one with the same typed error, a subject
// it does not serve is left to NATS, and a stopped cache refuses as a stopping replica does.
func TestAskInMemory(t *testing.T) {
	r := startRig(t, 5*time.Millisecond)
	var point handoff.Point
	s, err := New(testConfig(), Deps{NC: testkit.Connect(t, r.ns), Store: NewMemory(16 << 20), Engines: engines.Default(),
		Streams: r.streams, Log: logger(t), Metrics: prometheus.NewRegistry(), Handoff: &point})
	if err != nil {
		t.Fatal(err)
	}
	if point.Cache() != nil {
		t.Fatal("offered before Start")
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	c := point.Cache()
	if c == nil {
		t.Fatal("a started cache is not offered")
	}

	ask := func(subject, body string) (*nats.Msg, bool) {
		m := nats.NewMsg(subject)
		m.Data = []byte(body)
		m.Header.Set(schemas.HeaderDeadline, schemas.FormatDeadline(time.Now().Add(5*time.Second)))
		m.Header.Set(schemas.HeaderRequestID, "mem-1")
		return c.Ask(subject, m)
	}
	const body = `{"q":"in memory","engine":"duckduckgo"}`
	for _, want := range []string{stateMiss, stateHit} {
		reply, ok := ask(schemas.SubjectSearch, body)
		if !ok || reply == nil {
			t.Fatalf("search not answered in memory (ok %v)", ok)
		}
		var resp struct {
			Meta    schemas.SearchMetadata  `json:"search_metadata"`
			Organic []schemas.OrganicResult `json:"organic_results"`
		}
		if err := json.Unmarshal(reply.Data, &resp); err != nil || len(resp.Organic) == 0 {
			t.Fatalf("answer: %v: %.200s", err, reply.Data)
		}
		if got := reply.Header.Get(schemas.HeaderCache); got != want || resp.Meta.Cache != want || resp.Meta.RequestID != "mem-1" {
			t.Fatalf("Trawl-Cache %q, search_metadata.cache %q, request id %q; want %s", got, resp.Meta.Cache, resp.Meta.RequestID, want)
		}
	}
	if a := r.ask(body, 5*time.Second); a.err != nil || a.state != stateHit {
		t.Fatalf("the same search over NATS: %q %v, want a hit from the store the memory path filled", a.state, a.err)
	}

	reply, ok := ask(schemas.SubjectSearch, `{"q":""}`)
	if !ok || reply.Header.Get(schemas.HeaderErrorType) != schemas.TypeValidation {
		t.Fatalf("a bad search handed over: ok %v, %v %s", ok, reply.Header, reply.Data)
	}
	if _, ok := ask("trawl.v1.elsewhere", body); ok {
		t.Fatal("a subject the cache does not serve was answered in memory")
	}

	s.Stop()
	if point.Cache() != nil {
		t.Fatal("a stopped cache is still offered")
	}
	if reply, ok := ask(schemas.SubjectSearch, body); !ok || reply.Header.Get(schemas.HeaderErrorType) != schemas.TypeUnavailable {
		t.Fatalf("a stopped cache asked in memory: ok %v, %v", ok, reply.Header)
	}
}
