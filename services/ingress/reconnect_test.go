package ingress

import (
	"net/http"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/natsconn"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestSearchRidesOutANATSRestart: a search sent while the ingress is reconnecting to NATS (its
// server restarted) waits for the connection and is answered, instead of a 503 at once.
func TestSearchRidesOutANATSRestart(t *testing.T) {
	port := testkit.FreePort(t)
	ns := testkit.StartNATSWith(t, &server.Options{Port: port})
	url := ns.ClientURL()
	cacheNC, err := natsconn.Connect(url, "fake-cache", logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cacheNC.Close)
	if _, err := cacheNC.QueueSubscribe(schemas.SubjectSearch, "cache", func(m *nats.Msg) {
		r := nats.NewMsg(m.Reply)
		r.Header.Set(schemas.HeaderCache, "hit")
		r.Data = searchBody
		cacheNC.PublishMsg(r)
	}); err != nil {
		t.Fatal(err)
	}
	cacheNC.Flush()

	inNC, err := natsconn.Connect(url, "ingress", logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inNC.Close)
	cfg := DefaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	srv, err := New(cfg, Deps{NC: inNC, Engines: engines.Default(), Log: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	base := "http://" + srv.Addr()
	if resp, b := send(t, "GET", base+"/v1/search?q=before", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the restart: %d %s", resp.StatusCode, b)
	}

	ns.Shutdown()
	ns.WaitForShutdown()
	testkit.Eventually(t, 5*time.Second, func() bool { return !inNC.IsConnected() }, "ingress notices the restart")
	type answer struct {
		code int
		body []byte
	}
	done := make(chan answer, 1)
	go func() {
		resp, b := send(t, "GET", base+"/v1/search?q=during&timeout_ms=5000", nil, nil)
		done <- answer{resp.StatusCode, b}
	}()
	testkit.StartNATSWith(t, &server.Options{Port: port})
	select {
	case a := <-done:
		if a.code != http.StatusOK {
			t.Fatalf("search during the reconnect: status %d, want 200: %s", a.code, a.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("search during the reconnect never answered")
	}
}
