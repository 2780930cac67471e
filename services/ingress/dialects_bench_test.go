package ingress

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/testkit"
)

// BenchmarkDialectHit is BenchmarkSearchHit's tenant rows through each dialect: the same
// trivial responder and key, so a row's cost over "native" is the dialect's mapping alone
// (reading its request, rewriting the native answer). The -near rows answer from the near cache.
func BenchmarkDialectHit(b *testing.B) {
	ns := testkit.StartNATS(b)
	startResponder(b, testkit.Connect(b, ns))
	keys := filepath.Join(b.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"bench","keys":["bench-key"],"rate_per_sec":1000000,"burst":1000000}]}`), 0o600)
	type row struct {
		name, method, uri, body, ctype string
	}
	rows := []row{
		{"native", "GET", "/v1/search?q=golang&engine=duckduckgo", "", ""},
		{"serpapi", "GET", "/search.json?engine=duckduckgo&q=golang&api_key=bench-key", "", ""},
		{"searxng", "GET", "/searxng/search?q=golang&format=json&engines=duckduckgo", "", ""},
		{"firecrawl", "POST", "/firecrawl/v2/search", `{"query":"golang","limit":5}`, "application/json"},
		// MCP's fast path (mcp/fast.go) answers without the SDK's served context.
		{"mcp", "POST", "/mcp", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang","engine":"duckduckgo"}}}`, "application/json"},
	}
	for _, near := range []bool{false, true} {
		for _, r := range rows {
			name := r.name
			if near {
				name += "-near"
			}
			b.Run(name, func(b *testing.B) { benchDialect(b, ns, keys, near, r.method, r.uri, r.body, r.ctype) })
		}
	}
}

// BenchmarkMCPHit is a search tool call at /mcp beside the native search, both served over an
// in-memory listener: the MCP SDK's handler needs a served request (its context), which the
// handler-only rows above do not have.
func BenchmarkMCPHit(b *testing.B) {
	ns := testkit.StartNATS(b)
	startResponder(b, testkit.Connect(b, ns))
	keys := filepath.Join(b.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"bench","keys":["bench-key"],"rate_per_sec":1000000,"burst":1000000}]}`), 0o600)
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"golang"}}}`
	b.Run("native", func(b *testing.B) { benchServed(b, ns, keys, "GET", "/v1/search?q=golang&engine=duckduckgo", "") })
	b.Run("mcp", func(b *testing.B) { benchServed(b, ns, keys, "POST", "/mcp", call) })
}

func benchServed(b *testing.B, ns *server.Server, keysFile, method, uri, body string) {
	cfg := DefaultConfig()
	cfg.KeysFile = keysFile
	cfg.NearCacheTTL = 0
	srv, err := New(cfg, Deps{NC: testkit.Connect(b, ns), Engines: engines.Default()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	ln := fasthttputil.NewInmemoryListener()
	fs := &fasthttp.Server{Handler: srv.Handler()}
	go fs.Serve(ln)
	b.Cleanup(func() { fs.Shutdown(); ln.Close() })
	client := &fasthttp.Client{Dial: func(string) (net.Conn, error) { return ln.Dial() }, MaxConnsPerHost: 256}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.Reset()
			req.Header.SetMethod(method)
			req.SetRequestURI("http://127.0.0.1" + uri)
			req.Header.Set("Authorization", "Bearer bench-key")
			if body != "" {
				req.Header.SetContentType("application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.SetBodyString(body)
			}
			if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Fatalf("status %d, %v: %s", resp.StatusCode(), err, resp.Body())
			}
		}
	})
}

func benchDialect(b *testing.B, ns *server.Server, keysFile string, near bool, method, uri, body, ctype string) {
	cfg := DefaultConfig()
	cfg.KeysFile = keysFile
	if !near {
		cfg.NearCacheTTL = 0
	}
	srv, err := New(cfg, Deps{NC: testkit.Connect(b, ns), Engines: engines.Default()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	h := srv.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var c fasthttp.RequestCtx
		for pb.Next() {
			c.Request.Reset()
			c.Response.Reset()
			c.Request.Header.SetMethod(method)
			c.Request.SetRequestURI(uri)
			c.Request.Header.Set("Authorization", "Bearer bench-key")
			if body != "" {
				c.Request.Header.SetContentType(ctype)
				c.Request.Header.Set("Accept", "application/json, text/event-stream")
				c.Request.SetBodyString(body)
			}
			h(&c)
			if c.Response.StatusCode() != 200 {
				b.Fatalf("status %d: %s", c.Response.StatusCode(), c.Response.Body())
			}
		}
	})
}
