package cache

import (
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/streams"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// A fetch stream that answers "no responders" for a while (a clustered stream electing a
// leader; here the stream is gone for a second, longer than nats.go's own retries) holds the
// job until the stream is back, within the request's deadline, instead of a 503 at once.
func TestPublishRidesOutMissingStream(t *testing.T) {
	rg := startBare(t)
	c := rg.startCache(testConfig(), NewMemory(16<<20))
	js, err := jetstream.New(rg.client)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(t.Context(), schemas.StreamFetch); err != nil {
		t.Fatalf("delete the fetch stream: %v", err)
	}
	done := make(chan answer, 1)
	go func() { done <- rg.ask(query("stream outage"), 3*time.Second) }()
	testkit.Eventually(t, 2*time.Second, func() bool { return c.metric("trawl_cache_flights") == 1 }, "the request starts a flight")

	// The outage's length, not synchronisation: the stream comes back a second later.
	<-time.After(time.Second)
	if err := streams.Ensure(t.Context(), js, rg.streams); err != nil {
		t.Fatalf("recreate the streams: %v", err)
	}
	testkit.Eventually(t, 3*time.Second, func() bool {
		return c.metric("trawl_cache_jobs_published_total", "result", "ok") == 1
	}, "the job is published once the stream is back")
	st, err := js.Stream(t.Context(), schemas.StreamFetch)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(t.Context()); err != nil || info.State.Msgs != 1 {
		t.Fatalf("fetch stream: %+v, %v; want the one job", info, err)
	}
	// Nothing fetches here, so the request ends at its deadline: a 504, not a 503.
	if a := <-done; a.err == nil || a.err.Kind != schemas.TypeTimeout {
		t.Fatalf("answer %+v, want a timeout", a.err)
	}
}
