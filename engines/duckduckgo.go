package engines

import (
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// DuckDuckGo reads html.duckduckgo.com, the JavaScript-free endpoint, which is what Request
// asks for. Parse also reads the layouts duckduckgo.com has served to browsers (the 2015 http
// mode, the 2020 #links DOM and the current React articles), because saved or proxied pages of
// those reach the parser too.
type DuckDuckGo struct{}

var _ Engine = DuckDuckGo{}

func (DuckDuckGo) Name() string    { return "duckduckgo" }
func (DuckDuckGo) BaseURL() string { return "https://html.duckduckgo.com" }

// ddgRegion maps gl/hl to DuckDuckGo's kl region code ("us-en"); wt-wt is "no region".
func ddgRegion(gl, hl string) string {
	if gl == "" {
		return "wt-wt"
	}
	lang, _, _ := strings.Cut(hl, "-")
	if lang == "" {
		lang = "en"
	}
	return gl + "-" + lang
}

// Request follows what the html endpoint's own "Next" form sends: s is the result offset (the
// first page holds 10 results, each later one 15, as searxng pages it), dc the 1-based index
// of the first result; kp is safe search (1 strict, -1 moderate, -2 off).
//
// News and images are asked in two requests, by Prelude and Follow; Request refuses them.
func (DuckDuckGo) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	if ddgVerticalPath(r.Type) != "" {
		return nil, schemas.Errorf(schemas.TypeInternal, "duckduckgo: a %s search is asked through its prelude (Registry.Prelude, Registry.Follow)", r.Type)
	}
	q := url.Values{}
	q.Set("q", r.Q)
	if r.Page > 1 {
		off := DDGOffset(r.Page)
		q.Set("s", strconv.Itoa(off))
		q.Set("dc", strconv.Itoa(off+1))
	}
	q.Set("kl", ddgRegion(r.GL, r.HL))
	switch r.Safe {
	case schemas.SafeStrict:
		q.Set("kp", "1")
	case schemas.SafeOff:
		q.Set("kp", "-2")
	default:
		q.Set("kp", "-1")
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	h.Set("Referer", base.Scheme+"://"+base.Host+"/")
	return &Request{Method: "GET", URL: joinURL(base, "/html/", q), Header: h}, nil
}

// Offset is the number of results before r's page: the html endpoint's own paging, 10 then
// 15; the verticals' endpoints page by 100.
func (DuckDuckGo) Offset(r *schemas.SearchRequest) int {
	if ddgVerticalPath(r.Type) != "" {
		return (r.Page - 1) * ddgVerticalPage
	}
	return DDGOffset(r.Page)
}

// DDGOffset is the html endpoint's result offset of a page (page 1: 0).
func DDGOffset(page int) int {
	if page <= 1 {
		return 0
	}
	return 10 + (page-2)*15
}

// ddgTarget decodes DuckDuckGo's redirect (//duckduckgo.com/l/?uddg=<target>&rut=…) to the
// result's own URL; any other link is returned absolute.
func ddgTarget(href string) (string, bool) {
	href = strings.TrimSpace(href)
	if q, ok := ddgRedirectQuery(href); ok {
		if t := queryGet(&url.URL{RawQuery: q}, "uddg"); t != "" {
			return absURL("", t)
		}
	}
	if strings.HasPrefix(href, "//") {
		href = "https:" + href
	}
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	if (u.Host == "" || strings.HasSuffix(u.Host, "duckduckgo.com")) && strings.HasPrefix(u.Path, "/l/") {
		if t := queryGet(u, "uddg"); t != "" {
			return absURL("", t)
		}
	}
	// Ads go through y.js, which carries the advertiser's landing page in u3; DuckDuckGo's
	// ads are Bing's, so u3 is often Bing's own ad click (/aclick?…&u=<base64>), unwrapped too.
	if (u.Host == "" || strings.HasSuffix(u.Host, "duckduckgo.com")) && u.Path == "/y.js" {
		if t, ok := absURL("", queryGet(u, "u3")); ok {
			return bingAdTarget(t, t)
		}
	}
	return absURL("https://duckduckgo.com/", href)
}

// ddgRedirectQuery is the query of the html endpoint's own redirect link as url.Parse would
// read it, without parsing: every result on the page carries one, and the parse was a sixth
// of reading a result. ok is false for anything url.Parse might read otherwise (a fragment,
// a control character, a space), which then takes the general road.
func ddgRedirectQuery(href string) (string, bool) {
	q, ok := strings.CutPrefix(href, "//duckduckgo.com/l/?")
	if !ok {
		q, ok = strings.CutPrefix(href, "https://duckduckgo.com/l/?")
	}
	if !ok {
		return "", false
	}
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return "", false
		}
	}
	return q, true
}

// queryGet is u.Query().Get(key) without building the map, which was a third of the cost of
// reading a result's link. Past a few dozen parameters it asks Query itself, so that
// url.ParseQuery's limit on their number (GODEBUG urlmaxqueryparams, 10,000 by default)
// still decides.
func queryGet(u *url.URL, key string) string {
	q := u.RawQuery
	if strings.Count(q, "&") >= 32 {
		return u.Query().Get(key)
	}
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" || strings.Contains(kv, ";") {
			continue // ParseQuery skips a pair with a semicolon
		}
		k, v, _ := strings.Cut(kv, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != key {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}

// ddgBlocks matches one result block in every layout: html endpoint and 2020 DOM (div.result),
// 2015 http mode (div.web-result, div.web-result-sponsored) and the React DOM (article, or div
// on some builds, per openserp duckduckgo/selectors.go).
var ddgBlocks = cascadia.MustCompile("div.result, div.web-result, div.web-result-sponsored, article[data-testid=result], article[data-testid=ad], div[data-testid=result], div[data-testid=ad]")

// ddgLayoutBlocks is the React DOM's outer wrapper, read only on a page without inner cards.
var ddgLayoutBlocks = cascadia.MustCompile("li[data-layout=organic], li[data-layout=ad]")

var ddgDateRe = regexp.MustCompile(`^(\d{1,2} \w{3,9},? \d{4}|\w{3,9} \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2}(T[\d:]+)?|\d+ (second|minute|hour|day|week|month|year)s? ago)$`)

func (d DuckDuckGo) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	if ddgVerticalPath(r.Type) != "" {
		return d.parseVertical(page, r.Type)
	}
	if serp, ok, err := ddgDJS(d.Name(), page); ok {
		return serp, err
	}
	doc, release, err := parseDoc(d.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	p := ddgScan(doc.Nodes[0])
	// The html endpoint answers bots with an "anomaly" challenge (searxng is_ddg_captcha;
	// openserp also keys on the form action and the challenge input).
	if p.challenge || containsAround(page, 'y', []string{"anomaly.js?", "/anomaly.js\""}, nil) {
		return nil, Blocked(d.Name(), "anomaly (bot challenge) page")
	}
	b := newBuilder()
	if p.lite && ddgLite(doc, b) {
		return ddgFinish(d.Name(), doc, page, b, p.hasNext)
	}
	blocks := p.blocks
	if len(blocks) == 0 {
		// The React DOM's wrappers hold no inner cards here, so none is inside another.
		blocks = p.layout
		for i := range blocks {
			blocks[i].read()
		}
	}
	b.expectOrganic(len(blocks))
	for i := range blocks {
		ddgResult(b, &blocks[i])
	}
	for _, a := range p.related {
		href := attrOr(a, "href", "")
		q := queryParam(href, "q")
		if q == "" {
			q = textOf(a)
		}
		u, _ := absURL("https://duckduckgo.com/", href)
		b.relatedSearch(q, u)
	}
	if p.answer {
		b.serp.AnswerBox = ddgAnswer(doc, p.zci)
	}
	return ddgFinish(d.Name(), doc, page, b, p.hasNext)
}

// ddgResult reads one result block into b.
func ddgResult(b *builder, s *ddgBlock) {
	if hasClass(s.n, "result--no-result") || hasClass(s.n, "result--more") {
		return
	}
	href, ok := ddgTarget(attrOr(s.link, "href", ""))
	if !ok {
		return
	}
	var display string
	for _, u := range s.urls {
		if display = textOf(u); display != "" {
			break
		}
	}
	dateNode, spanSpan, snippet := ddgSnippet(s.snippet, s.snipCtx)
	date := textOf(dateNode)
	if date == "" {
		date = ddgExtrasDate(s.extras)
	}
	if date == "" && spanSpan != nil {
		// The React layout prefixes the snippet with a date span of no stable class.
		// The snippet keeps it, as the page shows it.
		if t := textOf(spanSpan); ddgDateRe.MatchString(t) {
			date = t
			snippet = joinDateLead(snippet, date)
		}
	}
	title := textOf(s.link)
	isAd := hasClass(s.n, "result--ad") || hasClass(s.n, "web-result-sponsored") ||
		attrOr(s.n, "data-testid", "") == "ad" || attrOr(s.n, "data-layout", "") == "ad" ||
		s.badge || s.ctx&inResultsAds != 0
	if isAd {
		b.ad(schemas.Ad{Block: "top", Title: title, URL: href, DisplayedURL: display, Snippet: snippet})
		return
	}
	res := schemas.OrganicResult{Title: title, URL: href, DisplayedURL: display, Snippet: snippet, Date: date}
	for _, l := range s.sitelinks {
		if u, ok := ddgTarget(attrOr(l, "href", "")); ok {
			if sl, ok := sitelink(textOf(l), u, ""); ok {
				res.Sitelinks = append(res.Sitelinks, sl)
			}
		}
	}
	b.organic(res)
}

// ddgFinish reads what both no-JS layouts share (the Next form, found by the document walk)
// and decides what a page without organic results is.
func ddgFinish(name string, doc *goquery.Document, page []byte, b *builder, hasNext bool) (*schemas.SERP, error) {
	// The Next button is a form submit: "Next" on the html endpoint, "Next Page >" on lite;
	// "Previous" sits beside it from page 2 on.
	if hasNext {
		b.serp.HasNext = true
	}
	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	switch {
	case doc.FindMatcher(ddgSelNoResults).Length() > 0,
		containsAny(page, "No results found for", "No  results.", "No results."):
		b.serp.NoResults = true
		return b.serp, nil
	case ddgJSShell(doc, page):
		// duckduckgo.com (not the html endpoint) sends an empty shell and loads results with
		// JavaScript: there is nothing to parse, which is zero results rather than a failure.
		return b.serp, nil
	case len(b.serp.Ads) == 0 && containsAny(bytes.ToLower(page), "bots use duckduckgo too", "confirm this search was made by a human"):
		// A challenge whose markup changed: only trusted on a page that holds no results,
		// since a snippet could quote the same words.
		return nil, Blocked(name, "anomaly (bot challenge) text")
	}
	return nil, Unrecognised(name, "no results and no no-results marker")
}

// ddgExtrasDate reads the html endpoint's date, a bare span after the displayed URL
// ("   2024-05-01T00:00:00.0000000"); the time part is always midnight, so only
// the date is kept. spans are the block's ".result__extras__url > span" elements.
func ddgExtrasDate(spans []*html.Node) string {
	for _, sp := range spans {
		if hasClass(sp, "result__icon") || ddgHasLinkOrImage(sp) {
			continue
		}
		t := textOf(sp)
		if len(t) >= 10 && t[4] == '-' && t[7] == '-' && ddgDateRe.MatchString(t[:10]) {
			return t[:10]
		}
		if ddgDateRe.MatchString(t) {
			return t
		}
	}
	return ""
}

// ddgHasLinkOrImage reports an a or img element under n (ddgSelA).
func ddgHasLinkOrImage(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "a" || c.Data == "img") || ddgHasLinkOrImage(c) {
			return true
		}
	}
	return false
}

// ddgJSShell recognises duckduckgo.com's script-driven page: its result container is present
// and empty, and a script fetches results from d.js (2015) or through DDG.deep (later).
func ddgJSShell(doc *goquery.Document, page []byte) bool {
	if !containsAny(page, "/d.js?", "DDG.deep", "deep_preload") {
		return false
	}
	return doc.FindMatcher(ddgSelDivResults).Length() > 0
}

// ddgAnswer reads the instant answer (zero-click info) or the AI answer; both sit outside the
// ranked list. zci is the first ddgSelZciWrapperZci element, which the document walk found:
// the selector's walk of the whole page was a twentieth of the parse.
func ddgAnswer(doc *goquery.Document, zci *html.Node) *schemas.AnswerBox {
	if zci != nil {
		zci := doc.FindNodes(zci)
		// Its heading and abstract are read inside its wrapper: three more walks of the whole
		// page were a twentieth of a miss's CPU.
		// The html endpoint's (the one served to phones without JavaScript) is
		// #zero_click_wrapper with an #zero_click_heading.
		scope := zci.Closest(".zci-wrapper, #zero_click_wrapper")
		if scope.Length() == 0 {
			scope = doc.Selection
		}
		ab := &schemas.AnswerBox{Type: "instant_answer", Title: text(scope.FindMatcher(ddgSelZciHeading).First()),
			Snippet: ddgAbstract(scope.FindMatcher(ddgSelZciResult).First())}
		if href, ok := ddgTarget(scope.FindMatcher(ddgSelZciHeadingA).First().AttrOr("href", "")); ok {
			ab.URL = href
		}
		if ab.Title != "" || ab.Snippet != "" {
			return ab
		}
	}
	if ai := doc.FindMatcher(ddgSelDataTestidDuckassistAnswerContent).First(); ai.Length() > 0 {
		// Only the prose: the citation chips after it are site names, not answer text.
		var parts []string
		ai.FindMatcher(ddgSelP).Each(func(_ int, p *goquery.Selection) { parts = append(parts, text(p)) })
		ab := &schemas.AnswerBox{Type: "ai_overview", Snippet: clean(strings.Join(parts, " "))}
		if ab.Snippet == "" {
			ab.Snippet = text(ai)
		}
		ab.Answer = ab.Snippet
		if ab.Snippet != "" {
			return ab
		}
	}
	if about := doc.FindMatcher(ddgSelDataTestidAbout).First(); about.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "knowledge_panel", Title: firstText(about, ddgSelModuleTitle, ddgSelModuleTitleSub),
			Snippet: firstText(about, ddgSelModuleTextJsAboutItemAbstr, ddgSelModuleText)}
		if href, ok := absURL("", about.FindMatcher(ddgSelAModuleMoreAtBottom).First().AttrOr("href", "")); ok {
			ab.URL = href
		}
		if ab.Snippet != "" {
			return ab
		}
	}
	return nil
}

// ddgAbstract is the zero-click abstract's prose: the html endpoint closes it with a
// "More at Wikipedia" link, which names the source rather than answering.
func ddgAbstract(s *goquery.Selection) string {
	if s.Length() == 0 {
		return ""
	}
	c := s.Clone()
	c.FindMatcher(ddgSelA2).Each(func(_ int, a *goquery.Selection) {
		if strings.HasPrefix(text(a), "More at ") {
			a.Remove()
		}
	})
	return text(c)
}

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
var (
	ddgSelFormChallengeForm                    = cascadia.MustCompile("form#challenge-form, form[action*='anomaly'], input[name=challenge], .anomaly-modal__title, #anomaly-modal, #anomaly_modal, .anomaly-modal__modal, .anomaly-modal__box, .anomaly-modal__mask")
	ddgSelAResultA                             = cascadia.MustCompile("a.result__a, a[data-testid=result-title-a], a.large, h2 a")
	ddgSelResultSnippet                        = cascadia.MustCompile(".result__snippet, div.snippet, [data-result=snippet]")
	ddgSelResultDate                           = cascadia.MustCompile(".result__date")
	ddgSelSpanSpan                             = cascadia.MustCompile("span span")
	ddgSelBadgeAd                              = cascadia.MustCompile(".badge--ad, .result__badge--ad, [data-testid=ad-badge]")
	ddgSelResultsAds                           = cascadia.MustCompile(".results--ads")
	ddgSelUlLiA                                = cascadia.MustCompile("ul li a, .result__sitelinks a, .sitelinks a")
	ddgSelARelatedSearchesLink                 = cascadia.MustCompile("a.related-searches__link, .related-searches a")
	ddgSelNavLinkFormInputTypeSubmit           = cascadia.MustCompile(".nav-link form input[type=submit], input.navbutton, form input[type=submit].navbutton")
	ddgSelMoreResults                          = cascadia.MustCompile("#more-results, .result--more__btn, a[rel=next]")
	ddgSelNoResults                            = cascadia.MustCompile(".no-results, .result--no-result, [data-testid=no-results-message], [data-testid=no-results], div[data-result=no-results]")
	ddgSelResultExtrasUrlSpan                  = cascadia.MustCompile(".result__extras__url > span")
	ddgSelA                                    = cascadia.MustCompile("a, img")
	ddgSelDivResults                           = cascadia.MustCompile("div.results, #links, [data-testid=mainline]")
	ddgSelZciWrapperZci                        = cascadia.MustCompile(".zci-wrapper .zci, .zci__body, #zero_click_abstract")
	ddgSelZciHeading                           = cascadia.MustCompile(".zci__heading, #zero_click_heading")
	ddgSelZciResult                            = cascadia.MustCompile(".zci__result, #zero_click_abstract")
	ddgSelZciHeadingA                          = cascadia.MustCompile(".zci__heading a, .zci__more-at a, #zero_click_abstract a")
	ddgSelDataTestidDuckassistAnswerContent    = cascadia.MustCompile("[data-testid=duckassist-answer-content]")
	ddgSelP                                    = cascadia.MustCompile("p, li")
	ddgSelDataTestidAbout                      = cascadia.MustCompile("[data-testid=about]")
	ddgSelAModuleMoreAtBottom                  = cascadia.MustCompile("a.module__more-at-bottom, a.module__more-at")
	ddgSelA2                                   = cascadia.MustCompile("a")
	ddgSelResultUrl                            = cascadia.MustCompile(".result__url")
	ddgSelDivUrl                               = cascadia.MustCompile("div.url")
	ddgSelDataTestidResultExtrasUrlLinkPLastCh = cascadia.MustCompile("[data-testid=result-extras-url-link] p:last-child")
	ddgSelDataTestidResultExtrasUrlLink        = cascadia.MustCompile("[data-testid=result-extras-url-link]")
	ddgSelModuleTitle                          = cascadia.MustCompile(".module__title")
	ddgSelModuleTitleSub                       = cascadia.MustCompile(".module__title__sub")
	ddgSelModuleTextJsAboutItemAbstr           = cascadia.MustCompile(".module__text .js-about-item-abstr")
	ddgSelModuleText                           = cascadia.MustCompile(".module__text")
)
