package sim_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/trawl-dev/trawl/sim"
)

// get fetches a page without Go's transparent gzip, so encodings are seen as served.
func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func decompress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		return b
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return out
}

func TestScrapePagesServed(t *testing.T) {
	srv, _, _ := startSim(t)
	for _, path := range sim.ScrapePages() {
		resp, plain := get(t, srv.URL()+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") == "" || len(plain) < 100 || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: %d %q %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(plain))
		}
		for _, enc := range []string{"gzip", "br", "zstd"} {
			for _, how := range [][]string{{"?enc=" + enc}, {"", "Accept-Encoding", "identity, " + enc + ";q=0.9"}} {
				resp, body := get(t, srv.URL()+path+how[0], how[1:]...)
				if resp.Header.Get("Content-Encoding") != enc || resp.Header.Get("Content-Type") == "" {
					t.Errorf("%s %v: Content-Encoding %q", path, how, resp.Header.Get("Content-Encoding"))
					continue
				}
				if got := decompress(t, enc, body); !bytes.Equal(got, plain) {
					t.Errorf("%s %v: decompressed body differs", path, how)
				}
			}
		}
	}
	if n := srv.RequestsFor("/pages/article"); n != 7 {
		t.Errorf("RequestsFor(/pages/article) = %d, want 7", n)
	}
	resp, _ := get(t, srv.URL()+"/pages/text", "Accept-Encoding", "gzip;q=0, br;q=0")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("q=0 encodings used: %q", resp.Header.Get("Content-Encoding"))
	}
	if resp, _ := get(t, srv.URL()+"/pages/nope"); resp.StatusCode != 404 {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
}

// The faults drawn for search routes (here a CAPTCHA on every request) leave /pages/ alone.
func TestScrapePagesIgnoreFaults(t *testing.T) {
	srv, _, _ := startSim(t)
	srv.SetConfig(func(c *sim.Config) { c.CaptchaRate = 1 })
	resp, body := get(t, srv.URL()+"/pages/article")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Rivers of the North")) {
		t.Errorf("%d %.100q", resp.StatusCode, body)
	}
}

func TestScrapeUtilityPages(t *testing.T) {
	srv, _, _ := startSim(t)

	t.Run("challenge", func(t *testing.T) {
		resp, body := get(t, srv.URL()+"/pages/challenge")
		if resp.StatusCode != 403 || resp.Header.Get("Cf-Mitigated") != "challenge" || resp.Header.Get("Server") != "cloudflare" ||
			!strings.HasSuffix(resp.Header.Get("Cf-Ray"), "-FRA") || !bytes.Contains(body, []byte("<title>Just a moment...</title>")) {
			t.Errorf("%d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("pdf", func(t *testing.T) {
		resp, body := get(t, srv.URL()+"/pages/pdf")
		if resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(body, []byte("%%EOF\n")) {
			t.Fatalf("%q %.20q", resp.Header.Get("Content-Type"), body)
		}
		// startxref points at the xref table, and each entry at its object.
		i := bytes.LastIndex(body, []byte("startxref\n"))
		var xref int
		if _, err := fmtSscan(string(body[i+len("startxref\n"):]), &xref); err != nil || !bytes.HasPrefix(body[xref:], []byte("xref\n0 6\n")) {
			t.Fatalf("startxref %d: %v", xref, err)
		}
		entries := strings.Split(string(body[xref:]), "\n")[3:8]
		for n, e := range entries {
			off, _ := strconv.Atoi(e[:10]) // not Sscan: it reads the leading zeros as octal
			if want := []byte(strings.TrimSpace(itoa(n+1) + " 0 obj")); !bytes.HasPrefix(body[off:], want) {
				t.Errorf("xref entry %d points at %.12q", n+1, body[off:])
			}
		}
	})
	t.Run("redirect", func(t *testing.T) {
		resp, _ := get(t, srv.URL()+"/pages/redirect?to=http://169.254.169.254/latest/meta-data/")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://169.254.169.254/latest/meta-data/" {
			t.Errorf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := get(t, srv.URL()+"/pages/redirect"); resp.StatusCode != 400 {
			t.Errorf("redirect without to: %d", resp.StatusCode)
		}
	})
	t.Run("huge", func(t *testing.T) {
		resp, body := get(t, srv.URL()+"/pages/huge?mb=3")
		if len(body) != 3<<20 || !bytes.HasSuffix(body, []byte("</html>\n")) || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%d bytes, ends %q", len(body), body[max(0, len(body)-20):])
		}
		_, gz := get(t, srv.URL()+"/pages/huge?mb=1&enc=gzip")
		if got := decompress(t, "gzip", gz); len(got) != 1<<20 || len(gz) >= len(got)/4 {
			t.Errorf("gzip huge: %d bytes from %d", len(got), len(gz))
		}
	})
	t.Run("slow", func(t *testing.T) {
		start := time.Now()
		resp, body := get(t, srv.URL()+"/pages/slow?ms=150")
		if took := time.Since(start); took < 150*time.Millisecond || resp.StatusCode != 200 || !bytes.Contains(body, []byte("150 ms")) {
			t.Errorf("took %v: %d %q", took, resp.StatusCode, body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/pages/slow?ms=60000", nil)
		start = time.Now()
		_, err := http.DefaultClient.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Errorf("client gave up after %v: %v", time.Since(start), err)
		}
	})
}

func fmtSscan(s string, v *int) (int, error) { return fmt.Sscan(s, v) }

func itoa(n int) string { return strconv.Itoa(n) }
