package webhook

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// countingListener counts the connections it accepts: the proof that a refused delivery
// never reached the receiver.
type countingListener struct {
	net.Listener
	accepts atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepts.Add(1)
	}
	return c, err
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint on loopback. Its answer to the n-th request (1-based) is
// answer(n, w); the first 100 requests are sent on got before they are answered.
type receiver struct {
	srv *httptest.Server
	ln  *countingListener
	got chan received
	n   atomic.Int64
}

func newReceiver(t *testing.T, network, addr string, answer func(n int, w http.ResponseWriter)) *receiver {
	t.Helper()
	r, err := listenReceiver(t, network, addr, answer)
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, addr, err)
	}
	return r
}

// listenReceiver is newReceiver for an address the machine may not have (::1).
func listenReceiver(t *testing.T, network, addr string, answer func(n int, w http.ResponseWriter)) (*receiver, error) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: &countingListener{Listener: ln}, got: make(chan received, 100)}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		select {
		case r.got <- received{header: req.Header.Clone(), body: body}:
		default: // a test that retries many times reads only the first requests
		}
		answer(int(r.n.Add(1)), w)
	}))
	r.srv.Listener.Close()
	r.srv.Listener = r.ln
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r, nil
}

func status(code int) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) { w.WriteHeader(code) }
}

func (r *receiver) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *receiver) url(host string) string {
	return "http://" + net.JoinHostPort(host, strconv.Itoa(r.port())) + "/hook?token=x"
}

// next is the next request the receiver got.
func (r *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case g := <-r.got:
		return g
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver got nothing")
	}
	return received{}
}

// testConfig retries fast: attempts a few milliseconds apart, for at most a second.
func testConfig(allow string, ports ...int) Config {
	c := DefaultConfig()
	c.Timeout = 5 * time.Second
	c.MaxElapsed = time.Second
	c.Backoff = time.Millisecond
	c.MaxBackoff = 5 * time.Millisecond
	c.Allow = allow
	var ps []string
	for _, p := range ports {
		ps = append(ps, strconv.Itoa(p))
	}
	if len(ps) > 0 {
		c.Ports = strings.Join(ps, ",")
	}
	return c
}

func newTestMetrics() Metrics {
	return Metrics{
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trawl_webhook_deliveries_total"}, []string{"outcome"}),
		Attempts:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trawl_webhook_attempts_total"}, []string{"result"}),
		InFlight:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "trawl_webhook_in_flight"}),
	}
}

func newSender(t *testing.T, cfg Config, m Metrics) *Sender {
	t.Helper()
	s, err := New(cfg, m, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

// attempts collects what onAttempt reports.
type attempts struct {
	mu   sync.Mutex
	list []Attempt
}

func (a *attempts) add(x Attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list = append(a.list, x)
}

func (a *attempts) all() []Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Attempt(nil), a.list...)
}

// dnsServer answers every A query with 127.0.0.1 (and AAAA with nothing): an attacker's DNS
// pointing a public-looking name at loopback.
type dnsServer struct {
	conn    net.PacketConn
	queries atomic.Int64
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns listen: %v", err)
	}
	s := &dnsServer{conn: pc}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := answerDNS(buf[:n]); resp != nil {
				s.queries.Add(1)
				pc.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return s
}

func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp4", s.conn.LocalAddr().String())
	}}
}

func answerDNS(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	i := 12
	for i < len(q) && q[i] != 0 {
		if q[i]&0xc0 != 0 {
			return nil
		}
		i += 1 + int(q[i])
	}
	end := i + 5 // the root label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	a := binary.BigEndian.Uint16(q[i+1:]) == 1
	out := make([]byte, 12, 512)
	copy(out, q[:2])
	out[2] = 0x80 | q[2]&0x79 // QR, the opcode and RD echoed
	out[3] = 0x80             // RA
	binary.BigEndian.PutUint16(out[4:], 1)
	if a {
		binary.BigEndian.PutUint16(out[6:], 1)
	}
	out = append(out, q[12:end]...)
	if a {
		out = append(out, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1)
	}
	return out
}
