package cache

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ a, b string }{
		{"https://www.Example.com/a/", "http://example.com/a"},
		{"https://example.com/a?utm_source=x&b=2&a=1", "https://example.com/a?a=1&b=2"},
		{"https://example.com/a#frag", "https://example.com/a"},
	}
	for _, tc := range tests {
		if normalizeURL(tc.a) != normalizeURL(tc.b) {
			t.Errorf("%q and %q should be one result: %q vs %q", tc.a, tc.b, normalizeURL(tc.a), normalizeURL(tc.b))
		}
	}
	if normalizeURL("https://example.com/a") == normalizeURL("https://example.com/b") {
		t.Error("different paths merged")
	}
}

func TestMergeRanksByReciprocalRankFusion(t *testing.T) {
	res := func(pos int, u string) schemas.OrganicResult {
		return schemas.OrganicResult{Position: pos, Title: u, URL: "https://" + u}
	}
	a := &schemas.SearchBody{OrganicResults: []schemas.OrganicResult{res(1, "x.com/1"), res(2, "both.com/"), res(3, "x.com/3")},
		Ads: []schemas.Ad{{Position: 1, Title: "ad a"}}, RelatedSearches: []schemas.RelatedSearch{{Query: "Go"}}}
	b := &schemas.SearchBody{OrganicResults: []schemas.OrganicResult{res(1, "y.com/1"), res(2, "www.both.com")},
		Ads: []schemas.Ad{{Position: 1, Title: "ad b"}}, RelatedSearches: []schemas.RelatedSearch{{Query: "go"}, {Query: "nats"}}}
	r := &schemas.SearchRequest{Q: "q", Engine: "a,b", Page: 1}
	got := merge(r, []*schemas.SearchBody{a, b}, []string{"a", "b"})

	// both.com is second on both engines: 2/(60+2) beats any single first place 1/(60+1).
	want := []string{"both.com/", "x.com/1", "y.com/1", "x.com/3"}
	if len(got.OrganicResults) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got.OrganicResults), len(want), got.OrganicResults)
	}
	for i, w := range want {
		o := got.OrganicResults[i]
		if o.Title != w || o.Position != i+1 {
			t.Errorf("rank %d: %q (position %d), want %q", i+1, o.Title, o.Position, w)
		}
	}
	if e := got.OrganicResults[0].Engines; len(e) != 2 {
		t.Errorf("merged result engines %v, want both", e)
	}
	if len(got.Ads) != 2 || got.Ads[1].Position != 2 {
		t.Errorf("ads %+v: want both, renumbered", got.Ads)
	}
	if len(got.RelatedSearches) != 2 {
		t.Errorf("related %+v: want case-insensitive de-duplication", got.RelatedSearches)
	}
}

// Page 2 continues the numbering after the most page 1 could hold (two engines of 10: 21), while
// the fusion still ranks by each engine's order on the page, not by the positions they carry.
func TestMergePageTwoContinuesPositions(t *testing.T) {
	res := func(pos int, u string) schemas.OrganicResult {
		return schemas.OrganicResult{Position: pos, Title: u, URL: "https://" + u}
	}
	// a numbers from 11, b (another page size) from 21: the fusion must not favour a.
	a := &schemas.SearchBody{OrganicResults: []schemas.OrganicResult{res(11, "a.com/1"), res(12, "both.com/")}}
	b := &schemas.SearchBody{OrganicResults: []schemas.OrganicResult{res(21, "b.com/1"), res(22, "both.com/")}}
	r := &schemas.SearchRequest{Q: "q", Engine: "a,b", Page: 2}
	got := merge(r, []*schemas.SearchBody{a, b}, []string{"a", "b"})
	want := []string{"both.com/", "a.com/1", "b.com/1"}
	for i, w := range want {
		if o := got.OrganicResults[i]; o.Title != w || o.Position != 21+i {
			t.Errorf("#%d: %q at position %d, want %q at %d", i, o.Title, o.Position, w, 21+i)
		}
	}
}
