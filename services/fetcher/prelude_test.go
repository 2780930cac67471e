package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// fakeDDG is duckduckgo.com as the news vertical meets it: the search page hands out a token
// (or, as configured, none, or the anomaly challenge), and news.js answers only a request
// that carries that token from the same User-Agent, 403 otherwise, as DuckDuckGo does.
type fakeDDG struct {
	tokenPage string // "" serves a page with the token

	mu   sync.Mutex
	seen []string // path?query of each request, in order
}

const fakeVQD = "4-31415926535897932384626433832795028841"

func (f *fakeDDG) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.URL.Path+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	const ua = "Chrome/" // the engine's browser User-Agent
	switch r.URL.Path {
	case "/":
		page := f.tokenPage
		if page == "" {
			page = `<html><head><script>vqd="` + fakeVQD + `";</script></head><body></body></html>`
		}
		fmt.Fprint(w, page)
	case "/news.js":
		if r.URL.Query().Get("vqd") != fakeVQD || !strings.Contains(r.UserAgent(), ua) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		fmt.Fprintf(w, `{"results":[{"date":1738861200,"excerpt":"about %s","relative_time":"1 hour ago","source":"Example","title":"News about %s","url":"https://news.example.com/1"}],"next":""}`,
			r.URL.Query().Get("q"), r.URL.Query().Get("q"))
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeDDG) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// TestPreludeThenRequest: an engine that needs a first page (DuckDuckGo's news) is fetched in
// two requests within one attempt, the second built from the first's answer; a first page
// without the token fails the job with a typed error and the second request is never sent.
func TestPreludeThenRequest(t *testing.T) {
	for _, tc := range []struct {
		name, tokenPage string
		kind            string // "" for success
	}{
		{"token", "", ""},
		{"no token", `<html><body><div id="react-layout"></div></body></html>`, schemas.TypeUnrecognised},
		{"anomaly", `<html><body><form id="challenge-form" action="//duckduckgo.com/anomaly.js?sv=html"></form>` +
			`<div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div></body></html>`, schemas.TypeBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ddg := &fakeDDG{tokenPage: tc.tokenPage}
			srv := httptest.NewServer(ddg)
			t.Cleanup(srv.Close)
			cfg := testConfig()
			cfg.MaxAttempts = 2
			h.start(cfg, "duckduckgo="+srv.URL)
			job := h.publishReq(schemas.SearchRequest{Q: "golang", Engine: "duckduckgo", Type: schemas.VerticalNews}, 10*time.Second)
			m, body, e := h.outcome(job, 10*time.Second)
			seen := ddg.requests()
			if tc.kind == "" {
				if e != nil {
					t.Fatalf("failure %v (requests %q)", e, seen)
				}
				if !strings.Contains(string(body), "News about golang") || attempts(m) != 1 {
					t.Errorf("page after %d attempts: %.200s", attempts(m), body)
				}
				if len(seen) != 2 || !strings.HasPrefix(seen[0], "/?") || !strings.HasPrefix(seen[1], "/news.js?") || !strings.Contains(seen[1], "vqd="+fakeVQD) {
					t.Errorf("requests %q, want the search page then news.js with its token", seen)
				}
				return
			}
			if e == nil || e.Kind != tc.kind || e.Engine != "duckduckgo" {
				t.Fatalf("outcome %v, want a %s failure of duckduckgo", e, tc.kind)
			}
			for _, r := range seen {
				if !strings.HasPrefix(r, "/?") {
					t.Errorf("request %q sent without a token", r)
				}
			}
			if len(seen) != cfg.MaxAttempts {
				t.Errorf("%d requests, want one search page per attempt (%d)", len(seen), cfg.MaxAttempts)
			}
		})
	}
}
