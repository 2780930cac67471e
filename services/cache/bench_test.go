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
	req := &fakeRequest{data: []byte(body), headers: micro.Headers{
		schemas.HeaderRequestID: {"bench"},
		schemas.HeaderDeadline:  {schemas.FormatDeadline(time.Now().Add(time.Hour))},
	}}
	b.ReportAllocs()
	for b.Loop() {
		c.search(req)
		if req.code != "" || len(req.body) == 0 {
			b.Fatalf("not answered: %s", req.code)
		}
	}
}

// fakeRequest is a micro.Request that keeps the reply.
type fakeRequest struct {
	data    []byte
	headers micro.Headers
	body    []byte
	code    string
}

func (r *fakeRequest) Respond(b []byte, _ ...micro.RespondOpt) error { r.body = b; return nil }
func (r *fakeRequest) RespondJSON(any, ...micro.RespondOpt) error    { return nil }
func (r *fakeRequest) Error(code, _ string, data []byte, _ ...micro.RespondOpt) error {
	r.code, r.body = code, data
	return nil
}
func (r *fakeRequest) Data() []byte           { return r.data }
func (r *fakeRequest) Headers() micro.Headers { return r.headers }
func (r *fakeRequest) Subject() string        { return schemas.SubjectSearch }
func (r *fakeRequest) Reply() string          { return "" }
