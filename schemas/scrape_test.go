package schemas

import (
	"encoding/json"
	"testing"
)

// A stored scrape body and its metadata make one response that decodes with the page facts in
// scrape_metadata and the formats beside it.
func TestComposeScrapeResponse(t *testing.T) {
	for _, b := range []ScrapeBody{
		{FinalURL: "https://example.com/a", HTTPStatus: 200, ContentType: "text/html", Charset: "windows-1251", Markdown: "# Привет", Extract: map[string]any{"n": 1.5}},
		{FinalURL: "https://example.com/", HTTPStatus: 203, ContentType: "text/plain"},
	} {
		stored := EncodeScrapeBody(&b)
		out, err := ComposeScrapeResponse(&ScrapeMetadata{ID: "x", Status: "Success", URL: "https://example.com/a"}, stored)
		if err != nil {
			t.Fatal(err)
		}
		var r ScrapeResponse
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if r.ScrapeMetadata.FinalURL != b.FinalURL || r.ScrapeMetadata.HTTPStatus != b.HTTPStatus || r.ScrapeMetadata.Charset != b.Charset ||
			r.Markdown != b.Markdown || r.ScrapeMetadata.ID != "x" {
			t.Errorf("round trip: %s", out)
		}
		// Taken apart and put back behind other metadata (the ingress's near cache).
		var meta ScrapeMetadata
		rest, ok := SplitScrapeResponse(out, &meta)
		if !ok || meta.ID != "x" || meta.FinalURL != b.FinalURL {
			t.Fatalf("split: ok %v, metadata %+v", ok, meta)
		}
		meta.ID, meta.Cache = "y", "hit"
		var again ScrapeResponse
		if err := json.Unmarshal(AppendScrapeResponse(nil, &meta, rest), &again); err != nil ||
			again.ScrapeMetadata.ID != "y" || again.ScrapeMetadata.Cache != "hit" || again.Markdown != b.Markdown ||
			again.ScrapeMetadata.HTTPStatus != b.HTTPStatus {
			t.Errorf("recomposed: %+v (%v)", again, err)
		}
		if _, ok := SplitResponse(out, &SearchMetadata{}); ok {
			t.Error("a scrape answer split as a search's")
		}
	}
	if _, ok := SplitScrapeResponse([]byte(`{"scrape_metadata":{"id":"x"`), &ScrapeMetadata{}); ok {
		t.Error("a truncated scrape answer split")
	}
	if _, err := ComposeScrapeResponse(&ScrapeMetadata{}, []byte(`{"markdown":"x"}`)); err == nil {
		t.Error("a body not in the stored form was accepted")
	}
}

func TestScrapeCacheKey(t *testing.T) {
	norm := func(r ScrapeRequest) string { r.Normalize(); return r.CacheKey() }
	f := false
	a := norm(ScrapeRequest{URL: "HTTPS://Example.COM:443/a#frag"})
	if b := norm(ScrapeRequest{URL: "https://example.com/a", Formats: []string{"metadata", "markdown"}}); a != b {
		t.Error("equivalent scrapes have different keys")
	}
	for _, r := range []ScrapeRequest{
		{URL: "https://example.com/b"},
		{URL: "https://example.com/a", Formats: []string{"text"}},
		{URL: "https://example.com/a", MainContent: &f},
		{URL: "https://example.com/a", ExcludeSelectors: []string{"nav"}},
		{URL: "https://example.com/a", Extract: map[string]ExtractField{"t": {Selector: "h1"}}},
	} {
		if norm(r) == a {
			t.Errorf("%+v shares the key of a different scrape", r)
		}
	}
}

// TestScrapeTargetError: schemes other than http(s) and credentials are refused as targets
// (forbidden_target), not as malformed fields, and Validate leaves them to TargetError.
func TestScrapeTargetError(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"http://example.com/", false},
		{"https://example.com:8443/a?b=c", false},
		{"file:///etc/passwd", true},
		{"gopher://example.com:70/_x", true},
		{"ftp://example.com/", true},
		{"data:text/html,<b>x</b>", true},
		{"javascript:alert(1)", true},
		{"http://trusted.example@127.0.0.1/", true},
		{"http://127.0.0.1:80@evil.example/", true},
		{"http://user:pw@example.com/", true},
	} {
		r := &ScrapeRequest{URL: tc.url}
		e := r.TargetError()
		if got := e != nil; got != tc.want {
			t.Errorf("%s: TargetError %v, want refused %v", tc.url, e, tc.want)
			continue
		}
		if e != nil && (e.Kind != TypeForbiddenTarget || e.Status != 400) {
			t.Errorf("%s: %s %d, want forbidden_target 400", tc.url, e.Kind, e.Status)
		}
		if tc.want && len(r.Validate(0)) > 0 {
			t.Errorf("%s: Validate refuses it as a field: %v", tc.url, r.Validate(0))
		}
	}
}
