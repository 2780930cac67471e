package ingress

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/streams"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// searchBody is a cached answer of realistic size (large enough to be compressed).
var searchBody = func() []byte {
	var resp schemas.SearchResponse
	resp.SearchMetadata = schemas.SearchMetadata{ID: "s1", Status: "success", Engine: "duckduckgo", Cache: "hit", CreatedAt: time.Unix(0, 0).UTC()}
	resp.SearchParameters = schemas.SearchRequest{Q: "golang", Engine: "duckduckgo", Page: 1, Safe: "moderate"}
	for i := 1; i <= 10; i++ {
		resp.OrganicResults = append(resp.OrganicResults, schemas.OrganicResult{Position: i, Title: "The Go Programming Language", URL: "https://go.dev/", Snippet: "Go is an open source programming language that makes it simple to build secure, scalable systems."})
	}
	resp.Pagination = schemas.Pagination{Current: 1, Next: 2}
	b, _ := json.Marshal(resp)
	return b
}()

// respondHit answers every search at once from "cache", with the answer id the ingress gave.
func respondHit(req micro.Request) {
	req.Respond(withID(searchBody, req.Headers().Get(schemas.HeaderSearchID)), micro.WithHeaders(micro.Headers{schemas.HeaderCache: {"hit"}}))
}

// withID is a composed search answer with its search_metadata.id set to id (when not "").
func withID(answer []byte, id string) []byte {
	var meta schemas.SearchMetadata
	rest, ok := schemas.SplitResponse(answer, &meta)
	if !ok || id == "" {
		return answer
	}
	meta.ID, meta.PageID = id, "PAGEPAGEPAGEPAGE"
	return schemas.AppendResponse(nil, &meta, rest)
}

// startFakeCache registers a trawl-cache micro service on trawl.v1.search, as the real cache
// does (so /readyz finds it), answering with handle.
// respondScrape answers a scrape from "cache", or fails it with the kind named by the URL's
// last path segment "err-<kind>".
func respondScrape(req micro.Request) {
	var r schemas.ScrapeRequest
	json.Unmarshal(req.Data(), &r)
	if i := strings.LastIndex(r.URL, "/err-"); i >= 0 {
		e := schemas.NewError(r.URL[i+len("/err-"):], "made to fail")
		req.Error(e.Code(), e.Title, e.JSON())
		return
	}
	b, _ := schemas.ComposeScrapeResponse(&schemas.ScrapeMetadata{ID: req.Headers().Get(schemas.HeaderSearchID), Status: "Success", Cache: "hit", URL: r.URL},
		schemas.EncodeScrapeBody(&schemas.ScrapeBody{FinalURL: r.URL, HTTPStatus: 200, ContentType: "text/html", Markdown: "# Hello"}))
	req.Respond(b, micro.WithHeaders(micro.Headers{schemas.HeaderCache: {"hit"}}))
}

func startFakeCache(t testing.TB, ns *server.Server, handle micro.HandlerFunc) {
	t.Helper()
	nc := testkit.Connect(t, ns)
	svc, err := micro.AddService(nc, micro.Config{Name: schemas.ServiceCache, Version: schemas.Version, QueueGroup: schemas.ServiceCache})
	if err != nil {
		t.Fatalf("fake cache: %v", err)
	}
	if err := svc.AddEndpoint("search", handle, micro.WithEndpointSubject(schemas.SubjectSearch)); err != nil {
		t.Fatalf("fake cache endpoint: %v", err)
	}
	if err := svc.AddEndpoint("scrape", micro.HandlerFunc(respondScrape), micro.WithEndpointSubject(schemas.SubjectScrape)); err != nil {
		t.Fatalf("fake cache endpoint: %v", err)
	}
	// Subscriptions reach the server asynchronously: make sure the first search finds it.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop() })
}

// ingressOpts shape a test ingress.
type ingressOpts struct {
	cfg      func(*Config)
	keys     string // keys file contents; "" is open access
	redisURL string
	engines  *engines.Registry
	// noGatherer leaves /metrics unserved.
	noGatherer bool
	// handoff is the process's handoff point (kit/handoff), nil for none.
	handoff *handoff.Point
}

type testIngress struct {
	*Server
	url string
	reg *prometheus.Registry
	// keysPath is the keys file, for tests that rewrite it.
	keysPath string
}

// startIngress runs an ingress on a free loopback port against ns.
func startIngress(t testing.TB, ns *server.Server, o ingressOpts) *testIngress {
	t.Helper()
	cfg := DefaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	ti := &testIngress{reg: prometheus.NewRegistry()}
	if o.keys != "" {
		ti.keysPath = filepath.Join(t.TempDir(), "keys.json")
		if err := os.WriteFile(ti.keysPath, []byte(o.keys), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg.KeysFile = ti.keysPath
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	if o.engines == nil {
		o.engines = engines.Default()
	}
	// The archive's stream, which the other stages' keepers ensure in a running trawl.
	js, err := jetstream.New(testkit.Connect(t, ns))
	if err != nil {
		t.Fatal(err)
	}
	if err := streams.EnsureOne(t.Context(), js, schemas.ArchiveStream(schemas.DefaultStreamLimits())); err != nil {
		t.Fatalf("streams: %v", err)
	}
	d := Deps{NC: testkit.Connect(t, ns), Engines: o.engines, Log: testLogger(t), Metrics: ti.reg, Gatherer: ti.reg, RedisURL: o.redisURL, Handoff: o.handoff}
	if o.noGatherer {
		d.Gatherer = nil
	}
	srv, err := New(cfg, d)
	if err != nil {
		t.Fatalf("ingress: %v", err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatalf("ingress start: %v", err)
	}
	t.Cleanup(srv.Stop)
	ti.Server, ti.url = srv, "http://"+srv.Addr()
	return ti
}

// counter reads a counter of the ingress's registry.
func (ti *testIngress) counter(c prometheus.Collector) float64 { return testutil.ToFloat64(c) }

// testLogger logs through t.Log when TRAWL_TEST_LOG is set, and nowhere otherwise.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("TRAWL_TEST_LOG") == "" {
		return logging.Discard()
	}
	l, _ := logging.New(testWriter{t}, "debug", "text")
	return l
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client speaks plain HTTP/1.1 and leaves compression to the test.
var client = &http.Client{
	Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64},
	Timeout:   30 * time.Second,
}

// send sends one request and returns the response with its body read.
func send(t testing.TB, method, url string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, b
}

// problemOf decodes a problem+json body, failing the test when it is not one.
func problemOf(t testing.TB, resp *http.Response, body []byte) *schemas.Error {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: content type %q, want application/problem+json; body %s", resp.StatusCode, ct, body)
	}
	var e schemas.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("problem body: %v: %s", err, body)
	}
	if e.Status != resp.StatusCode || e.Kind == "" || e.Type != schemas.ProblemTypeBase+e.Kind {
		t.Fatalf("problem %+v does not match status %d", e, resp.StatusCode)
	}
	return &e
}

// tenantRequests reads the ingress's trawl_ingress_tenant_requests_total of the labels.
func (ti *testIngress) tenantRequests(tenant, kind, result string) float64 {
	mfs, _ := ti.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "trawl_ingress_tenant_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["tenant"] == tenant && l["kind"] == kind && l["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
