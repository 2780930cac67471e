package ingress

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/kit/enginehealth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestEnginesDegraded: /v1/engines shows the silent-empty alarm's status as the parsers write
// it to the shared bucket (a parser's board plays them here): degraded with the rule, the
// reason and the suspect page, not healthy; ok again once a run of healthy pages clears it.
func TestEnginesDegraded(t *testing.T) {
	ns := testkit.StartNATS(t)
	js, err := jetstream.New(testkit.Connect(t, ns))
	if err != nil {
		t.Fatal(err)
	}
	parser := enginehealth.New(js, schemas.DefaultStreamLimits(), enginehealth.Options{Create: true, Engines: []string{"google"}})
	parser.Start(t.Context())
	t.Cleanup(parser.Stop)
	in := startIngress(t, ns, ingressOpts{})
	get := func() (map[string]schemas.EngineInfo, string) {
		resp, b := send(t, "GET", in.url+"/v1/engines", nil, nil)
		var list struct {
			Engines      []schemas.EngineInfo
			EngineHealth string `json:"engine_health"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &list) != nil {
			t.Fatalf("engines: %d %s", resp.StatusCode, b)
		}
		out := map[string]schemas.EngineInfo{}
		for _, e := range list.Engines {
			out[e.Name] = e
		}
		return out, list.EngineHealth
	}
	if e, shared := get(); e["google"].Status != schemas.EngineOK || shared != "shared" {
		t.Fatalf("before any page: %+v, engine_health %q", e["google"], shared)
	}
	rules := enginehealth.Rules{Run: 2}
	for range 2 {
		parser.Record(context.Background(), "google", enginehealth.Verdict{Suspect: true, Rule: schemas.SuspectFields,
			Reason: "0% of results have title, URL and snippet; usually 98%", PageID: "PAGEPAGEPAGEPAGE0001"}, rules)
	}
	testkit.Eventually(t, 2*time.Second, func() bool {
		e, _ := get()
		return e["google"].Status == schemas.EngineDegraded
	}, "google degraded in /v1/engines")
	e, _ := get()
	if g := e["google"]; g.Healthy || g.Rule != schemas.SuspectFields || g.Reason == "" || g.PageID != "PAGEPAGEPAGEPAGE0001" || g.Since == nil || g.Run != 2 {
		t.Errorf("degraded google: %+v", g)
	}
	if b := e["bing"]; b.Status != schemas.EngineOK || b.Since != nil {
		t.Errorf("bing: %+v", b)
	}
	for range 2 {
		parser.Record(context.Background(), "google", enginehealth.Verdict{}, rules)
	}
	testkit.Eventually(t, 2*time.Second, func() bool {
		e, _ := get()
		return e["google"].Status == schemas.EngineOK && e["google"].Reason == ""
	}, "google ok again")
}
