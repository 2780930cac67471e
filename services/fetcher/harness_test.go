package fetcher

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// harness is an embedded NATS server with the work streams, a listener for everything the
// fetch stage publishes (pages and failures), and fetchers under test.
type harness struct {
	t   *testing.T
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
	out chan *nats.Msg

	mu   sync.Mutex
	seen map[string]*nats.Msg // key → first page or failure

	// fetcherOpts and log are the fetchers' connection options and logger (tests of
	// permissions and of what the log says).
	fetcherOpts []nats.Option
	log         *slog.Logger
}

// testConfig is the default configuration with waits shrunk for tests.
func testConfig() Config {
	c := DefaultConfig()
	c.Backoff, c.MaxBackoff = 2*time.Millisecond, 10*time.Millisecond
	c.AttemptTimeout = 2 * time.Second
	c.Concurrency = 16
	return c
}

func testStreams() schemas.StreamLimits {
	l := schemas.DefaultStreamLimits()
	l.Memory = true
	return l
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, testkit.StartNATS(t))
}

// newHarnessOn is newHarness on a server of the test's, connecting with opts.
func newHarnessOn(t *testing.T, ns *server.Server, opts ...nats.Option) *harness {
	t.Helper()
	h := &harness{t: t, ns: ns, out: make(chan *nats.Msg, 4096), seen: map[string]*nats.Msg{}}
	h.nc = testkit.Connect(t, h.ns, opts...)
	var err error
	if h.js, err = jetstream.New(h.nc); err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{schemas.SubjectParsePrefix + ">", schemas.SubjectResults} {
		if _, err := h.nc.ChanSubscribe(subj, h.out); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return h
}

// start runs a fetcher on its own connection. engineURLs is the engine-urls setting.
func (h *harness) start(cfg Config, engineURLs string) (*Service, *nats.Conn, *prometheus.Registry) {
	h.t.Helper()
	nc := testkit.Connect(h.t, h.ns, h.fetcherOpts...)
	reg := prometheus.NewRegistry()
	eng := engines.Default()
	if err := eng.SetBaseURLs(engineURLs); err != nil {
		h.t.Fatalf("engine urls: %v", err)
	}
	svc, err := New(cfg, Deps{NC: nc, Engines: eng, Streams: testStreams(), Metrics: reg, Log: h.log})
	if err != nil {
		h.t.Fatalf("fetcher: %v", err)
	}
	if err := svc.Start(h.t.Context()); err != nil {
		h.t.Fatalf("fetcher start: %v", err)
	}
	h.t.Cleanup(svc.Stop)
	return svc, nc, reg
}

// publish queues a fetch job for q on engine with the given time to its deadline.
func (h *harness) publish(engine, q string, timeout time.Duration) *schemas.FetchJob {
	h.t.Helper()
	return h.publishReq(schemas.SearchRequest{Q: q, Engine: engine}, timeout)
}

// publishReq queues a fetch job for r (normalised here).
func (h *harness) publishReq(r schemas.SearchRequest, timeout time.Duration) *schemas.FetchJob {
	h.t.Helper()
	r.Normalize()
	job := &schemas.FetchJob{ID: nuid.Next(), Key: r.CacheKey(), Request: r,
		Deadline: time.Now().Add(timeout).UnixMilli(), Created: time.Now().UTC()}
	msg, err := job.Msg()
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.js.PublishMsg(ctx, msg); err != nil {
		h.t.Fatalf("publish job: %v", err)
	}
	return job
}

// outcome waits for the job's page (body decoded) or its failure, both on the parse stream.
func (h *harness) outcome(job *schemas.FetchJob, within time.Duration) (*nats.Msg, []byte, *schemas.Error) {
	h.t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		h.mu.Lock()
		m, ok := h.seen[job.Key]
		h.mu.Unlock()
		if ok {
			if _, ok := schemas.ResultKey(m.Subject); ok {
				o := schemas.DecodeOutcome(m)
				if o.Err == nil {
					h.t.Fatalf("the fetch stage published a result for %s: %s", job.Request.Q, m.Data)
				}
				return m, nil, o.Err
			}
			page, err := schemas.DecodePage(m.Header, m.Data)
			if err == nil && page.Err != nil && page.Job.ID == job.ID {
				// A failure travels to the parse stage like a page.
				return m, nil, page.Err
			}
			if err != nil || page.Job.ID != job.ID || page.Attempts < 1 || !page.Compressed() {
				h.t.Fatalf("page of %s: %+v, %v", job.Request.Q, page, err)
			}
			body, err := page.Decompress(nil)
			if err != nil {
				h.t.Fatalf("page of %s: %v", job.Request.Q, err)
			}
			return m, body, nil
		}
		select {
		case m := <-h.out:
			key := m.Header.Get(schemas.HeaderKey)
			if key == "" {
				key, _ = schemas.ResultKey(m.Subject)
			}
			h.mu.Lock()
			if _, dup := h.seen[key]; !dup {
				h.seen[key] = m
			}
			h.mu.Unlock()
		case <-timer.C:
			h.t.Fatalf("no page or failure for %q within %s", job.Request.Q, within)
		}
	}
}

// status asks the fetch stage's status endpoint.
func (h *harness) status() schemas.EnginesStatus {
	h.t.Helper()
	m, err := h.nc.Request(schemas.SubjectEnginesStatus, nil, 2*time.Second)
	if err != nil {
		h.t.Fatalf("engines status: %v", err)
	}
	var st schemas.EnginesStatus
	if err := json.Unmarshal(m.Data, &st); err != nil {
		h.t.Fatalf("engines status %s: %v", m.Data, err)
	}
	return st
}

func engineStatus(st schemas.EnginesStatus, name string) schemas.EngineStatus {
	for _, e := range st.Engines {
		if e.Name == name {
			return e
		}
	}
	return schemas.EngineStatus{}
}

func attempts(m *nats.Msg) int {
	n, _ := strconv.Atoi(m.Header.Get(schemas.HeaderAttempts))
	return n
}
