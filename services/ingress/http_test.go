package ingress

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

func TestBodyTooLarge(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{})
	for _, size := range []int{64<<10 + 1, 100 << 10, 1000 << 10} {
		body := []byte(`{"q":"` + strings.Repeat("a", size) + `"}`)
		resp, b := send(t, "POST", in.url+"/v1/search", body, nil)
		if resp.StatusCode != 413 {
			t.Fatalf("%d-byte body: status %d, want 413", len(body), resp.StatusCode)
		}
		if e := problemOf(t, resp, b); e.Kind != schemas.TypeTooLarge {
			t.Errorf("%d-byte body: kind %q", len(body), e.Kind)
		}
	}
	// Far past the limit, the server stops reading and answers at once; the client may see
	// the connection reset before it reads the 413, but never anything else.
	huge := bytes.Repeat([]byte("a"), 4<<20)
	if resp, err := client.Post(in.url+"/v1/search", "application/json", bytes.NewReader(huge)); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("4 MiB body: status %d", resp.StatusCode)
		} else if e := problemOf(t, resp, b); e.Kind != schemas.TypeTooLarge {
			t.Errorf("4 MiB body: kind %q", e.Kind)
		}
	}
	// Exactly at the limit is not too large (it fails validation instead: q is over 2048 bytes).
	body := []byte(`{"q":"` + strings.Repeat("a", 64<<10-len(`{"q":""}`)) + `"}`)
	if resp, _ := send(t, "POST", in.url+"/v1/search", body, nil); resp.StatusCode != 400 {
		t.Errorf("body of exactly 64 KiB: status %d, want 400", resp.StatusCode)
	}
}

func TestGzip(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{})
	resp, b := send(t, "GET", in.url+"/v1/search?q=go", nil, map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q, want a gzip response", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	var meta schemas.SearchMetadata
	rest, _ := schemas.SplitResponse(plain, &meta)
	if err != nil || !bytes.Equal(plain, withID(searchBody, meta.ID)) || len(rest) == 0 {
		t.Fatalf("gunzipped body differs from the cache's answer (err %v)", err)
	}
	if resp, _ := send(t, "GET", in.url+"/v1/search?q=go", nil, nil); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("compressed without Accept-Encoding: %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestCORS(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{keys: twoTenants, cfg: func(c *Config) { c.CORSOrigins = "https://app.example.com, https://admin.example.com" }})
	preflight := map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}

	resp, _ := send(t, "OPTIONS", in.url+"/v1/search", nil, preflight)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(resp.Header.Get("Vary"), "Origin") {
		t.Fatalf("preflight from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	preflight["Origin"] = "https://evil.example.com"
	resp, _ = send(t, "OPTIONS", in.url+"/v1/search", nil, preflight)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = send(t, "GET", in.url+"/v1/search?q=go", nil, map[string]string{"Origin": "https://admin.example.com", "X-API-Key": acmeKey})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://admin.example.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "RateLimit") {
		t.Fatalf("simple request: %d %v", resp.StatusCode, resp.Header)
	}
	// A refused request still carries CORS headers, so the browser lets the script read why.
	resp, _ = send(t, "GET", in.url+"/v1/search?q=go", nil, map[string]string{"Origin": "https://admin.example.com"})
	if resp.StatusCode != 401 || resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("401 without CORS headers: %d %v", resp.StatusCode, resp.Header)
	}

	noCORS := startIngress(t, ns, ingressOpts{})
	resp, _ = send(t, "GET", noCORS.url+"/v1/search?q=go", nil, map[string]string{"Origin": "https://app.example.com"})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS headers without --cors-origins")
	}
}

func TestRequestIDAndServerTiming(t *testing.T) {
	ns := testkit.StartNATS(t)
	var sentID atomic.Value
	startFakeCache(t, ns, func(req micro.Request) {
		sentID.Store(req.Headers().Get(schemas.HeaderRequestID))
		req.Respond(searchBody, micro.WithHeaders(micro.Headers{
			schemas.HeaderCache:   {"miss"},
			schemas.HeaderTimings: {"fetch=12.300,parse=1.100,bad;name=1,evil=1\"x"},
		}))
	})
	in := startIngress(t, ns, ingressOpts{})

	resp, _ := send(t, "GET", in.url+"/v1/search?q=go", nil, map[string]string{"X-Request-Id": "client-id-42"})
	gotID := func() string { s, _ := sentID.Load().(string); return s }
	if resp.Header.Get("X-Request-Id") != "client-id-42" || gotID() != "client-id-42" {
		t.Fatalf("request id: header %q, sent to the cache %q", resp.Header.Get("X-Request-Id"), gotID())
	}
	if resp.Header.Get("X-Cache") != "MISS" {
		t.Errorf("X-Cache %q", resp.Header.Get("X-Cache"))
	}
	st := resp.Header.Get("Server-Timing")
	if !regexp.MustCompile(`^total;dur=[\d.]+, nats;dur=[\d.]+, fetch;dur=12\.300, parse;dur=1\.100$`).MatchString(st) {
		t.Errorf("Server-Timing %q", st)
	}

	for _, bad := range []string{"", strings.Repeat("x", 129), "has space", "ünïcode"} {
		resp, _ = send(t, "GET", in.url+"/v1/search?q=go", nil, map[string]string{"X-Request-Id": bad})
		if id := resp.Header.Get("X-Request-Id"); id == "" || id == bad || gotID() != id {
			t.Errorf("X-Request-Id %q: answered %q, sent to the cache %q; want one generated", bad, id, gotID())
		}
	}
	resp, b := send(t, "GET", in.url+"/v1/search?q=", nil, map[string]string{"X-Request-Id": "bad-request-7"})
	if e := problemOf(t, resp, b); e.RequestID != "bad-request-7" {
		t.Errorf("problem request_id %q", e.RequestID)
	}
}

func TestEnginesAndProbes(t *testing.T) {
	ns := testkit.StartNATS(t)
	in := startIngress(t, ns, ingressOpts{})

	resp, b := send(t, "GET", in.url+"/readyz", nil, nil)
	if resp.StatusCode != 503 || !strings.Contains(string(b), schemas.ServiceCache) {
		t.Fatalf("readyz without a cache: %d %s", resp.StatusCode, b)
	}
	resp, b = send(t, "GET", in.url+"/v1/search?q=go", nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("search without a responder: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if e := problemOf(t, resp, b); e.Kind != schemas.TypeUnavailable {
		t.Errorf("kind %q", e.Kind)
	}

	startFakeCache(t, ns, respondHit)
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := send(t, "GET", in.url+"/readyz", nil, nil)
		return resp.StatusCode == 200
	}, "readyz once a cache responds")

	resp, b = send(t, "GET", in.url+"/v1/engines", nil, nil)
	var list struct {
		Engines []struct{ Name, BaseURL string } `json:"engines"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &list) != nil || len(list.Engines) == 0 || list.Engines[0].Name == "" {
		t.Fatalf("engines: %d %s", resp.StatusCode, b)
	}
	if resp, _ := send(t, "GET", in.url+"/healthz", nil, nil); resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
	resp, b = send(t, "GET", in.url+"/metrics", nil, nil)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("trawl_ingress_requests_total")) {
		t.Errorf("metrics: %d", resp.StatusCode)
	}
}

// TestEnginesHealth reports each engine's breaker as a fetcher's status endpoint gives it.
func TestEnginesHealth(t *testing.T) {
	ns := testkit.StartNATS(t)
	in := startIngress(t, ns, ingressOpts{})
	get := func() map[string]schemas.EngineInfo {
		resp, b := send(t, "GET", in.url+"/v1/engines", nil, nil)
		var list struct{ Engines []schemas.EngineInfo }
		if resp.StatusCode != 200 || json.Unmarshal(b, &list) != nil {
			t.Fatalf("engines: %d %s", resp.StatusCode, b)
		}
		out := map[string]schemas.EngineInfo{}
		for _, e := range list.Engines {
			out[e.Name] = e
		}
		return out
	}
	if e := get()["duckduckgo"]; e.Breaker != "unknown" || e.Healthy {
		t.Fatalf("without a fetcher: %+v, want unknown", e)
	}

	nc := testkit.Connect(t, ns)
	svc, err := micro.AddService(nc, micro.Config{Name: schemas.ServiceFetcher, Version: schemas.Version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop() })
	status, _ := json.Marshal(schemas.EnginesStatus{Fetcher: "f1", Engines: []schemas.EngineStatus{
		{Name: "duckduckgo", Breaker: schemas.BreakerOpen, RetryAfterMS: 4000},
		{Name: "bing", Breaker: schemas.BreakerClosed},
	}})
	svc.AddEndpoint("engines-status", micro.HandlerFunc(func(r micro.Request) { r.Respond(status) }),
		micro.WithEndpointSubject(schemas.SubjectEnginesStatus))

	var got map[string]schemas.EngineInfo
	testkit.Eventually(t, 5*time.Second, func() bool { got = get(); return got["duckduckgo"].Breaker == "open" },
		"the fetcher's view of the breakers")
	if d := got["duckduckgo"]; d.Healthy || d.RetryAfterMS != 4000 {
		t.Errorf("open engine: %+v", d)
	}
	if b := got["bing"]; b.Breaker != "closed" || !b.Healthy {
		t.Errorf("closed engine: %+v", b)
	}
	if g := got["google"]; g.Breaker != "unknown" {
		t.Errorf("engine the fetcher did not report: %+v", g)
	}
}
