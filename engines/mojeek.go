package engines

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Mojeek reads www.mojeek.com/search, an independent index with a plain server-rendered page
// that has kept one shape for years: ul.results-standard of li.rN items, each an h2 title
// link (a.title), the URL line in a.ob > p.i, the description in p.s. Links are the targets
// themselves. A throttled client gets a "Verification required" page; a query without
// results gets the ordinary page with no result list.
type Mojeek struct{}

var _ Engine = Mojeek{}

func (Mojeek) Name() string    { return "mojeek" }
func (Mojeek) BaseURL() string { return "https://www.mojeek.com" }

// mojeekPageSize is what a Mojeek page holds; it takes no page size.
const mojeekPageSize = 10

// Offset: positions continue by Mojeek's own page size.
func (Mojeek) Offset(r *schemas.SearchRequest) int { return (r.Page - 1) * mojeekPageSize }

// Request: s is the 1-based index of the first result, safe=1 filters, lb the language to
// prefer and arc the region.
func (Mojeek) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("q", r.Q)
	if r.Page > 1 {
		q.Set("s", strconv.Itoa((r.Page-1)*mojeekPageSize+1))
	}
	if r.Safe == schemas.SafeStrict || r.Safe == schemas.SafeModerate || r.Safe == "" {
		q.Set("safe", "1")
	} else {
		q.Set("safe", "0")
	}
	lang, region, _ := strings.Cut(strings.ToLower(r.HL), "-")
	if lang != "" {
		q.Set("lb", lang)
	}
	if region == "" {
		region = strings.ToLower(r.GL)
	}
	if region != "" {
		q.Set("arc", region)
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	return &Request{Method: "GET", URL: joinURL(base, "/search", q), Header: h}, nil
}

func (m Mojeek) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(m.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	const base = "https://www.mojeek.com/"
	items := doc.FindMatcher(mojeekSelItems)
	title := text(doc.FindMatcher(mojeekSelTitleTag).First())
	if items.Length() == 0 && (strings.EqualFold(title, "captcha") ||
		containsAny(page, "Verification required", "/captcha", "g-recaptcha", "h-captcha")) {
		return nil, Blocked(m.Name(), "verification (captcha) page")
	}
	// The page Mojeek sends a client it takes for a bot (with status 403, which a stand-in
	// or a proxy may turn into 200): "your network appears to be sending automated queries".
	if items.Length() == 0 && (containsAny(page, "sending automated queries", "altcha-widget", "<altcha") ||
		strings.HasPrefix(title, "403 - Forbidden")) {
		return nil, Blocked(m.Name(), "automated-queries (403) page")
	}
	b := newBuilder()
	items.Each(func(_ int, li *goquery.Selection) {
		a := li.FindMatcher(mojeekSelTitleLink).First()
		href, ok := absURL(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		res := schemas.OrganicResult{Title: text(a), URL: href, DisplayedURL: firstText(li, mojeekSelDisplayURL)}
		if sn := li.FindMatcher(mojeekSelSnippet).First(); sn.Length() > 0 {
			res.Snippet = snippetText(sn)
		}
		res.Date = strings.TrimSpace(text(li.FindMatcher(mojeekSelDate).First()))
		b.organic(res)
	})
	doc.FindMatcher(mojeekSelRelated).Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "q")
		if q == "" {
			q = text(a)
		}
		b.relatedSearch(q, href)
	})
	doc.FindMatcher(mojeekSelPager).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		t := strings.ToLower(text(a))
		if strings.Contains(t, "next") || t == "»" || t == "›" || t == ">" {
			b.serp.HasNext = true
		}
		return !b.serp.HasNext
	})
	// "Results 1 to 10 from 2,130,000 in 0.12s": the largest number is the count.
	if n, ok := parseCount(text(doc.FindMatcher(mojeekSelCount).First())); ok {
		b.serp.TotalResults = n
	}
	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	// A genuine zero is Mojeek's "no pages found" line, or the ordinary results page (its
	// title names the query and Mojeek) with no result list and nothing drawn like a result
	// (no headings, no articles): a page that has them in a shape unknown here is a
	// redesign, not an empty answer.
	if containsAny(page, "No pages found matching", "No results found") {
		b.serp.NoResults = true
		return b.serp, nil
	}
	if strings.HasSuffix(title, "- Mojeek Search") && doc.FindMatcher(mojeekSelResultLike).Length() == 0 {
		// Mojeek's own zero has no result list at all; an empty results-standard list (with
		// a count and a Next link beside it) is a results page with its results taken out.
		b.serp.NoResults = doc.FindMatcher(mojeekSelList).Length() == 0
		return b.serp, nil
	}
	return nil, Unrecognised(m.Name(), "no results-standard list and no no-results page")
}

var (
	mojeekSelItems      = cascadia.MustCompile("ul.results-standard > li")
	mojeekSelList       = cascadia.MustCompile("ul.results-standard")
	mojeekSelTitleLink  = cascadia.MustCompile("h2 a[href], a.title[href]")
	mojeekSelDisplayURL = cascadia.MustCompile("a.ob p.i, p.i, .url")
	mojeekSelSnippet    = cascadia.MustCompile("p.s")
	mojeekSelDate       = cascadia.MustCompile(".mdate")
	mojeekSelRelated    = cascadia.MustCompile(".related-searches a[href], .top-info.spell a[href]")
	mojeekSelPager      = cascadia.MustCompile(".pagination a[href]")
	mojeekSelCount      = cascadia.MustCompile(".results-count")
	mojeekSelTitleTag   = cascadia.MustCompile("title")
	mojeekSelResultLike = cascadia.MustCompile("h2, h3, article")
)
