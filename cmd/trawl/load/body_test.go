package load_test

import (
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
)

// TestBodyRequests: with --body every request is a POST of the template to the target's path,
// {q} replaced by the query as JSON string contents (quotes and backslashes escaped), with the
// headers a JSON API and MCP's streamable HTTP want.
func TestBodyRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		bodies []string
	)
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		if string(c.Method()) != "POST" || string(c.Path()) != "/firecrawl/v2/search" ||
			string(c.Request.Header.ContentType()) != "application/json" ||
			!strings.Contains(string(c.Request.Header.Peek("Accept")), "text/event-stream") {
			t.Errorf("request %s %s, content type %q, accept %q", c.Method(), c.RequestURI(), c.Request.Header.ContentType(), c.Request.Header.Peek("Accept"))
		}
		mu.Lock()
		bodies = append(bodies, string(c.PostBody()))
		mu.Unlock()
		c.SetBodyString(`{"success":true}`)
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })

	s := run(t, cfg("http://"+ln.Addr().String()+"/firecrawl/v2/search", func(c *load.Config) {
		c.Body, c.Query, c.QuerySet = `{"query":"{q}","limit":5}`, `say "hi" \ now`, load.QueryDistinct
	}))
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 50 || s.OK != 50 {
		t.Fatalf("server saw %d bodies, summary ok %d; want 50", len(bodies), s.OK)
	}
	seen := map[string]bool{}
	for i, b := range bodies {
		var v struct {
			Query string `json:"query"`
			Limit int    `json:"limit"`
		}
		if err := json.Unmarshal([]byte(b), &v); err != nil || !strings.HasPrefix(v.Query, `say "hi" \ now`) || v.Limit != 5 {
			t.Fatalf("body %d %q: %+v, %v", i, b, v, err)
		}
		seen[v.Query] = true
	}
	if len(seen) != 50 {
		t.Errorf("distinct queries: %d different bodies of 50", len(seen))
	}
}

// A --body that is not JSON once a query is in it, or names no {q}, or goes to a NATS target,
// is refused before the run.
func TestBodyValidated(t *testing.T) {
	for _, tc := range []struct{ target, body, want string }{
		{"http://127.0.0.1:1/x", `{"query":{q}}`, "not JSON"},
		{"http://127.0.0.1:1/x", `{"query":"golang"}`, "no {q}"},
		{"nats://127.0.0.1:1", `{"q":"{q}"}`, "HTTP target"},
	} {
		c := load.DefaultConfig()
		c.Target, c.Body = tc.target, tc.body
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--body %q at %s: %v, want an error naming %q", tc.body, tc.target, err, tc.want)
		}
	}
}
