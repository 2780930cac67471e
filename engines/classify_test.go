package engines

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// kindOf is what the fetcher reads from a parse: "ok", or the error's kind.
func kindOf(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return "ok"
	}
	var se *schemas.Error
	if !errors.As(err, &se) {
		t.Fatalf("untyped error: %v", err)
	}
	return se.Kind
}

// TestClassifyAgreesWithParse holds Classify to Parse's verdict on every testdata and corpus
// page of every engine with a Classifier of its own (for the others Classify is Parse).
func TestClassifyAgreesWithParse(t *testing.T) {
	reg := Default()
	dir := corpusDir()
	for _, e := range All() {
		if _, ok := e.(Classifier); !ok {
			continue // Classify is Parse itself for this engine: nothing to compare
		}
		paths := testdataPages(t, e.Name())
		if dir != "" {
			more, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*.html"))
			paths = append(paths, more...)
		}
		if len(paths) == 0 {
			t.Fatalf("%s: no pages", e.Name())
		}
		for _, p := range paths {
			page, err := readPage(p)
			if err != nil {
				t.Fatal(err)
			}
			req := &schemas.SearchRequest{Engine: e.Name(), Page: 1}
			_, perr := reg.Parse(e.Name(), page, req)
			want := kindOf(t, perr)
			if got := kindOf(t, reg.Classify(e.Name(), page, req)); got != want {
				t.Errorf("%s: Classify says %s, Parse says %s", p, got, want)
			}
		}
	}
}

// TestDDGFastPath pins which pages take the byte-level path, so that a change which quietly
// sends every page to Parse (correct, but the cost the classifier exists to avoid) fails.
func TestDDGFastPath(t *testing.T) {
	for _, tc := range []struct {
		page string
		fast bool
	}{
		{"results.html", true},
		{"html_current.html", true},
		{"anomaly.html", false},
		{"anomaly_modal.html", false},
		{"lite.html", false},
		{"no_results.html", false},
		{"react_layout_only.html", false},
	} {
		page, err := os.ReadFile(filepath.Join("testdata", "duckduckgo", tc.page))
		if err != nil {
			t.Fatal(err)
		}
		if got := ddgSurelyResults(page); got != tc.fast {
			t.Errorf("%s: fast path %v, want %v", tc.page, got, tc.fast)
		}
	}
	// Shapes the byte check must leave to Parse.
	for name, page := range map[string]string{
		"ad only":          `<div class="result results_links result--ad"><h2><a class="result__a" href="https://duckduckgo.com/y.js?u3=https%3A%2F%2Fa.example">Ad</a></h2></div>`,
		"empty title":      `<div class="result web-result"><h2><a class="result__a" href="https://a.example/"> <b></b> </a></h2></div>`,
		"bad URL":          `<div class="result web-result"><h2><a class="result__a" href="javascript:alert(1)">x</a></h2></div>`,
		"other link first": `<div class="result web-result"><a class="large" href="https://b.example/">b</a><a class="result__a" href="https://a.example/">a</a></div>`,
		"link outside":     `<div class="result web-result"></div><a class="result__a" href="https://a.example/">a</a>`,
		"challenge":        `<form id="challenge-form"></form><div class="result web-result"><h2><a class="result__a" href="https://a.example/">a</a></h2></div>`,
		"badge":            `<div class="result web-result"><h2><a class="result__a" href="https://a.example/">a</a></h2><span class="badge--ad">Ad</span></div>`,
	} {
		if ddgSurelyResults([]byte(page)) {
			t.Errorf("%s: took the fast path", name)
		}
	}
	if !ddgSurelyResults([]byte(`<div class="result web-result"><h2><a rel="nofollow" class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fa.example%2F&amp;rut=x">A &amp; <b>B</b></a></h2></div>`)) {
		t.Error("a minimal html-endpoint result missed the fast path")
	}
}

// FuzzClassifyDuckDuckGo checks on arbitrary input that Classify never disagrees with Parse.
func FuzzClassifyDuckDuckGo(f *testing.F) {
	addSeeds(f, DuckDuckGo{}.Name(), "")
	f.Add([]byte(`<div class="result web-result"><h2><a class="result__a" href="https://a.example/">a</a></h2></div>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		req := &schemas.SearchRequest{Engine: "duckduckgo", Page: 1}
		_, perr := DuckDuckGo{}.Parse(page, req)
		if got, want := kindOf(t, DuckDuckGo{}.Classify(page, req)), kindOf(t, perr); got != want {
			t.Fatalf("Classify says %s, Parse says %s", got, want)
		}
	})
}

// TestCDNWallsAreBlocks: a CDN's bot wall in front of any engine (here Cloudflare's managed
// challenge, as DuckDuckGo served it in 2026, and DataDome's) is blocked for every engine,
// by Parse and Classify alike, so the fetcher tries another route; a result page that merely
// mentions such a host stays a result page.
func TestCDNWallsAreBlocks(t *testing.T) {
	r := Default()
	walls := map[string]string{
		"cloudflare": `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" /><title>Just a moment...</title>` +
			`<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/managed"></script></head><body><div id="challenge-stage"></div></body></html>`,
		"datadome": `<html><head><title>search</title></head><body><p id="cmsg">Please enable JS and disable any ad blocker</p>` +
			`<script>var dd={'rt':'c','host':'geo.captcha-delivery.com'}</script><script src="https://ct.captcha-delivery.com/c.js"></script></body></html>`,
	}
	for _, name := range r.Names() {
		for wall, page := range walls {
			req := &schemas.SearchRequest{Engine: name, Q: "q", Page: 1}
			if _, err := r.Parse(name, []byte(page), req); schemas.AsError(err) == nil || schemas.AsError(err).Kind != schemas.TypeBlocked {
				t.Errorf("%s, %s wall: Parse says %v, want blocked", name, wall, err)
			}
			if err := r.Classify(name, []byte(page), req); schemas.AsError(err) == nil || schemas.AsError(err).Kind != schemas.TypeBlocked {
				t.Errorf("%s, %s wall: Classify says %v, want blocked", name, wall, err)
			}
		}
	}
	page, err := readPage("testdata/duckduckgo/html_2026.html.gz")
	if err != nil {
		t.Fatal(err)
	}
	page = append(page, `<script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script>`...)
	serp, err := r.Parse("duckduckgo", page, &schemas.SearchRequest{Engine: "duckduckgo", Q: "rust programming", Page: 1})
	if err != nil || len(serp.OrganicResults) != 10 {
		t.Errorf("a result page naming Cloudflare's host: %v, %d results, want 10", err, len(serp.OrganicResults))
	}
}
