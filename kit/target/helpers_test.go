package target

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// sentinel is a listener no refused dial may reach. It records who connected, in order,
// and hangs up at once, so a stray request fails fast instead of waiting for an answer.
type sentinel struct {
	ln    net.Listener
	conns chan net.Addr
}

func newSentinel(t *testing.T, network, addr string) *sentinel {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, addr, err)
	}
	s := &sentinel{ln: ln, conns: make(chan net.Addr, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns <- c.RemoteAddr()
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return s
}

func (s *sentinel) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// hostPort is the sentinel's port on host: "127.0.0.1:P", "[::1]:P", "localhost:P".
func (s *sentinel) hostPort(host string) string {
	return net.JoinHostPort(host, strconv.Itoa(s.port()))
}

// firstIsProbe connects to the sentinel and reports whether the first connection it
// accepts is that probe. Every connection made earlier is queued ahead of it, so false
// means something else (a dial that should have been refused) got through.
func (s *sentinel) firstIsProbe(t *testing.T) (bool, net.Addr) {
	t.Helper()
	probe, err := net.Dial(s.ln.Addr().Network(), s.ln.Addr().String())
	if err != nil {
		t.Fatalf("probe dial: %v", err)
	}
	defer probe.Close()
	select {
	case from := <-s.conns:
		return from.String() == probe.LocalAddr().String(), from
	case <-time.After(10 * time.Second):
		t.Fatal("the sentinel never accepted the probe")
	}
	return false, nil
}

func (s *sentinel) assertNoConn(t *testing.T) {
	t.Helper()
	if ok, from := s.firstIsProbe(t); !ok {
		t.Fatalf("a refused dial reached the listener (connection from %v)", from)
	}
}

// tripwire is a dialer Control that runs after the policy's: it records every address the
// policy let through and refuses all but pass, so a policy mistake in a test is seen and
// never becomes a connection.
type tripwire struct {
	pass   string
	mu     sync.Mutex
	dialed []string
}

var errTripped = errors.New("tripwire: the policy let this dial through")

func (w *tripwire) control(_, address string, _ syscall.RawConn) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dialed = append(w.dialed, address)
	if address == w.pass {
		return nil
	}
	return errTripped
}

func (w *tripwire) tripped() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, a := range w.dialed {
		if a != w.pass {
			out = append(out, a)
		}
	}
	return out
}

// client is an http.Client through p whose dials also pass w (when non-nil).
func client(p *Policy, w *tripwire) *http.Client {
	tr := p.Transport(nil)
	if w != nil {
		tr.DialContext = p.Dialer(&net.Dialer{Timeout: 5 * time.Second, Control: w.control}).DialContext
	}
	return &http.Client{Transport: tr, CheckRedirect: p.CheckRedirect, Timeout: 20 * time.Second}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("request %s: %v", url, err)
	}
	resp, err := c.Do(req)
	if resp != nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

// startServer serves h on a listener of its own, or returns nil when addr cannot be
// listened on.
func startServer(t *testing.T, network, addr string, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// allowedServer serves h on a loopback address of its own (127.0.0.2, else ::1), so a
// policy can allow exactly that address while 127.0.0.1 stays refused.
func allowedServer(t *testing.T, h http.Handler, tls bool) (srv *httptest.Server, allow string) {
	t.Helper()
	if srv := startServer(t, "tcp4", "127.0.0.2:0", h, tls); srv != nil {
		return srv, "127.0.0.2/32"
	}
	if srv := startServer(t, "tcp6", "[::1]:0", h, tls); srv != nil {
		return srv, "::1/128"
	}
	t.Skip("neither 127.0.0.2 nor ::1 can be listened on")
	return nil, ""
}

// dnsServer answers every query on loopback: names under nx. do not exist, pub. is
// 8.8.8.8, mixed. is 8.8.8.8 and 10.0.0.1, anything else is 127.0.0.1 (A records only).
// It stands in for an attacker's DNS, so a test can point any name at loopback.
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
			if resp := s.answer(buf[:n]); resp != nil {
				s.queries.Add(1)
				pc.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return s
}

// resolver sends every lookup to s.
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp4", s.conn.LocalAddr().String())
	}}
}

func (s *dnsServer) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	// Walk the question's name to find its end and first label.
	i, first := 12, ""
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l&0xc0 != 0 || i+1+l > len(q) {
			return nil
		}
		if first == "" {
			first = strings.ToLower(string(q[i+1 : i+1+l]))
		}
		i += 1 + l
	}
	end := i + 5 // the root label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	var ips []netip.Addr
	rcode := byte(0)
	switch {
	case first == "nx":
		rcode = 3
	case first == "mapped" || first == "six":
		// AAAA only: an IPv4-mapped loopback, or ::1.
		if qtype == 28 {
			ips = []netip.Addr{netip.MustParseAddr(map[string]string{"mapped": "::ffff:127.0.0.1", "six": "::1"}[first])}
		}
	case qtype != 1: // only A records
	case first == "pub":
		ips = []netip.Addr{netip.MustParseAddr("8.8.8.8")}
	case first == "mixed":
		ips = []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("10.0.0.1")}
	default:
		ips = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	out := make([]byte, 12, 512)
	copy(out, q[:2])
	out[2] = 0x80 | q[2]&0x79 // QR, the opcode and RD echoed
	out[3] = 0x80 | rcode     // RA
	binary.BigEndian.PutUint16(out[4:], 1)
	binary.BigEndian.PutUint16(out[6:], uint16(len(ips)))
	out = append(out, q[12:end]...)
	for _, ip := range ips {
		if ip.Is4() {
			b := ip.As4()
			out = append(out, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4)
			out = append(out, b[:]...)
		} else {
			b := ip.As16() // kept as sent: a mapped address stays in its IPv6 form
			out = append(out, 0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 0, 0, 16)
			out = append(out, b[:]...)
		}
	}
	return out
}
