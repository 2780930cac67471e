package engines

import (
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// ddgLite reads lite.duckduckgo.com, the table layout searxng used until 2024: each result is
// a run of rows, the first holding a.result-link, then td.result-snippet, then span.link-text
// (the displayed URL); sponsored runs carry tr.result-sponsored. It reports whether the page
// is that layout, so the html-endpoint reader is skipped.
func ddgLite(doc *goquery.Document, b *builder) bool {
	links := doc.FindMatcher(ddgLiteSelAResultLink)
	if links.Length() == 0 {
		return false
	}
	type row struct {
		res schemas.OrganicResult
		ad  bool
		ok  bool
	}
	var cur row
	flush := func() {
		if !cur.ok {
			return
		}
		if cur.ad {
			b.ad(schemas.Ad{Block: "top", Title: cur.res.Title, URL: cur.res.URL, DisplayedURL: cur.res.DisplayedURL, Snippet: cur.res.Snippet})
		} else {
			b.organic(cur.res)
		}
		cur = row{}
	}
	doc.FindMatcher(ddgLiteSelTr).Each(func(_ int, tr *goquery.Selection) {
		if tr.FindMatcher(ddgLiteSelTr).Length() > 0 {
			return // a layout table around the result table
		}
		if a := tr.FindMatcher(ddgLiteSelAResultLink).First(); a.Length() > 0 {
			flush()
			href, ok := ddgTarget(a.AttrOr("href", ""))
			cur = row{res: schemas.OrganicResult{Title: text(a), URL: href}, ok: ok}
			cur.ad = tr.HasClass("result-sponsored") || isDDGAdLink(a.AttrOr("href", ""))
			return
		}
		if !cur.ok {
			return
		}
		if tr.HasClass("result-sponsored") {
			cur.ad = true
		}
		if sn := tr.FindMatcher(ddgLiteSelTdResultSnippet).First(); sn.Length() > 0 {
			cur.res.Snippet = text(sn)
		}
		if lt := tr.FindMatcher(ddgLiteSelLinkText).First(); lt.Length() > 0 {
			cur.res.DisplayedURL = text(lt)
		}
		if ts := tr.FindMatcher(ddgLiteSelTimestamp).First(); ts.Length() > 0 {
			cur.res.Date = text(ts)
		}
	})
	flush()
	return true
}

// isDDGAdLink reports DuckDuckGo's ad click (y.js), which lite shows without a badge.
func isDDGAdLink(href string) bool {
	u, err := url.Parse(strings.TrimSpace(href))
	return err == nil && u.Path == "/y.js" && (u.Host == "" || strings.HasSuffix(u.Host, "duckduckgo.com"))
}

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
var (
	ddgLiteSelAResultLink     = cascadia.MustCompile("a.result-link")
	ddgLiteSelTr              = cascadia.MustCompile("tr")
	ddgLiteSelTdResultSnippet = cascadia.MustCompile("td.result-snippet")
	ddgLiteSelLinkText        = cascadia.MustCompile(".link-text")
	ddgLiteSelTimestamp       = cascadia.MustCompile(".timestamp")
)
