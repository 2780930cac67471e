package load_test

import (
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// sent is one request a recorder was sent: its path and its query parameters, decoded.
type sent struct {
	path string
	args url.Values
}

// startRecorder serves 200 with X-Cache: HIT on loopback and records every request; it
// returns the base URL (no path) and the requests so far.
func startRecorder(t *testing.T) (string, func() []sent) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		got []sent
	)
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		args, err := url.ParseQuery(string(c.URI().QueryString()))
		if err != nil {
			t.Errorf("request %s: query string: %v", c.RequestURI(), err)
		}
		mu.Lock()
		got = append(got, sent{path: string(c.Path()), args: args})
		mu.Unlock()
		c.Response.Header.Set("X-Cache", "HIT")
		c.SetBodyString(`{"markdown":""}`)
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	return "http://" + ln.Addr().String(), func() []sent {
		mu.Lock()
		defer mu.Unlock()
		return append([]sent(nil), got...)
	}
}

// TestScrapeRequests: with --scrape-url each request is GET <path>?url=<page>&formats=…, with
// no search parameters; hot sends the page as given, distinct a new n per request (before any
// fragment, after any query the page has), zipf n from the key ranks.
func TestScrapeRequests(t *testing.T) {
	const page = "http://127.0.0.1:9300/pages/article"
	salted := regexp.MustCompile(`^n=[0-9a-z]+-([0-9]+)$`)
	tests := []struct {
		name    string
		path    string // the target's path and query
		page    string
		set     string
		formats string
		// want checks one request's page URL, the part the load tool added to it cut out.
		wantHead, wantTail string
		wantAdded          *regexp.Regexp
		wantFormats        []string
		wantOther          url.Values // further parameters of the target's own
		wantUnique         bool
	}{
		{name: "hot", path: "/v1/scrape", page: page, set: load.QueryHot, formats: "markdown",
			wantHead: page, wantFormats: []string{"markdown"}},
		{name: "distinct", path: "/v1/scrape", page: page, set: load.QueryDistinct, formats: "markdown",
			wantHead: page + "?", wantAdded: salted, wantFormats: []string{"markdown"}, wantUnique: true},
		{name: "distinct, page with a query and a fragment", path: "/v1/scrape", page: page + "?lang=en#top", set: load.QueryDistinct,
			formats: "markdown,links", wantHead: page + "?lang=en&", wantTail: "#top", wantAdded: salted,
			wantFormats: []string{"markdown,links"}, wantUnique: true},
		{name: "zipf", path: "/v1/scrape", page: page, set: load.QueryZipf, formats: "markdown",
			wantHead: page + "?", wantAdded: regexp.MustCompile(`^n=[0-9]$`), wantFormats: []string{"markdown"}},
		{name: "server default formats", path: "/v1/scrape", page: page, set: load.QueryHot, formats: "",
			wantHead: page},
		{name: "target with a query of its own", path: "/v1/scrape?no_cache=true", page: page, set: load.QueryHot, formats: "text",
			wantHead: page, wantFormats: []string{"text"}, wantOther: url.Values{"no_cache": {"true"}}},
		{name: "plain handler at the root", path: "/", page: page, set: load.QueryDistinct, formats: "markdown",
			wantHead: page + "?", wantAdded: salted, wantFormats: []string{"markdown"}, wantUnique: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, requests := startRecorder(t)
			s := run(t, cfg(base+tc.path, func(c *load.Config) {
				c.ScrapeURL, c.ScrapeFormats, c.QuerySet, c.Keys, c.Seed = tc.page, tc.formats, tc.set, 10, 3
			}))
			got := requests()
			if len(got) != 50 || s.OK != 50 || s.ScrapeURL != tc.page {
				t.Fatalf("server saw %d requests, summary ok %d scrape_url %q; want 50, 50, %q", len(got), s.OK, s.ScrapeURL, tc.page)
			}
			wantPath, _, _ := strings.Cut(tc.path, "?")
			seen := map[string]bool{}
			for i, r := range got {
				if r.path != wantPath {
					t.Fatalf("request %d: path %q, want %q", i, r.path, wantPath)
				}
				pages := r.args["url"]
				if len(pages) != 1 {
					t.Fatalf("request %d: url parameters %q, want one", i, pages)
				}
				p := pages[0]
				seen[p] = true
				if len(p) < len(tc.wantHead)+len(tc.wantTail) || !strings.HasPrefix(p, tc.wantHead) || !strings.HasSuffix(p, tc.wantTail) {
					t.Fatalf("request %d: page %q, want %q…%q", i, p, tc.wantHead, tc.wantTail)
				}
				added := p[len(tc.wantHead) : len(p)-len(tc.wantTail)]
				switch {
				case tc.wantAdded == nil && added != "":
					t.Fatalf("request %d: page %q, want %q as given", i, p, tc.page)
				case tc.wantAdded != nil && !tc.wantAdded.MatchString(added):
					t.Fatalf("request %d: page %q adds %q, want %v", i, p, added, tc.wantAdded)
				}
				if f := r.args["formats"]; !slices.Equal(f, tc.wantFormats) {
					t.Fatalf("request %d: formats %q, want %q", i, f, tc.wantFormats)
				}
				for _, k := range []string{"q", "engine"} {
					if r.args.Has(k) {
						t.Fatalf("request %d: a scrape sent the search parameter %s=%q", i, k, r.args.Get(k))
					}
				}
				for k, v := range tc.wantOther {
					if !slices.Equal(r.args[k], v) {
						t.Fatalf("request %d: %s=%q, want %q", i, k, r.args[k], v)
					}
				}
				if extra := len(r.args) - 1 - len(tc.wantOther) - min(1, len(tc.wantFormats)); extra != 0 {
					t.Fatalf("request %d: parameters %v, %d more than asked", i, r.args, extra)
				}
			}
			if tc.wantUnique && len(seen) != len(got) {
				t.Errorf("%d distinct pages in %d requests, want every one new", len(seen), len(got))
			}
			if !tc.wantUnique && tc.wantAdded == nil && len(seen) != 1 {
				t.Errorf("%d distinct pages, want the one page", len(seen))
			}
		})
	}
}

// TestScrapeDistinctAcrossRuns: two distinct runs' pages share nothing, so a second run against
// the same cache still misses every time.
func TestScrapeDistinctAcrossRuns(t *testing.T) {
	base, requests := startRecorder(t)
	for _, seed := range []uint64{1, 2} {
		run(t, cfg(base+"/v1/scrape", func(c *load.Config) {
			c.ScrapeURL, c.QuerySet, c.Seed = "http://127.0.0.1:9300/pages/docs", load.QueryDistinct, seed
		}))
	}
	seen := map[string]bool{}
	for _, r := range requests() {
		seen[r.args.Get("url")] = true
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct pages over two runs of 50, want 100", len(seen))
	}
}

// TestScrapeNATS: over NATS a scrape is a ScrapeRequest on trawl.v1.scrape.
func TestScrapeNATS(t *testing.T) {
	ns := testkit.StartNATS(t)
	nc := testkit.Connect(t, ns)
	seen := make(chan schemas.ScrapeRequest, 64)
	_, err := nc.Subscribe(schemas.SubjectScrape, func(m *nats.Msg) {
		var r schemas.ScrapeRequest
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Errorf("request body %q: %v", m.Data, err)
			return
		}
		seen <- r
		rep := nats.NewMsg(m.Reply)
		rep.Header.Set(schemas.HeaderCache, "hit")
		rep.Data = []byte(`{"markdown":""}`)
		m.RespondMsg(rep)
	})
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	const page = "http://127.0.0.1:9300/pages/article"
	s := run(t, cfg(ns.ClientURL(), func(c *load.Config) {
		c.ScrapeURL, c.ScrapeFormats, c.Requests = page, "markdown, links", 20
	}))
	if s.Transport != "nats" || s.OK != 20 || s.Cache["hit"] != 20 {
		t.Fatalf("transport %s ok %d cache %v, want nats, 20 hits", s.Transport, s.OK, s.Cache)
	}
	for range 20 {
		select {
		case r := <-seen:
			if r.URL != page || !slices.Equal(r.Formats, []string{"markdown", "links"}) {
				t.Fatalf("responder got %+v", r)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("responder saw fewer than 20 requests")
		}
	}
}
