package engines

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

type fakeEngine struct{ name, base string }

func (f fakeEngine) Name() string    { return f.name }
func (f fakeEngine) BaseURL() string { return f.base }
func (fakeEngine) Request(*url.URL, *schemas.SearchRequest) (*Request, error) {
	return &Request{Method: "GET"}, nil
}
func (fakeEngine) Parse([]byte, *schemas.SearchRequest) (*schemas.SERP, error) {
	return &schemas.SERP{}, nil
}

func TestNewRegistryRejects(t *testing.T) {
	tests := []struct {
		name string
		list []Engine
	}{
		{"empty name", []Engine{fakeEngine{"", "https://a.example"}}},
		{"duplicate", []Engine{fakeEngine{"a", "https://a.example"}, fakeEngine{"a", "https://b.example"}}},
		{"name with comma", []Engine{fakeEngine{"a,b", "https://a.example"}}},
		{"bad base URL", []Engine{fakeEngine{"a", "not a url"}}},
		{"duplicate of a real engine", []Engine{DuckDuckGo{}, DuckDuckGo{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewRegistry(tc.list...); err == nil {
				t.Fatal("NewRegistry accepted it")
			}
		})
	}
}

// TestAllEnginesHaveGoldens is the searxng test_engines_init check: every engine listed in
// all.go has hand-written pages with golden output.
func TestAllEnginesHaveGoldens(t *testing.T) {
	reg := Default()
	if len(reg.Names()) != len(All()) {
		t.Fatalf("registry has %d engines, all.go lists %d", len(reg.Names()), len(All()))
	}
	for _, e := range All() {
		pages := testdataPages(t, e.Name())
		if len(pages) == 0 {
			t.Errorf("engine %q has no testdata/%s/*.html", e.Name(), e.Name())
		}
		for _, p := range pages {
			if _, err := os.Stat(pageCase(p) + ".golden.json"); err != nil {
				t.Errorf("%s has no golden file", p)
			}
		}
		if ok, _ := filepath.Match("*", e.Name()); !ok {
			t.Errorf("odd engine name %q", e.Name())
		}
	}
}

func TestBaseURLOverrideKeepsPath(t *testing.T) {
	reg := Default()
	if err := reg.SetBaseURLs("duckduckgo=http://127.0.0.1:9300, google=http://127.0.0.1:9301/prefix/"); err != nil {
		t.Fatal(err)
	}
	req, err := reg.Request(&schemas.SearchRequest{Q: "golang", Engine: "duckduckgo", Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.URL, "http://127.0.0.1:9300/html/?") || !strings.Contains(req.URL, "q=golang") {
		t.Errorf("duckduckgo request %s: want http://127.0.0.1:9300/html/?q=golang…", req.URL)
	}
	req, err = reg.Request(&schemas.SearchRequest{Q: "golang", Engine: "google", Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.URL, "http://127.0.0.1:9301/prefix/search?") {
		t.Errorf("google request %s: want the prefix kept before /search", req.URL)
	}
	// Engines not overridden keep their own host.
	req, _ = reg.Request(&schemas.SearchRequest{Q: "golang", Engine: "bing", Page: 1})
	if !strings.HasPrefix(req.URL, "https://www.bing.com/search?") {
		t.Errorf("bing request %s", req.URL)
	}
	for _, bad := range []string{"nosuch=http://127.0.0.1:1", "duckduckgo", "duckduckgo=ftp://x"} {
		if err := Default().SetBaseURLs(bad); err == nil {
			t.Errorf("SetBaseURLs(%q) accepted", bad)
		}
	}
}

// Positions continue across pages for every engine: the first result of a later page follows
// the last of the page before, by the engine's own paging.
func TestPositionsContinueAcrossPages(t *testing.T) {
	reg := Default()
	for _, c := range []struct {
		engine, page string
		req          schemas.SearchRequest
		first        int
	}{
		{"google", "results.html", schemas.SearchRequest{Page: 1}, 1},
		{"google", "results.html", schemas.SearchRequest{Page: 2}, 11},
		{"google", "results.html", schemas.SearchRequest{Page: 3, Num: 20}, 41},
		{"bing", "results.html", schemas.SearchRequest{Page: 2}, 11},
		{"duckduckgo", "results.html", schemas.SearchRequest{Page: 2}, 11},
		{"duckduckgo", "results.html", schemas.SearchRequest{Page: 3}, 26},
	} {
		html, err := os.ReadFile(filepath.Join("testdata", c.engine, c.page))
		if err != nil {
			t.Fatal(err)
		}
		c.req.Engine, c.req.Q = c.engine, "q"
		serp, err := reg.Parse(c.engine, html, &c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.engine, err)
		}
		if len(serp.OrganicResults) < 2 {
			t.Fatalf("%s: %d results", c.engine, len(serp.OrganicResults))
		}
		for i, o := range serp.OrganicResults {
			if o.Position != c.first+i {
				t.Errorf("%s page %d: result %d at position %d, want %d", c.engine, c.req.Page, i, o.Position, c.first+i)
				break
			}
		}
	}
}
