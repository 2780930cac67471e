package ingress

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

const dialectKeys = `{"tenants":[{"name":"acme","keys":["acme-key"]},{"name":"tiny","keys":["tiny-key"],"daily_quota":1}]}`

// startDialects is an ingress with keys against a fake cache whose searches fail with the
// kind a query "err-<kind>" names.
func startDialects(t *testing.T) *testIngress {
	t.Helper()
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, func(req micro.Request) {
		var r schemas.SearchRequest
		json.Unmarshal(req.Data(), &r)
		if kind, ok := strings.CutPrefix(r.Q, "err-"); ok {
			e := schemas.NewError(kind, "made to fail")
			req.Error(e.Code(), e.Title, e.JSON())
			return
		}
		respondHit(req)
	})
	return startIngress(t, ns, ingressOpts{keys: dialectKeys})
}

func TestDialectRoutes(t *testing.T) {
	in := startDialects(t)
	key := map[string]string{"X-API-Key": "acme-key"}
	tests := []struct {
		name, method, path, body string
		hdr                      map[string]string
		status                   int
		has                      string // a substring the body must hold
		hasNot                   string
	}{
		{"serpapi search", "GET", "/search.json?engine=google&q=golang&api_key=acme-key", "", nil, 200, `"organic_results":[{"position":1`, "acme-key"},
		{"serpapi bare /search", "GET", "/search?q=golang&api_key=acme-key", "", nil, 200, `"search_parameters":{`, "acme-key"},
		{"serpapi prefix", "GET", "/serpapi/search?engine=bing&q=golang&api_key=acme-key", "", nil, 200, `"json_endpoint":"http://`, ""},
		{"serpapi header key", "GET", "/search.json?q=golang", "", key, 200, `"status":"Success"`, ""},
		{"serpapi no key", "GET", "/search.json?q=golang", "", nil, 401, `{"error":"Invalid API key.`, ""},
		{"serpapi wrong key", "GET", "/search.json?q=golang&api_key=nope", "", nil, 401, `"error"`, "nope"},
		{"serpapi quota", "GET", "/search.json?q=golang&api_key=tiny-key", "", nil, 200, "", ""},
		{"serpapi quota used", "GET", "/search.json?q=golang&api_key=tiny-key", "", nil, 429, `"error":"the daily quota`, ""},
		{"serpapi no q", "GET", "/search.json?engine=google&api_key=acme-key", "", nil, 400, "Missing query `q` parameter.", ""},
		{"serpapi upstream", "GET", "/search.json?q=err-blocked&api_key=acme-key", "", nil, 502, `"error":"made to fail"`, ""},
		{"serpapi archive bad id", "GET", "/searches/ABC.json?api_key=acme-key", "", nil, 400, `"error"`, ""},
		{"serpapi archive unknown id", "GET", "/searches/ABCDEFGHIJKLMNOPQRSTUVWXYZ.json?api_key=acme-key", "", nil, 404, `"error"`, ""},
		{"serpapi account", "GET", "/account?api_key=acme-key", "", nil, 200, `"account_id":"acme"`, "acme-key"},
		{"serpapi account no key", "GET", "/account.json", "", nil, 401, `"error"`, ""},
		{"serpapi method", "DELETE", "/search.json?q=x", "", key, 405, `"error"`, ""},
		{"searxng get", "GET", "/searxng/search?q=golang&format=json&engines=duckduckgo", "", key, 200, `"results":[{"url":"`, ""},
		{"searxng bare /search", "GET", "/search?q=golang&format=json&engines=duckduckgo", "", key, 200, `"unresponsive_engines":[]`, ""},
		{"searxng post form", "POST", "/searxng/", "q=golang&format=json&engines=duckduckgo", map[string]string{"X-API-Key": "acme-key", "Content-Type": "application/x-www-form-urlencoded"}, 200, `"query":"golang"`, ""},
		{"searxng post empty body", "POST", "/searxng/search?q=golang&format=json&engines=duckduckgo", "", map[string]string{"X-API-Key": "acme-key", "Content-Type": "application/json"}, 200, `"results":[{`, ""},
		{"searxng engine blocked", "GET", "/searxng/search?q=err-blocked&format=json&engines=google", "", key, 200, `"unresponsive_engines":[["google","CAPTCHA"]]`, ""},
		{"searxng no key", "GET", "/searxng/search?q=golang&format=json", "", nil, 401, `"error"`, ""},
		{"searxng bad format", "GET", "/searxng/search?q=golang&format=yaml", "", key, 400, `"error":"format: must be json, csv or rss"`, ""},
		{"searxng config", "GET", "/searxng/config", "", nil, 200, `"categories":["general"]`, ""},
		{"searxng unknown path", "GET", "/searxng/stats", "", nil, 404, `"error"`, ""},
		{"firecrawl scrape", "POST", "/firecrawl/v1/scrape", `{"url":"https://example.com/a"}`, map[string]string{"Authorization": "Bearer acme-key"}, 200, `{"success":true,"data":{"markdown":"# Hello"`, ""},
		{"firecrawl v2 scrape", "POST", "/firecrawl/v2/scrape", `{"url":"https://example.com/a","formats":[{"type":"markdown"}]}`, map[string]string{"Authorization": "Bearer acme-key"}, 200, `"sourceURL":"https://example.com/a"`, ""},
		{"firecrawl v1 search", "POST", "/firecrawl/v1/search", `{"query":"golang","limit":1}`, map[string]string{"Authorization": "Bearer acme-key"}, 200, `{"success":true,"data":[{"url":`, ""},
		{"firecrawl v2 search", "POST", "/firecrawl/v2/search", `{"query":"golang"}`, map[string]string{"Authorization": "Bearer acme-key"}, 200, `{"success":true,"data":{"web":[{"url":`, ""},
		{"firecrawl bad body", "POST", "/firecrawl/v2/scrape", `{"formats":["markdown"]}`, map[string]string{"Authorization": "Bearer acme-key"}, 400, `{"success":false,"error":"url: Required"`, ""},
		{"firecrawl no key", "POST", "/firecrawl/v2/scrape", `{"url":"https://example.com/a"}`, nil, 401, `"success":false`, ""},
		{"firecrawl target", "POST", "/firecrawl/v2/scrape", `{"url":"file:///etc/passwd"}`, map[string]string{"Authorization": "Bearer acme-key"}, 400, `"code":"forbidden_target"`, ""},
		{"firecrawl GET", "GET", "/firecrawl/v2/scrape", "", nil, 405, `"success":false`, ""},
		{"firecrawl unknown", "POST", "/firecrawl/v1/crawl", `{}`, nil, 404, `"success":false`, ""},
	}
	for _, tc := range tests {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		resp, b := send(t, tc.method, in.url+tc.path, body, tc.hdr)
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.has) || (tc.hasNot != "" && strings.Contains(string(b), tc.hasNot)) {
			t.Errorf("%s: %d %s (want %d holding %q)", tc.name, resp.StatusCode, b, tc.status, tc.has)
		}
	}
}

// TestMCPOverHTTP drives /mcp with the Go SDK's own client through the fasthttp adaptor.
func TestMCPOverHTTP(t *testing.T) {
	in := startDialects(t)
	connect := func(key string) *sdk.ClientSession {
		c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
		hc := &http.Client{Transport: headerTransport{key}}
		s, err := c.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: in.url + "/mcp", HTTPClient: hc}, nil)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s := connect("acme-key")
	tools, err := s.ListTools(context.Background(), nil)
	if err != nil || len(tools.Tools) != 3 {
		t.Fatalf("tools: %v %v", tools, err)
	}
	r, err := s.CallTool(context.Background(), &sdk.CallToolParams{Name: "search", Arguments: map[string]any{"q": "golang"}})
	if err != nil || r.IsError {
		t.Fatalf("search: %+v %v", r, err)
	}
	if sc, _ := json.Marshal(r.StructuredContent); !strings.Contains(string(sc), `"organic_results"`) {
		t.Fatalf("structured: %s", sc)
	}
	r, err = s.CallTool(context.Background(), &sdk.CallToolParams{Name: "scrape", Arguments: map[string]any{"url": "https://example.com/a"}})
	if err != nil || r.IsError || !strings.Contains(r.Content[0].(*sdk.TextContent).Text, "# Hello") {
		t.Fatalf("scrape: %+v %v", r, err)
	}
	r, _ = connect("wrong").CallTool(context.Background(), &sdk.CallToolParams{Name: "search", Arguments: map[string]any{"q": "golang"}})
	if !r.IsError || !strings.Contains(r.Content[0].(*sdk.TextContent).Text, "401 unauthorized") {
		t.Fatalf("wrong key: %+v", r)
	}
}

type headerTransport struct{ key string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+h.key)
	return http.DefaultTransport.RoundTrip(r)
}

// TestMCPRebinding: under open access, /mcp refuses a request that reached a loopback
// address naming another host (a web page's DNS rebinding), as the MCP SDK does on net/http.
func TestMCPRebinding(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{})
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)
	hdr := map[string]string{"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
	if resp, b := send(t, "POST", in.url+"/mcp", body, hdr); resp.StatusCode != 200 {
		t.Fatalf("loopback host: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest("POST", in.url+"/mcp", strings.NewReader(string(body)))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.Host = "rebound.example"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("rebound host: %d, want 403", resp.StatusCode)
	}
}
