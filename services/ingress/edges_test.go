package ingress

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// Inputs an attacker tried: each is a clear, small 400, never an echo or a search.
func TestHostileInputs(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{})
	search := in.url + "/v1/search"
	tests := []struct {
		name, method, query string
		body                []byte
		field               string
	}{
		{"POST q not UTF-8", "POST", "", []byte("{\"q\":\"\xff\xfe\"}"), "body"},
		{"GET q only NULs", "GET", "q=%00%00", nil, "q"},
		{"POST q only NULs", "POST", "", []byte(`{"q":"\u0000\u0000"}`), "q"},
		{"POST q only whitespace", "POST", "", []byte(`{"q":" \t\n\u00a0"}`), "q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := search
			if tc.query != "" {
				url += "?" + tc.query
			}
			resp, b := send(t, tc.method, url, tc.body, nil)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			e := problemOf(t, resp, b)
			if e.Kind != schemas.TypeValidation || len(e.Errors) == 0 || e.Errors[0].Field != tc.field {
				t.Errorf("problem %s, want a validation error on %s", b, tc.field)
			}
		})
	}

	t.Run("a thousand bad engines", func(t *testing.T) {
		names := make([]string, 1000)
		for i := range names {
			names[i] = fmt.Sprintf("nosuchengine%d", i)
		}
		resp, b := send(t, "GET", search+"?q=x&engine="+strings.Join(names, ","), nil, nil)
		if resp.StatusCode != 400 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if len(b) > 1024 {
			t.Errorf("a %d-byte error for a list of bad engines, want under 1 KiB", len(b))
		}
	})

	for _, hdr := range []string{schemas.HeaderRequestID, "X-Request-Id"} {
		for name, id := range map[string]string{"too long": strings.Repeat("a", 129), "control characters": "abc\tdef"} {
			t.Run(hdr+" "+name, func(t *testing.T) {
				resp, _ := send(t, "GET", search+"?q=x", nil, map[string]string{hdr: id})
				got := resp.Header.Get("X-Request-Id")
				if got == id || got == "" || len(got) > 128 {
					t.Errorf("request id %q echoed as %q, want a fresh one", id, got)
				}
			})
		}
		t.Run(hdr+" kept", func(t *testing.T) {
			resp, _ := send(t, "GET", search+"?q=x", nil, map[string]string{hdr: "my-request-42"})
			if got := resp.Header.Get("X-Request-Id"); got != "my-request-42" {
				t.Errorf("request id %q, want the client's", got)
			}
		})
	}
}

// One client address cannot hold more connections than --max-conns-per-ip.
func TestConnectionCapPerAddress(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{cfg: func(c *Config) { c.MaxConnsPerIP = 3 }})
	addr := strings.TrimPrefix(in.url, "http://")
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	// Each held connection has been served once, so the server has counted it.
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.Contains(line, "200") {
			t.Fatalf("connection %d: %q %v", len(open), line, err)
		}
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if strings.Contains(line, " 200 ") {
		t.Errorf("a fourth connection from one address was served: %q", line)
	}
}
