package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trawl-dev/trawl/testkit"
)

var secret = []byte("0123456789abcdef-tenant-secret")

// TestSignatureVerifies: the receiver checks the signature with the recipe of the package
// doc, written out here rather than through Verify, so a change to the scheme that Sign and
// Verify agree on still fails.
func TestSignatureVerifies(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, "tcp4", "127.0.0.1:0", status(http.StatusNoContent))
	m := newTestMetrics()
	s := newSender(t, testConfig("127.0.0.1/32"), m)
	body := []byte(`{"search_metadata":{"id":"abc"},"organic_results":[]}`)
	var got attempts
	res := s.Deliver(t.Context(), Delivery{ID: "d-1", URL: r.url("127.0.0.1"), Body: body, Secret: secret, Event: "search.completed"}, got.add)

	if res.Outcome != Delivered || res.Attempts != 1 || res.Status != 204 || res.ID != "d-1" {
		t.Fatalf("result %+v, want delivered in one attempt", res)
	}
	req := r.next(t)
	if string(req.body) != string(body) {
		t.Fatalf("body %q, want %q", req.body, body)
	}
	h := req.header
	ts := h.Get("Trawl-Timestamp")
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "." + string(req.body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if h.Get("Trawl-Signature") != want {
		t.Errorf("Trawl-Signature %q, want %q", h.Get("Trawl-Signature"), want)
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(n, 0)).Abs() > time.Minute {
		t.Errorf("Trawl-Timestamp %q is not now", ts)
	}
	if err := Verify(secret, h.Get("Trawl-Signature"), ts, req.body, time.Now(), 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := Verify([]byte("another-secret-of-16+"), h.Get("Trawl-Signature"), ts, req.body, time.Now(), 0); err == nil {
		t.Error("Verify accepted another secret")
	}
	if err := Verify(secret, h.Get("Trawl-Signature"), ts, req.body, time.Now().Add(10*time.Minute), 0); err == nil {
		t.Error("Verify accepted a timestamp ten minutes old")
	}
	for k, v := range map[string]string{
		"Content-Type":   "application/json",
		"Trawl-Delivery": "d-1",
		"Trawl-Event":    "search.completed",
		"Trawl-Attempt":  "1",
	} {
		if h.Get(k) != v {
			t.Errorf("%s %q, want %q", k, h.Get(k), v)
		}
	}
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "trawl-webhook/") {
		t.Errorf("User-Agent %q", ua)
	}
	if a := got.all(); len(a) != 1 || a[0].N != 1 || a[0].Status != 204 || a[0].Error != "" || a[0].At.IsZero() {
		t.Errorf("attempts %+v", a)
	}
	if v := testutil.ToFloat64(m.Deliveries.WithLabelValues("delivered")); v != 1 {
		t.Errorf("delivered counter %v", v)
	}
	if v := testutil.ToFloat64(m.Attempts.WithLabelValues("2xx")); v != 1 {
		t.Errorf("2xx attempts counter %v", v)
	}
}

// TestRetriedAfter500: a 500 is retried; both attempts are reported, in order, and carry the
// same delivery id, each signed for its own timestamp.
func TestRetriedAfter500(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, "tcp4", "127.0.0.1:0", func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	m := newTestMetrics()
	s := newSender(t, testConfig("127.0.0.1/32"), m)
	var got attempts
	res := s.Deliver(t.Context(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret, Event: "search.completed"}, got.add)
	if res.Outcome != Delivered || res.Attempts != 2 || res.ID == "" {
		t.Fatalf("result %+v, want delivered on the second attempt", res)
	}
	a := got.all()
	if len(a) != 2 || a[0].N != 1 || a[0].Status != 500 || a[0].Error == "" || a[1].N != 2 || a[1].Status != 200 {
		t.Fatalf("attempts %+v, want 500 then 200", a)
	}
	first, second := r.next(t), r.next(t)
	if first.header.Get("Trawl-Delivery") != res.ID || second.header.Get("Trawl-Delivery") != res.ID {
		t.Errorf("delivery ids %q, %q, want %q on both", first.header.Get("Trawl-Delivery"), second.header.Get("Trawl-Delivery"), res.ID)
	}
	if second.header.Get("Trawl-Attempt") != "2" {
		t.Errorf("Trawl-Attempt %q on the retry", second.header.Get("Trawl-Attempt"))
	}
	for _, g := range []received{first, second} {
		if err := Verify(secret, g.header.Get("Trawl-Signature"), g.header.Get("Trawl-Timestamp"), g.body, time.Now(), 0); err != nil {
			t.Errorf("attempt %s: %v", g.header.Get("Trawl-Attempt"), err)
		}
	}
	if v := testutil.ToFloat64(m.Attempts.WithLabelValues("5xx")); v != 1 {
		t.Errorf("5xx attempts counter %v", v)
	}
}

// TestFinalAnswers: a 4xx other than 408 and 429 ends the delivery after one attempt, and so
// does a redirect, which is not followed.
func TestFinalAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(int, http.ResponseWriter)
		status int
	}{
		{"410", status(http.StatusGone), 410},
		{"400", status(http.StatusBadRequest), 400},
		{"302", func(_ int, w http.ResponseWriter) {
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(http.StatusFound)
		}, 302},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var followed atomic.Bool
			r := newReceiver(t, "tcp4", "127.0.0.1:0", func(n int, w http.ResponseWriter) {
				if n > 1 {
					followed.Store(true)
				}
				tc.answer(n, w)
			})
			m := newTestMetrics()
			s := newSender(t, testConfig("127.0.0.1/32"), m)
			var got attempts
			res := s.Deliver(t.Context(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret}, got.add)
			if res.Outcome != Failed || res.Attempts != 1 || res.Status != tc.status || res.Error == "" {
				t.Fatalf("result %+v, want failed after one attempt with %d", res, tc.status)
			}
			if a := got.all(); len(a) != 1 || a[0].Status != tc.status {
				t.Fatalf("attempts %+v", a)
			}
			if followed.Load() {
				t.Fatal("a second request reached the receiver")
			}
			if v := testutil.ToFloat64(m.Deliveries.WithLabelValues("failed")); v != 1 {
				t.Errorf("failed counter %v", v)
			}
		})
	}
}

// TestBoundedTime: a receiver that always answers 503 is retried until MaxElapsed, then the
// delivery ends as failed, every attempt reported.
func TestBoundedTime(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, "tcp4", "127.0.0.1:0", status(http.StatusServiceUnavailable))
	cfg := testConfig("127.0.0.1/32")
	cfg.MaxElapsed = 150 * time.Millisecond
	s := newSender(t, cfg, newTestMetrics())
	var got attempts
	start := time.Now()
	res := s.Deliver(t.Context(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret}, got.add)
	took := time.Since(start)
	if res.Outcome != Failed || res.Attempts < 2 || res.Status != 503 || !strings.Contains(res.Error, "gave up") {
		t.Fatalf("result %+v, want failed after several 503s", res)
	}
	if a := got.all(); len(a) != res.Attempts || a[len(a)-1].N != res.Attempts {
		t.Fatalf("%d attempts reported, result says %d", len(a), res.Attempts)
	}
	// The bound plus one attempt's worth; a generous margin for a loaded machine.
	if took > cfg.MaxElapsed+3*time.Second {
		t.Fatalf("retried for %s with a %s bound", took, cfg.MaxElapsed)
	}
}

// TestRetryAfterCapped: a 429's Retry-After is honoured up to MaxBackoff, so a receiver
// asking for an hour is tried again within the cap, not never.
func TestRetryAfterCapped(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, "tcp4", "127.0.0.1:0", func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	cfg := testConfig("127.0.0.1/32")
	cfg.MaxBackoff = 50 * time.Millisecond
	s := newSender(t, cfg, newTestMetrics())
	var got attempts
	res := s.Deliver(t.Context(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret}, got.add)
	if res.Outcome != Delivered || res.Attempts != 2 {
		t.Fatalf("result %+v", res)
	}
	a := got.all()
	// The wait is at least the cap (the Retry-After, capped) and not the hour.
	if gap := a[1].At.Sub(a[0].At); gap < cfg.MaxBackoff || gap > 30*time.Second {
		t.Fatalf("second attempt %s after the first, want between %s and far less than an hour", gap, cfg.MaxBackoff)
	}
}

func TestRetryAfterParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"99999999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	} {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestPrivateTargetsRefused: a webhook URL whose host is, or resolves to, a loopback,
// private, link-local or metadata address never gets a connection, whatever its spelling;
// the same URL is delivered once its range is allowed explicitly.
func TestPrivateTargetsRefused(t *testing.T) {
	t.Parallel()
	r4 := newReceiver(t, "tcp4", "127.0.0.1:0", status(http.StatusOK))
	dns := newDNSServer(t)
	port := r4.port()
	p := strconv.Itoa(port)
	urls := []string{
		r4.url("127.0.0.1"),
		r4.url("localhost"),
		r4.url("LOCALHOST."),
		r4.url("::ffff:127.0.0.1"),
		"http://2130706433:" + p + "/",
		"http://0x7f.1:" + p + "/",
		"http://127.1:" + p + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/",
		"http://10.0.0.1:" + p + "/",
	}
	r6, err := listenReceiver(t, "tcp6", "[::1]:0", status(http.StatusOK))
	if err != nil {
		t.Logf("no IPv6 loopback (%v): [::1] not tried", err)
	} else {
		urls = append(urls, r6.url("::1"))
	}
	// Ports list the receivers', so only the address can be the reason for a refusal.
	ports := []int{80, port}
	if r6 != nil {
		ports = append(ports, r6.port())
	}
	cfg := testConfig("", ports...)
	cfg.Resolver = dns.resolver()
	m := newTestMetrics()
	s := newSender(t, cfg, m)
	for _, u := range urls {
		if err := s.Validate(u); err == nil || !strings.Contains(err.Error(), "is not allowed") {
			t.Errorf("Validate(%s) = %v, want a refusal before any work", u, err)
		}
		var got attempts
		res := s.Deliver(t.Context(), Delivery{URL: u, Body: []byte(`{}`), Secret: secret}, got.add)
		if res.Outcome != Refused || res.Attempts != 0 {
			t.Errorf("%s: result %+v, want refused without an attempt", u, res)
		}
	}
	// A name is judged when dialled: it passes Validate, then its address is refused.
	named := "http://hooks.example.test:" + p + "/hook"
	if err := s.Validate(named); err != nil {
		t.Fatalf("Validate(%s) = %v: a name cannot be judged before it resolves", named, err)
	}
	var got attempts
	res := s.Deliver(t.Context(), Delivery{URL: named, Body: []byte(`{}`), Secret: secret}, got.add)
	if res.Outcome != Refused || res.Attempts != 1 || !strings.Contains(res.Error, "loopback address 127.0.0.1") {
		t.Errorf("%s: result %+v, want refused at dial time", named, res)
	}
	if a := got.all(); len(a) != 1 || a[0].Status != 0 || !strings.Contains(a[0].Error, "hooks.example.test resolves to loopback") {
		t.Errorf("attempts %+v", a)
	}
	if dns.queries.Load() == 0 {
		t.Error("the name was never resolved: the test proves nothing")
	}
	if n := r4.ln.accepts.Load(); n != 0 {
		t.Fatalf("the IPv4 receiver accepted %d connections", n)
	}
	if r6 != nil && r6.ln.accepts.Load() != 0 {
		t.Fatalf("the IPv6 receiver accepted %d connections", r6.ln.accepts.Load())
	}
	if v := testutil.ToFloat64(m.Deliveries.WithLabelValues("refused")); int(v) != len(urls)+1 {
		t.Errorf("refused counter %v, want %d", v, len(urls)+1)
	}

	// Allowed explicitly, the loopback spellings go through; the rest stay refused.
	cfg.Allow = "127.0.0.1/32,::1/128"
	allowed := newSender(t, cfg, newTestMetrics())
	pass := []string{r4.url("127.0.0.1"), r4.url("localhost"), r4.url("::ffff:127.0.0.1"), named}
	if r6 != nil {
		pass = append(pass, r6.url("::1"))
	}
	for _, u := range pass {
		if err := allowed.Validate(u); err != nil {
			t.Errorf("allowed Validate(%s) = %v", u, err)
		}
		res := allowed.Deliver(t.Context(), Delivery{URL: u, Body: []byte(`{}`), Secret: secret}, nil)
		if res.Outcome != Delivered {
			t.Errorf("allowed %s: result %+v", u, res)
		}
	}
	for _, u := range []string{"http://2130706433:" + p + "/", "http://169.254.169.254/", "http://10.0.0.1:" + p + "/"} {
		if res := allowed.Deliver(t.Context(), Delivery{URL: u, Body: []byte(`{}`), Secret: secret}, nil); res.Outcome != Refused {
			t.Errorf("%s with only loopback allowed: %+v", u, res)
		}
	}
	if r4.ln.accepts.Load() == 0 {
		t.Error("the allowed deliveries never reached the receiver")
	}
}

// TestPortsOffTheList: a public-looking name on a port off the list is refused up front.
func TestPortsOffTheList(t *testing.T) {
	t.Parallel()
	s := newSender(t, testConfig(""), newTestMetrics())
	for _, u := range []string{"http://hooks.example.com:25/", "https://hooks.example.com:6379/x"} {
		if err := s.Validate(u); err == nil || !strings.Contains(err.Error(), "port") {
			t.Errorf("Validate(%s) = %v, want the port refused", u, err)
		}
	}
	if err := s.Validate("https://hooks.example.com/x?y=1"); err != nil {
		t.Errorf("a public https URL: %v", err)
	}
}

// TestShutdown: deliveries in progress get the grace Shutdown is given, then end as failed
// with the reason; a delivery asked for afterwards is refused at once.
func TestShutdown(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, "tcp4", "127.0.0.1:0", status(http.StatusServiceUnavailable))
	cfg := testConfig("127.0.0.1/32")
	cfg.MaxElapsed = time.Hour
	s, err := New(cfg, newTestMetrics(), nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var once atomic.Bool
	done := make(chan Result, 1)
	go func() {
		done <- s.Deliver(context.Background(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret}, func(Attempt) {
			if once.CompareAndSwap(false, true) {
				close(first)
			}
		})
	}()
	<-first
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	s.Shutdown(ctx)
	// Shutdown returns once the delivery has let go of its slot (wg.Done, deferred inside
	// Deliver); Deliver's result reaches done a moment after that, so wait for it, bounded.
	select {
	case res := <-done:
		if res.Outcome != Failed || !strings.Contains(res.Error, "shutting down") {
			t.Fatalf("result %+v, want failed for the shutdown", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not end with the shutdown")
	}
	if res := s.Deliver(t.Context(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret}, nil); res.Outcome != Failed || res.Error != ErrStopped.Error() {
		t.Fatalf("after Shutdown: %+v", res)
	}
	s.Shutdown(context.Background()) // repeatable
}

// TestConcurrencyBound: no more than MaxConcurrent deliveries are in progress at once; the
// others wait for a slot and are delivered after.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var in, peak atomic.Int64
	r := newReceiver(t, "tcp4", "127.0.0.1:0", func(_ int, w http.ResponseWriter) {
		n := in.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		in.Add(-1)
		w.WriteHeader(http.StatusOK)
	})
	cfg := testConfig("127.0.0.1/32")
	cfg.MaxConcurrent = 2
	m := newTestMetrics()
	s := newSender(t, cfg, m)
	const n = 6
	results := make(chan Result, n)
	for range n {
		go func() {
			results <- s.Deliver(t.Context(), Delivery{URL: r.url("127.0.0.1"), Body: []byte(`{}`), Secret: secret}, nil)
		}()
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		return in.Load() == 2 && testutil.ToFloat64(m.InFlight) == n
	}, "two deliveries at the receiver, all six in flight")
	close(release)
	for range n {
		if res := <-results; res.Outcome != Delivered {
			t.Errorf("result %+v", res)
		}
	}
	if p := peak.Load(); p != 2 {
		t.Fatalf("%d deliveries at once, bound 2", p)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, err string
	}{
		{"https://hooks.example.com/trawl", ""},
		{"http://hooks.example.com:8080/x?token=abc#frag", ""},
		{"", "must not be empty"},
		{"ftp://hooks.example.com/", "http or https"},
		{"hooks.example.com/x", "http or https"},
		{"//hooks.example.com/x", "http or https"},
		{"https:///x", "must name a host"},
		{"https:hooks.example.com", "must name a host"},
		{"https://user:pw@hooks.example.com/", "credentials"},
		{"https://hooks.example.com:0/", "port"},
		{"https://hooks.example.com:70000/", "port"},
		{"https://hooks.example.com/\x00", "not a URL"},
		{"https://hooks.example.com/" + strings.Repeat("a", MaxURLBytes), "at most"},
	} {
		err := Validate(tc.url)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Validate(%q) = %v", tc.url, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Validate(%q) = %v, want %q", tc.url, err, tc.err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Config)
		err  string
	}{
		{"defaults", func(*Config) {}, ""},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "webhook-timeout"},
		{"backoff", func(c *Config) { c.Backoff = 0 }, "webhook-backoff"},
		{"max backoff", func(c *Config) { c.MaxBackoff = c.Backoff / 2 }, "webhook-max-backoff"},
		{"concurrency", func(c *Config) { c.MaxConcurrent = 0 }, "webhook-concurrency"},
		{"ports", func(c *Config) { c.Ports = "80,x" }, "webhook-ports"},
		{"allow", func(c *Config) { c.Allow = "10.0.0.0/33" }, "webhook-allow"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
	}
}
