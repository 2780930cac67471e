package fetcher

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/engines"
)

// The direct route's fasthttp client answers as net/http's did: redirects followed (a POST
// turned into a GET after a 302), more than five refused, gzip decoded within the page cap,
// an oversized page and a hang judged as before.
func TestFastSendAnswersAsNetHTTP(t *testing.T) {
	bomb := func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(bytes.Repeat([]byte("a"), 1<<20))
		zw.Close()
		return b.Bytes()
	}()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		if n == "0" {
			io.WriteString(w, r.Method+" page")
			return
		}
		http.Redirect(w, r, "/hop/"+string(rune(n[0]-1)), http.StatusFound)
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			http.Error(w, "no gzip asked", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, "<html>zipped</html>")
		zw.Close()
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 5000)) })
	mux.HandleFunc("/cookies", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "c="+strings.Repeat("x", 40<<10))
		io.WriteString(w, "page behind big headers")
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	s := &Service{cfg: Config{MaxBodyBytes: 4096}}
	rt := &route{name: "direct", fast: newFastClient(4096), client: &http.Client{}}
	send := func(method, path string, timeout time.Duration) ([]byte, result, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req := &engines.Request{Method: method, URL: srv.URL + path, Header: http.Header{"User-Agent": {"test"}}}
		if method == http.MethodPost {
			req.Body = []byte("q=x")
		}
		return s.fastSend(context.Background(), ctx, rt, "e", req, time.Now())
	}

	if b, res, ok := send(http.MethodGet, "/hop/3", 5*time.Second); !ok || string(b) != "GET page" {
		t.Errorf("three redirects: ok=%v body %q err %v", ok, b, res.err)
	}
	if b, res, ok := send(http.MethodPost, "/hop/1", 5*time.Second); !ok || string(b) != "GET page" {
		t.Errorf("POST then 302: ok=%v body %q err %v, want the GET net/http makes of it", ok, b, res.err)
	}
	if _, res, ok := send(http.MethodGet, "/hop/6", 5*time.Second); ok || res.err == nil || !strings.Contains(res.err.Detail, "more than 5 redirects") {
		t.Errorf("six redirects: ok=%v err %v", ok, res.err)
	}
	// Headers past the fast client's buffer: the page is read by net/http's client instead.
	if b, res, ok := send(http.MethodGet, "/cookies", 5*time.Second); !ok || string(b) != "page behind big headers" {
		t.Errorf("40 KiB of headers: ok=%v body %q err %v", ok, b, res.err)
	}
	if b, _, ok := send(http.MethodGet, "/gzip", 5*time.Second); !ok || string(b) != "<html>zipped</html>" {
		t.Errorf("gzip: ok=%v body %q", ok, b)
	}
	for _, path := range []string{"/bomb", "/big"} {
		if _, res, ok := send(http.MethodGet, path, 5*time.Second); ok || res.outcome != outFinal || !strings.Contains(res.err.Detail, "larger than 4096") {
			t.Errorf("%s: ok=%v outcome %v err %v, want the page cap's final error", path, ok, res.outcome, res.err)
		}
	}
	if _, res, ok := send(http.MethodGet, "/busy", 5*time.Second); ok || res.outcome != outUpstream || res.retryAfter != 7*time.Second {
		t.Errorf("429: ok=%v outcome %v retry after %v", ok, res.outcome, res.retryAfter)
	}
	if _, res, ok := send(http.MethodGet, "/hang", 200*time.Millisecond); ok || res.label != "timeout" || res.breaker != errEngine {
		t.Errorf("hang: ok=%v label %q breaker %v, want a timeout charged to the engine", ok, res.label, res.breaker)
	}
}
