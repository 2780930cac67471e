package stack_test

import (
	"net/url"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
)

// TestDuckDuckGoVerticalsEndToEnd asks /v1/search for DuckDuckGo's news and images through
// every stage: the fetcher takes the token from the search page and asks the JSON endpoint
// with it (the simulator refuses any other), the parser reads the reply, and the repeat is a
// hit that asks the engine nothing. A search page without a token is a typed failure.
func TestDuckDuckGoVerticalsEndToEnd(t *testing.T) {
	e := start(t, nil, nil)
	cfg := sim.DefaultConfig()
	total := cfg.PerPage * cfg.Pages
	for _, vertical := range []string{schemas.VerticalNews, schemas.VerticalImages} {
		t.Run(vertical, func(t *testing.T) {
			q := "golang " + vertical + " verticals"
			path := "/v1/search?engine=duckduckgo&type=" + vertical + "&q=" + url.QueryEscape(q)
			rp := e.get(t, path)
			if rp.status != 200 {
				t.Fatalf("status %d: %s", rp.status, rp.body)
			}
			r := decodeResponse(t, rp.body)
			want := sim.Ranked("duckduckgo", q, 0, 100, total)
			var titles, urls []string
			for _, n := range r.NewsResults {
				titles, urls = append(titles, n.Title), append(urls, n.URL)
				if n.Source == "" || n.Date == "" || n.Snippet == "" {
					t.Errorf("news result without source, date or snippet: %+v", n)
				}
			}
			for _, im := range r.ImagesResults {
				titles, urls = append(titles, im.Title), append(urls, im.URL)
				if im.Original == "" || im.Width == 0 || im.Height == 0 || im.Source == "" {
					t.Errorf("image result without original, size or site: %+v", im)
				}
			}
			if len(titles) != len(want) || len(want) == 0 || len(r.OrganicResults) != 0 {
				t.Fatalf("%d results and %d organic, want %d and none", len(titles), len(r.OrganicResults), len(want))
			}
			for i, w := range want {
				if titles[i] != w.Title || urls[i] != w.URL {
					t.Errorf("#%d: %q %s, want %q %s", i+1, titles[i], urls[i], w.Title, w.URL)
				}
			}
			// Two requests reached the engine: the search page and the JSON endpoint.
			if n := e.sim.RequestsFor(q); n != 2 {
				t.Errorf("the engine saw %d requests for the query, want 2", n)
			}
			if again := e.get(t, path); again.status != 200 || e.sim.RequestsFor(q) != 2 {
				t.Errorf("repeat: status %d, engine requests %d; want a hit that asks nothing", again.status, e.sim.RequestsFor(q))
			}
		})
	}
	rp := e.get(t, "/v1/search?engine=duckduckgo&type=news&q="+url.QueryEscape("golang newlayout"))
	if p := decodeProblem(t, rp); p.Kind != schemas.TypeUnrecognised || p.Engine != "duckduckgo" {
		t.Errorf("search page without a token: %d %+v, want unrecognised_page from duckduckgo", rp.status, p)
	}
}
