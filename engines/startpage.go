package engines

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Startpage reads www.startpage.com/sp/search, Google's results served through Startpage's
// proxy. Two layouts have been served:
//
//   - since 2023 a server-rendered React page (hydrated later, class names partly build
//     hashes): a div.w-gl block of div.result items, each a.result-title (the title link,
//     holding h2.wgl-title), p.description, the URL line in a.wgl-display-url; video and
//     news carousels, ads (slots filled by script) and the knowledge panel sit outside it;
//   - before it, div.w-gl__result items: a.w-gl__result-title, a.w-gl__result-url,
//     p.w-gl__description (SearXNG's selectors).
//
// Links are the targets themselves; Startpage's own links (its search, its Anonymous View
// proxy) and Google ad clicks (/aclk) are never results. A throttled client is sent to
// /sp/captcha, or given a page that says it blocks "possible abuse of our service".
type Startpage struct{}

var _ Engine = Startpage{}

func (Startpage) Name() string    { return "startpage" }
func (Startpage) BaseURL() string { return "https://www.startpage.com" }

// startpagePageSize is what a Startpage page holds; the page size is a browser preference
// (a cookie), not a parameter, and trawl keeps its default.
const startpagePageSize = 10

// Offset: positions continue by Startpage's own page size.
func (Startpage) Offset(r *schemas.SearchRequest) int { return (r.Page - 1) * startpagePageSize }

// startpageLanguages maps hl's language to the names Startpage's language setting takes.
var startpageLanguages = map[string]string{
	"en": "english", "de": "deutsch", "fr": "francais", "es": "espanol", "it": "italiano",
	"nl": "nederlands", "pt": "portugues", "pl": "polski", "sv": "svenska", "da": "dansk",
	"fi": "suomi", "no": "norsk", "nb": "norsk", "ru": "russian", "tr": "turkce",
	"ja": "nihongo", "ko": "hangul", "zh": "jiantizhongwen", "ar": "arabic", "cs": "cesky",
	"el": "greek", "hu": "magyar", "id": "bahasa_indonesia", "uk": "ukrainian",
}

// Request: the GET form of the search (Startpage answers it without the sc token its own
// form posts), page is 1-based, qadf the family filter (none, moderate, heavy), language
// and lui the results' and the interface's language, and the region, when gl names one,
// in the preferences cookie as Startpage's settings page writes it.
func (Startpage) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("query", r.Q)
	q.Set("cat", "web")
	if r.Page > 1 {
		q.Set("page", strconv.Itoa(r.Page))
	}
	switch r.Safe {
	case schemas.SafeOff:
		q.Set("qadf", "none")
	case schemas.SafeStrict:
		q.Set("qadf", "heavy")
	default:
		q.Set("qadf", "moderate")
	}
	lang, region, _ := strings.Cut(strings.ToLower(r.HL), "-")
	if name, ok := startpageLanguages[lang]; ok {
		q.Set("language", name)
		q.Set("lui", name)
	}
	if region == "" {
		region = strings.ToLower(r.GL)
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	if region != "" && lang != "" {
		h.Set("Cookie", "preferences=search_results_regionEEE"+lang+"-"+strings.ToUpper(region))
	}
	return &Request{Method: "GET", URL: joinURL(base, "/sp/search", q), Header: h}, nil
}

func (s Startpage) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(s.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	items := doc.FindMatcher(startpageSelItems)
	if items.Length() == 0 {
		if why := startpageBlock(doc, page); why != "" {
			return nil, Blocked(s.Name(), why)
		}
	}
	const base = "https://www.startpage.com/"
	b := newBuilder()
	items.Each(func(_ int, it *goquery.Selection) {
		if it.ParentsMatcher(startpageSelItems).Length() > 0 {
			return // a block inside a counted result
		}
		a := it.FindMatcher(startpageSelTitleLink).First()
		href, ok := absURL(base, a.AttrOr("href", ""))
		if !ok || startpageOwnLink(href) {
			return
		}
		title := firstText(a, startpageSelTitle)
		if title == "" {
			title = text(a)
		}
		res := schemas.OrganicResult{Title: title, URL: href}
		if d := it.FindMatcher(startpageSelDisplayURL).First(); d.Length() > 0 {
			res.DisplayedURL = text(d)
		}
		if sn := it.FindMatcher(startpageSelSnippet).First(); sn.Length() > 0 {
			res.Snippet = snippetText(sn)
		}
		// Google's date lead, "2 Sep 2014 ... text" or "5 days ago ... text".
		if m := leadingDate.FindStringSubmatch(res.Snippet); m != nil {
			res.Date = m[1]
			res.Snippet = joinDateLead(res.Snippet, res.Date)
		}
		it.FindMatcher(startpageSelSitelinks).Each(func(_ int, l *goquery.Selection) {
			if u, ok := absURL(base, l.AttrOr("href", "")); ok && u != href && !startpageOwnLink(u) {
				if sl, ok := sitelink(text(l), u, ""); ok {
					res.Sitelinks = append(res.Sitelinks, sl)
				}
			}
		})
		b.organic(res)
	})
	b.serp.HasNext = startpageHasNext(doc, r)
	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	if startpageNoResults(doc, page) {
		// The engine's own notice: a genuine zero, never a suspect page (the silent-empty alarm).
		b.serp.HasNext, b.serp.NoResults = false, true
		return b.serp, nil
	}
	return nil, Unrecognised(s.Name(), "no w-gl results and no no-results page")
}

// startpageOwnLink reports a link that is not a result: Startpage's own pages (its search,
// its Anonymous View proxy) and Google's ad clicks.
func startpageOwnLink(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return true
	}
	h := strings.TrimPrefix(p.Hostname(), "www.")
	if h == "startpage.com" || strings.HasSuffix(h, ".startpage.com") {
		return true
	}
	return strings.HasPrefix(p.Path, "/aclk") && strings.Contains(h, "google.") ||
		strings.HasSuffix(h, "doubleclick.net") || strings.HasSuffix(h, "googleadservices.com")
}

// startpageHasNext: the pager is a row of forms, one a page, each posting its page number;
// a next page is a form for a page after the current one.
func startpageHasNext(doc *goquery.Document, r *schemas.SearchRequest) bool {
	cur := max(1, r.Page)
	next := false
	doc.FindMatcher(startpageSelPagerForm).EachWithBreak(func(_ int, f *goquery.Selection) bool {
		if strings.HasPrefix(f.AttrOr("aria-label", ""), "current page") {
			if n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(f.AttrOr("aria-label", ""), "current page"))); err == nil {
				cur = n
			}
		}
		return true
	})
	doc.FindMatcher(startpageSelPagerForm).EachWithBreak(func(_ int, f *goquery.Selection) bool {
		if n, err := strconv.Atoi(f.FindMatcher(startpageSelPageInput).AttrOr("value", "")); err == nil && n > cur {
			next = true
		}
		return !next
	})
	if !next {
		doc.FindMatcher(startpageSelPagerLink).EachWithBreak(func(_ int, a *goquery.Selection) bool {
			t := strings.ToLower(text(a) + " " + a.AttrOr("aria-label", ""))
			next = strings.Contains(t, "next")
			return !next
		})
	}
	return next
}

// startpageBlock recognises the CAPTCHA and abuse pages Startpage sends throttled clients.
func startpageBlock(doc *goquery.Document, page []byte) string {
	if containsAny(page, "/sp/captcha", "g-recaptcha", "h-captcha", "captcha-container") ||
		strings.Contains(strings.ToLower(text(doc.FindMatcher(startpageSelTitleTag).First())), "captcha") {
		return "CAPTCHA page"
	}
	if containsAny(page, "to prevent possible abuse of our service", "unusual traffic") {
		return "abuse (rate-limit) page"
	}
	return ""
}

// startpageNoResults: Startpage's message for a query without results, on its ordinary
// results page.
func startpageNoResults(doc *goquery.Document, page []byte) bool {
	// nc-nr-em is the 2023 page's "Uh-oh, there are no results for this search." block.
	return containsAny(page, "did not match any documents", "No results found for", "no-results-message",
		"there are no results for this search", `class="nc-nr-em`) ||
		doc.FindMatcher(startpageSelNoResults).Length() > 0
}

var (
	startpageSelItems      = cascadia.MustCompile(".w-gl .result, .w-gl__result")
	startpageSelTitleLink  = cascadia.MustCompile("a.result-title[href], a.w-gl__result-title[href], h3 a[href], h2 a[href]")
	startpageSelTitle      = cascadia.MustCompile("h2, h3")
	startpageSelDisplayURL = cascadia.MustCompile("a.wgl-display-url .default-link-text, a.w-gl__result-url")
	startpageSelSnippet    = cascadia.MustCompile("p.description, p.w-gl__description")
	startpageSelSitelinks  = cascadia.MustCompile(".wgl-sitelinks a[href], .w-gl__sitelinks a[href]")
	startpageSelPagerForm  = cascadia.MustCompile(".pagination form")
	startpageSelPageInput  = cascadia.MustCompile("input[name=page]")
	startpageSelPagerLink  = cascadia.MustCompile(".pagination a[href], .pagination button")
	startpageSelTitleTag   = cascadia.MustCompile("title")
	startpageSelNoResults  = cascadia.MustCompile(".no-results, .w-gl__no-results")
)
