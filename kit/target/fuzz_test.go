package target

import (
	"bytes"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

func FuzzParsePorts(f *testing.F) {
	for _, s := range []string{"80,443,8080,8443", "", " , 81,", "80,http", "65536", "-1", "80,80", "0x50", "+80", "８０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ports, err := ParsePorts(s)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, n := range ports {
			if n < 1 || n > 65535 || seen[n] {
				t.Fatalf("ParsePorts(%q) = %v: bad or repeated port %d", s, ports, n)
			}
			seen[n] = true
		}
		if _, err := NewPolicy(ports, nil); err != nil {
			t.Fatalf("NewPolicy refuses what ParsePorts accepted (%q): %v", s, err)
		}
	})
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"127.0.0.1/32,10.1.2.3/16,::1", "::ffff:127.0.0.0/104", "::ffff:1.2.3.4/90", "fe80::1%eth0", "1.2.3.4/33", "", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pfs, err := ParsePrefixes(s)
		if err != nil {
			return
		}
		for _, pf := range pfs {
			if !pf.IsValid() || pf != pf.Masked() || pf.Addr().Is4In6() && pf.Bits() >= 96 {
				t.Fatalf("ParsePrefixes(%q) gave %v: not canonical", s, pf)
			}
		}
		if _, err := NewPolicy(nil, pfs); err != nil {
			t.Fatalf("NewPolicy refuses what ParsePrefixes accepted (%q): %v", s, err)
		}
	})
}

// FuzzCheckURL: CheckURL never panics, refuses only with forbidden_target, accepts only
// http(s) without credentials, and never accepts a literal address that Control would
// refuse to dial.
func FuzzCheckURL(f *testing.F) {
	for _, tc := range refused {
		f.Add(tc.url)
	}
	for _, s := range []string{"http://example.com/", "https://[2606:4700:4700::1111]:8443/x", "http://[::ffff:8.8.8.8]/", "http://[fe80::1%25lo]:80/", "HTTP://Example.COM.:8080"} {
		f.Add(s)
	}
	p, err := NewPolicy(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		err = p.CheckURL(u)
		if err != nil {
			if _, ok := AsForbidden(err); !ok {
				t.Fatalf("CheckURL(%q) = %v: not a forbidden_target refusal", raw, err)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil || u.Hostname() == "" {
			t.Fatalf("CheckURL accepted %q", raw)
		}
		a, perr := netip.ParseAddr(u.Hostname())
		if perr != nil {
			return
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		n, _ := strconv.Atoi(port)
		addr := netip.AddrPortFrom(a.Unmap(), uint16(n)).String()
		if err := p.Control("tcp", addr, nil); err != nil {
			t.Fatalf("CheckURL accepted %q but Control refuses %s: %v", raw, addr, err)
		}
	})
}

// FuzzReadBody: whatever the server sends, ReadBody never panics, never returns more than
// max bytes, and fails only with page_too_large or upstream_failed.
func FuzzReadBody(f *testing.F) {
	for _, c := range codings {
		f.Add(header(c), encode(f, c, page(3000)))
	}
	f.Add("gzip, br", encode(f, "br", encode(f, "gzip", page(100))))
	f.Add("zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 16 << 3, 0x01, 0x00, 0x00})
	f.Add("gzip", encode(f, "gzip", make([]byte, 1<<16)))
	const max = 4096
	f.Fuzz(func(t *testing.T, coding string, body []byte) {
		got, err := ReadBody(response(coding, bytes.NewReader(body), -1), max)
		if err == nil {
			if len(got) > max {
				t.Fatalf("%d bytes over a %d cap", len(got), max)
			}
			return
		}
		var e *schemas.Error
		if !errors.As(err, &e) || e.Kind != schemas.TypePageTooLarge && e.Kind != schemas.TypeUpstream {
			t.Fatalf("ReadBody(%q) = %v", coding, err)
		}
	})
}
