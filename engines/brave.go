package engines

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Brave reads search.brave.com/search, Brave's own index. Its result blocks have carried
// data-type="web" (and data-pos, their rank) through the 2023 server-rendered page
// (div.snippet.fdb, a.result-header, p.snippet-description) and the Svelte page since, whose
// classes are build hashes; news, video and discussion clusters carry other data-types. The
// parser keys on data-type and reads each block by structure: its first link off Brave is the
// title link, the cite or site line its URL, the text outside the link its description.
// Links are the targets themselves.
type Brave struct{}

var _ Engine = Brave{}

func (Brave) Name() string    { return "brave" }
func (Brave) BaseURL() string { return "https://search.brave.com" }

// bravePageSize is what a Brave page holds; it takes no page size, only offset, the 0-based
// page number.
const bravePageSize = 20

// Offset: positions continue by Brave's own page size, whatever num asks.
func (Brave) Offset(r *schemas.SearchRequest) int { return (r.Page - 1) * bravePageSize }

// Request: offset is the 0-based page, safesearch off|moderate|strict, and the interface
// language and country go in Accept-Language (Brave reads its country from a cookie the
// browser sets; without one it answers for the request's language). spellcheck=0 keeps
// Brave from answering a corrected query instead of the one asked.
func (Brave) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("q", r.Q)
	q.Set("source", "web")
	if r.Page > 1 {
		q.Set("offset", strconv.Itoa(r.Page-1))
	}
	q.Set("spellcheck", "0")
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	safe := "moderate"
	switch r.Safe {
	case schemas.SafeStrict:
		safe = "strict"
	case schemas.SafeOff:
		safe = "off"
	}
	h.Set("Cookie", "safesearch="+safe)
	path := "/search"
	switch r.Type {
	case schemas.VerticalNews:
		path = "/news"
	case schemas.VerticalImages:
		path = "/images"
	}
	return &Request{Method: "GET", URL: joinURL(base, path, q), Header: h}, nil
}

func (br Brave) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(br.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	if why := braveBlock(doc, page); why != "" {
		return nil, Blocked(br.Name(), why)
	}
	if r != nil {
		switch r.Type {
		case schemas.VerticalNews:
			return br.parseNews(doc, page)
		case schemas.VerticalImages:
			return br.parseImages(doc, page)
		}
	}
	const base = "https://search.brave.com/"
	b := newBuilder()
	doc.FindMatcher(braveSelWeb).Each(func(_ int, s *goquery.Selection) {
		if s.ParentsMatcher(braveSelWeb).Length() > 0 {
			return // a block nested in a counted one (deep results)
		}
		a, href := braveTitleLink(s)
		if a == nil {
			return
		}
		title := firstText(a, braveSelTitle)
		if title == "" {
			title = ownText(a, braveSelSiteLine)
		}
		res := schemas.OrganicResult{Title: title, URL: href}
		if c := s.FindMatcher(braveSelCite).First(); c.Length() > 0 {
			// The 2023 cite holds the host and the path in two spans with nothing between.
			var parts []string
			c.Contents().Each(func(_ int, n *goquery.Selection) {
				if t := text(n); t != "" {
					parts = append(parts, t)
				}
			})
			res.DisplayedURL = strings.Join(parts, " ")
		}
		if sn := s.FindMatcher(braveSelDescription).First(); sn.Length() > 0 {
			res.Snippet = snippetText(sn)
		} else if sn := snippetByStructure(s, a); sn != nil {
			res.Snippet = snippetText(sn)
		}
		if d := s.FindMatcher(braveSelAge).First(); d.Length() > 0 {
			res.Date = strings.TrimSpace(strings.TrimRight(text(d), " -–—·"))
		} else if m := leadingDate.FindStringSubmatch(res.Snippet); m != nil {
			res.Date = m[1]
		}
		res.Snippet = joinDateLead(res.Snippet, res.Date)
		s.FindMatcher(braveSelDeepLinks).Each(func(_ int, l *goquery.Selection) {
			if u, ok := absURL(base, l.AttrOr("href", "")); ok && u != href && !isBraveHost(u) {
				if sl, ok := sitelink(text(l), u, ""); ok {
					res.Sitelinks = append(res.Sitelinks, sl)
				}
			}
		})
		b.organic(res)
	})
	b.serp.HasNext = braveHasNext(doc)
	if len(b.serp.OrganicResults) > 0 || braveNoResults(doc, page) {
		b.serp.NoResults = len(b.serp.OrganicResults) == 0
		return b.serp, nil
	}
	return nil, Unrecognised(br.Name(), "no data-type=web results and no no-results marker")
}

// braveTitleLink is a block's title link: its first link with text that leaves Brave.
func braveTitleLink(s *goquery.Selection) (a *goquery.Selection, href string) {
	s.FindMatcher(braveSelAHref).EachWithBreak(func(_ int, l *goquery.Selection) bool {
		u, ok := absURL("https://search.brave.com/", l.AttrOr("href", ""))
		if !ok || isBraveHost(u) || text(l) == "" {
			return true
		}
		a, href = l, u
		return false
	})
	return a, href
}

func isBraveHost(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return true
	}
	h := p.Hostname()
	return h == "search.brave.com" || h == "brave.com" && strings.HasPrefix(p.Path, "/search")
}

// braveBlock: Brave answers suspected bots with a proof-of-work CAPTCHA page.
func braveBlock(doc *goquery.Document, page []byte) string {
	if doc.FindMatcher(braveSelResultBlock).Length() > 0 {
		return ""
	}
	if containsAny(page, "/search/captcha", "pow-captcha", "captcha-container") ||
		strings.Contains(strings.ToLower(text(doc.FindMatcher(braveSelTitleTag).First())), "captcha") {
		return "CAPTCHA page"
	}
	if containsAny(page, "Too many requests", "rate limited") {
		return "rate-limit page"
	}
	return ""
}

func braveNoResults(doc *goquery.Document, page []byte) bool {
	return containsAny(page, "Not many great matches came back for your search", "No results found", "did not match any documents") ||
		doc.FindMatcher(braveSelNoResults).Length() > 0
}

var (
	braveSelWeb         = cascadia.MustCompile("[data-type=web]")
	braveSelResultBlock = cascadia.MustCompile("[data-type=web], [data-type=news], .image-result")
	braveSelAHref       = cascadia.MustCompile("a[href]")
	braveSelTitle       = cascadia.MustCompile(".snippet-title, .title, .heading-serpresult")
	braveSelSiteLine    = cascadia.MustCompile("cite, .snippet-url, .site-name-wrapper, .favicon-wrapper, img")
	braveSelCite        = cascadia.MustCompile("cite")
	braveSelDescription = cascadia.MustCompile(".snippet-description, .generic-snippet .content, .snippet-content .description, .description")
	braveSelAge         = cascadia.MustCompile(".snippet-description > span.t-secondary:first-child, .age")
	braveSelDeepLinks   = cascadia.MustCompile(".deep-results a[href], .deep-link a[href], a.deep-link[href]")
	braveSelNext        = cascadia.MustCompile("#pagination a[href], a[href*='offset=']")
	braveSelTitleTag    = cascadia.MustCompile("title")
	braveSelNoResults   = cascadia.MustCompile("#results .empty, .no-results")
)
