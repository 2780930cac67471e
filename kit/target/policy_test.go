package target

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

func mustPolicy(t testing.TB, ports []int, allow ...string) *Policy {
	t.Helper()
	var pfs []netip.Prefix
	for _, s := range allow {
		pfs = append(pfs, netip.MustParsePrefix(s))
	}
	p, err := NewPolicy(ports, pfs)
	if err != nil {
		t.Fatalf("NewPolicy: %v", err)
	}
	return p
}

// wantForbidden fails unless err is a forbidden_target refusal whose detail contains want.
func wantForbidden(t testing.TB, err error, want string) {
	t.Helper()
	fe, ok := AsForbidden(err)
	if !ok {
		t.Errorf("err = %v (%T), want a forbidden_target refusal", err, err)
		return
	}
	if fe.Status != 400 || fe.Kind != schemas.TypeForbiddenTarget {
		t.Errorf("refusal = %+v, want kind %s status 400", fe, schemas.TypeForbiddenTarget)
	}
	if !strings.Contains(fe.Detail, want) {
		t.Errorf("detail = %q, want it to contain %q", fe.Detail, want)
	}
}

// refused lists URLs CheckURL must refuse under the default policy, each with what the
// detail must say. dialTests reuses the literal-address ones for real dials.
var refused = []struct {
	url, want string
}{
	// Schemes and credentials.
	{"file:///etc/passwd", "scheme file"},
	{"gopher://example.com:70/_GET", "scheme gopher"},
	{"ftp://example.com/", "scheme ftp"},
	{"data:text/html,<b>hi</b>", "scheme data"},
	{"javascript:alert(1)", "scheme javascript"},
	{"ws://example.com/", "scheme ws"},
	{"dict://example.com:11211/", "scheme dict"},
	{"//example.com/", "no scheme"},
	{"http://user:pw@example.com/", "credentials"},
	{"http://user@example.com/", "credentials"},
	{"http:///path", "no host"},
	{"http:opaque", "no host"},
	// Ports.
	{"http://example.com:25/", "port 25 not allowed"},
	{"https://example.com:22/", "port 22 not allowed"},
	{"http://8.8.8.8:6379/", "port 6379 not allowed"},
	{"http://example.com:0/", "port 0 not allowed"},
	{"http://example.com:99999/", "port 99999 not allowed"},
	// Addresses.
	{"http://127.0.0.1/", "loopback address 127.0.0.1"},
	{"http://127.1.2.3:8080/", "loopback address 127.1.2.3"},
	{"http://[::1]/", "loopback address ::1"},
	{"http://10.1.2.3/", "private address 10.1.2.3"},
	{"http://172.16.0.1/", "private address 172.16.0.1"},
	{"http://172.31.255.255/", "private address 172.31.255.255"},
	{"http://192.168.1.1/", "private address 192.168.1.1"},
	{"http://169.254.169.254/latest/meta-data/", "link-local address 169.254.169.254 (cloud metadata)"},
	{"http://169.254.1.1/", "link-local address 169.254.1.1"},
	{"http://[fd00:ec2::254]/", "unique-local address fd00:ec2::254 (cloud metadata)"},
	{"http://[fe80::1]/", "link-local address fe80::1"},
	{"http://[fe80::1%25eth0]/", "link-local address fe80::1"},
	{"http://[fc00::1]/", "unique-local address fc00::1"},
	{"http://[fd12:3456::1]/", "unique-local address fd12:3456::1"},
	{"http://0.0.0.0/", "unspecified address 0.0.0.0"},
	{"http://0.1.2.3/", "this-network address 0.1.2.3"},
	{"http://[::]/", "unspecified address ::"},
	{"http://224.0.0.1/", "multicast address 224.0.0.1"},
	{"http://239.255.255.250/", "multicast address 239.255.255.250"},
	{"http://[ff02::1]/", "multicast address ff02::1"},
	{"http://255.255.255.255/", "broadcast address 255.255.255.255"},
	{"http://100.64.0.1/", "carrier-grade NAT address 100.64.0.1"},
	{"http://100.127.255.254/", "carrier-grade NAT address 100.127.255.254"},
	{"http://192.0.2.1/", "documentation address 192.0.2.1"},
	{"http://198.51.100.7/", "documentation address 198.51.100.7"},
	{"http://203.0.113.9/", "documentation address 203.0.113.9"},
	{"http://[2001:db8::1]/", "documentation address 2001:db8::1"},
	{"http://198.18.0.1/", "benchmarking address 198.18.0.1"},
	{"http://240.0.0.1/", "reserved address 240.0.0.1"},
	{"http://192.0.0.8/", "reserved address 192.0.0.8"},
	{"http://[fec0::1]/", "site-local address fec0::1"},
	// IPv4 inside IPv6.
	{"http://[::ffff:127.0.0.1]/", "loopback address 127.0.0.1"},
	{"http://[::ffff:7f00:1]/", "loopback address 127.0.0.1"},
	{"http://[::ffff:169.254.169.254]/", "link-local address 169.254.169.254"},
	{"http://[::ffff:10.0.0.1]/", "private address 10.0.0.1"},
	{"http://[::127.0.0.1]/", "IPv4-compatible address ::7f00:1 (embeds 127.0.0.1)"},
	{"http://[64:ff9b::7f00:1]/", "NAT64 address 64:ff9b::7f00:1 embeds loopback address 127.0.0.1"},
	{"http://[64:ff9b::a9fe:a9fe]/", "embeds link-local address 169.254.169.254 (cloud metadata)"},
	{"http://[64:ff9b::808:808]/", "NAT64 address 64:ff9b::808:808 (embeds 8.8.8.8)"},
	{"http://[2002:7f00:1::1]/", "6to4 address 2002:7f00:1::1 (embeds 127.0.0.1)"},
	{"http://[2001::1]/", "Teredo address 2001::1"},
	// Names that are loopback whatever DNS says, and numbers that only look like names.
	{"http://localhost/", "localhost resolves to loopback address 127.0.0.1"},
	{"http://LOCALHOST./", "loopback address 127.0.0.1"},
	{"http://api.localhost:8080/", "loopback address 127.0.0.1"},
	{"http://localhost.localdomain/", "loopback address 127.0.0.1"},
	{"http://ip6-localhost/", "loopback address 127.0.0.1"},
	{"http://2130706433/", "non-canonical IPv4 address 2130706433"},
	{"http://0x7f000001/", "non-canonical IPv4 address 0x7f000001"},
	{"http://0x7f.1/", "non-canonical IPv4 address 0x7f.1"},
	{"http://0177.0.0.1/", "non-canonical IPv4 address 0177.0.0.1"},
	{"http://127.1/", "non-canonical IPv4 address 127.1"},
	{"http://1.2.3.4.5/", "non-canonical IPv4 address 1.2.3.4.5"},
}

func TestCheckURLRefuses(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, nil)
	for _, tc := range refused {
		t.Run(tc.url, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			wantForbidden(t, p.CheckURL(u), tc.want)
		})
	}
}

func TestCheckURLAccepts(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, nil)
	for _, raw := range []string{
		"http://example.com/",
		"https://example.com/path?q=1#frag",
		"HTTPS://Example.COM/",
		"http://example.com:8080/",
		"https://example.com:8443/",
		"http://example.com:443/",
		"http://8.8.8.8/",
		"https://1.1.1.1:443/",
		"http://[2606:4700:4700::1111]/",
		"http://[::ffff:8.8.8.8]/",
		"http://example.com./",
		"http://host-1.example/",
		"http://1e100.net/",
	} {
		t.Run(raw, func(t *testing.T) {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if err := p.CheckURL(u); err != nil {
				t.Errorf("CheckURL(%s) = %v, want nil", raw, err)
			}
		})
	}
}

// TestAllowPrefixes: an allowed prefix lets its addresses through on any port, and
// nothing else: neighbours, other classes and host names on unlisted ports stay refused.
func TestAllowPrefixes(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, nil, "127.0.0.1/32", "10.8.0.0/16", "64:ff9b::/96")
	tests := []struct {
		url, want string // want "" means allowed
	}{
		{"http://127.0.0.1:3000/", ""},
		{"http://127.0.0.1/", ""},
		{"http://[::ffff:127.0.0.1]:3000/", ""},
		{"http://localhost:3000/", ""},
		{"http://10.8.9.10:9/", ""},
		{"http://127.0.0.2/", "loopback address 127.0.0.2"},
		{"http://[::1]/", "loopback address ::1"},
		{"http://10.9.0.1/", "private address 10.9.0.1"},
		{"http://169.254.169.254/", "link-local address 169.254.169.254"},
		{"http://example.com:3000/", "port 3000 not allowed"},
		{"http://8.8.8.8:3000/", "port 3000 not allowed"},
		// NAT64 allowed for IPv6-only hosts: public embedded addresses pass, and the
		// allowed 127.0.0.1 does too, but other private ones do not.
		{"http://[64:ff9b::808:808]/", ""},
		{"http://[64:ff9b::a9fe:a9fe]/", "NAT64 address 64:ff9b::a9fe:a9fe embeds link-local address 169.254.169.254"},
		{"http://[64:ff9b::7f00:2]/", "embeds loopback address 127.0.0.2"},
		{"gopher://127.0.0.1:70/", "scheme gopher"},
		{"http://u:p@127.0.0.1/", "credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = p.CheckURL(u)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckURL = %v, want allowed", err)
				}
				return
			}
			wantForbidden(t, err, tc.want)
		})
	}
}

func TestPortList(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, []int{8000, 80})
	for raw, want := range map[string]string{
		"http://example.com/":       "",
		"http://example.com:8000/":  "",
		"https://example.com/":      "port 443 not allowed (allowed: 80, 8000)",
		"http://example.com:8080/":  "port 8080 not allowed",
		"https://example.com:8000/": "",
	} {
		u, _ := url.Parse(raw)
		err := p.CheckURL(u)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v, want allowed", raw, err)
			}
			continue
		}
		wantForbidden(t, err, want)
	}
}

func TestParsePorts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"80,443, 8080 ,8443", []int{80, 443, 8080, 8443}, ""},
		{"", nil, ""},
		{" , 81,", []int{81}, ""},
		{"80,http", nil, `port "http": not a number`},
		{"80,0", nil, `port "0": out of range`},
		{"65536", nil, `port "65536": out of range`},
		{"-1", nil, `port "-1": out of range`},
		{"80,80", nil, `port "80" listed twice`},
	}
	for _, tc := range tests {
		got, err := ParsePorts(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParsePorts(%q) err = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParsePorts(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"127.0.0.1/32, 10.1.2.3/16,::1", []string{"127.0.0.1/32", "10.1.0.0/16", "::1/128"}, ""},
		{"127.0.0.2", []string{"127.0.0.2/32"}, ""},
		{"::ffff:127.0.0.0/104", []string{"127.0.0.0/8"}, ""},
		{"", nil, ""},
		{"10.0.0.0/8,nope", nil, `prefix "nope"`},
		{"10.0.0.0/33", nil, `prefix "10.0.0.0/33"`},
		{"fe80::1%eth0", nil, `prefix "fe80::1%eth0"`},
	}
	for _, tc := range tests {
		got, err := ParsePrefixes(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParsePrefixes(%q) err = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		var strs []string
		for _, pf := range got {
			strs = append(strs, pf.String())
		}
		if err != nil || !slices.Equal(strs, tc.want) {
			t.Errorf("ParsePrefixes(%q) = %v, %v; want %v", tc.in, strs, err, tc.want)
		}
	}
}

func TestNewPolicy(t *testing.T) {
	t.Parallel()
	if _, err := NewPolicy([]int{80, 70000}, nil); err == nil || !strings.Contains(err.Error(), "70000") {
		t.Errorf("NewPolicy with port 70000: err = %v, want it named", err)
	}
	if _, err := NewPolicy(nil, []netip.Prefix{{}}); err == nil {
		t.Error("NewPolicy with an invalid prefix: want an error")
	}
	p := mustPolicy(t, nil)
	if !slices.Equal(p.ports, DefaultPorts) || p.MaxRedirects != DefaultMaxRedirects {
		t.Errorf("defaults: ports %v, redirects %d", p.ports, p.MaxRedirects)
	}
}

// An address:port entry opens that port of that address and nothing else; a prefix opens
// every port of its addresses.
func TestAllowExact(t *testing.T) {
	prefixes, exact, err := ParseAllow("127.0.0.1:9300, 10.1.0.0/16, [::1]:8080")
	if err != nil || len(prefixes) != 1 || len(exact) != 2 {
		t.Fatalf("ParseAllow: %v %v %v", prefixes, exact, err)
	}
	p, err := NewPolicy(nil, prefixes)
	if err != nil {
		t.Fatal(err)
	}
	p.AllowExact(exact...)
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:9300/x", true},
		{"http://127.0.0.1:9301/x", false},
		{"http://127.0.0.1/x", false},
		{"http://[::1]:8080/", true},
		{"http://[::1]:9300/", false},
		{"http://10.1.2.3:5000/", true},
		{"http://[::ffff:127.0.0.1]:9300/", true},
	} {
		u, _ := url.Parse(c.url)
		if err := p.CheckURL(u); (err == nil) != c.ok {
			t.Errorf("%s: %v, want allowed=%v", c.url, err, c.ok)
		}
	}
	for _, bad := range []string{"127.0.0.1:0", "[fe80::1%eth0]:80", "nonsense:80"} {
		if _, _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
}
