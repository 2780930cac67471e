package scrape_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
	"github.com/trawl-dev/trawl/sim"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// TestSimCharsets converts each legacy-charset page and checks the charset named, the text
// read, and that raw_html is the page itself: encoded back, it gives the bytes served.
func TestSimCharsets(t *testing.T) {
	srv := startSim(t)
	tests := []struct {
		path, charset, phrase string
		enc                   encoding.Encoding
	}{
		{"/pages/windows-1251", "windows-1251", "Морозы в Москве продлятся до конца недели", charmap.Windows1251},
		{"/pages/shift_jis", "shift_jis", "京都の紅葉、今年は例年より一週間遅く見頃に", japanese.ShiftJIS},
		{"/pages/gbk", "gbk", "北京今冬首场降雪 市民踏雪赏景", simplifiedchinese.GBK},
		{"/pages/latin1", "windows-1252", "Les marchés de Noël d'Alsace ouvrent leurs portes", charmap.ISO8859_1},
		{"/pages/article", "utf-8", "Rivers of the North", unicode.UTF8},
	}
	for _, tc := range tests {
		t.Run(tc.charset, func(t *testing.T) {
			p, _ := fetchPage(t, srv, tc.path)
			out := convert(t, p, allFormats())
			if out.Charset != tc.charset {
				t.Errorf("charset %q, want %q", out.Charset, tc.charset)
			}
			if !strings.Contains(out.Text, tc.phrase) || !strings.Contains(out.Markdown, tc.phrase) || out.Metadata.Title == "" {
				t.Errorf("text or markdown lacks %q:\n%s", tc.phrase, out.Text)
			}
			if !strings.Contains(out.Metadata.Title, tc.phrase) && tc.path != "/pages/article" {
				t.Errorf("title %q lacks %q", out.Metadata.Title, tc.phrase)
			}
			back, err := tc.enc.NewEncoder().Bytes([]byte(out.RawHTML))
			if err != nil || string(back) != string(p.Body) {
				t.Errorf("raw_html is not the page decoded (re-encoding: %v)", err)
			}
		})
	}
}

// TestCharsetPrecedence covers where the charset comes from, in order.
func TestCharsetPrecedence(t *testing.T) {
	cp1251 := func(s string) string {
		b, _ := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
		return string(b)
	}
	sjis := func(s string) string {
		b, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
		return string(b)
	}
	utf16le := func(s string) string {
		b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		return string(b)
	}
	tests := []struct {
		name, contentType, body, charset, want string
	}{
		{"header", "text/html; charset=windows-1251", "<p>" + cp1251("Привет, мир") + "</p>", "windows-1251", "Привет, мир"},
		{"header label quoted and cased", `text/html; Charset="WINDOWS-1251"`, "<p>" + cp1251("Привет") + "</p>", "windows-1251", "Привет"},
		{"meta charset", "text/html", `<meta charset="shift_jis"><p>` + sjis("日本語のページ") + "</p>", "shift_jis", "日本語のページ"},
		{"meta http-equiv", "text/html", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>` + cp1251("Здравствуйте") + "</p>", "windows-1251", "Здравствуйте"},
		{"header beats meta", "text/html; charset=windows-1251", `<meta charset="shift_jis"><p>` + cp1251("Да") + "</p>", "windows-1251", "Да"},
		{"utf-8 BOM beats header", "text/html; charset=windows-1251", "\xef\xbb\xbf<p>Ünïcödé</p>", "utf-8", "Ünïcödé"},
		{"utf-16 BOM", "text/html", utf16le("<p>Grüße aus Köln</p>"), "utf-16le", "Grüße aus Köln"},
		{"xml declaration", "application/xhtml+xml", `<?xml version="1.0" encoding="windows-1251"?><html><body><p>` + cp1251("Ёлка") + "</p></body></html>", "windows-1251", "Ёлка"},
		{"undeclared utf-8", "text/html", "<p>Crème brûlée, 東京</p>", "utf-8", "Crème brûlée, 東京"},
		{"undeclared latin-1", "text/html", "<p>Cr\xe8me br\xfbl\xe9e</p>", "windows-1252", "Crème brûlée"},
		{"unknown label ignored", "text/html; charset=no-such-charset", "<p>Ok ünicode</p>", "utf-8", "Ok ünicode"},
		// Sites keep <meta charset="gb2312"> after moving to UTF-8, and servers stamp
		// ISO-8859-1 on UTF-8 pages: valid multi-byte UTF-8 wins over both.
		{"stale meta", "text/html", `<meta charset="gb2312"><p>北京欢迎你</p>`, "utf-8", "北京欢迎你"},
		{"stale header", "text/html; charset=ISO-8859-1", "<p>Grüße</p>", "utf-8", "Grüße"},
		{"invalid utf-8 kept valid", "text/html; charset=utf-8", "<p>bad \xff\xfe byte</p>", "utf-8", "bad \uFFFD byte"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := allFormats()
			out := convert(t, scrape.Page{Body: []byte(tc.body), URL: "https://example.com/", ContentType: tc.contentType, HTTPStatus: 200}, r)
			if out.Charset != tc.charset {
				t.Errorf("charset %q, want %q", out.Charset, tc.charset)
			}
			if out.Text != tc.want {
				t.Errorf("text %q, want %q", out.Text, tc.want)
			}
			if !utf8.ValidString(out.RawHTML) {
				t.Error("raw_html is not valid UTF-8")
			}
		})
	}
}

func TestUnsupportedContent(t *testing.T) {
	srv := startSim(t)
	pdf, _ := fetchPage(t, srv, "/pages/pdf")
	tests := []struct {
		name, contentType, named string
		body                     []byte
	}{
		{"pdf", pdf.ContentType, `"application/pdf"`, pdf.Body},
		{"pdf sniffed from octet-stream", "application/octet-stream", `"application/pdf"`, pdf.Body},
		{"pdf sniffed without a type", "", `"application/pdf"`, pdf.Body},
		{"png", "image/png", `"image/png"`, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		{"xml that is not xhtml", "text/xml", `"text/xml"`, []byte(`<?xml version="1.0"?><rss><channel/></rss>`)},
		{"css", "text/css; charset=utf-8", `"text/css"`, []byte("body{margin:0}")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scrape.Convert(scrape.Page{Body: tc.body, URL: "https://example.com/f", ContentType: tc.contentType}, allFormats())
			var e *schemas.Error
			if !errors.As(err, &e) || e.Kind != schemas.TypeUnsupportedContent || e.Status != 415 {
				t.Fatalf("err %v, want %s (415)", err, schemas.TypeUnsupportedContent)
			}
			if !strings.Contains(e.Detail, tc.named) {
				t.Errorf("detail %q does not name %s", e.Detail, tc.named)
			}
		})
	}
}

func TestAccepts(t *testing.T) {
	tests := map[string]bool{
		"text/html; charset=utf-8":  true,
		"TEXT/HTML":                 true,
		"application/xhtml+xml":     true,
		"text/plain":                true,
		"text/markdown":             true,
		"application/json":          true,
		"application/ld+json":       true,
		"application/problem+json":  true,
		"":                          true, // only the bytes can tell
		"application/octet-stream":  true,
		"application/pdf":           false,
		"image/jpeg":                false,
		"video/mp4":                 false,
		"application/zip":           false,
		"text/css":                  false,
		"application/javascript":    false,
		"text/html;;charset=utf-8;": true, // sloppy but clear
	}
	for ct, want := range tests {
		if got := scrape.Accepts(ct); got != want {
			t.Errorf("Accepts(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestSniffedTypes(t *testing.T) {
	tests := []struct {
		name, body, contentType, text string
	}{
		{"html", "<!DOCTYPE html><html><body><p>Hello there</p></body></html>", "text/html", "Hello there"},
		{"json", `  {"a": [1, 2]}`, "application/json", "{\n  \"a\": [\n    1,\n    2\n  ]\n}"},
		{"text", "just some words\non two lines", "text/plain", "just some words\non two lines"},
		{"xhtml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>X</p></body></html>`, "application/xhtml+xml", "X"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := convert(t, scrape.Page{Body: []byte(tc.body), URL: "https://example.com/", ContentType: "application/octet-stream"}, allFormats())
			if out.ContentType != tc.contentType || out.Text != tc.text {
				t.Errorf("got %q %q, want %q %q", out.ContentType, out.Text, tc.contentType, tc.text)
			}
		})
	}
}

func TestTextAndJSON(t *testing.T) {
	r := allFormats()
	r.Extract = map[string]schemas.ExtractField{
		"title": {Selector: "h1", Required: true},
		"tags":  {Selector: "li", Type: schemas.ExtractList},
	}
	r.Normalize()
	out := convert(t, scrape.Page{Body: []byte(`{"b":1}`), URL: "https://api.example.com/x", ContentType: "application/vnd.api+json"}, r)
	if out.Markdown != "```json\n{\n  \"b\": 1\n}\n```" || out.Text != "{\n  \"b\": 1\n}" || out.RawHTML != `{"b":1}` {
		t.Errorf("json: markdown %q text %q raw %q", out.Markdown, out.Text, out.RawHTML)
	}
	if out.Metadata == nil || out.HTML != "" || out.Links != nil {
		t.Errorf("json: metadata %v html %q links %v", out.Metadata, out.HTML, out.Links)
	}
	if tags, ok := out.Extract["tags"].([]string); !ok || len(tags) != 0 {
		t.Errorf("a list on a JSON page is [] : %#v", out.Extract)
	}
	if len(out.ExtractErrors) != 1 || out.ExtractErrors[0].Field != "extract.title" || !strings.Contains(out.ExtractErrors[0].Message, "not HTML") {
		t.Errorf("extract errors %+v", out.ExtractErrors)
	}

	// Invalid JSON is shown as it is; a fence never closes early on backticks in the body.
	out = convert(t, scrape.Page{Body: []byte("{not json ```"), URL: "https://api.example.com/x", ContentType: "application/json"}, r)
	if out.Text != "{not json ```" || out.Markdown != "````json\n{not json ```\n````" {
		t.Errorf("bad json: text %q markdown %q", out.Text, out.Markdown)
	}
}

func TestOnlyAskedFormats(t *testing.T) {
	srv := startSim(t)
	p, _ := fetchPage(t, srv, "/pages/article")
	for _, f := range schemas.ScrapeFormats {
		t.Run(f, func(t *testing.T) {
			r := &schemas.ScrapeRequest{URL: p.URL, Formats: []string{f}}
			r.Normalize()
			out := convert(t, p, r)
			filled := map[string]bool{
				schemas.FormatMarkdown: out.Markdown != "", schemas.FormatHTML: out.HTML != "",
				schemas.FormatRawHTML: out.RawHTML != "", schemas.FormatText: out.Text != "",
				schemas.FormatLinks: out.Links != nil, schemas.FormatMetadata: out.Metadata != nil,
			}
			for g, ok := range filled {
				if ok != (g == f) {
					t.Errorf("asked for %s: %s filled = %v", f, g, ok)
				}
			}
			if out.FinalURL != p.URL || out.HTTPStatus != 200 || out.ContentType != "text/html" || out.Charset != "utf-8" {
				t.Errorf("page facts %q %d %q %q", out.FinalURL, out.HTTPStatus, out.ContentType, out.Charset)
			}
		})
	}
}

func TestSelectors(t *testing.T) {
	srv := startSim(t)
	product, _ := fetchPage(t, srv, "/pages/product")
	article, _ := fetchPage(t, srv, "/pages/article")
	req := func(mut func(*schemas.ScrapeRequest)) *schemas.ScrapeRequest {
		r := &schemas.ScrapeRequest{URL: "http://sim.test/", Formats: []string{"markdown", "text", "html"}}
		mut(r)
		r.Normalize()
		return r
	}
	no := false

	t.Run("include keeps only the matches, in page order", func(t *testing.T) {
		out := convert(t, product, req(func(r *schemas.ScrapeRequest) { r.IncludeSelectors = []string{".specs", ".price-block"} }))
		price, specs := strings.Index(out.Text, "$1,299.00"), strings.Index(out.Text, "32 GB LPDDR5X")
		if price < 0 || specs < 0 || price > specs {
			t.Errorf("want price then specs:\n%s", out.Text)
		}
		for _, gone := range []string{"Customer reviews", "Overview", "Fjord Electronics", "Add to cart"} {
			if strings.Contains(out.Markdown, gone) {
				t.Errorf("include kept %q", gone)
			}
		}
	})
	t.Run("include applies to the whole page, not readability's part", func(t *testing.T) {
		out := convert(t, article, req(func(r *schemas.ScrapeRequest) { r.IncludeSelectors = []string{"nav.primary-nav"} }))
		if !strings.Contains(out.Text, "Opinion") {
			t.Errorf("navigation asked for by name was dropped: %q", out.Text)
		}
	})
	t.Run("exclude", func(t *testing.T) {
		out := convert(t, article, req(func(r *schemas.ScrapeRequest) { r.ExcludeSelectors = []string{"table", "pre"} }))
		if strings.Contains(out.Markdown, "Yenisei") || strings.Contains(out.Markdown, "decadal_change") || !strings.Contains(out.Markdown, "Channels on the move") {
			t.Errorf("exclude:\n%s", out.Markdown)
		}
	})
	t.Run("main content drops the chrome", func(t *testing.T) {
		out := convert(t, article, req(func(*schemas.ScrapeRequest) {}))
		for _, chrome := range []string{"We use cookies", "Most read", "Advertisement", "All rights reserved", "Opinion", "Skip to content", "Sign up"} {
			if strings.Contains(out.Text, chrome) {
				t.Errorf("main content keeps %q", chrome)
			}
		}
		if !strings.HasPrefix(out.Markdown, "# Rivers of the North: how meltwater is reshaping the tundra\n") {
			t.Errorf("the page's h1 does not open the markdown: %q", out.Markdown[:80])
		}
	})
	t.Run("main_content false keeps the chrome, never the scripts", func(t *testing.T) {
		out := convert(t, article, req(func(r *schemas.ScrapeRequest) { r.MainContent = &no }))
		for _, kept := range []string{"Most read", "All rights reserved", "Opinion", "Rivers of the North", "Yenisei"} {
			if !strings.Contains(out.Text, kept) {
				t.Errorf("main_content=false dropped %q", kept)
			}
		}
		checkOutput(t, out)
	})
	t.Run("invalid selectors are a validation error", func(t *testing.T) {
		_, err := scrape.Convert(article, req(func(r *schemas.ScrapeRequest) {
			r.IncludeSelectors = []string{"div[", "p"}
			r.ExcludeSelectors = []string{"a:has(b):has(i)"}
		}))
		var e *schemas.Error
		if !errors.As(err, &e) || e.Kind != schemas.TypeValidation || len(e.Errors) != 2 ||
			e.Errors[0].Field != "include_selectors" || !strings.Contains(e.Errors[0].Message, `"div["`) ||
			e.Errors[1].Field != "exclude_selectors" || !strings.Contains(e.Errors[1].Message, "too costly") {
			t.Fatalf("err %v (%+v)", err, e)
		}
	})
}

func TestURLsResolved(t *testing.T) {
	srv := startSim(t)
	docs, _ := fetchPage(t, srv, "/pages/docs")
	out := convert(t, docs, allFormats())
	// <base href="/docs/v2/"> sets where relative links point.
	want := map[string]bool{"http://sim.test/docs/v2/install.html": false, "http://sim.test/docs/v2/commands.html#export": false}
	for _, l := range out.Links {
		if _, ok := want[l.URL]; ok {
			want[l.URL] = true
		}
		if strings.Contains(l.URL, "#config-file") {
			t.Errorf("in-page anchor listed as a link: %s", l.URL)
		}
	}
	for u, seen := range want {
		if !seen {
			t.Errorf("links lack %s", u)
		}
	}
	if out.Metadata.Canonical != "http://sim.test/docs/v2/configuration.html" {
		t.Errorf("canonical %q", out.Metadata.Canonical)
	}
	if strings.Contains(out.Markdown, "¶") {
		t.Error("markdown keeps the headings' permalinks")
	}

	article, _ := fetchPage(t, srv, "/pages/article")
	out = convert(t, article, allFormats())
	for _, l := range out.Links {
		if strings.HasPrefix(l.URL, "mailto:") || strings.HasPrefix(l.URL, "javascript:") {
			t.Errorf("links keep %s", l.URL)
		}
	}
	if !strings.Contains(out.Markdown, "(http://sim.test/pages/reports/2024-discharge.pdf)") {
		t.Error("a relative link in the markdown is not absolute")
	}
	if !strings.Contains(out.HTML, `href="http://sim.test/data/arctic-discharge.csv"`) {
		t.Error("a root-relative link in the html is not absolute")
	}
}

func TestPageTooLarge(t *testing.T) {
	_, err := scrape.Convert(scrape.Page{Body: make([]byte, scrape.MaxBodyBytes+1), ContentType: "text/html"}, allFormats())
	var e *schemas.Error
	if !errors.As(err, &e) || e.Kind != schemas.TypePageTooLarge {
		t.Fatalf("err %v, want %s", err, schemas.TypePageTooLarge)
	}
}

// Convert shares its markdown converter between goroutines; run under -race this checks that
// conversions in parallel neither race nor disturb each other.
func TestConvertConcurrently(t *testing.T) {
	srv := startSim(t)
	var pages []scrape.Page
	var want []string
	for _, path := range sim.ScrapePages() {
		p, _ := fetchPage(t, srv, path)
		pages = append(pages, p)
		want = append(want, convert(t, p, allFormats()).Markdown)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(pages))
	for range 4 {
		for i, p := range pages {
			wg.Go(func() {
				out, err := scrape.Convert(p, allFormats())
				if err != nil || out.Markdown != want[i] {
					errs <- p.URL
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for u := range errs {
		t.Errorf("%s converted differently in parallel", u)
	}
}

// TestMarkdownOfRealMarkup covers what real pages do that the simulator's do not: lazy-loaded
// images, images on the author's disk, adjacent lists, headings linking into the page, links
// split in pieces, breadcrumbs, share buttons and sign-up boxes inside the article.
func TestMarkdownOfRealMarkup(t *testing.T) {
	para := "<p>" + strings.Repeat("The river rose all night and the town watched it from the bridge. ", 6) + "</p>"
	page := `<html><head><title>Flood</title></head><body><article><nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ol></nav><h1>Flood</h1>` + para +
		`<p>The <a href="/artemis">Arte</a><a href="/artemis"><b>mis</b> program</a> went on.</p>` +
		`<div class="post-actions"><a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a> <a href="https://twitter.com/intent/tweet?url=x">Tweet</a> <a href="whatsapp://send?text=x">WhatsApp</a></div>` +
		`<p><a href="https://www.pinterest.com/pin/create/button/?url=x"><img src="/photos/pinned.jpg" alt="Pinned"></a></p>` +
		`<div id="EmailOptin"><p>SIGN UP FOR OUR NEWSLETTER</p></div>` +
		`<p><img src="/img/lazyload-placeholder.png" data-lazy-src="/photos/bridge.jpg" alt="The bridge"></p>` +
		`<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="photos/river.jpg" alt="The river"></p>` +
		`<p><img src="/photos/town.jpg" data-src="/photos/town-large.jpg" alt="The town"></p>` +
		`<picture><source srcset="/photos/dam-640.webp 640w, /photos/dam-1280.webp 1280w" type="image/webp"><img alt="The dam"></picture>` +
		`<p><img srcset="/photos/crowd.jpg 1x, /photos/crowd@2x.jpg 2x" alt="The crowd"></p>` +
		`<p><img src="file:///C:/Users/me/spacer.gif" alt="spacer"></p>` +
		`<ul><li>first list</li></ul><ul><li>second list</li></ul>` +
		`<h2><a href="#toc">Aftermath</a></h2>` + para +
		"<pre><code>&lt;!--THE END--&gt;\n</code></pre></article></body></html>"
	out := convert(t, scrape.Page{Body: []byte(page), URL: "https://news.test/2024/flood.html", ContentType: "text/html"}, defaultRequest())
	for _, want := range []string{
		"![The bridge](https://news.test/photos/bridge.jpg)",
		"![The river](https://news.test/2024/photos/river.jpg)",
		"![The town](https://news.test/photos/town.jpg)",     // a real src stays
		"![The dam](https://news.test/photos/dam-1280.webp)", // from its <picture>'s source, the widest
		"![The crowd](https://news.test/photos/crowd@2x.jpg)",
		"## Aftermath\n",
		"[Arte**mis** program](https://news.test/artemis)", // one link, however the editor split it
		"![Pinned](https://news.test/photos/pinned.jpg)",   // an image keeps its place, not its "Pin it" link
		"```\n<!--THE END-->\n```",                         // a page's own text, in code, is kept
	} {
		if !strings.Contains(out.Markdown, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out.Markdown)
		}
	}
	if strings.Count(out.Markdown, "<!--THE END-->") != 1 || strings.Contains(out.Markdown, "file:") || strings.Contains(out.Markdown, "placeholder") || strings.Contains(out.Markdown, "[Home]") {
		t.Errorf("markdown keeps the converter's list ends, a file: image, a placeholder or the breadcrumbs:\n%s", out.Markdown)
	}
	for _, chrome := range []string{"Facebook", "Tweet", "WhatsApp", "pinterest", "NEWSLETTER"} {
		if strings.Contains(out.Markdown, chrome) {
			t.Errorf("markdown keeps the share bar or sign-up box (%q):\n%s", chrome, out.Markdown)
		}
	}
}

// TestLanguageSources: the page's language from <html lang>, XHTML's xml:lang, the
// Content-Language meta, og:locale, and JSON-LD's inLanguage, in that order.
func TestLanguageSources(t *testing.T) {
	body := "<body><p>Text.</p></body></html>"
	for page, want := range map[string]string{
		`<html lang="en-us"><head></head>`:                                                                         "en-us",
		`<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><head></head>`:                                   "en",
		`<html><head><meta http-equiv="content-language" content="fr"></head>`:                                     "fr",
		`<html><head><meta property="og:locale" content="pt_BR"></head>`:                                           "pt-BR",
		`<html><head><script type="application/ld+json">{"@type":"NewsArticle","inLanguage":"de"}</script></head>`: "de",
		`<html lang="es" xml:lang="en"><head><meta property="og:locale" content="it_IT"></head>`:                   "es",
	} {
		out := convert(t, scrape.Page{Body: []byte(page + body), URL: "https://example.test/", ContentType: "text/html"}, defaultRequest())
		if out.Metadata.Language != want {
			t.Errorf("%s: language %q, want %q", page, out.Metadata.Language, want)
		}
	}
}

// TestChromeAroundTheArticle: names are weaker than content. A wrapper named for an ad script
// that holds the page stays; a real ad slot, and a comment thread longer than the article,
// go; a section whose id is its heading's slug is a section, not a share bar.
func TestChromeAroundTheArticle(t *testing.T) {
	sentence := func(s string) string { return "<p>" + strings.Repeat(s+" ", 8) + "</p>" }
	page := `<html><body><div id="ad-portal"><nav><a href="/">Home</a> <a href="/world">World</a></nav>` +
		`<div class="ad-slot"><p>Buy our sponsor's shoes today.</p></div>` +
		`<article><h1>Quake</h1>` + sentence("The quake struck before dawn and the valley woke to sirens.") +
		`<div class="section" id="sharing-the-aid"><h2>Sharing the aid</h2>` + sentence("Aid arrived by road on the third day, shared among villages.") + `</div>` +
		`<div class="share-bar"><p>Share this story</p></div>` +
		`</article>` +
		`<div id="comments" class="comments-area"><ol>` + strings.Repeat(`<li>`+sentence("I was there and I can tell you it was worse than they say.")+`</li>`, 6) + `</ol></div>` +
		`</div></body></html>`
	out := convert(t, scrape.Page{Body: []byte(page), URL: "https://news.test/quake", ContentType: "text/html"}, defaultRequest())
	for _, want := range []string{"# Quake", "The quake struck before dawn", "## Sharing the aid", "Aid arrived by road"} {
		if !strings.Contains(out.Markdown, want) {
			t.Errorf("markdown lost %q:\n%s", want, out.Markdown)
		}
	}
	for _, chrome := range []string{"sponsor", "I was there", "[Home]", "Share this story"} {
		if strings.Contains(out.Markdown, chrome) {
			t.Errorf("markdown keeps %q:\n%s", chrome, out.Markdown)
		}
	}
}
