package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// TestDialRefusesEveryClass dials each literal address CheckURL refuses, through the
// transport alone (no CheckURL first): Control must refuse it before the connect, so the
// tripwire behind it never sees the dial.
func TestDialRefusesEveryClass(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, nil)
	n := 0
	for _, tc := range refused {
		u, err := url.Parse(tc.url)
		if err != nil || u.Scheme != "http" || u.User != nil {
			continue
		}
		if _, err := netip.ParseAddr(u.Hostname()); err != nil {
			continue // names are resolved: see the DNS tests
		}
		n++
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			w := &tripwire{}
			_, err := get(t, client(p, w), tc.url)
			wantForbidden(t, err, tc.want)
			if d := w.tripped(); len(d) > 0 {
				t.Errorf("the policy let %v through", d)
			}
		})
	}
	if n < 40 {
		t.Fatalf("only %d literal-address cases; the table lost some", n)
	}
}

// TestTransportRefusesLoopback makes real requests through Transport to a listener the
// refused addresses lead to, and checks nothing arrived there.
func TestTransportRefusesLoopback(t *testing.T) {
	s4 := newSentinel(t, "tcp4", "127.0.0.1:0")
	dns := newDNSServer(t)
	p := mustPolicy(t, append(slices.Clone(DefaultPorts), s4.port()))
	p.Resolver = dns.resolver()
	c := client(p, nil)
	tests := []struct{ url, want string }{
		{"http://" + s4.hostPort("127.0.0.1") + "/", "loopback address 127.0.0.1"},
		{"https://" + s4.hostPort("127.0.0.1") + "/", "loopback address 127.0.0.1"},
		{"http://" + s4.hostPort("0.0.0.0") + "/", "unspecified address 0.0.0.0"},
		{"http://" + s4.hostPort("::ffff:127.0.0.1") + "/", "loopback address 127.0.0.1"},
		// localhost through /etc/hosts, and a name an attacker's DNS points at loopback.
		{"http://" + s4.hostPort("localhost") + "/", "localhost resolves to loopback address"},
		{"http://" + s4.hostPort("rebind.test") + "/", "rebind.test resolves to loopback address 127.0.0.1"},
		// A name whose only answer is an AAAA record in IPv4-mapped form: dialled as IPv4.
		{"http://" + s4.hostPort("mapped.test") + "/", "mapped.test resolves to loopback address 127.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			_, err := get(t, c, tc.url)
			wantForbidden(t, err, tc.want)
			s4.assertNoConn(t)
		})
	}
	if dns.queries.Load() == 0 {
		t.Error("rebind.test was never looked up: the refusal was not at dial time")
	}

	t.Run("ipv6", func(t *testing.T) {
		s6 := newSentinel(t, "tcp6", "[::1]:0")
		p := mustPolicy(t, []int{s6.port()})
		c := client(p, nil)
		for _, tc := range []struct{ url, want string }{
			{"http://" + s6.hostPort("::1") + "/", "loopback address ::1"},
			{"http://" + s6.hostPort("::") + "/", "unspecified address ::"},
		} {
			_, err := get(t, c, tc.url)
			wantForbidden(t, err, tc.want)
			s6.assertNoConn(t)
		}
	})
}

// TestSentinelSeesStrayConnection shows assertNoConn can fail: a connection made before
// the probe is the one accepted first.
func TestSentinelSeesStrayConnection(t *testing.T) {
	s := newSentinel(t, "tcp4", "127.0.0.1:0")
	stray, err := net.Dial("tcp4", s.hostPort("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer stray.Close()
	if ok, _ := s.firstIsProbe(t); ok {
		t.Fatal("the sentinel did not notice a connection made before its probe")
	}
}

// TestAllowLetsLoopbackThrough: with the loopback address allowed, the same requests the
// other tests see refused reach the server, on a port not in the list, by address and
// by names that resolve to it.
func TestAllowLetsLoopbackThrough(t *testing.T) {
	var hits atomic.Int64
	srv := startServer(t, "tcp4", "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "hello from "+r.Host)
	}), false)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	if slices.Contains(DefaultPorts, port) {
		t.Skipf("the random port %d is a default port", port)
	}
	dns := newDNSServer(t)
	p := mustPolicy(t, nil, "127.0.0.1/32")
	p.Resolver = dns.resolver()
	c := client(p, nil)
	for _, host := range []string{"127.0.0.1", "localhost", "rebind.test"} {
		raw := "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
		u, _ := url.Parse(raw)
		if host != "rebind.test" {
			if err := p.CheckURL(u); err != nil {
				t.Errorf("CheckURL(%s) = %v, want allowed", raw, err)
			}
		}
		resp, err := get(t, c, raw)
		if err != nil {
			t.Fatalf("GET %s: %v", raw, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "hello from") {
			t.Errorf("GET %s = %d %q", raw, resp.StatusCode, b)
		}
	}
	if hits.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", hits.Load())
	}
	// A host name on an unlisted port is still refused early: its address is not known yet.
	u, _ := url.Parse("http://rebind.test:" + strconv.Itoa(port) + "/")
	wantForbidden(t, p.CheckURL(u), "port "+strconv.Itoa(port)+" not allowed")
}

// TestRedirects: an allowed first hop redirects to targets the policy refuses; each is
// refused before anything dials it (the tripwire sees only the first hop, the sentinel
// nothing), and the error says why.
func TestRedirects(t *testing.T) {
	s := newSentinel(t, "tcp4", "127.0.0.1:0")
	srv, allow := allowedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}), false)
	dns := newDNSServer(t)
	p := mustPolicy(t, append(slices.Clone(DefaultPorts), s.port()), allow)
	p.Resolver = dns.resolver()
	first := srv.Listener.Addr().String()
	tests := []struct {
		to, want string
		atDial   bool // refused by Control, not by CheckRedirect
	}{
		{"http://" + s.hostPort("127.0.0.1") + "/", "loopback address 127.0.0.1", false},
		{"http://169.254.169.254/latest/meta-data/", "link-local address 169.254.169.254 (cloud metadata)", false},
		{"http://[fd00:ec2::254]/latest/meta-data/", "unique-local address fd00:ec2::254", false},
		{"http://10.0.0.1/", "private address 10.0.0.1", false},
		{"file:///etc/passwd", "scheme file", false},
		{"gopher://" + s.hostPort("127.0.0.1") + "/_SET", "scheme gopher", false},
		{"http://8.8.8.8:25/", "port 25 not allowed", false},
		{"http://" + s.hostPort("localhost") + "/", "localhost resolves to loopback address 127.0.0.1", false},
		{"http://" + s.hostPort("::ffff:127.0.0.1") + "/", "loopback address 127.0.0.1", false},
		{"http://user:pw@example.com/", "credentials", false},
		// Passes CheckRedirect (a name on a listed port); refused when dialled.
		{"http://" + s.hostPort("rebind.test") + "/", "loopback address 127.0.0.1", true},
	}
	for _, tc := range tests {
		t.Run(tc.to, func(t *testing.T) {
			w := &tripwire{pass: first}
			resp, err := get(t, client(p, w), srv.URL+"/?to="+url.QueryEscape(tc.to))
			wantForbidden(t, err, tc.want)
			// http.Client hands back the last response when CheckRedirect refuses.
			if gotResp := resp != nil && resp.StatusCode == http.StatusFound; gotResp == tc.atDial {
				t.Errorf("refused at dial %v, but the first hop's 302 came back: %v", tc.atDial, gotResp)
			}
			if !slices.Contains(w.dialed, first) {
				t.Errorf("the first hop %s was never dialled (dials: %v)", first, w.dialed)
			}
			if d := w.tripped(); len(d) > 0 {
				t.Errorf("the redirect target was dialled: %v", d)
			}
			s.assertNoConn(t)
		})
	}
}

func TestRedirectLimit(t *testing.T) {
	var hits atomic.Int64
	srv, allow := allowedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if n > 0 {
			http.Redirect(w, r, "/"+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		io.WriteString(w, "end")
	}), false)
	tests := []struct {
		max, chain int
		ok         bool
	}{
		{DefaultMaxRedirects, 5, true},
		{DefaultMaxRedirects, 6, false},
		{0, 1, false},
		{0, 0, true},
		{1, 1, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("max%d_chain%d", tc.max, tc.chain), func(t *testing.T) {
			p := mustPolicy(t, nil, allow)
			p.MaxRedirects = tc.max
			hits.Store(0)
			resp, err := get(t, client(p, nil), srv.URL+"/"+strconv.Itoa(tc.chain))
			wantHits := int64(min(tc.chain, tc.max) + 1)
			if got := hits.Load(); got != wantHits {
				t.Errorf("server saw %d requests, want %d", got, wantHits)
			}
			if tc.ok {
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("GET = %v, %v; want 200", resp, err)
				}
				return
			}
			var se *schemas.Error
			if !errors.As(err, &se) || se.Kind != schemas.TypeUpstream || !strings.Contains(se.Detail, fmt.Sprintf("more than %d redirects", tc.max)) {
				t.Fatalf("err = %v, want upstream_failed: more than %d redirects", err, tc.max)
			}
		})
	}
}

// TestTransportIgnoresProxyAndTLSDialer: a base transport's proxy and TLS dialer would
// each bypass the policy's dial; Transport drops both, and https dials go through Control.
func TestTransportIgnoresProxyAndTLSDialer(t *testing.T) {
	s := newSentinel(t, "tcp4", "127.0.0.1:0")
	srv, allow := allowedServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "direct")
	}), true)
	var tlsDials atomic.Int64
	base := srv.Client().Transport.(*http.Transport).Clone()
	base.TLSClientConfig.ServerName = "example.com" // httptest's certificate names it, not 127.0.0.2
	base.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: s.hostPort("127.0.0.1")})
	base.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		tlsDials.Add(1)
		return (&tls.Dialer{Config: base.TLSClientConfig}).DialContext(ctx, network, addr)
	}
	p := mustPolicy(t, append(slices.Clone(DefaultPorts), s.port()), allow)
	tr := p.Transport(base)
	if tr.Proxy != nil || tr.DialTLSContext != nil || !tr.DisableCompression {
		t.Errorf("Transport kept Proxy %v, DialTLSContext %v, or compression", tr.Proxy != nil, tr.DialTLSContext != nil)
	}
	if base.Proxy == nil || base.DialTLSContext == nil {
		t.Error("Transport changed its base")
	}
	c := &http.Client{Transport: tr, CheckRedirect: p.CheckRedirect}

	resp, err := get(t, c, srv.URL+"/")
	if err != nil {
		t.Fatalf("GET %s: %v", srv.URL, err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "direct" {
		t.Errorf("body %q, want direct", b)
	}
	if tlsDials.Load() != 0 {
		t.Error("the base's DialTLSContext was used")
	}
	s.assertNoConn(t) // the proxy

	_, err = get(t, c, "https://"+s.hostPort("127.0.0.1")+"/")
	wantForbidden(t, err, "loopback address 127.0.0.1")
	s.assertNoConn(t)

	if def := p.Transport(nil); def.Proxy != nil || def.DialContext == nil {
		t.Error("Transport(nil) uses a proxy or no policy dialer")
	}
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	dns := newDNSServer(t)
	p := mustPolicy(t, nil)
	p.Resolver = dns.resolver()
	ctx := t.Context()
	for host, want := range map[string]string{
		"rebind.test":        "rebind.test resolves to loopback address 127.0.0.1",
		"mixed.test":         "mixed.test resolves to private address 10.0.0.1",
		"mapped.test":        "mapped.test resolves to loopback address 127.0.0.1",
		"six.test":           "six.test resolves to loopback address ::1",
		"localhost":          "localhost resolves to loopback address 127.0.0.1",
		"169.254.169.254":    "link-local address 169.254.169.254",
		"[::1]":              "loopback address ::1",
		"::ffff:192.168.0.1": "private address 192.168.0.1",
		"0x7f.1":             "non-canonical IPv4 address",
		"":                   "no host",
	} {
		wantForbidden(t, p.CheckHost(ctx, nil, host), want)
	}
	for _, host := range []string{"pub.test", "8.8.8.8", "2606:4700:4700::1111"} {
		if err := p.CheckHost(ctx, nil, host); err != nil {
			t.Errorf("CheckHost(%s) = %v, want nil", host, err)
		}
	}
	err := p.CheckHost(ctx, nil, "nx.test")
	if _, ok := AsForbidden(err); ok || err == nil || !strings.Contains(err.Error(), "resolving nx.test") {
		t.Errorf("CheckHost(nx.test) = %v, want a lookup error that is not a refusal", err)
	}
	// An explicit resolver wins over Policy.Resolver.
	plain := mustPolicy(t, nil)
	wantForbidden(t, plain.CheckHost(ctx, dns.resolver(), "rebind.test"), "loopback address 127.0.0.1")

	allowed := mustPolicy(t, nil, "127.0.0.0/8")
	if err := allowed.CheckHost(ctx, dns.resolver(), "rebind.test"); err != nil {
		t.Errorf("allowed CheckHost(rebind.test) = %v, want nil", err)
	}
}

// TestCheckRedirectProxied: through a proxy the dial cannot see the target, so each hop's
// name is resolved and judged before the proxy is asked for it.
func TestCheckRedirectProxied(t *testing.T) {
	t.Parallel()
	dns := newDNSServer(t)
	p := mustPolicy(t, nil)
	check := p.CheckRedirectProxied(dns.resolver())
	via := []*http.Request{mustRequest(t, "http://pub.test/")}
	if err := check(mustRequest(t, "http://pub.test/next"), via); err != nil {
		t.Errorf("redirect to pub.test: %v", err)
	}
	wantForbidden(t, check(mustRequest(t, "http://rebind.test/"), via), "rebind.test resolves to loopback")
	wantForbidden(t, check(mustRequest(t, "http://pub.test:25/"), via), "port 25 not allowed")
	wantForbidden(t, p.CheckRedirect(mustRequest(t, "ftp://pub.test/"), via), "scheme ftp")
	if err := p.CheckRedirect(mustRequest(t, "http://rebind.test/"), via); err != nil {
		t.Errorf("plain CheckRedirect resolved the name: %v", err)
	}
}

func mustRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestControl(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, nil)
	for _, tc := range []struct{ network, addr, want string }{
		{"udp4", "8.8.8.8:53", "network udp4"},
		{"tcp4", "not-an-address", "unreadable address"},
		{"tcp4", "8.8.8.8:22", "port 22 not allowed"},
		{"tcp6", "[::ffff:127.0.0.1]:80", "loopback address 127.0.0.1"},
		{"tcp6", "[fe80::1%eth0]:80", "link-local address fe80::1"},
	} {
		wantForbidden(t, p.Control(tc.network, tc.addr, nil), tc.want)
	}
	if err := p.Control("tcp4", "8.8.8.8:443", nil); err != nil {
		t.Errorf("Control(8.8.8.8:443) = %v", err)
	}
}

func TestAsForbidden(t *testing.T) {
	t.Parallel()
	inner := forbidden("loopback address 127.0.0.1")
	wrapped := &url.Error{Op: "Get", URL: "http://x/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: inner}}
	if got, ok := AsForbidden(wrapped); !ok || got != inner {
		t.Errorf("AsForbidden(wrapped) = %v, %v", got, ok)
	}
	for _, err := range []error{nil, io.EOF, schemas.NewError(schemas.TypeUpstream, "x")} {
		if _, ok := AsForbidden(err); ok {
			t.Errorf("AsForbidden(%v) = true", err)
		}
	}
}
