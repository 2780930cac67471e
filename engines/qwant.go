package engines

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Qwant asks Qwant's own JSON API (api.qwant.com/v3/search/web), the one its web page
// calls. The v3 reply groups the page into typed blocks (data.result.items.mainline: web,
// ads, news, videos…); only "web" blocks are organic and "ads" blocks are ads. The v2 reply
// (a flat data.result.items list), still served to some clients, is read too. Titles and
// descriptions carry <b> highlights and entities, which are removed. A captcha or rate
// limit is status "error" with error_code 24.
type Qwant struct{}

var _ Engine = Qwant{}

func (Qwant) Name() string    { return "qwant" }
func (Qwant) BaseURL() string { return "https://api.qwant.com" }

// qwantMaxCount is the most results the API returns for one call.
const qwantMaxCount = 10

// Offset: positions continue by the count actually asked for.
func (Qwant) Offset(r *schemas.SearchRequest) int {
	return (r.Page - 1) * min(PageSize(r), qwantMaxCount)
}

// Request: count (at most 10), offset, locale (language_COUNTRY, en_US unless hl/gl say
// otherwise) and safesearch (0 off, 1 moderate, 2 strict).
func (Qwant) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	per := min(PageSize(r), qwantMaxCount)
	q := url.Values{}
	q.Set("q", r.Q)
	q.Set("count", strconv.Itoa(per))
	q.Set("offset", strconv.Itoa((max(r.Page, 1)-1)*per))
	q.Set("locale", qwantLocale(r.HL, r.GL))
	switch r.Safe {
	case schemas.SafeOff:
		q.Set("safesearch", "0")
	case schemas.SafeStrict:
		q.Set("safesearch", "2")
	default:
		q.Set("safesearch", "1")
	}
	q.Set("device", "desktop")
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	h.Set("Accept", "application/json")
	return &Request{Method: "GET", URL: joinURL(base, "/v3/search/web", q), Header: h}, nil
}

// qwantLocale is Qwant's locale, language_COUNTRY ("de_DE"); a language alone gets its
// usual country, and anything unreadable en_US.
func qwantLocale(hl, gl string) string {
	lang, region, _ := strings.Cut(strings.ToLower(hl), "-")
	if region == "" {
		region = strings.ToLower(gl)
	}
	if len(lang) != 2 {
		return "en_US"
	}
	if len(region) != 2 {
		region = map[string]string{"en": "us", "de": "de", "fr": "fr", "es": "es", "it": "it", "nl": "nl", "pt": "pt", "pl": "pl"}[lang]
		if region == "" {
			return "en_US"
		}
	}
	return lang + "_" + strings.ToUpper(region)
}

type qwantItem struct {
	Title string `json:"title"`
	URL   string `json:"url"`
	Desc  string `json:"desc"`
	// Source is the displayed host ("https://zmovies.me", "vexmovies.org").
	Source string `json:"source"`
}

type qwantReply struct {
	Status string `json:"status"`
	Data   struct {
		ErrorCode int `json:"error_code"`
		Query     struct {
			Offset int `json:"offset"`
		} `json:"query"`
		Result struct {
			Total int64           `json:"total"`
			Items json.RawMessage `json:"items"`
			Ads   []qwantItem     `json:"ads"`
		} `json:"result"`
	} `json:"data"`
}

type qwantBlock struct {
	Type  string      `json:"type"`
	Items []qwantItem `json:"items"`
}

func (qw Qwant) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	body := bytes.TrimSpace(page)
	if len(body) == 0 || body[0] != '{' {
		// Qwant's web page (www.qwant.com/?q=, and lite.qwant.com before it): what public
		// captures of Qwant are.
		if serp, ok := qwantPage(page); ok {
			return serp, nil
		}
		// The web page's script data holds every message Qwant has, the captcha's and the
		// region wall's among them: on a page with its search bar they say nothing.
		searchPage := containsAny(page, `data-testid="mainSearchBar"`)
		if !searchPage && containsAny(page, "captcha", "Captcha", "Too Many Requests") {
			return nil, Blocked(qw.Name(), "captcha page")
		}
		if !searchPage && containsAny(page, "not yet available in your country", "pas encore disponible dans votre pays") {
			// Qwant's region wall ("Service unavailable"), served for the API's URL too.
			return nil, Blocked(qw.Name(), "not available in this region")
		}
		return nil, Unrecognised(qw.Name(), "not an API reply")
	}
	var rep qwantReply
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, Unrecognised(qw.Name(), "unreadable API reply: "+err.Error())
	}
	if rep.Status != "success" {
		if rep.Data.ErrorCode == 24 || rep.Data.ErrorCode == 429 {
			return nil, Blocked(qw.Name(), "API error "+strconv.Itoa(rep.Data.ErrorCode)+" (captcha / rate limit)")
		}
		return nil, Unrecognised(qw.Name(), "API status "+strconv.Quote(rep.Status)+" error "+strconv.Itoa(rep.Data.ErrorCode))
	}
	b := newBuilder()
	items := bytes.TrimSpace(rep.Data.Result.Items)
	n := 0
	switch {
	case len(items) > 0 && items[0] == '[':
		// v2: one flat list of web results, ads beside it.
		var list []qwantItem
		if err := json.Unmarshal(items, &list); err != nil {
			return nil, Unrecognised(qw.Name(), "unreadable items: "+err.Error())
		}
		for _, it := range list {
			qwantOrganic(b, it)
		}
		n = len(list)
		for _, it := range rep.Data.Result.Ads {
			b.ad(schemas.Ad{Block: "top", Title: markupText(it.Title), URL: it.URL, DisplayedURL: qwantSource(it), Snippet: markupText(it.Desc)})
		}
	case len(items) > 0 && items[0] == '{':
		var groups struct {
			Mainline []qwantBlock `json:"mainline"`
		}
		if err := json.Unmarshal(items, &groups); err != nil {
			return nil, Unrecognised(qw.Name(), "unreadable items: "+err.Error())
		}
		for _, blk := range groups.Mainline {
			switch blk.Type {
			case "web":
				for _, it := range blk.Items {
					qwantOrganic(b, it)
				}
				n += len(blk.Items)
			case "ads":
				for _, it := range blk.Items {
					b.ad(schemas.Ad{Block: "top", Title: markupText(it.Title), URL: it.URL, DisplayedURL: qwantSource(it), Snippet: markupText(it.Desc)})
				}
			}
		}
	}
	if rep.Data.Result.Total > 0 {
		b.serp.TotalResults = rep.Data.Result.Total
		b.serp.HasNext = int64(rep.Data.Query.Offset+n) < rep.Data.Result.Total
	} else {
		b.serp.HasNext = n >= qwantMaxCount
	}
	// Zero from a reply whose result list is there (and empty) is Qwant's no hits; without
	// the list it is a reply in a shape unknown here.
	b.serp.NoResults = n == 0 && len(items) > 0 && rep.Data.Result.Total == 0
	return b.serp, nil
}

func qwantOrganic(b *builder, it qwantItem) {
	b.organic(schemas.OrganicResult{Title: markupText(it.Title), URL: it.URL, DisplayedURL: qwantSource(it), Snippet: markupText(it.Desc)})
}

// qwantSource is the item's displayed host, without a scheme.
func qwantSource(it qwantItem) string {
	s := strings.TrimPrefix(strings.TrimPrefix(it.Source, "https://"), "http://")
	return strings.TrimSuffix(s, "/")
}

var (
	qwantSelWeb     = cascadia.MustCompile(`[data-testid=webResult]`)
	qwantSelAd      = cascadia.MustCompile(`[data-testid=adResult]`)
	qwantSelLink    = cascadia.MustCompile(`a[href]`)
	qwantSelTitle   = cascadia.MustCompile(`[class*=WebResult-module__title], [class*=SER-module__title], h2`)
	qwantSelDesc    = cascadia.MustCompile(`[class*=WebResult-module__description], [class*=SER-module__description]`)
	qwantSelPerma   = cascadia.MustCompile(`[class*=WebResult-module__permalink]`)
	qwantSelDomain  = cascadia.MustCompile(`[class*=WebResult-module__domain]`)
	qwantSelCrumb   = cascadia.MustCompile(`[class*=DarkerBreadcrumb]`)
	qwantSelCite    = cascadia.MustCompile(`cite`) // the "Ad" label of an ad
	qwantSelMore    = cascadia.MustCompile(`[data-testid=buttonShowMore]`)
	qwantSelEmpty   = cascadia.MustCompile(`[data-testid=containerWeb] [class*=EmptyPage]`)
	qwantSelLite    = cascadia.MustCompile(`#contenerresults div.result, div.result`)
	qwantSelLiteA   = cascadia.MustCompile(`.title a[href]`)
	qwantSelLiteURL = cascadia.MustCompile(`p.url`)
	qwantSelLiteP   = cascadia.MustCompile(`p:not(.url)`)
	qwantSelLiteNav = cascadia.MustCompile(`.result__pagination a`)
)

// qwantPage reads Qwant's web page: the React one (2021 on: div[data-testid=webResult], the
// link around an h2 title and the permalink, the description beside it; from late 2022 the
// SER-module layout, a breadcrumb link and then the title link; ads are
// data-testid=adResult) and lite.qwant.com's (div.result: span.title a, p.url, p). ok is false
// when the page holds no result of either.
func qwantPage(page []byte) (*schemas.SERP, bool) {
	if !containsAny(page, `data-testid="webResult"`, `data-testid="adResult"`, `data-testid="containerWeb"`, `class="result"`) {
		return nil, false
	}
	doc, release, err := parseDoc("qwant", page)
	if err != nil {
		return nil, false
	}
	defer release()
	b := newBuilder()
	read := func(s *goquery.Selection) (title, href, shown, desc string) {
		// The title is an h2 inside the link (2021–2022) or the link itself, after a
		// breadcrumb link to the same page (late 2022: SER-module).
		t := s.FindMatcher(qwantSelTitle).First()
		a := t.Closest("a[href]")
		if a.Length() == 0 {
			a = s.FindMatcher(qwantSelLink).First()
		}
		href = attrOr(a.Get(0), "href", "")
		if title = text(t); title == "" {
			title = text(a)
		}
		shown = firstText(s, qwantSelPerma, qwantSelDomain, qwantSelCrumb)
		desc = ownText(s.FindMatcher(qwantSelDesc).First(), qwantSelCite)
		return
	}
	doc.FindMatcher(qwantSelWeb).Each(func(_ int, s *goquery.Selection) {
		title, href, shown, desc := read(s)
		b.organic(schemas.OrganicResult{Title: title, URL: href, DisplayedURL: shown, Snippet: desc})
	})
	doc.FindMatcher(qwantSelAd).Each(func(_ int, s *goquery.Selection) {
		title, href, shown, desc := read(s)
		b.ad(schemas.Ad{Block: "top", Title: title, URL: href, DisplayedURL: shown, Snippet: desc})
	})
	if len(b.serp.OrganicResults) > 0 {
		b.serp.HasNext = doc.FindMatcher(qwantSelMore).Length() > 0
		return b.serp, true
	}
	if doc.FindMatcher(qwantSelEmpty).Length() > 0 {
		// The web list's own empty state ("No results found."): the page's i18n data holds
		// that sentence on every page, so only the element counts.
		b.serp.NoResults = true
		return b.serp, true
	}
	doc.FindMatcher(qwantSelLite).Each(func(_ int, s *goquery.Selection) {
		a := s.FindMatcher(qwantSelLiteA).First()
		if a.Length() == 0 {
			return
		}
		b.organic(schemas.OrganicResult{Title: text(a), URL: attrOr(a.Get(0), "href", ""),
			DisplayedURL: firstText(s, qwantSelLiteURL), Snippet: firstText(s, qwantSelLiteP)})
	})
	if len(b.serp.OrganicResults) == 0 {
		return nil, false
	}
	doc.FindMatcher(qwantSelLiteNav).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		if t := strings.ToLower(text(a)); strings.Contains(t, "next") || strings.Contains(t, "suivant") || strings.Contains(t, "weiter") {
			b.serp.HasNext = true
			return false
		}
		return true
	})
	return b.serp, true
}
