package cache

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
)

// BenchmarkHit measures the hit path as a requester sees it: a NATS request to
// trawl.v1.search, the cache's lookup and reply, the reply back. The NATS server runs in this
// process, so its work is in the figures too.
func BenchmarkHit(b *testing.B) {
	rg := startRig(b, 0)
	rg.startCache(testConfig(), NewMemory(64<<20))
	body := query("benchmark hit")
	if a := rg.ask(body, 5*time.Second); a.err != nil {
		b.Fatal(a.err)
	}
	msg := nats.NewMsg(schemas.SubjectSearch)
	msg.Data = []byte(body)
	msg.Header.Set(schemas.HeaderRequestID, "bench")
	b.ReportAllocs()
	for b.Loop() {
		msg.Header.Set(schemas.HeaderDeadline, schemas.FormatDeadline(time.Now().Add(5*time.Second)))
		reply, err := rg.client.RequestMsg(msg, 5*time.Second)
		if err != nil || reply.Header.Get(schemas.HeaderCache) != stateHit {
			b.Fatalf("not a hit: %v %v", err, reply)
		}
	}
}

// BenchmarkHitHandler measures the cache's own share of a hit: decode, lookup, compose and
// reply, without NATS.
func BenchmarkHitHandler(b *testing.B) {
	rg := startRig(b, 0)
	c := rg.startCache(testConfig(), NewMemory(64<<20))
	body := query("benchmark hit")
	if a := rg.ask(body, 5*time.Second); a.err != nil {
		b.Fatal(a.err)
	}
	inbox := nats.NewInbox()
	sub, err := rg.client.SubscribeSync(inbox)
	if err != nil {
		b.Fatal(err)
	}
	// The cache answers on its own connection: the server must know the subscription first.
	if err := rg.client.Flush(); err != nil {
		b.Fatal(err)
	}
	req := asyncReq{reply: inbox, data: []byte(body), hdr: micro.Headers{
		schemas.HeaderRequestID: {"bench"},
		schemas.HeaderDeadline:  {schemas.FormatDeadline(time.Now().Add(time.Hour))},
	}}
	b.ReportAllocs()
	for b.Loop() {
		c.search(req)
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil || m.Header.Get(schemas.HeaderCache) != stateHit {
			b.Fatalf("not answered as a hit: %v", err)
		}
	}
}
