package ingress

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// The near cache answers a repeat from the ingress itself, with a search_metadata of the
// request's own, and steps aside whenever the cache service could answer differently.
func TestNearCacheThroughPipeline(t *testing.T) {
	p := startPipeline(t, pipeOpts{simLatency: 2 * time.Millisecond, fetchConcurrency: 2})
	defer p.settle(t)
	hits := func() float64 { return p.in.counter(p.in.m.near.WithLabelValues("hit")) }

	answered := map[string][]byte{} // id → the body as answered
	get := func(query, reqID string) (string, schemas.SearchResponse) {
		t.Helper()
		resp, b := send(t, "GET", p.in.url+"/v1/search?"+query, nil, map[string]string{"X-Request-Id": reqID})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", query, resp.StatusCode, b)
		}
		var sr schemas.SearchResponse
		if err := json.Unmarshal(b, &sr); err != nil {
			t.Fatalf("%s: %v: %s", query, err, b)
		}
		if len(sr.OrganicResults) == 0 {
			t.Fatalf("%s: no results: %s", query, b)
		}
		answered[sr.SearchMetadata.ID] = b
		return resp.Header.Get("X-Cache"), sr
	}

	state, first := get("q=near+cache", "r1")
	if state != "MISS" || hits() != 0 {
		t.Fatalf("first request: X-Cache %s, near hits %v; want MISS, 0", state, hits())
	}
	// A miss's answer is not kept near: the second request is the cache service's hit, which
	// is kept.
	if state, _ = get("q=near+cache", "r1b"); state != "HIT" || hits() != 0 {
		t.Fatalf("second request: X-Cache %s, near hits %v; want a HIT from the cache service", state, hits())
	}
	// Equivalent spellings share the entry: the near key is the cache key.
	state, again := get("q=Near++Cache&engine=duckduckgo&page=1", "r2")
	if state != "HIT" || hits() != 1 {
		t.Fatalf("repeat: X-Cache %s, near hits %v; want HIT from the near cache", state, hits())
	}
	m := again.SearchMetadata
	if m.RequestID != "r2" || m.Cache != "hit" || m.PageID != first.SearchMetadata.PageID || m.ID == first.SearchMetadata.ID ||
		!m.CreatedAt.Equal(first.SearchMetadata.CreatedAt) {
		t.Fatalf("near hit metadata %+v; want request r2, cache hit, an id of its own, the entry's page and creation time", m)
	}
	if len(again.OrganicResults) != len(first.OrganicResults) || again.OrganicResults[0].URL != first.OrganicResults[0].URL {
		t.Fatalf("near hit results differ from the stored answer")
	}

	// Archived, the near hit is a reference to the answer the entry came with, and reads back
	// as the answer it was: the entry's results under its own metadata.
	if r, err := p.in.archive.getBundled(t.Context(), m.ID); err != nil || len(r.Data) == 0 || r.Data[0] != refHitMark {
		t.Fatalf("near hit's record: %v; want a reference, not the answer whole", err)
	}
	for _, id := range []string{m.ID, first.SearchMetadata.ID} {
		resp, b := send(t, "GET", p.in.url+"/v1/searches/"+id, nil, nil)
		var sr schemas.SearchResponse
		if resp.StatusCode != 200 || json.Unmarshal(b, &sr) != nil {
			t.Fatalf("GET /v1/searches/%s: status %d: %s", id, resp.StatusCode, b)
		}
		want := first
		if id == m.ID {
			want = again
		}
		if sr.SearchMetadata.ID != id || sr.SearchMetadata.RequestID != want.SearchMetadata.RequestID ||
			sr.SearchMetadata.Cache != want.SearchMetadata.Cache || len(sr.OrganicResults) != len(want.OrganicResults) {
			t.Fatalf("archived %s reads back as %+v, want the answer given (%+v)", id, sr.SearchMetadata, want.SearchMetadata)
		}
		if !bytes.Equal(b, answered[id]) {
			t.Fatalf("archived %s reads back as\n%s\nnot byte for byte as answered\n%s", id, b, answered[id])
		}
	}

	asked := p.sim.RequestsFor("near cache")
	tests := []struct {
		name, query string
		wantState   string
		fetches     int64 // upstream requests this one causes
	}{
		// no_cache always fetches: the near cache is not even looked at.
		{"no_cache", "q=near+cache&no_cache=true", "MISS", 1},
		// max_age=0 refuses every stored entry; the cache service fetches.
		{"max_age 0", "q=near+cache&max_age=0", "MISS", 1},
		// A generous max_age is satisfied by the near entry.
		{"max_age 3600", "q=near+cache&max_age=3600", "HIT", 0},
		// Metasearch answers are never kept near (their metadata is per engine).
		{"metasearch", "q=near+cache&engine=duckduckgo,duckduckgo", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, nearBefore := p.sim.RequestsFor("near cache"), hits()
			resp, b := send(t, "GET", p.in.url+"/v1/search?"+tc.query, nil, nil)
			if tc.wantState == "" {
				if h := hits(); h != nearBefore {
					t.Fatalf("near hits %v -> %v: %s", nearBefore, h, b)
				}
				return
			}
			if resp.StatusCode != 200 || resp.Header.Get("X-Cache") != tc.wantState {
				t.Fatalf("status %d X-Cache %q, want 200 %s: %s", resp.StatusCode, resp.Header.Get("X-Cache"), tc.wantState, b)
			}
			if got := p.sim.RequestsFor("near cache") - before; got != tc.fetches {
				t.Fatalf("upstream asked %d more times, want %d", got, tc.fetches)
			}
		})
	}
	if p.sim.RequestsFor("near cache") < asked {
		t.Fatal("request counter went backwards")
	}
}

func TestNearCacheKeeps(t *testing.T) {
	now := time.Now() // otter expires entries on the real clock too
	body := string(schemas.ComposeResponse(&schemas.SearchMetadata{ID: "e1", Status: "Success", Engine: "duckduckgo", Cache: "miss", CreatedAt: now.Add(-10 * time.Second)},
		[]byte(`{"search_parameters":{"q":"x"},"organic_results":[]}`)))
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	r := &schemas.SearchRequest{Q: "x"}
	tests := []struct {
		name, state, freshUntil, body string
		// keptFor is how long the entry serves (0: not kept).
		keptFor time.Duration
	}{
		{"fresh for an hour: the near TTL bounds it", "hit", ms(time.Hour), body, time.Minute},
		{"a miss's answer is not kept (its key was asked once)", "miss", ms(time.Hour), body, 0},
		{"fresh for 30 s more: that bounds it", "hit", ms(30 * time.Second), body, 30 * time.Second},
		{"coalesced answers are kept too", "coalesced", ms(time.Hour), body, time.Minute},
		{"already stale", "hit", ms(-time.Millisecond), body, 0},
		{"stale answers never", "stale", ms(time.Hour), body, 0},
		{"no freshness header", "hit", "", body, 0},
		{"garbage freshness header", "hit", "soon", body, 0},
		{"not a composed answer", "hit", ms(time.Hour), `{"organic_results":[]}`, 0},
		{"metasearch metadata", "hit", ms(time.Hour), `{"search_metadata":{"id":"m","engines":{"bing":{"status":"answered","results":1}}},"x":1}`, 0},
		{"truncated", "hit", ms(time.Hour), body[:len(body)-1], 0},
		{"empty", "hit", ms(time.Hour), "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Minutes, not milliseconds: otter also expires entries on the real clock.
			n := newNearCache(time.Minute, 1<<20)
			defer n.close()
			key := n.key(r)
			n.put(key, tc.state, tc.freshUntil, "", []byte(tc.body), now)
			got := n.get(key, r.MaxAge, now) != nil
			if got != (tc.keptFor > 0) {
				t.Fatalf("kept %v, want %v", got, tc.keptFor > 0)
			}
			if tc.keptFor > 0 {
				if n.get(key, r.MaxAge, now.Add(tc.keptFor-time.Millisecond)) == nil || n.get(key, r.MaxAge, now.Add(tc.keptFor)) != nil {
					t.Fatalf("want it served for exactly %s", tc.keptFor)
				}
			}
		})
	}
}

// Requests the near cache never answers, whatever it holds.
func TestNearCacheKey(t *testing.T) {
	n := newNearCache(time.Second, 1<<20)
	defer n.close()
	if k1, k2 := n.key(&schemas.SearchRequest{Q: " Go  lang"}), n.key(&schemas.SearchRequest{Q: "go lang", Engine: "DuckDuckGo", Page: 1}); k1 == "" || k1 != k2 {
		t.Fatalf("equivalent requests: keys %q and %q", k1, k2)
	}
	if k := n.key(&schemas.SearchRequest{Q: "go", NoCache: true}); k != "" {
		t.Fatalf("no_cache: key %q, want none", k)
	}
	if k := n.key(&schemas.SearchRequest{Q: "go", Engine: "duckduckgo,bing"}); k != "" {
		t.Fatalf("metasearch: key %q, want none", k)
	}
	var off *nearCache // --near-cache-ttl=0
	if k := off.key(&schemas.SearchRequest{Q: "go"}); k != "" {
		t.Fatalf("disabled: key %q", k)
	}
}

// A scrape's answer is kept under its own key and served with scrape_metadata of the
// request's own; it never answers a search, nor a search's a scrape.
func TestNearCacheKeepsScrapes(t *testing.T) {
	now := time.Now()
	n := newNearCache(time.Minute, 1<<20)
	defer n.close()
	r := &schemas.ScrapeRequest{URL: "https://example.com/a"}
	key := n.scrapeKey(r)
	if key == "" || key == n.key(&schemas.SearchRequest{Q: r.URL}) {
		t.Fatalf("scrape key %q", key)
	}
	if k := n.scrapeKey(&schemas.ScrapeRequest{URL: r.URL, NoCache: true}); k != "" {
		t.Fatalf("no_cache: key %q, want none", k)
	}
	if k := n.scrapeKey(&schemas.ScrapeRequest{URL: r.URL, Formats: []string{"text"}}); k == key {
		t.Fatal("other formats share the key")
	}
	stored := schemas.EncodeScrapeBody(&schemas.ScrapeBody{FinalURL: r.URL, HTTPStatus: 200, ContentType: "text/html", Markdown: "# A"})
	created := now.Add(-10 * time.Second)
	body, err := schemas.ComposeScrapeResponse(&schemas.ScrapeMetadata{ID: "first", PageID: "page1", Status: "Success", Cache: "hit",
		CreatedAt: created, URL: r.URL}, stored)
	if err != nil {
		t.Fatal(err)
	}
	fresh := strconv.FormatInt(now.Add(time.Hour).UnixMilli(), 10)
	n.put(key, "hit", fresh, "", body, now)
	e := n.get(key, nil, now)
	if e == nil {
		t.Fatal("a fresh scrape hit was not kept")
	}
	var got schemas.ScrapeResponse
	meta := e.scrapeMetaFor("second", "req2", now, now)
	if err := json.Unmarshal(schemas.AppendScrapeResponse(nil, &meta, e.tail), &got); err != nil {
		t.Fatal(err)
	}
	m := got.ScrapeMetadata
	if m.ID != "second" || m.RequestID != "req2" || m.Cache != "hit" || m.PageID != "page1" || !m.CreatedAt.Equal(created) ||
		m.AgeSeconds != 10 || m.FinalURL != r.URL || m.HTTPStatus != 200 || got.Markdown != "# A" {
		t.Fatalf("near scrape hit %+v (markdown %q)", m, got.Markdown)
	}
	ten, nine := 10, 9
	if n.get(key, &ten, now) != nil || n.get(key, &nine, now) != nil {
		t.Fatal("an entry 10 s old answered max_age=10")
	}
	if eleven := 11; n.get(key, &eleven, now) == nil {
		t.Fatal("an entry 10 s old did not answer max_age=11")
	}
	// A scrape's answer under a search's key (or the reverse) is never served.
	sk := n.key(&schemas.SearchRequest{Q: "x"})
	n.put(sk, "hit", fresh, "", body, now)
	if n.get(sk, nil, now) != nil {
		t.Fatal("a scrape answer served a search")
	}
	other := n.scrapeKey(&schemas.ScrapeRequest{URL: "https://example.com/b"})
	n.put(other, "hit", fresh, "", schemas.ComposeResponse(&schemas.SearchMetadata{ID: "s"}, []byte(`{"organic_results":[]}`)), now)
	if n.get(other, nil, now) != nil {
		t.Fatal("a search answer served a scrape")
	}
}
