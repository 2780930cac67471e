package ingress

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/parser/engines"
	"github.com/trawl-dev/trawl/testkit"
)

// hitBody is a small cached answer, as the cache would reply it.
var hitBody = []byte(`{"search_metadata":{"id":"x","status":"success","request_id":"r"},"organic_results":[{"position":1,"title":"Go","link":"https://go.dev/"}]}`)

// startResponder answers every trawl.v1.search with hitBody at once: the cheapest cache there is,
// so a benchmark measures the ingress and the NATS round trip alone.
func startResponder(tb testing.TB, nc *nats.Conn) {
	tb.Helper()
	sub, err := nc.Subscribe(schemas.SubjectSearch, func(m *nats.Msg) {
		r := nats.NewMsg(m.Reply)
		r.Header.Set(schemas.HeaderCache, "hit")
		r.Data = hitBody
		m.RespondMsg(r)
	})
	if err != nil {
		tb.Fatalf("subscribe: %v", err)
	}
	tb.Cleanup(func() { sub.Unsubscribe() })
}

// BenchmarkSearchHit drives the handler in process (no sockets on the HTTP side) against a
// trivial responder: the cost of one cache hit as the ingress sees it.
func BenchmarkSearchHit(b *testing.B) {
	ns := testkit.StartNATS(b)
	startResponder(b, testkit.Connect(b, ns))
	srv, err := New(DefaultConfig(), Deps{NC: testkit.Connect(b, ns), Engines: engines.Default()})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var c fasthttp.RequestCtx
		for pb.Next() {
			c.Request.Reset()
			c.Response.Reset()
			c.Request.SetRequestURI("/v1/search?q=golang&engine=duckduckgo")
			c.Request.Header.Set("Authorization", "Bearer bench-key")
			h(&c)
			if c.Response.StatusCode() != 200 {
				b.Fatalf("status %d: %s", c.Response.StatusCode(), c.Response.Body())
			}
		}
	})
}
