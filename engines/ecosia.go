package engines

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Ecosia reads www.ecosia.org/search. Its Vue front end marks every part with data-test-id
// (mainline-result-web, mainline-result-ad, web-related-queries, next-button), which Ecosia
// keeps stable for its own tests, so the parser keys on those rather than on classes.
type Ecosia struct{}

var _ Engine = Ecosia{}

func (Ecosia) Name() string    { return "ecosia" }
func (Ecosia) BaseURL() string { return "https://www.ecosia.org" }

// Offset: Ecosia's pages hold 10 results whatever num asks (it sends no page size).
func (Ecosia) Offset(r *schemas.SearchRequest) int { return (r.Page - 1) * 10 }

// Request: p is the 0-based page number, sf the safe-search level (off, moderate, strict),
// and the region (c, "de-de") is a market code of language and country.
func (Ecosia) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("q", r.Q)
	if r.Page > 1 {
		q.Set("p", strconv.Itoa(r.Page-1))
	}
	switch r.Safe {
	case schemas.SafeOff:
		q.Set("sf", "off")
	case schemas.SafeStrict:
		q.Set("sf", "strict")
	default:
		q.Set("sf", "moderate")
	}
	lang, region, _ := strings.Cut(r.HL, "-")
	if region == "" {
		region = r.GL
	}
	if lang != "" && region != "" {
		q.Set("c", strings.ToLower(lang+"-"+region))
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	return &Request{Method: "GET", URL: joinURL(base, "/search", q), Header: h}, nil
}

func (e Ecosia) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(e.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	// Ecosia sits behind Cloudflare; its bot check is a Turnstile interstitial.
	if doc.FindMatcher(ecosiaSelInputNameCfTurnstileResponse).Length() > 0 ||
		containsAny(page, "/cdn-cgi/challenge-platform/", "challenges.cloudflare.com") ||
		strings.EqualFold(text(doc.FindMatcher(ecosiaSelTitle).First()), "Just a moment...") {
		return nil, Blocked(e.Name(), "Cloudflare challenge page")
	}
	// Before Cloudflare, Ecosia's own wall: "Ecosia: IP Blocked" with an hCaptcha (seen 2020-2021).
	if strings.Contains(text(doc.FindMatcher(ecosiaSelTitle).First()), "IP Blocked") ||
		containsAny(page, "Our systems have detected unusual traffic from your computer network") {
		return nil, Blocked(e.Name(), "IP blocked (captcha) page")
	}
	const base = "https://www.ecosia.org/"
	b := newBuilder()
	// The data-test-id blocks are the current Vue front end (openserp ecosia/selectors.go); in
	// its 2021-2022 form the title link sits inside the h2 (result-title-link), not around it.
	// div.js-result is the server-rendered layout before it, still served to some clients.
	doc.FindMatcher(ecosiaSelDataTestIdMainlineResultWeb).Each(func(_ int, s *goquery.Selection) {
		if s.ParentsMatcher(ecosiaSelDataTestIdMainlineResultWeb2).Length() > 0 {
			return // the article inside a wrapper already counted
		}
		a := s.FindMatcher(ecosiaSelADataTestIdResultLinkHasDataTestIdRe).First()
		if a.Length() == 0 {
			a = s.FindMatcher(ecosiaSelADataTestIdResultLink).Last()
		}
		href, ok := absURL(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		title := firstText(s, ecosiaSelDataTestIdResultTitle, ecosiaSelH2, ecosiaSelResultTitle, ecosiaSelAResultTitle, ecosiaSelH3)
		if title == "" {
			title = s.FindMatcher(ecosiaSelArticle).AttrOr("aria-label", "")
		}
		display := firstText(s, ecosiaSelDataTestIdResultSource, ecosiaSelResultUrl, ecosiaSelCite, ecosiaSelAResultUrl)
		snippet := firstText(s, ecosiaSelDataTestIdWebResultDescription, ecosiaSelDataTestIdResultDescription, ecosiaSelWebResultDescription, ecosiaSelResultDescription, ecosiaSelResultSnippet)
		if s.AttrOr("data-test-id", "") == "mainline-result-ad" || s.FindMatcher(ecosiaSelDataTestIdAdLabel).Length() > 0 ||
			s.HasClass("result--ad") || s.HasClass("card-ad") {
			b.ad(schemas.Ad{Block: "top", Title: title, URL: href, DisplayedURL: display, Snippet: snippet})
			return
		}
		res := schemas.OrganicResult{Title: title, URL: href, DisplayedURL: display, Snippet: snippet,
			Date: firstText(s, ecosiaSelDataTestIdResultDate, ecosiaSelWebResultDate)}
		if res.Date == "" {
			// The date is written into the description: "02.08.2025 ... The best resource …".
			if m := leadingDate.FindStringSubmatch(snippet); m != nil {
				res.Date = m[1]
			}
		}
		s.FindMatcher(ecosiaSelDataTestIdResultDeeplinksA).Each(func(_ int, l *goquery.Selection) {
			if u, ok := absURL(base, l.AttrOr("href", "")); ok {
				if sl, ok := sitelink(text(l), u, ""); ok {
					res.Sitelinks = append(res.Sitelinks, sl)
				}
			}
		})
		b.organic(res)
	})
	doc.FindMatcher(ecosiaSelDataTestIdWebRelatedQueriesA).Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "q")
		if q == "" {
			q = text(a)
		}
		b.relatedSearch(q, href)
	})
	if ent := doc.FindMatcher(ecosiaSelDataTestIdEntityWrapper).First(); ent.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "knowledge_panel", Title: firstText(ent, ecosiaSelDataTestIdEntityTitlesH2, ecosiaSelDataTestIdEntityTitles, ecosiaSelDataTestIdTitle),
			Snippet: ownText(ent.FindMatcher(ecosiaSelDataTestIdEntityDescription).First(), ecosiaSelEntityDescriptionMoreLink)}
		if u, ok := absURL("", ent.FindMatcher(ecosiaSelDataTestIdEntityDescriptionMoreLink).First().AttrOr("href", "")); ok {
			ab.URL = u
		}
		if ab.Snippet != "" {
			b.serp.AnswerBox = ab
		}
	}
	b.serp.HasNext = doc.FindMatcher(ecosiaSelDataTestIdNextButton).Length() > 0

	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	switch {
	case doc.FindMatcher(ecosiaSelDataTestIdWebNoResults).Length() > 0:
		b.serp.NoResults = true
		return b.serp, nil
	case doc.FindMatcher(ecosiaSelDataTestIdImagesResult).Length() > 0:
		// An image-search page: a recognised vertical whose results are not web results.
		b.serp.NoResults = true
		return b.serp, nil
	case len(b.serp.Ads) == 0 && doc.FindMatcher(ecosiaSelDataTestIdMainline).Length() > 0 &&
		doc.FindMatcher(ecosiaSelDataTestIdMainlineResultWeb3).Length() == 0:
		// The results column rendered with nothing in it (openserp's empty test).
		return b.serp, nil
	}
	return nil, Unrecognised(e.Name(), "no mainline results and no no-results marker")
}

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
var (
	ecosiaSelInputNameCfTurnstileResponse         = cascadia.MustCompile("input[name=cf-turnstile-response], #challenge-form, #cf-challenge-running, .cf-turnstile")
	ecosiaSelTitle                                = cascadia.MustCompile("title")
	ecosiaSelDataTestIdMainlineResultWeb          = cascadia.MustCompile("[data-test-id=mainline-result-web], [data-test-id=mainline-result-ad], article[data-test-id=organic-result], div.result.js-result")
	ecosiaSelDataTestIdMainlineResultWeb2         = cascadia.MustCompile("[data-test-id=mainline-result-web], [data-test-id=mainline-result-ad], div.js-result")
	ecosiaSelADataTestIdResultLinkHasDataTestIdRe = cascadia.MustCompile("a[data-test-id=result-link]:has([data-test-id=result-title]), a[data-test-id=result-title-link], a.result__link, a:has(h2), a.result-title")
	ecosiaSelADataTestIdResultLink                = cascadia.MustCompile("a[data-test-id=result-link]")
	ecosiaSelArticle                              = cascadia.MustCompile("article")
	ecosiaSelDataTestIdAdLabel                    = cascadia.MustCompile("[data-test-id*=ad-label], [data-test-id=ad-result-label]")
	ecosiaSelDataTestIdResultDeeplinksA           = cascadia.MustCompile("[data-test-id=result-deeplinks] a, .result-deeplinks a, a[data-test-id=deep-links-link]")
	ecosiaSelDataTestIdWebRelatedQueriesA         = cascadia.MustCompile("[data-test-id=web-related-queries] a, a[data-test-id^=related-queries-link]")
	ecosiaSelDataTestIdEntityWrapper              = cascadia.MustCompile("[data-test-id=entity-wrapper]")
	ecosiaSelDataTestIdEntityDescription          = cascadia.MustCompile("[data-test-id=entity-description]")
	ecosiaSelDataTestIdEntityDescriptionMoreLink  = cascadia.MustCompile("[data-test-id=entity-description-more-link], [data-test-id=entity-links] a")
	ecosiaSelDataTestIdNextButton                 = cascadia.MustCompile("[data-test-id=next-button], [data-test-id=pagination-control-next], a[aria-label='Next page']")
	ecosiaSelDataTestIdWebNoResults               = cascadia.MustCompile("[data-test-id=web-no-results], [data-test-id=images-no-results], .no-results, div.result.empty-result")
	ecosiaSelDataTestIdImagesResult               = cascadia.MustCompile("[data-test-id=images-result], [data-test-id=images-title]")
	ecosiaSelDataTestIdMainline                   = cascadia.MustCompile("[data-test-id=mainline]")
	ecosiaSelDataTestIdMainlineResultWeb3         = cascadia.MustCompile("[data-test-id=mainline-result-web], [data-test-id=mainline-result-ad]")
	ecosiaSelDataTestIdResultTitle                = cascadia.MustCompile("[data-test-id=result-title]")
	ecosiaSelH2                                   = cascadia.MustCompile("h2")
	ecosiaSelResultTitle                          = cascadia.MustCompile(".result__title")
	ecosiaSelAResultTitle                         = cascadia.MustCompile("a.result-title")
	ecosiaSelH3                                   = cascadia.MustCompile("h3")
	ecosiaSelDataTestIdResultSource               = cascadia.MustCompile("[data-test-id=result-source]")
	ecosiaSelResultUrl                            = cascadia.MustCompile(".result__url")
	ecosiaSelCite                                 = cascadia.MustCompile("cite")
	ecosiaSelAResultUrl                           = cascadia.MustCompile("a.result-url")
	ecosiaSelDataTestIdWebResultDescription       = cascadia.MustCompile("[data-test-id=web-result-description]")
	ecosiaSelDataTestIdResultDescription          = cascadia.MustCompile("[data-test-id=result-description]")
	ecosiaSelWebResultDescription                 = cascadia.MustCompile(".web-result__description")
	ecosiaSelResultDescription                    = cascadia.MustCompile(".result__description")
	ecosiaSelResultSnippet                        = cascadia.MustCompile(".result-snippet")
	ecosiaSelDataTestIdResultDate                 = cascadia.MustCompile("[data-test-id=result-date]")
	ecosiaSelWebResultDate                        = cascadia.MustCompile(".web-result__date")
	ecosiaSelDataTestIdEntityTitlesH2             = cascadia.MustCompile("[data-test-id=entity-titles] h2")
	ecosiaSelDataTestIdEntityTitles               = cascadia.MustCompile("[data-test-id=entity-titles]")
	ecosiaSelDataTestIdTitle                      = cascadia.MustCompile("[data-test-id=title]")
	ecosiaSelEntityDescriptionMoreLink            = cascadia.MustCompile("[data-test-id=entity-description-more-link]")
)
