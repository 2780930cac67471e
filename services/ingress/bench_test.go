package ingress

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
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
		r.Header.Set(schemas.HeaderFreshUntil, strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10))
		r.Data = hitBody
		m.RespondMsg(r)
	})
	if err != nil {
		tb.Fatalf("subscribe: %v", err)
	}
	if err := nc.Flush(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sub.Unsubscribe() })
}

// BenchmarkSearchHit drives the handler in process (no sockets on the HTTP side) against a
// trivial responder: the cost of one cache hit as the ingress sees it, under open access and
// with a tenant's key checked and its rate limit applied (in process, and through Redis); the
// -near variants answer from the near cache, the others go to the responder every time.
func BenchmarkSearchHit(b *testing.B) {
	ns := testkit.StartNATS(b)
	startResponder(b, testkit.Connect(b, ns))
	keys := filepath.Join(b.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"bench","keys":["bench-key"],"rate_per_sec":1000000,"burst":1000000}]}`), 0o600)
	rd := testkit.StartRedis(b).URL
	b.Run("open", func(b *testing.B) { benchSearch(b, ns, "", "", false) })
	b.Run("tenant", func(b *testing.B) { benchSearch(b, ns, keys, "", false) })
	b.Run("tenant-redis", func(b *testing.B) { benchSearch(b, ns, keys, rd, false) })
	b.Run("open-near", func(b *testing.B) { benchSearch(b, ns, "", "", true) })
	b.Run("tenant-redis-near", func(b *testing.B) { benchSearch(b, ns, keys, rd, true) })
}

func benchSearch(b *testing.B, ns *server.Server, keysFile, redisURL string, near bool) {
	cfg := DefaultConfig()
	cfg.KeysFile = keysFile
	if !near {
		cfg.NearCacheTTL = 0
	}
	srv, err := New(cfg, Deps{NC: testkit.Connect(b, ns), Engines: engines.Default(), RedisURL: redisURL})
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
			c.Request.SetRequestURI("/v1/search?q=golang&engine=duckduckgo")
			c.Request.Header.Set("Authorization", "Bearer bench-key")
			h(&c)
			if c.Response.StatusCode() != 200 {
				b.Fatalf("status %d: %s", c.Response.StatusCode(), c.Response.Body())
			}
		}
	})
}

// BenchmarkGate is the key check and in-process rate limit alone: what a tenant's request
// costs before it is parsed.
func BenchmarkGate(b *testing.B) {
	ns := testkit.StartNATS(b)
	keys := filepath.Join(b.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"bench","keys":["bench-key"],"rate_per_sec":1000000,"burst":1000000000,"daily_quota":1000000000000}]}`), 0o600)
	cfg := DefaultConfig()
	cfg.KeysFile = keys
	srv, err := New(cfg, Deps{NC: testkit.Connect(b, ns), Engines: engines.Default()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var c fasthttp.RequestCtx
		c.Request.Header.Set("Authorization", "Bearer bench-key")
		now := time.Now()
		for pb.Next() {
			c.Response.Reset()
			if _, ok := srv.gate(&c, "id", now); !ok {
				b.Fatalf("refused: %s", c.Response.Body())
			}
		}
	})
}
