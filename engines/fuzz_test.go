package engines

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// addSeeds seeds a fuzz target with the engine's testdata pages of its vertical and, for
// web, its corpus pages (prometheus util/fuzzing seeds from real inputs the same way). Each
// seed runs as a test under -race in every CI run, so a vertical's target takes only its own
// pages: a web page parsed as news finds nothing the web target does not.
func addSeeds(f *testing.F, engine, vertical string) {
	f.Helper()
	var paths []string
	for _, p := range testdataPages(f, engine) {
		if pageVertical(p) == vertical {
			paths = append(paths, p)
		}
	}
	if dir := corpusDir(); dir != "" && vertical == "" {
		more, _ := filepath.Glob(filepath.Join(dir, engine, "*.html"))
		paths = append(paths, more...)
	}
	for _, p := range paths {
		if b, err := readPage(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("<html><body><h3><a href='javascript:alert(1)'>x</a></h3></body></html>"))
}

// fuzzParse checks the parser's contract on arbitrary input: no panic, typed errors only,
// and on success organic results a client can use, numbered 1..n.
func fuzzParse(f *testing.F, e Engine) { fuzzParseVertical(f, e, "") }

// fuzzParseVertical is fuzzParse for one vertical's pages (news, images): its results must be
// as usable as organic ones, numbered 1..n.
func fuzzParseVertical(f *testing.F, e Engine, vertical string) {
	addSeeds(f, e.Name(), vertical)
	f.Fuzz(func(t *testing.T, page []byte) {
		serp, err := e.Parse(page, &schemas.SearchRequest{Engine: e.Name(), Page: 1, Type: vertical})
		if err != nil {
			var se *schemas.Error
			if !errors.As(err, &se) || (se.Kind != schemas.TypeBlocked && se.Kind != schemas.TypeUnrecognised) {
				t.Fatalf("untyped or unexpected error: %v", err)
			}
			return
		}
		if serp == nil {
			t.Fatal("nil SERP with nil error")
		}
		for i, r := range serp.OrganicResults {
			if r.Position != i+1 {
				t.Fatalf("organic[%d] has position %d", i, r.Position)
			}
			if r.Title == "" {
				t.Fatalf("organic[%d] has an empty title", i)
			}
			if !isHTTPURL(r.URL) {
				t.Fatalf("organic[%d] URL %q is not absolute http(s)", i, r.URL)
			}
		}
		for i, n := range serp.NewsResults {
			if n.Position != i+1 || n.Title == "" || !isHTTPURL(n.URL) {
				t.Fatalf("bad news result %d: %+v", i, n)
			}
		}
		for i, im := range serp.ImagesResults {
			// Original may be unknown (Google's no-JavaScript grid never names it), never junk.
			if im.Position != i+1 || im.Title == "" || !isHTTPURL(im.URL) || (im.Original != "" && !isHTTPURL(im.Original)) {
				t.Fatalf("bad image result %d: %+v", i, im)
			}
		}
		for i, a := range serp.Ads {
			if a.Position != i+1 || a.Title == "" || !isHTTPURL(a.URL) {
				t.Fatalf("bad ad %d: %+v", i, a)
			}
		}
	})
}

func FuzzParseDuckDuckGo(f *testing.F) { fuzzParse(f, DuckDuckGo{}) }
func FuzzParseBing(f *testing.F)       { fuzzParse(f, Bing{}) }
func FuzzParseGoogle(f *testing.F)     { fuzzParse(f, Google{}) }
func FuzzParseYandex(f *testing.F)     { fuzzParse(f, Yandex{}) }
func FuzzParseBaidu(f *testing.F)      { fuzzParse(f, Baidu{}) }
func FuzzParseEcosia(f *testing.F)     { fuzzParse(f, Ecosia{}) }
func FuzzParseYahoo(f *testing.F)      { fuzzParse(f, Yahoo{}) }
func FuzzParseBrave(f *testing.F)      { fuzzParse(f, Brave{}) }
func FuzzParseWikipedia(f *testing.F)  { fuzzParse(f, Wikipedia{}) }
func FuzzParseQwant(f *testing.F)      { fuzzParse(f, Qwant{}) }
func FuzzParseMojeek(f *testing.F)     { fuzzParse(f, Mojeek{}) }
func FuzzParseStartpage(f *testing.F)  { fuzzParse(f, Startpage{}) }
func FuzzParseBingNews(f *testing.F)   { fuzzParseVertical(f, Bing{}, schemas.VerticalNews) }
func FuzzParseBingImages(f *testing.F) { fuzzParseVertical(f, Bing{}, schemas.VerticalImages) }
func FuzzParseGoogleNews(f *testing.F) { fuzzParseVertical(f, Google{}, schemas.VerticalNews) }
func FuzzParseBraveNews(f *testing.F)  { fuzzParseVertical(f, Brave{}, schemas.VerticalNews) }
func FuzzParseYandexImages(f *testing.F) {
	fuzzParseVertical(f, Yandex{}, schemas.VerticalImages)
}
func FuzzParseBraveImages(f *testing.F) {
	fuzzParseVertical(f, Brave{}, schemas.VerticalImages)
}
func FuzzParseDuckDuckGoNews(f *testing.F) {
	fuzzParseVertical(f, DuckDuckGo{}, schemas.VerticalNews)
}
func FuzzParseDuckDuckGoImages(f *testing.F) {
	fuzzParseVertical(f, DuckDuckGo{}, schemas.VerticalImages)
}
func FuzzParseGoogleImages(f *testing.F) {
	fuzzParseVertical(f, Google{}, schemas.VerticalImages)
}
