package fetcher

import (
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/streams"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

// A fetcher killed mid-job (its connection gone, the job unacked): the job is redelivered to
// another fetcher after the ack wait, and the page still comes inside the job's deadline.
func TestRedeliveryAfterKilledFetcher(t *testing.T) {
	h := newHarness(t)
	stuck := quickSim(t, func(c *sim.Config) { c.HangRate = 1 })
	good := quickSim(t, nil)
	cfg := testConfig()
	cfg.AckWait = time.Second
	cfg.AttemptTimeout = 20 * time.Second
	doomed, doomedNC, _ := h.start(cfg, "duckduckgo="+stuck.URL())

	job := h.publish("duckduckgo", "survivor", 8*time.Second)
	testkit.Eventually(t, 5*time.Second, func() bool { return stuck.Requests() == 1 }, "first fetcher never took the job")
	h.start(cfg, "duckduckgo="+good.URL())
	doomedNC.Close() // killed: no ack, no nak, no more progress signals
	defer doomed.Stop()

	m, body, e := h.outcome(job, 7*time.Second)
	if e != nil {
		t.Fatalf("failure %v", e)
	}
	if !strings.Contains(string(body), "survivor") || good.Requests() != 1 {
		t.Errorf("page %.100s (good engine asked %d times)", body, good.Requests())
	}
	if dl := job.DeadlineTime(); time.Now().After(dl) {
		t.Errorf("page arrived %s after the deadline", time.Since(dl))
	}
	if m.Header.Get(schemas.HeaderKey) != job.Key {
		t.Errorf("page for key %q", m.Header.Get(schemas.HeaderKey))
	}
}

// A fetch longer than the ack wait stays with its fetcher: the progress signals (keepAlive)
// hold the job, so the engine is asked once and the page comes back once.
func TestProgressHoldsSlowFetch(t *testing.T) {
	h := newHarness(t)
	slow := quickSim(t, func(c *sim.Config) { c.Latency = 2500 * time.Millisecond })
	cfg := testConfig()
	cfg.AckWait = time.Second
	cfg.AttemptTimeout = 10 * time.Second
	h.start(cfg, "duckduckgo="+slow.URL())

	job := h.publish("duckduckgo", "patient", 9*time.Second)
	_, body, e := h.outcome(job, 8*time.Second)
	if e != nil {
		t.Fatalf("failure %v", e)
	}
	if !strings.Contains(string(body), "patient") {
		t.Errorf("page %.100s", body)
	}
	// A redelivery would have reached the engine before the first answer came back
	// (after 1 s, against 2.5 s).
	if n := slow.Requests(); n != 1 {
		t.Errorf("engine asked %d times, want 1 (the job was redelivered while in progress)", n)
	}
}

// A job no fetcher ever acks (every delivery dies) goes to trawl.v1.dead.fetch with the reason
// once it runs out of deliveries; its requester is told, and it leaves the work queue.
func TestDeadLetterAfterMaxDeliveries(t *testing.T) {
	h := newHarness(t)
	dead, err := h.nc.SubscribeSync(schemas.SubjectDeadLetterPrefix + "fetch")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.MaxDeliver = 2
	// The dead-letter watcher alone: the test plays the fetchers that die with each delivery.
	svc, err := New(cfg, Deps{NC: testkit.Connect(t, h.ns), Engines: engines.Default(), Streams: testStreams()})
	if err != nil {
		t.Fatal(err)
	}
	if svc.js, err = jetstream.New(svc.nc); err != nil {
		t.Fatal(err)
	}
	if err := svc.watchDeadLetters(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := streams.Ensure(ctx, h.js, testStreams()); err != nil {
		t.Fatal(err)
	}
	cons, err := h.js.CreateOrUpdateConsumer(ctx, schemas.StreamFetch, schemas.FetchConsumer(4, time.Second, cfg.MaxDeliver))
	if err != nil {
		t.Fatal(err)
	}
	job := h.publish("duckduckgo", "poison", 30*time.Second)
	for i := range cfg.MaxDeliver {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			m.Nak() // the fetcher holding it "died"
		}
		if got != 1 {
			t.Fatalf("delivery %d: %d messages", i+1, got)
		}
	}
	// A fetcher still pulling gets nothing more: the job is out of deliveries.
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		t.Fatalf("delivered again past max deliveries: %s", m.Data())
	}
	m, err := dead.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	if r := m.Header.Get(schemas.HeaderDeadReason); !strings.Contains(r, "max deliveries") || !strings.Contains(r, "2 times") {
		t.Errorf("reason %q", r)
	}
	if got := m.Header.Get(schemas.HeaderDeadSubject); got != schemas.SubjectFetchPrefix+"duckduckgo" {
		t.Errorf("subject %q", got)
	}
	if dj, err := schemas.DecodeFetchJob(m.Data); err != nil || dj.ID != job.ID {
		t.Errorf("dead letter carries %v (%v), want job %s", dj, err, job.ID)
	}
	if _, _, e := h.outcome(job, 5*time.Second); e == nil || e.Kind != schemas.TypeUnavailable {
		t.Errorf("requester told %v, want unavailable", e)
	}
	stream, err := h.js.Stream(ctx, schemas.StreamFetch)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		info, err := stream.Info(ctx)
		return err == nil && info.State.Msgs == 0
	}, "dead job still in the work queue")
}
