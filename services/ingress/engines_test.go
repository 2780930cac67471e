package ingress

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestEnginesListVerticals: /v1/engines says which type= values each engine answers, in the
// shape its JSON Schema and the OpenAPI document give.
func TestEnginesListVerticals(t *testing.T) {
	ns := testkit.StartNATS(t)
	in := startIngress(t, ns, ingressOpts{})
	resp, b := send(t, "GET", in.url+"/v1/engines", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("engines: %d %s", resp.StatusCode, b)
	}
	testkit.ValidateJSON(t, "engine_list", b)
	var list schemas.EngineList
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, e := range list.Engines {
		got[e.Name] = e.Verticals
	}
	all := []string{schemas.VerticalWeb, schemas.VerticalNews, schemas.VerticalImages}
	for name, want := range map[string][]string{
		"duckduckgo": all, "bing": all, "google": all, "brave": all,
		"mojeek": {schemas.VerticalWeb}, "wikipedia": {schemas.VerticalWeb},
	} {
		if !slices.Equal(got[name], want) {
			t.Errorf("%s verticals %q, want %q", name, got[name], want)
		}
	}
}
