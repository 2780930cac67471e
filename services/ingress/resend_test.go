package ingress

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// swallowFirst is a cache replica as the ingress sees one that crashed holding a request: the
// first search it is sent is never answered; every later one is answered at once. It records
// the request id of each search it gets.
type swallowFirst struct {
	mu   sync.Mutex
	seen []string
	at   []time.Time
	// swallowAll answers nothing at all: a replica that holds every request.
	swallowAll bool
}

func (f *swallowFirst) handle(req micro.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, req.Headers().Get(schemas.HeaderRequestID))
	f.at = append(f.at, time.Now())
	first := len(f.seen) == 1
	f.mu.Unlock()
	if !first && !f.swallowAll {
		respondHit(req)
	}
}

func (f *swallowFirst) times() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.at...)
}

func (f *swallowFirst) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// TestSearchIsResentWhenTheCacheSaysNothing: a search the cache service never answers (its
// replica crashed with it) is sent again after --resend-after, as the same request, and
// answered, rather than answered 504 at its deadline.
func TestSearchIsResentWhenTheCacheSaysNothing(t *testing.T) {
	ns := testkit.StartNATS(t)
	var f swallowFirst
	startFakeCache(t, ns, f.handle)
	ti := startIngress(t, ns, ingressOpts{cfg: func(c *Config) { c.ResendAfter = 200 * time.Millisecond }})

	resp, body := send(t, "GET", ti.url+"/v1/search?q=resent&timeout_ms=10000", nil, map[string]string{schemas.HeaderRequestID: "req-resend-1"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 from the resend: %s", resp.StatusCode, body)
	}
	if got := ti.counter(ti.m.resends); got != 1 {
		t.Errorf("trawl_ingress_resends_total = %v, want 1", got)
	}
	ids := f.ids()
	if len(ids) != 2 || ids[0] != "req-resend-1" || ids[1] != ids[0] {
		t.Errorf("the cache got request ids %q, want the same request twice", ids)
	}
}

// TestResendsBackOff: a cache service that never answers gets the request again after
// --resend-after, then after twice that, and so on, never once per window.
func TestResendsBackOff(t *testing.T) {
	ns := testkit.StartNATS(t)
	var f swallowFirst
	f.swallowAll = true
	startFakeCache(t, ns, f.handle)
	ti := startIngress(t, ns, ingressOpts{cfg: func(c *Config) { c.ResendAfter = 100 * time.Millisecond }})

	// 1600ms of silence: sends at about 0, 100, 300, 700 and 1500ms, where a fixed window
	// would have sent 16 times. A slow machine only stretches the gaps, so they are held to
	// their floor, and the count to its ceiling.
	resp, body := send(t, "GET", ti.url+"/v1/search?q=silent&timeout_ms=1600", nil, nil)
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504: %s", resp.StatusCode, body)
	}
	at := f.times()
	if len(at) < 3 || len(at) > 5 {
		t.Fatalf("the cache got %d sends, want 3 to 5", len(at))
	}
	if got := ti.counter(ti.m.resends); int(got) != len(at)-1 {
		t.Errorf("trawl_ingress_resends_total = %v, want %d", got, len(at)-1)
	}
	window := 100 * time.Millisecond
	for i := 1; i < len(at); i++ {
		// A little under the window: the fake cache timestamps a send when it is delivered.
		if gap := at[i].Sub(at[i-1]); gap < window-20*time.Millisecond {
			t.Errorf("send %d came %v after the one before, want at least %v", i+1, gap, window)
		}
		window *= 2
	}
}

// TestResendOffWaitsForTheDeadline: with --resend-after 0 the same silence ends in the typed
// timeout at the request's deadline, and nothing is sent twice.
func TestResendOffWaitsForTheDeadline(t *testing.T) {
	ns := testkit.StartNATS(t)
	var f swallowFirst
	startFakeCache(t, ns, f.handle)
	ti := startIngress(t, ns, ingressOpts{cfg: func(c *Config) { c.ResendAfter = 0 }})

	resp, body := send(t, "GET", ti.url+"/v1/search?q=silence&timeout_ms=1000", nil, nil)
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504: %s", resp.StatusCode, body)
	}
	if p := problemOf(t, resp, body); p.Kind != schemas.TypeTimeout {
		t.Errorf("problem type %q, want %q", p.Kind, schemas.TypeTimeout)
	}
	if got := ti.counter(ti.m.resends); got != 0 {
		t.Errorf("trawl_ingress_resends_total = %v, want 0", got)
	}
	if n := len(f.ids()); n != 1 {
		t.Errorf("the cache got %d requests, want 1", n)
	}
}

func TestResendAfterIsValidated(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, time.Millisecond, 99 * time.Millisecond} {
		c := DefaultConfig()
		c.ResendAfter = d
		if err := c.Validate(); err == nil {
			t.Errorf("resend-after %v accepted", d)
		}
	}
	c := DefaultConfig()
	if c.ResendAfter != 2*time.Second {
		t.Errorf("default resend-after %v, want 2s", c.ResendAfter)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the default configuration: %v", err)
	}
}
