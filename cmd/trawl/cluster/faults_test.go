package cluster

import (
	"context"
	"flag"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nuid"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
	"github.com/trawl-dev/trawl/testkit/sim"
)

var (
	full      = flag.Bool("full", false, "TestClusterFaults: the full run (longer phases, more load)")
	phaseReqs = flag.Int("phase-requests", 0, "TestClusterFaults: requests per phase (default 60, 500 with -full)")
	rate      = flag.Float64("rate", 0, "TestClusterFaults: requests per second across both ingresses (default 40, 50 with -full)")
	report    = flag.String("report", "", "TestClusterFaults: also write the result table (markdown) to this file")
)

// TestClusterFaults runs the whole pipeline twice over on a three-node JetStream cluster under
// steady load through both ingresses, and kills then restarts one NATS node (the one leading
// TRAWL_FETCH), one fetcher and one cache replica in turn. Every request must be answered:
// none may be lost, and with a fault-free engine none may fail.
func TestClusterFaults(t *testing.T) {
	perPhase, rps := 60, 40.0
	if *full {
		perPhase, rps = 500, 50
	}
	if *phaseReqs > 0 {
		perPhase = *phaseReqs
	}
	if *rate > 0 {
		rps = *rate
	}

	c := startCluster(t, 3)
	rd := testkit.StartRedis(t)
	sm := testkit.StartSim(t, sim.DefaultConfig())

	cfg := stack.DefaultConfig()
	cfg.Streams.Replicas = 3
	cfg.Fetcher.Concurrency = 16
	// A killed fetcher's jobs come back after the ack wait: keep it well inside the deadline.
	cfg.Fetcher.AckWait = 2 * time.Second
	b := newBench(t, c.URLs(), rd.URL, "duckduckgo="+sm.URL(), cfg)
	for _, s := range []struct {
		k    stageKind
		name string
	}{
		{kindParser, "parser-1"}, {kindParser, "parser-2"},
		{kindFetcher, "fetcher-1"}, {kindFetcher, "fetcher-2"},
		{kindCache, "cache-1"}, {kindCache, "cache-2"},
		{kindIngress, "ingress-1"}, {kindIngress, "ingress-2"},
	} {
		b.start(s.k, s.name)
	}
	ingresses := []string{b.get("ingress-1").addr, b.get("ingress-2").addr}
	for _, addr := range ingresses {
		warm(t, addr)
	}

	load := newLoad(rps, 30*time.Second, "cluster "+nuid.Next(), func() []string { return ingresses })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { load.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	var target int64
	next := func(phase string) {
		t.Helper()
		target += int64(perPhase)
		testkit.Eventually(t, time.Duration(float64(perPhase)/rps*float64(time.Second))*4+10*time.Second,
			func() bool { return load.sent.Load() >= target }, "load stalled in phase %q", phase)
	}

	next("baseline")
	probe, err := kit.Connect(c.URLs(), "probe", kit.Discard())
	if err != nil {
		t.Fatal(err)
	}
	leader := streamLeader(t, probe, schemas.StreamFetch)
	probe.Close()
	victim := c.index(leader)

	c.kill(victim)
	load.mark("NATS " + leader + " (TRAWL_FETCH leader) down")
	next("nats down")
	c.start(victim)
	load.mark("NATS " + leader + " back")
	c.waitCurrent(schemas.StreamFetch, schemas.StreamParse)
	next("nats back")

	b.kill("fetcher-1")
	load.mark("fetcher-1 killed")
	next("fetcher down")
	b.start(kindFetcher, "fetcher-1b")
	load.mark("fetcher restarted")
	next("fetcher back")

	b.kill("cache-1")
	load.mark("cache-1 killed")
	next("cache down")
	b.start(kindCache, "cache-1b")
	load.mark("cache restarted")
	next("cache back")

	cancel()
	<-done
	total, phases := load.stats()
	tbl := table(total, phases)
	t.Logf("rate %.0f/s, %d requests per phase, every request a cache miss\n%s", rps, perPhase, tbl)
	if *report != "" {
		if err := os.WriteFile(*report, []byte(tbl), 0o644); err != nil {
			t.Error(err)
		}
	}
	if total.sent < int(target) {
		t.Errorf("sent %d, want at least %d", total.sent, target)
	}
	if total.lost != 0 {
		t.Errorf("%d of %d requests lost (no answer at all); first errors: %q", total.lost, total.sent, load.lostErrors(5))
	}
	if total.answered != total.sent {
		t.Errorf("answered %d of %d: the engine is fault-free, so every failure is the pipeline's (%v)",
			total.answered, total.sent, total.failures)
	}
}

// warm waits until the ingress answers a search, so the load starts on a ready pipeline.
func warm(t *testing.T, addr string) {
	t.Helper()
	testkit.Eventually(t, 30*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/v1/search?engine=duckduckgo&q=warm+" + nuid.Next())
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "ingress %s does not answer searches", addr)
}
