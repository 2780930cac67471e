package scrape_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
	"github.com/trawl-dev/trawl/sim"
)

// fuzzSeedBytes cuts the real pages down: the fuzzer mutates small inputs far better, and the
// markup that matters (doctype, head, the first blocks) is at the start.
const fuzzSeedBytes = 16 << 10

// FuzzConvert feeds arbitrary bytes under arbitrary content types to Convert (every format and
// every extract type) and Challenge. Properties: no panic, a typed error or valid UTF-8 in
// every output string, JSON that encodes, and bounded time per input.
func FuzzConvert(f *testing.F) {
	srv := startSim(f)
	for _, path := range sim.ScrapePages() {
		p, _ := fetchPage(f, srv, path)
		f.Add(p.Body, p.ContentType)
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "real", "*", "source.html"))
	challenges, _ := filepath.Glob(filepath.Join("testdata", "real", "challenge", "*.html"))
	for _, path := range append(seeds, challenges...) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), fuzzSeedBytes)], "text/html")
	}
	for _, s := range []struct{ body, ct string }{
		{"", ""},
		{"<p>", "application/octet-stream"},
		{`{"a":[1,2,{"b":null}]}`, "application/json"},
		{"\xef\xbb\xbf<p>bom</p>", "text/html; charset=shift_jis"},
		{"\xff\xfe<\x00p\x00>\x00", "text/html"},
		{`<?xml version="1.0" encoding="utf-16"?><html/>`, "application/xhtml+xml"},
		{"<table><tr><td><table><tr><td>", "text/html; charset=windows-1251"},
		{`<base href="javascript:alert(1)"><a href="#x">x</a>`, "text/html"},
		{"%PDF-1.4\n", ""},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	r := &schemas.ScrapeRequest{URL: "https://fuzz.example/a/b", Formats: schemas.ScrapeFormats, Extract: map[string]schemas.ExtractField{
		"s": {Selector: "h1, title"},
		"n": {Selector: "p", Type: schemas.ExtractNumber},
		"i": {Selector: "td", Type: schemas.ExtractInteger},
		"b": {Selector: "li", Type: schemas.ExtractBoolean},
		"l": {Selector: "a", Attr: "href", Type: schemas.ExtractList},
	}}
	r.Normalize()
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		start := time.Now()
		out, err := scrape.Convert(scrape.Page{Body: body, URL: "https://fuzz.example/a/b", ContentType: contentType, HTTPStatus: 200}, r)
		scrape.Challenge(403, http.Header{"Server": {"cloudflare"}}, body)
		if took := time.Since(start); took > 10*time.Second*slowdown {
			t.Fatalf("took %v on %d bytes", took, len(body))
		}
		if err != nil {
			var e *schemas.Error
			if !errors.As(err, &e) || (e.Kind != schemas.TypeUnsupportedContent && e.Kind != schemas.TypePageTooLarge) {
				t.Fatalf("untyped or unexpected error %v", err)
			}
			return
		}
		for name, s := range map[string]string{"markdown": out.Markdown, "html": out.HTML, "raw_html": out.RawHTML, "text": out.Text, "charset": out.Charset} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not valid UTF-8: %q", name, s)
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatalf("the output does not encode: %v", err)
		}
		if !utf8.Valid(b) {
			t.Fatal("the JSON is not valid UTF-8")
		}
	})
}
