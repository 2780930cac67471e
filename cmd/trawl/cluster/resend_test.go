package cluster

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nuid"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// TestResendJoinsTheFlight: a search slower than --resend-after is sent again while its fetch
// is under way, and the resends, on whichever cache replica they reach, join that fetch
// (through the replicas' Redis lock): one upstream fetch, one answer.
func TestResendJoinsTheFlight(t *testing.T) {
	ns := testkit.StartNATS(t)
	rd := testkit.StartRedis(t)
	sc := sim.DefaultConfig()
	sc.Latency = 1500 * time.Millisecond
	sm := testkit.StartSim(t, sc)

	cfg := stack.DefaultConfig()
	cfg.Ingress.ResendAfter = 200 * time.Millisecond
	b := newBench(t, ns.ClientURL(), rd.URL, "duckduckgo="+sm.URL(), cfg)
	for _, s := range []struct {
		k    stageKind
		name string
	}{
		{kindParser, "parser-1"}, {kindFetcher, "fetcher-1"},
		{kindCache, "cache-1"}, {kindCache, "cache-2"}, {kindIngress, "ingress-1"},
	} {
		b.start(s.k, s.name)
	}
	addr := b.get("ingress-1").addr
	warm(t, addr)

	jobs := func() float64 {
		return b.counter("fetcher", "trawl_fetcher_jobs_total", map[string]string{"outcome": "ok"})
	}
	resends := func() float64 { return b.counter("ingress", "trawl_ingress_resends_total", nil) }
	jobs0, resends0 := jobs(), resends()
	resp, err := http.Get("http://" + addr + "/v1/search?engine=duckduckgo&q=resend+" + nuid.Next())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	// 1.5s upstream, resends after 0.2 and 0.6s (and 1.4s): at least two.
	if n := resends() - resends0; n < 2 {
		t.Errorf("%v resends, want at least 2 (the search took 1.5s, --resend-after 200ms)", n)
	}
	if n := jobs() - jobs0; n != 1 {
		t.Errorf("%v fetches for one search and its resends, want 1", n)
	}
}
