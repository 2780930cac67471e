package stack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// env is a running all-in-one with the simulated engine behind it.
type env struct {
	st   *stack.Stack
	sim  *sim.Server
	base string
}

func start(t *testing.T, mutate func(*stack.Config), simCfg func(*sim.Config)) *env {
	t.Helper()
	sc := sim.DefaultConfig()
	sc.Latency = 5 * time.Millisecond
	if simCfg != nil {
		simCfg(&sc)
	}
	s := testkit.StartSim(t, sc)
	cfg := stack.DefaultConfig()
	cfg.NATSListen = "127.0.0.1:0"
	cfg.NATSStoreDir = t.TempDir()
	cfg.Ingress.HTTPAddr = "127.0.0.1:0"
	cfg.EngineURLs = s.EngineURLs() // every engine on the simulator, as trawl demo does
	// Scrapes may reach the simulator's address and nothing else inside, as in trawl demo.
	cfg.Fetcher.ScrapeAllow = strings.TrimPrefix(s.URL(), "http://")
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &testkit.SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := stack.Start(t.Context(), cfg, log, nil)
	if err != nil {
		t.Fatalf("stack: %v", err)
	}
	t.Cleanup(func() {
		st.Close()
		// Every stack test is also a test of the stages' NATS permissions (kit/natsauth): a
		// stage refused a subject it needs shows up here.
		if l := logs.String(); strings.Contains(strings.ToLower(l), "permissions violation") {
			t.Errorf("a stage was refused a subject it uses:\n%s", l)
		}
	})
	return &env{st: st, sim: s, base: "http://" + st.HTTPAddr()}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) get(t *testing.T, pathAndQuery string) reply {
	t.Helper()
	resp, err := http.Get(e.base + pathAndQuery)
	if err != nil {
		t.Fatalf("GET %s: %v", pathAndQuery, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", pathAndQuery, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func (e *env) post(t *testing.T, path, body string) reply {
	t.Helper()
	resp, err := http.Post(e.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading body: %v", path, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func decodeResponse(t *testing.T, b []byte) schemas.SearchResponse {
	t.Helper()
	testkit.ValidateJSON(t, "search_response", b)
	var r schemas.SearchResponse
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("response does not decode strictly: %v\n%s", err, b)
	}
	return r
}

func decodeProblem(t *testing.T, rp reply) schemas.Error {
	t.Helper()
	if ct := rp.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, rp.body)
	}
	testkit.ValidateJSON(t, "problem", rp.body)
	var p schemas.Error
	if err := json.Unmarshal(rp.body, &p); err != nil {
		t.Fatalf("problem body: %v\n%s", err, rp.body)
	}
	if p.Status != rp.status || p.Type == "" || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d", p, rp.status)
	}
	return p
}

// TestSearchEndToEnd drives HTTP → NATS → cache → JetStream → fetcher → sim → parser → reply,
// with each cache backend, and checks the repeat is a hit that never reaches the engine.
func TestSearchEndToEnd(t *testing.T) {
	backends := []struct {
		name  string
		redis bool
	}{{"memory", false}, {"redis", true}}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			var redisURL string
			if b.redis {
				redisURL = testkit.StartRedis(t).URL
			}
			e := start(t, func(c *stack.Config) { c.Common.RedisURL = redisURL }, nil)

			first := e.get(t, "/v1/search?q=golang+nats&engine=duckduckgo")
			if first.status != 200 {
				t.Fatalf("status %d: %s", first.status, first.body)
			}
			if got := first.header.Get("X-Cache"); got != "MISS" {
				t.Errorf("X-Cache = %q, want MISS", got)
			}
			r := decodeResponse(t, first.body)
			if n := len(r.OrganicResults); n < 10 {
				t.Fatalf("%d organic results, want ≥ 10", n)
			}
			for i, o := range r.OrganicResults {
				if o.Position != i+1 || o.Title == "" || o.Snippet == "" {
					t.Errorf("result %d incomplete: %+v", i, o)
				}
				u, err := url.Parse(o.URL)
				if err != nil || u.Scheme != "https" || strings.Contains(u.Host, "duckduckgo.com") {
					t.Errorf("result %d url %q is not the unwrapped target", i, o.URL)
				}
			}
			if len(r.Ads) != 1 {
				t.Errorf("%d ads, want the sim's 1 kept apart from organic", len(r.Ads))
			}
			md := r.SearchMetadata
			if md.Cache != "miss" || md.Engine != "duckduckgo" || md.ID == "" || md.Status != "Success" || md.TimingsMS.Fetch <= 0 {
				t.Errorf("metadata %+v", md)
			}
			if r.SearchParameters.Q != "golang nats" || r.Pagination.Current != 1 || r.Pagination.Next != 2 {
				t.Errorf("parameters %+v pagination %+v", r.SearchParameters, r.Pagination)
			}
			upstream := e.sim.Requests()

			// Equivalent spelling: same key, so a hit.
			again := e.get(t, "/v1/search?engine=duckduckgo&q=GOLANG%20%20nats")
			if again.status != 200 || again.header.Get("X-Cache") != "HIT" {
				t.Fatalf("repeat: status %d X-Cache %q", again.status, again.header.Get("X-Cache"))
			}
			r2 := decodeResponse(t, again.body)
			if r2.SearchMetadata.Cache != "hit" || r2.SearchMetadata.ID == md.ID || r2.SearchMetadata.PageID != md.PageID || len(r2.OrganicResults) != len(r.OrganicResults) {
				t.Errorf("hit metadata %+v", r2.SearchMetadata)
			}
			if got := e.sim.Requests(); got != upstream {
				t.Errorf("the hit reached the engine: %d requests, want %d", got, upstream)
			}

			// Page 2 is its own entry, and the engine's offset reaches the right page.
			p2 := e.get(t, "/v1/search?q=golang+nats&page=2")
			r3 := decodeResponse(t, p2.body)
			if p2.status != 200 || p2.header.Get("X-Cache") != "MISS" || len(r3.OrganicResults) == 0 ||
				!strings.HasSuffix(r3.OrganicResults[0].Title, "#11") || r3.Pagination.Current != 2 {
				t.Errorf("page 2: status %d, X-Cache %q, first %+v", p2.status, p2.header.Get("X-Cache"), r3.OrganicResults)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	e := start(t, nil, nil)
	long := strings.Repeat("a", schemas.MaxQueryBytes+1)
	tests := []struct {
		name   string
		path   string
		status int
		kind   string
		field  string
	}{
		{"missing q", "/v1/search", 400, schemas.TypeValidation, "q"},
		{"empty q", "/v1/search?q=", 400, schemas.TypeValidation, "q"},
		{"oversize q", "/v1/search?q=" + long, 400, schemas.TypeValidation, "q"},
		{"page not a number", "/v1/search?q=x&page=two", 400, schemas.TypeValidation, "page"},
		{"page out of range", "/v1/search?q=x&page=51", 400, schemas.TypeValidation, "page"},
		{"unknown engine", "/v1/search?q=x&engine=altavista", 400, schemas.TypeValidation, "engine"},
		{"unknown parameter", "/v1/search?q=x&colour=red", 400, schemas.TypeValidation, "colour"},
		{"unknown path", "/v2/search?q=x", 404, schemas.TypeNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := e.get(t, tc.path)
			if rp.status != tc.status {
				t.Fatalf("status %d, want %d: %s", rp.status, tc.status, rp.body)
			}
			p := decodeProblem(t, rp)
			if p.Kind != tc.kind {
				t.Errorf("kind %q, want %q", p.Kind, tc.kind)
			}
			if tc.field != "" {
				found := false
				for _, fe := range p.Errors {
					found = found || fe.Field == tc.field
				}
				if !found {
					t.Errorf("errors %+v do not name %q", p.Errors, tc.field)
				}
			}
		})
	}
	if got := e.sim.Requests(); got != 0 {
		t.Errorf("invalid requests reached the engine %d times", got)
	}
}

// TestUpstreamFailure: an engine that only fails yields a typed 502, not a hang or a 200.
func TestUpstreamFailure(t *testing.T) {
	e := start(t, func(c *stack.Config) { c.Fetcher.MaxAttempts = 2 }, func(c *sim.Config) { c.Error5xx = 1 })
	rp := e.get(t, "/v1/search?q=down")
	if rp.status != 502 {
		t.Fatalf("status %d, want 502: %s", rp.status, rp.body)
	}
	if p := decodeProblem(t, rp); p.Kind != schemas.TypeUpstream || p.Engine != "duckduckgo" {
		t.Errorf("problem %+v", p)
	}
	// A CAPTCHA page is a failure too, never an empty success.
	e.sim.SetConfig(func(c *sim.Config) { c.Error5xx, c.CaptchaRate = 0, 1 })
	rp = e.get(t, "/v1/search?q=captcha")
	if rp.status == 200 {
		t.Fatalf("a CAPTCHA page answered 200: %s", rp.body)
	}
	if p := decodeProblem(t, rp); p.Kind != schemas.TypeBlocked {
		t.Errorf("CAPTCHA problem kind %q, want %q", p.Kind, schemas.TypeBlocked)
	}
}

// TestNATSContract: internal services skip HTTP and, as the client user, get the same answers
// on trawl.v1.search; every stage answers $SRV.PING on the embedded server's port (to the
// operator: a client sees nothing of the pipeline).
func TestNATSContract(t *testing.T) {
	e := start(t, nil, nil)
	if e.st.NATSURL() == "" {
		t.Fatal("embedded NATS is not listening")
	}
	nc, err := nats.Connect(e.st.UserURL(natsauth.UserClient))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	admin, err := nats.Connect(e.st.UserURL(natsauth.UserAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	m, err := nc.Request(schemas.SubjectSearch, []byte(`{"q":"golang","engine":"duckduckgo"}`), 10*time.Second)
	if err != nil {
		t.Fatalf("trawl.v1.search: %v", err)
	}
	if code := m.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		t.Fatalf("error reply %s: %s", code, m.Data)
	}
	r := decodeResponse(t, m.Data)
	if len(r.OrganicResults) < 10 || m.Header.Get(schemas.HeaderCache) != "miss" {
		t.Errorf("%d results, cache %q", len(r.OrganicResults), m.Header.Get(schemas.HeaderCache))
	}

	for _, bad := range []string{`{"q":`, `garbage`, `{"q":"x","bogus":1}`, `{"q":"x","page":"1"}`, ``} {
		m, err := nc.Request(schemas.SubjectSearch, []byte(bad), 5*time.Second)
		if err != nil {
			t.Fatalf("%q: no reply: %v", bad, err)
		}
		if code := m.Header.Get(schemas.HeaderServiceErrorCode); code != "400" {
			t.Errorf("%q: error code %q, want 400", bad, code)
		}
		var p schemas.Error
		if err := json.Unmarshal(m.Data, &p); err != nil || p.Kind != schemas.TypeValidation || len(p.Errors) == 0 {
			t.Errorf("%q: problem %s", bad, m.Data)
		}
	}

	if names := pingAll(t, nc, 1); len(names) > 0 {
		t.Errorf("the client user sees the pipeline's services: %v", names)
	}
	names := pingAll(t, admin, 4)
	for _, want := range []string{schemas.ServiceIngress, schemas.ServiceCache, schemas.ServiceFetcher, schemas.ServiceParser} {
		if !names[want] {
			t.Errorf("$SRV.PING: %s did not answer (got %v)", want, names)
		}
	}
}

// pingAll collects $SRV.PING answers until want distinct services answered or 5s passed.
func pingAll(t *testing.T, nc *nats.Conn, want int) map[string]bool {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest("$SRV.PING", inbox, nil); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(names) < want && time.Now().Before(deadline) {
		m, err := sub.NextMsg(time.Until(deadline))
		if err != nil {
			break
		}
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(m.Data, &p) == nil {
			names[p.Name] = true
		}
	}
	return names
}

func TestHealthAndReadiness(t *testing.T) {
	e := start(t, nil, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		testkit.Eventually(t, 5*time.Second, func() bool { return e.get(t, path).status == 200 }, "%s not 200", path)
	}
	rp := e.get(t, "/metrics")
	if rp.status != 200 || !strings.Contains(string(rp.body), "trawl_ingress_requests_total") {
		t.Errorf("/metrics: %d, %d bytes", rp.status, len(rp.body))
	}
	e.st.Close()
	if _, err := http.Get(e.base + "/healthz"); err == nil {
		t.Errorf("ingress still answering after Close")
	}
}

// TestMetasearch: engine=a,b fans out; an engine that fails is reported, not fatal.
func TestMetasearch(t *testing.T) {
	dead := "http://127.0.0.1:" + fmt.Sprint(testkit.FreePort(t))
	// bing points at a port nobody listens on: it fails fast.
	st := start(t, func(c *stack.Config) {
		c.Fetcher.MaxAttempts = 1
		c.EngineURLs += ",bing=" + dead
	}, nil)
	rp := st.get(t, "/v1/search?q=meta&engine=duckduckgo,bing")
	if rp.status != 200 {
		t.Fatalf("status %d: %s", rp.status, rp.body)
	}
	r := decodeResponse(t, rp.body)
	if len(r.OrganicResults) < 10 {
		t.Errorf("%d merged results, want duckduckgo's ≥ 10", len(r.OrganicResults))
	}
	for _, o := range r.OrganicResults {
		if len(o.Engines) != 1 || o.Engines[0] != "duckduckgo" {
			t.Fatalf("result %+v: engines %v", o, o.Engines)
		}
	}
	got := r.SearchMetadata.Engines
	if got["duckduckgo"].Status != "answered" || got["duckduckgo"].Results < 10 {
		t.Errorf("duckduckgo outcome %+v", got["duckduckgo"])
	}
	if got["bing"].Status != "failed" || got["bing"].Error == "" {
		t.Errorf("bing outcome %+v, want failed with a reason", got["bing"])
	}
	// Each engine is cached on its own: duckduckgo alone is now a hit.
	if rp := st.get(t, "/v1/search?q=meta&engine=duckduckgo"); rp.header.Get("X-Cache") != "HIT" {
		t.Errorf("duckduckgo alone after metasearch: X-Cache %q", rp.header.Get("X-Cache"))
	}
	// Every engine failing is the engines' error, not a 200.
	rp = st.get(t, "/v1/search?q=meta2&engine=bing")
	if rp.status != 502 {
		t.Errorf("bing alone: status %d", rp.status)
	}
}

// TestUnrecognisedPage: a page in an unknown layout is a typed 502 naming the search, never an
// empty success, and its HTML can be fetched (and re-parsed) by that id.
func TestUnrecognisedPage(t *testing.T) {
	e := start(t, nil, nil)
	rp := e.get(t, "/v1/search?q=newlayout+golang")
	if rp.status != 502 {
		t.Fatalf("status %d: %s", rp.status, rp.body)
	}
	p := decodeProblem(t, rp)
	if p.Kind != schemas.TypeUnrecognised || p.SearchID == "" {
		t.Fatalf("problem %+v", p)
	}
	var page reply
	testkit.Eventually(t, 5*time.Second, func() bool {
		page = e.get(t, "/v1/searches/"+p.SearchID+"?output=html")
		return page.status == 200
	}, "kept page")
	if !strings.Contains(string(page.body), "serp-v2") || page.header.Get("Content-Security-Policy") != "sandbox" {
		t.Errorf("kept page: %q, CSP %q", page.body, page.header.Get("Content-Security-Policy"))
	}
	if rp := e.get(t, "/v1/searches/"+p.SearchID+"?reparse=true"); rp.status != 502 {
		t.Errorf("reparse with the same parser: status %d", rp.status)
	}
	if rp := e.get(t, "/v1/searches/NOSUCHSEARCHNOSUCH"); rp.status != 404 {
		t.Errorf("unknown id: status %d", rp.status)
	}
}

// TestEveryEngineOffline is trawl demo's promise: with every engine on the simulator, each
// engine and a metasearch of all of them answer through the whole pipeline, right down to the
// results, and page 2 numbers on from page 1.
func TestEveryEngineOffline(t *testing.T) {
	e := start(t, nil, nil)
	sc := sim.DefaultConfig()
	for _, name := range sim.Engines() {
		for _, page := range []int{1, 2} {
			rp := e.get(t, fmt.Sprintf("/v1/search?q=offline+%s&engine=%s&page=%d", name, name, page))
			if rp.status != 200 {
				t.Fatalf("%s page %d: status %d: %s", name, page, rp.status, rp.body)
			}
			r := decodeResponse(t, rp.body)
			want := sim.Organic(name, "offline "+name, page, sc.PerPage, sc.Pages)
			if len(r.OrganicResults) != len(want) || len(want) == 0 {
				t.Fatalf("%s page %d: %d results, want %d", name, page, len(r.OrganicResults), len(want))
			}
			// Positions continue by the engine's own page size (Brave's is 20, as the
			// simulator serves it).
			eng, _ := engines.Default().Get(name)
			off := engines.Offset(eng, &schemas.SearchRequest{Page: page})
			for i, o := range r.OrganicResults {
				if o.URL != want[i].URL || o.Position != off+i+1 {
					t.Errorf("%s page %d #%d: %s at %d, want %s at %d", name, page, i, o.URL, o.Position, want[i].URL, off+i+1)
				}
			}
		}
	}
	all := strings.Join(sim.Engines(), ",")
	rp := e.get(t, "/v1/search?q=offline+meta&engine="+all)
	if rp.status != 200 {
		t.Fatalf("metasearch: status %d: %s", rp.status, rp.body)
	}
	r := decodeResponse(t, rp.body)
	for _, name := range sim.Engines() {
		if o, per := r.SearchMetadata.Engines[name], sim.PageSize(name, sc.PerPage); o.Status != "answered" || o.Results != per {
			t.Errorf("metasearch: %s %+v, want answered with %d", name, o, per)
		}
	}
}
