package cache

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/logging"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/fetcher"
	"github.com/trawl-dev/trawl/services/parser"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// rig is a real pipeline for the cache to talk to: embedded NATS with JetStream, a fetcher
// pointed at the simulated engine, and a parser.
type rig struct {
	t   testing.TB
	ns  *server.Server
	sim *sim.Server
	// client is the requester's own connection, as the ingress would have.
	client  *nats.Conn
	streams schemas.StreamLimits
}

// startBare is NATS and nothing else: the test plays the fetch and parse stages itself.
func startBare(t testing.TB) *rig {
	t.Helper()
	ns := testkit.StartNATS(t)
	streams := schemas.DefaultStreamLimits()
	streams.Memory = true
	return &rig{t: t, ns: ns, client: testkit.Connect(t, ns), streams: streams}
}

func startRig(t testing.TB, latency time.Duration) *rig {
	t.Helper()
	rg := startBare(t)
	ns, streams := rg.ns, rg.streams
	simCfg := sim.DefaultConfig()
	simCfg.Latency = latency
	sm := testkit.StartSim(t, simCfg)
	rg.sim = sm
	ctx := context.Background()

	fcfg := fetcher.DefaultConfig()
	eng := engines.Default()
	if err := eng.SetBaseURLs("duckduckgo=" + sm.URL()); err != nil {
		t.Fatal(err)
	}
	fcfg.MaxAttempts = 1 // a failing engine fails the job at once
	fs, err := fetcher.New(fcfg, fetcher.Deps{NC: testkit.Connect(t, ns), Engines: eng, Streams: streams, Log: logger(t)})
	if err != nil {
		t.Fatalf("fetcher: %v", err)
	}
	if err := fs.Start(ctx); err != nil {
		t.Fatalf("fetcher start: %v", err)
	}
	t.Cleanup(fs.Stop)
	ps, err := parser.New(parser.DefaultConfig(), parser.Deps{NC: testkit.Connect(t, ns), Engines: engines.Default(), Streams: streams, Log: logger(t)})
	if err != nil {
		t.Fatalf("parser: %v", err)
	}
	if err := ps.Start(ctx); err != nil {
		t.Fatalf("parser start: %v", err)
	}
	t.Cleanup(ps.Stop)
	return rg
}

// testConfig is the default configuration with short lock timings. The Redis timeout is far
// longer than in production: under -race on a small, shared, loaded machine a burst of 100
// requests on a cold connection pool stalls past a second (measured), which trips the backend
// circuit, and these tests are about the protocol, not the machine.
func testConfig() Config {
	c := DefaultConfig()
	c.Deadlines.Default = 5 * time.Second
	c.Deadlines.Max = 10 * time.Second
	c.LockTTL = time.Second
	c.RedisTimeout = 3 * time.Second
	c.RedisSkip = 100 * time.Millisecond
	return c
}

// replica is one running cache replica with its own NATS connection and registry.
type replica struct {
	*Service
	reg *prometheus.Registry
}

func (r *rig) startCache(cfg Config, store Store) *replica {
	r.t.Helper()
	reg := prometheus.NewRegistry()
	s, err := New(cfg, Deps{NC: testkit.Connect(r.t, r.ns), Store: store, Engines: engines.Default(), Streams: r.streams, Log: logger(r.t), Metrics: reg})
	if err != nil {
		r.t.Fatalf("cache: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		r.t.Fatalf("cache start: %v", err)
	}
	r.t.Cleanup(s.Stop)
	return &replica{Service: s, reg: reg}
}

// metric sums a metric's samples whose labels include every name=value pair given.
func (rp *replica) metric(name string, labels ...string) float64 {
	mfs, err := rp.reg.Gather()
	if err != nil {
		return -1
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			}
		}
	}
	return sum
}

// answer is what a requester got back.
type answer struct {
	state   string // Trawl-Cache header
	meta    schemas.SearchMetadata
	organic int
	err     *schemas.Error
}

// ask sends one search over NATS as the ingress does, deadline header included.
func (r *rig) ask(body string, timeout time.Duration) answer {
	msg := nats.NewMsg(schemas.SubjectSearch)
	msg.Data = []byte(body)
	msg.Header.Set(schemas.HeaderDeadline, schemas.FormatDeadline(time.Now().Add(timeout)))
	reply, err := r.client.RequestMsg(msg, timeout+2*time.Second)
	if err != nil {
		return answer{err: schemas.Errorf(schemas.TypeInternal, "request: %v", err)}
	}
	if code := reply.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		return answer{err: schemas.DecodeError(code, reply.Header.Get(schemas.HeaderServiceError), reply.Data)}
	}
	var resp struct {
		Meta    schemas.SearchMetadata  `json:"search_metadata"`
		Organic []schemas.OrganicResult `json:"organic_results"`
	}
	if err := json.Unmarshal(reply.Data, &resp); err != nil {
		return answer{err: schemas.Errorf(schemas.TypeInternal, "reply is not JSON: %v: %.200s", err, reply.Data)}
	}
	return answer{state: reply.Header.Get(schemas.HeaderCache), meta: resp.Meta, organic: len(resp.Organic)}
}

// askOK is ask that fails the test on an error or an empty page, or when the header and
// search_metadata.cache disagree.
func (r *rig) askOK(body string) answer {
	r.t.Helper()
	a := r.ask(body, 5*time.Second)
	if a.err != nil {
		r.t.Fatalf("%s: %v", body, a.err)
	}
	if a.organic == 0 || a.meta.PageID == "" {
		r.t.Fatalf("%s: answer without results or id: %+v", body, a)
	}
	if a.state != a.meta.Cache {
		r.t.Fatalf("%s: Trawl-Cache %q but search_metadata.cache %q", body, a.state, a.meta.Cache)
	}
	return a
}

// askMany sends n copies of body at once and returns every answer.
func (r *rig) askMany(n int, body string) []answer {
	out := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = r.ask(body, 5*time.Second) })
	}
	wg.Wait()
	return out
}

func countStates(as []answer) map[string]int {
	m := map[string]int{}
	for _, a := range as {
		if a.err != nil {
			m["error:"+a.err.Kind]++
			continue
		}
		m[a.state]++
	}
	return m
}

// keyOf is the cache key a request body maps to.
func keyOf(t testing.TB, body string) string {
	t.Helper()
	r, err := parseRequest([]byte(body), engines.Default().Known, 60000)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return r.CacheKey()
}

// query makes a request body for q, with extra members appended.
func query(q string, extra ...string) string {
	b, _ := json.Marshal(q)
	return `{"q":` + string(b) + strings.Join(append([]string{""}, extra...), ",") + `}`
}

// logger writes through t.Log when TRAWL_TEST_LOG is set, and nowhere otherwise.
func logger(t testing.TB) *slog.Logger {
	if os.Getenv("TRAWL_TEST_LOG") == "" {
		return logging.Discard()
	}
	l, _ := logging.New(tWriter{t}, "debug", "text")
	return l
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newTestRedis opens the Redis store with testConfig's timeout, closed at cleanup.
func newTestRedis(t testing.TB, url string) *Redis {
	t.Helper()
	store, err := NewRedis(url, testConfig().RedisTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// lastJob is the last DuckDuckGo job on the fetch stream, as a fetcher would read it, or nil
// when there is none yet: the tests that play the fetch and parse stages answer it by its id.
func (r *rig) lastJob() *schemas.FetchJob {
	js, err := jetstream.New(r.client)
	if err != nil {
		r.t.Fatal(err)
	}
	stream, err := js.Stream(r.t.Context(), schemas.StreamFetch)
	if err != nil {
		return nil
	}
	m, err := stream.GetLastMsgForSubject(r.t.Context(), schemas.FetchSubject("duckduckgo"))
	if err != nil {
		return nil
	}
	job, err := schemas.DecodeFetchJob(m.Data)
	if err != nil {
		return nil
	}
	return job
}
