package sim_test

import (
	"net/http"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
)

// TestVerticalPages holds Bing's, Google's, DuckDuckGo's, Yandex's and Brave's news and images parsers to the simulator's ranking, page by
// page, as TestEnginesParseTheirSimulatedPages does for web pages: the demo's type=news and
// type=images answer offline.
func TestVerticalPages(t *testing.T) {
	_, reg, cfg := startSim(t)
	const q = "golang generics"
	total := cfg.PerPage * cfg.Pages
	for _, tc := range []struct {
		engine, vertical string
		per              int
	}{
		{"bing", schemas.VerticalNews, cfg.PerPage}, {"bing", schemas.VerticalImages, 35},
		{"google", schemas.VerticalNews, cfg.PerPage}, {"google", schemas.VerticalImages, 100},
		{"duckduckgo", schemas.VerticalNews, 100}, {"duckduckgo", schemas.VerticalImages, 100},
		{"yandex", schemas.VerticalImages, 30},
		{"brave", schemas.VerticalNews, 20}, {"brave", schemas.VerticalImages, 20},
	} {
		t.Run(tc.engine+"/"+tc.vertical, func(t *testing.T) {
			pages := (total + tc.per - 1) / tc.per
			for page := 1; page <= pages; page++ {
				req := &schemas.SearchRequest{Engine: tc.engine, Q: q, Page: page, Type: tc.vertical}
				serp, err := searchReq(t, reg, req, nil)
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				want := sim.Ranked(tc.engine, q, (page-1)*tc.per, tc.per, total)
				var titles, urls []string
				for i, n := range serp.NewsResults {
					titles, urls = append(titles, n.Title), append(urls, n.URL)
					if n.Position != (page-1)*tc.per+i+1 || n.Source == "" || n.Date == "" {
						t.Errorf("page %d news %d: %+v", page, i, n)
					}
				}
				for i, im := range serp.ImagesResults {
					titles, urls = append(titles, im.Title), append(urls, im.URL)
					if im.Position != (page-1)*tc.per+i+1 || im.Width == 0 || im.Height == 0 || im.Original == "" {
						t.Errorf("page %d image %d: %+v", page, i, im)
					}
				}
				if len(titles) != len(want) || len(serp.OrganicResults) != 0 {
					t.Fatalf("page %d: %d results and %d organic, want %d and none", page, len(titles), len(serp.OrganicResults), len(want))
				}
				for i, w := range want {
					if titles[i] != w.Title || urls[i] != w.URL {
						t.Errorf("page %d #%d: %q %s, want %q %s", page, i+1, titles[i], urls[i], w.Title, w.URL)
					}
				}
			}
			serp, err := searchReq(t, reg, &schemas.SearchRequest{Engine: tc.engine, Q: "golang noresults", Page: 1, Type: tc.vertical}, nil)
			if err != nil || len(serp.NewsResults)+len(serp.ImagesResults) != 0 {
				t.Errorf("noresults: %+v, %v", serp, err)
			}
			if _, err := searchReq(t, reg, &schemas.SearchRequest{Engine: tc.engine, Q: "golang newlayout", Page: 1, Type: tc.vertical}, nil); !isKind(err, schemas.TypeUnrecognised) {
				t.Errorf("newlayout: want %s, got %v", schemas.TypeUnrecognised, err)
			}
		})
	}
	if _, err := reg.Request(&schemas.SearchRequest{Engine: "mojeek", Q: q, Page: 1, Type: schemas.VerticalNews}); !isKind(err, schemas.TypeValidation) {
		t.Errorf("mojeek news: want %s, got %v", schemas.TypeValidation, err)
	}
}

// TestDuckDuckGoVerticalToken: the simulated JSON endpoints, like DuckDuckGo's, refuse a
// request without the query's token, so the demo's news and images prove the two steps.
func TestDuckDuckGoVerticalToken(t *testing.T) {
	s, _, _ := startSim(t)
	for _, path := range []string{"/duckduckgo/news.js?o=json&q=golang", "/duckduckgo/i.js?o=json&q=golang&vqd=4-1"} {
		if resp, _ := get(t, s.URL()+path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", path, resp.StatusCode)
		}
	}
	// The search page is served at the prefix's root alone, not for every path below it.
	if resp, _ := get(t, s.URL()+"/duckduckgo/nothing-here?q=golang"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: status %d, want 404", resp.StatusCode)
	}
}
