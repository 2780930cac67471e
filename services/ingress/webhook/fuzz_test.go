package webhook

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzValidate: Validate never panics, and what it accepts is what the package doc promises
// (an absolute http or https URL with a host, no credentials, within MaxURLBytes), which
// the guard's own check can then read without panicking either.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		"https://hooks.example.com/trawl", "http://hooks.example.com:8080/x?token=abc#f", "",
		"ftp://x/", "https:///x", "https:x", "https://u:p@x/", "https://x:0/", "https://x:99999/",
		"http://127.0.0.1:9000/", "http://[::1]:80/", "http://[fe80::1%25eth0]/", "http://2130706433/",
		"http://0x7f.1/", "http://169.254.169.254/latest/", "HTTP://EXAMPLE.COM/", "http://ex%61mple.com/",
		"http://[::ffff:127.0.0.1]/", "http://localhost./", "https://x.localhost:443/", "http://a b/",
		"http://example.com:/", "http://:80/", "http://[/", "https://例え.jp/", "http://xn--r8jz45g.jp/",
	} {
		f.Add(s)
	}
	s, err := New(DefaultConfig(), Metrics{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := Validate(raw)
		serr := s.Validate(raw)
		if err != nil {
			if serr == nil {
				t.Fatalf("the Sender accepts %q, which Validate refuses: %v", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		switch {
		case perr != nil:
			t.Fatalf("accepted %q, which does not parse: %v", raw, perr)
		case len(raw) > MaxURLBytes:
			t.Fatalf("accepted %d bytes", len(raw))
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("accepted scheme %q", u.Scheme)
		case u.Hostname() == "" || u.Opaque != "":
			t.Fatalf("accepted %q without a host", raw)
		case u.User != nil:
			t.Fatalf("accepted credentials in %q", raw)
		}
		if serr == nil && strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), "localhost") {
			t.Fatalf("the Sender accepts localhost in %q", raw)
		}
	})
}
