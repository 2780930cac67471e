package engines

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// Yahoo reads search.yahoo.com/search. Its result list has kept one shape for a decade while
// the classes changed (div.res with a.yschttl in 2015, div.algo with div.compTitle since): an
// ordered list in the main column whose items hold an h3 wrapping the title link, a URL
// line and a description. The parser keys on that shape: every h3 > a in the main column is
// a ranked title, unless it sits in an ad block (Yahoo's ad lists are the only ones whose
// names say "Ads") or leads back to Yahoo's own verticals. Links go through Yahoo's click
// redirect, r.search.yahoo.com/…/RU=<target>/RK=…, which is unwrapped.
type Yahoo struct{}

var _ Engine = Yahoo{}

func (Yahoo) Name() string    { return "yahoo" }
func (Yahoo) BaseURL() string { return "https://search.yahoo.com" }

// Request: p is the query, b the 1-based index of the first result, pz the page size, vl
// the result language (lang_xx) and vm the SafeSearch level (r strict, i moderate, p off).
func (Yahoo) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("p", r.Q)
	per := PageSize(r)
	if r.Num > 0 {
		q.Set("pz", strconv.Itoa(r.Num))
	}
	if r.Page > 1 {
		q.Set("b", strconv.Itoa((r.Page-1)*per+1))
	}
	if lang, _, _ := strings.Cut(r.HL, "-"); lang != "" {
		q.Set("vl", "lang_"+strings.ToLower(lang))
	}
	switch r.Safe {
	case schemas.SafeStrict:
		q.Set("vm", "r")
	case schemas.SafeOff:
		q.Set("vm", "p")
	default:
		q.Set("vm", "i")
	}
	q.Set("ei", "UTF-8")
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	return &Request{Method: "GET", URL: joinURL(base, "/search", q), Header: h}, nil
}

func (y Yahoo) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	page = asUTF8(page)
	doc, release, err := parseDoc(y.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	if why := yahooBlock(doc, page); why != "" {
		return nil, Blocked(y.Name(), why)
	}
	const base = "https://search.yahoo.com/"
	root := doc.FindMatcher(yahooSelWeb).First()
	if root.Length() == 0 {
		root = doc.FindMatcher(yahooSelBody).First()
	}
	b := newBuilder()
	var cands []schemas.OrganicResult
	root.FindMatcher(yahooSelTitleLink).Each(func(_ int, a *goquery.Selection) {
		href, ok := yahooTarget(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		if a.ParentsMatcher(yahooSelModule).Length() > 0 {
			return // a "People also ask" answer's source: read with its question below
		}
		item := yahooItem(a)
		c := goquery.NewDocumentFromNode(item).Selection
		title := yahooTitle(a)
		display := yahooDisplayURL(c)
		snippet := ""
		if sn := c.FindMatcher(yahooSelSnippet).First(); sn.Length() > 0 {
			snippet = snippetText(sn)
		} else if sn := snippetByStructure(c, a.Parent()); sn != nil {
			snippet = snippetText(sn)
		}
		if a.ParentsMatcher(yahooSelAds).Length() > 0 {
			b.ad(schemas.Ad{Block: yahooAdBlock(a), Title: title, URL: href, DisplayedURL: display, Snippet: snippet})
			return
		}
		if isYahooHost(href) {
			return // a vertical's teaser (images, videos, news), not a ranked page
		}
		res := schemas.OrganicResult{Title: title, URL: href, DisplayedURL: display, Snippet: snippet}
		if m := leadingDate.FindStringSubmatch(snippet); m != nil {
			res.Date = m[1]
			res.Snippet = joinDateLead(snippet, res.Date)
		}
		cands = append(cands, res)
	})
	// Ranked results show their URL line; Yahoo's own modules drawn in the list (weather,
	// a vertical's card) do not. Judged only when most results show one.
	withURL := 0
	for _, c := range cands {
		if c.DisplayedURL != "" {
			withURL++
		}
	}
	for _, c := range cands {
		if c.DisplayedURL == "" && withURL*2 > len(cands) {
			continue
		}
		b.organic(c)
	}
	yahooQuestions(b, root, base)
	doc.FindMatcher(yahooSelRelated).Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "p")
		if q == "" {
			q = text(a)
		}
		b.relatedSearch(q, href)
	})
	if n, ok := parseCount(text(doc.FindMatcher(yahooSelCount).Last())); ok {
		b.serp.TotalResults = n
	}
	b.serp.HasNext = doc.FindMatcher(yahooSelNext).Length() > 0
	if len(b.serp.OrganicResults) == 0 && doc.FindMatcher(yahooSelTitleLink).Length() == 0 && yahooDirectoryEra(page) && yahooDirectory(b, doc, base) {
		b.serp.HasNext = yahooLegacyNext(doc)
	}
	if len(b.serp.OrganicResults) > 0 || yahooNoResults(doc, page) {
		b.serp.NoResults = len(b.serp.OrganicResults) == 0
		return b.serp, nil
	}
	return nil, Unrecognised(y.Name(), "no h3 result links and no no-results marker")
}

// yahooItem is a result's block: the list item holding its title, else the widest ancestor
// that holds no other title.
func yahooItem(a *goquery.Selection) *html.Node {
	if li := a.Closest("li"); li.Length() > 0 && li.FindMatcher(yahooSelTitleLink).Length() == 1 {
		return li.Get(0)
	}
	n := a.Get(0)
	for p := n.Parent; p != nil && p.Type == html.ElementNode && p.Data != "body"; p = p.Parent {
		if goquery.NewDocumentFromNode(p).FindMatcher(yahooSelTitleLink).Length() > 1 {
			break
		}
		n = p
	}
	return n
}

// yahooTitle is the link's title: its aria-label on the current layout, whose link also
// holds the URL line; else its text.
func yahooTitle(a *goquery.Selection) string {
	if h := a.Find("h3"); h.Length() > 0 {
		// The current layout's link wraps its URL line and, after it, the h3 title.
		return text(h.First())
	}
	if l := clean(a.AttrOr("aria-label", "")); l != "" {
		return l
	}
	if a.FindMatcher(yahooSelSpan).Length() > 0 {
		// The URL line inside the link comes first; the title is the text after it.
		if t := ownText(a, yahooSelSpan); t != "" {
			return t
		}
	}
	return text(a)
}

// yahooQuestions reads the "People also ask" module: each question, its answer's text and the
// page the answer comes from. Its source links are never organic results.
func yahooQuestions(b *builder, root *goquery.Selection, base string) {
	root.FindMatcher(yahooSelModule).Find(".itm").Each(func(_ int, it *goquery.Selection) {
		q := text(it.FindMatcher(yahooSelQuestion).First())
		if q == "" {
			return
		}
		rq := schemas.RelatedQuestion{Question: q}
		if sn := it.FindMatcher(yahooSelAnswer).First(); sn.Length() > 0 {
			rq.Snippet = snippetText(sn)
		}
		if a := it.FindMatcher(yahooSelTitleLink).First(); a.Length() > 0 {
			if href, ok := yahooTarget(base, a.AttrOr("href", "")); ok && !isYahooHost(href) {
				rq.Title, rq.URL = text(a), href
			}
		}
		b.serp.RelatedQuestions = append(b.serp.RelatedQuestions, rq)
	})
}

// yahooDisplayURL is the result's URL line. Since about 2024 the line opens with the site's
// name on a line of its own (a display:block span, "d-b"), which is not part of the URL.
func yahooDisplayURL(c *goquery.Selection) string {
	return ownText(c.FindMatcher(yahooSelDisplayURL).First(), yahooSelSiteName)
}

func yahooAdBlock(a *goquery.Selection) string {
	cls := strings.ToLower(a.ParentsMatcher(yahooSelAds).First().AttrOr("class", "") + a.ParentsMatcher(yahooSelAds).First().AttrOr("id", ""))
	if strings.Contains(cls, "bottom") || strings.Contains(cls, "bot ") || strings.HasSuffix(cls, "bot") {
		return "bottom"
	}
	return "top"
}

// yahooTarget unwraps r.search.yahoo.com/…/RU=<escaped target>/RK=…/RS=… and resolves the
// rest against base.
func yahooTarget(base, href string) (string, bool) {
	u, ok := absURL(base, href)
	if !ok {
		return "", false
	}
	// Before about 2004 the redirect (srd.yahoo.com, rd.yahoo.com) carried the target
	// unescaped after a "*" ("?" on spelling suggestions).
	if i := strings.Index(u, "*http"); i >= 0 && strings.Contains(u[:i], "yahoo.com/") {
		if t, ok := absURL("", u[i+1:]); ok {
			return t, true
		}
	}
	if i := strings.Index(u, "/RU="); i >= 0 && strings.Contains(u[:i], "yahoo.com") {
		rest := u[i+len("/RU="):]
		if j := strings.Index(rest, "/R"); j >= 0 {
			rest = rest[:j]
		}
		if t, err := url.QueryUnescape(rest); err == nil {
			if t, ok := absURL("", t); ok {
				return t, true
			}
		}
	}
	return u, true
}

// yahooLegacyNext reports the directory-era "Next 20 >" / "Next 11 Matches" link.
func yahooLegacyNext(doc *goquery.Document) bool {
	next := false
	doc.FindMatcher(yahooSelLegacyNext).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		next = strings.HasPrefix(text(a), "Next ")
		return !next
	})
	return next
}

func isYahooHost(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return true
	}
	h := p.Hostname()
	return strings.HasSuffix(h, "search.yahoo.com") || strings.HasSuffix(h, ".yahoo.com") && strings.Contains(p.Path, "/search")
}

func yahooBlock(doc *goquery.Document, page []byte) string {
	switch {
	case doc.FindMatcher(yahooSelConsent).Length() > 0 && doc.FindMatcher(yahooSelTitleLink).Length() == 0:
		return "consent interstitial"
	case containsAny(page, "captcha.yahoo.com", "/captcha/", "unusual traffic") && doc.FindMatcher(yahooSelTitleLink).Length() == 0:
		return "CAPTCHA page"
	}
	return ""
}

func yahooNoResults(doc *goquery.Document, page []byte) bool {
	return doc.FindMatcher(yahooSelZeroResults).Length() > 0 ||
		containsAny(page, "We did not find results for", "Wir haben keine Ergebnisse", "Nous n'avons trouvé aucun résultat", "No results found for")
}

var (
	yahooSelWeb  = cascadia.MustCompile("#web, #main, #results")
	yahooSelBody = cascadia.MustCompile("body")
	// Titles: h3 > a until about 2023, a > h3 (the link wraps the URL line and the h3) since.
	yahooSelTitleLink = cascadia.MustCompile("h3 a[href], a.yschttl[href], a[href]:has(h3)")
	// yahooSelModule is the "People also ask" module (Bing's related Q&A, "bingrelqa").
	yahooSelModule      = cascadia.MustCompile("[class*=relqa]")
	yahooSelQuestion    = cascadia.MustCompile(".ttl-l, .ttl")
	yahooSelAnswer      = cascadia.MustCompile(".compTextList, .exp .compText")
	yahooSelDisplayURL  = cascadia.MustCompile("span.url, .compTitle span, cite, .compTitle div > span")
	yahooSelSnippet     = cascadia.MustCompile(".compText, div.abstr, .abstr, p.lh-16")
	yahooSelAds         = cascadia.MustCompile("[class*=Ads], [id*=Ads], [class*=ads-], .ads")
	yahooSelSiteName    = cascadia.MustCompile("span.d-b")
	yahooSelSpan        = cascadia.MustCompile("span")
	yahooSelRelated     = cascadia.MustCompile("#satat a[href], [class*=AlsoTry] a[href], .compList.AlsoTry a[href]")
	yahooSelCount       = cascadia.MustCompile("#pg > span, .compPagination > span, .compPagination span")
	yahooSelNext        = cascadia.MustCompile("#pg-next, a.next, .compPagination a.next")
	yahooSelConsent     = cascadia.MustCompile("form[action*='consent.yahoo.com'], form[action*='guce.yahoo.com'], form.consent-form")
	yahooSelLegacyNext  = cascadia.MustCompile("a[href*='b=']")
	yahooSelZeroResults = cascadia.MustCompile(".zrp, .compNoResult, #zrp, .dd.NoResult")
)
