package engines

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Yandex reads yandex.com/search. Each result is an li.serp-item carrying data-fast (or, in the
// script-free page Yandex serves old browsers, a div.serp-item with data-cid); wizards
// (the neuro answer, legal notices, carousels) are serp-items with a data-fast-name, and paid
// placements carry an AdvLabel ("Реклама", "Промо") or the serp-adv counter.
type Yandex struct{}

var _ Engine = Yandex{}

func (Yandex) Name() string    { return "yandex" }
func (Yandex) BaseURL() string { return "https://yandex.com" }

// yandexRegions maps gl to Yandex's numeric region (lr); Yandex ranks by region, not language.
var yandexRegions = map[string]string{
	"ru": "225", "ua": "187", "by": "149", "kz": "159", "tr": "983", "us": "84", "gb": "102",
	"de": "96", "fr": "124", "uz": "171",
}

// Request: p is the 0-based page number, lr the region, lang the interface language and
// family the safe-search level (0 off, 1 moderate, 2 strict).
func (Yandex) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("text", r.Q)
	if r.Page > 1 {
		q.Set("p", strconv.Itoa(r.Page-1))
	}
	if lr, ok := yandexRegions[strings.ToLower(r.GL)]; ok {
		q.Set("lr", lr)
	}
	if r.HL != "" {
		lang, _, _ := strings.Cut(r.HL, "-")
		q.Set("lang", lang)
	}
	switch r.Safe {
	case schemas.SafeOff:
		q.Set("family", "0")
	case schemas.SafeStrict:
		q.Set("family", "2")
	default:
		q.Set("family", "1")
	}
	if r.Num > 0 {
		q.Set("numdoc", strconv.Itoa(r.Num))
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	if r.Type == schemas.VerticalImages {
		q.Del("numdoc") // an images page holds what it holds
		return &Request{Method: "GET", URL: joinURL(base, "/images/search", q), Header: h}, nil
	}
	return &Request{Method: "GET", URL: joinURL(base, "/search/", q), Header: h}, nil
}

var yandexCountRe = regexp.MustCompile(`(?i)(?:нашлось|нашёлся|найдено|found)[\s\x{00a0}]+([\d\s\x{00a0}.,]+)[\s\x{00a0}]*(тыс|млн|млрд|thousand|million|billion|k|m|bn)?`)

// yandexCount reads "нашлось 148 тыс. результатов" (in the title or the counter); Yandex
// rounds to words, so the figure is as precise as the page states it.
func yandexCount(s string) (int64, bool) {
	m := yandexCountRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	num := strings.NewReplacer(" ", "", "\u00a0", "").Replace(strings.TrimSpace(m[1]))
	mult := 1.0
	switch strings.ToLower(m[2]) {
	case "тыс", "thousand", "k":
		mult = 1e3
	case "млн", "million", "m":
		mult = 1e6
	case "млрд", "billion", "bn":
		mult = 1e9
	}
	if mult > 1 {
		num = strings.ReplaceAll(num, ",", ".")
	} else {
		num = strings.NewReplacer(",", "", ".", "").Replace(num)
	}
	f, err := strconv.ParseFloat(strings.TrimRight(num, "."), 64)
	if err != nil || f < 0 || f*mult > 1e15 {
		return 0, false
	}
	return int64(f * mult), true
}

func (y Yandex) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(y.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	if doc.FindMatcher(yandexSelCheckboxCaptcha).Length() > 0 ||
		containsAny(page, "/showcaptcha?", "/checkcaptcha?", "smartcaptcha") {
		return nil, Blocked(y.Name(), "CAPTCHA page")
	}
	if r != nil && r.Type == schemas.VerticalImages {
		return y.parseImages(doc)
	}
	const base = "https://yandex.com/"
	b := newBuilder()
	doc.FindMatcher(yandexSelLiSerpItem).Each(func(_ int, s *goquery.Selection) {
		if goquery.NodeName(s) == "div" && s.ParentsMatcher(yandexSelSerpItemLi).Length() > 0 {
			return // a div.serp-item inside a result already read
		}
		name := s.AttrOr("data-fast-name", "")
		isAd := yandexAd(s)
		if (name != "" || yandexLegacyWizard(s.AttrOr("class", ""))) && !isAd {
			return // a wizard: the neuro answer, a legal notice, a video or image strip
		}
		// The first selectors are the current React layout (openserp reads the same); the
		// b-serp-item ones are the site-search widget searxng yandex.py queries.
		// The first title link with a title: a translated result's first one is empty (its
		// title is Yandex's translation, the original's link comes after it).
		var a *goquery.Selection
		title := ""
		s.FindMatcher(yandexSelAOrganicTitleLink).EachWithBreak(func(i int, l *goquery.Selection) bool {
			t := firstText(l, yandexSelOrganicTitleContentSpan, yandexSelOrganicTitleMobile, yandexSelOrganicTitleLinkText, yandexSelH2, yandexSelSpan)
			if t == "" {
				t = text(l)
			}
			if a == nil || t != "" {
				a, title = l, t
			}
			return t == ""
		})
		var href string
		var ok bool
		if a != nil {
			href, ok = yandexTarget(base, a.AttrOr("href", ""))
		} else if l := s.FindMatcher(yandexSelPathLink).First(); l.Length() > 0 && !s.HasClass("template-infected") &&
			s.FindMatcher(yandexSelContentWrapper).Length() > 0 {
			// A result Yandex shows without a title (the page had none): its green path is
			// the only link, and the page shows the path where the title would be. Yandex's
			// own cards without a title (a hotel, a company) lead to Yandex and stay out.
			href, ok = yandexTarget(base, l.AttrOr("href", ""))
			if u, err := url.Parse(href); err != nil || yandexOwnHost(u.Hostname()) {
				return
			}
			a, title = l, yandexDisplay(s)
		} else if s.HasClass("template-infected") {
			// A site Yandex flags as dangerous keeps its place with no link at all: its title is
			// plain text, and its address is in the link to Yandex's safe copy.
			a = s.FindMatcher(yandexSelSerpItemTitle).First()
			title = text(a)
			href, ok = absURL("", queryParam(s.FindMatcher(yandexSelSavedCopy).First().AttrOr("href", ""), "url"))
		}
		if !ok {
			return
		}
		if !isAd && yandexVerticalBlock(s, a, href) {
			return
		}
		display := yandexDisplay(s)
		// A folded snippet holds its short and its full text; the full one is the snippet,
		// without its "Свернуть" toggle.
		snippet := ownText(s.FindMatcher(yandexSelExtendedTextFull).First(), yandexSelExtendedTextToggle)
		if snippet == "" {
			snippet = firstText(s, yandexSelOrganicTextContentSpan, yandexSelOrganicText, yandexSelOrganicContentWrapperTextContainer, yandexSelTextContainer, yandexSelOrganicContentWrapper, yandexSelOrganicTextLegacy, yandexSelBSerpItemText, yandexSelOrganicTextTouch, yandexSelTranslatedText)
		}
		if isAd || yandexAdHost(href) {
			b.ad(schemas.Ad{Block: "top", Title: title, URL: href, DisplayedURL: display, Snippet: snippet})
			return
		}
		res := schemas.OrganicResult{Title: title, URL: href, DisplayedURL: display, Snippet: snippet,
			Date: firstText(s, yandexSelOrganicTextContentSpanOrganicDate)}
		if res.Date == "" {
			if m := leadingDate.FindStringSubmatch(snippet); m != nil {
				res.Date = m[1]
			}
		}
		s.FindMatcher(yandexSelSitelinksA).Each(func(_ int, l *goquery.Selection) {
			if u, ok := absURL(base, l.AttrOr("href", "")); ok {
				if sl, ok := sitelink(text(l), u, ""); ok {
					res.Sitelinks = append(res.Sitelinks, sl)
				}
			}
		})
		b.organic(res)
	})
	doc.FindMatcher(yandexSelRelatedBottomA).Each(func(_ int, a *goquery.Selection) {
		if a.ParentsMatcher(yandexSelEmptySearchResults).Length() > 0 {
			return
		}
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "text")
		if q == "" {
			q = text(a)
		}
		b.relatedSearch(q, href)
	})
	if ai := doc.FindMatcher(yandexSelLiDataFastNameNeuroAnswer).First(); ai.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "ai_overview"}
		if ai.AttrOr("data-fast-name", "") != "neuro_answer" {
			ab.Type = "answer"
		}
		// The neuro answer's text sits in the Futuris snippet; its data-state JSON is not text.
		ab.Snippet = firstText(ai, yandexSelFuturisMarkdown, yandexSelFuturisSearchText, yandexSelClassMarkdown, yandexSelFactAnswer, yandexSelOrganicText)
		if ab.Snippet == "" {
			ab.Snippet = text(ai)
		}
		ab.Answer = ab.Snippet
		if ab.Snippet != "" {
			b.serp.AnswerBox = ab
		}
	}
	if n, ok := yandexCount(text(doc.FindMatcher(yandexSelSerpAdvFound).First())); ok {
		b.serp.TotalResults = n
	} else if n, ok := yandexCount(text(doc.FindMatcher(yandexSelTitle).First())); ok {
		b.serp.TotalResults = n
	} else if n, ok := yandexFoundJSON(page); ok {
		b.serp.TotalResults = n
	}
	b.serp.HasNext = doc.FindMatcher(yandexSelPagerItemTypeNext).Length() > 0

	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	if doc.FindMatcher(yandexSelEmptySearchResults2).Length() > 0 ||
		containsAny(page, "ничего не найдено", "Ничего не нашли", "Nothing found", "did not match any documents") {
		b.serp.NoResults = true
		return b.serp, nil
	}
	if len(b.serp.Ads) > 0 {
		// A page of only paid placements still is a result page.
		return b.serp, nil
	}
	if containsAny(page, "Подтвердите, что запросы отправляли вы", "confirm that you and not a robot", "are sending requests") {
		// The CAPTCHA's wording, trusted only on a page with nothing else on it.
		return nil, Blocked(y.Name(), "CAPTCHA text")
	}
	return nil, Unrecognised(y.Name(), "no serp-item results and no empty-results marker")
}

// yandexDisplay is the result's green path without the menu the 2015-2017 pages keep in
// it ("Сохранённая копия", "Показать ещё с сайта", "Пожаловаться").
func yandexDisplay(s *goquery.Selection) string {
	for _, m := range []goquery.Matcher{yandexSelPath, yandexSelOrganicPath, yandexSelOrganicSubtitle, yandexSelOrganicSubtitle2, yandexSelBSerpItemLinks} {
		e := s.FindMatcher(m).First()
		if e.Length() == 0 {
			continue
		}
		t := ""
		if e.FindMatcher(yandexSelPathMenu).Length() > 0 {
			t = ownText(e, yandexSelPathMenu)
		} else {
			t = text(e)
		}
		if t != "" {
			return t
		}
	}
	return ""
}

// yandexFoundRe finds the count the 2015-2017 pages keep only in their page state:
// "found":"—\n377 млн ответов" (the \n is JSON's, two bytes).
var yandexFoundRe = regexp.MustCompile(`"found":"(?:—|&mdash;)?(?:\\n|\s|&nbsp;|\x{00a0})*([\d\s\x{00a0}]+(?:,\d+)?)[\s\x{00a0}]*(тыс|млн|млрд)?\.?[\s\x{00a0}]*(?:ответ|результат)`)

func yandexFoundJSON(page []byte) (int64, bool) {
	m := yandexFoundRe.FindSubmatch(page)
	if m == nil {
		return 0, false
	}
	return yandexCount("найдено " + string(m[1]) + " " + string(m[2]))
}

// yandexLegacyWizard reports a 2015-2017 serp-item that is one of Yandex's own blocks, not a
// web result: those pages name the block in the item's class (z-images, z-video, z-market,
// t-construct-adapter__market, __news, __images, __video…) and keep no data-fast-name.
// The t-construct-adapter classes that dress a web result (legacy, extended-snippet,
// snip-rating, adresa, special-dates, forum, infected, mime-view, image-snippet, and market
// when it leads to the shop: yandexVerticalBlock) stay results; the list
// of blocks follows the ones KokocGroup's yandex-parser skips.
func yandexLegacyWizard(class string) bool {
	for _, c := range strings.Fields(class) {
		if strings.HasPrefix(c, "z-") || c == "card__narrow" || c == "card__divided" || c == "template-fact" {
			return true
		}
		if w, ok := strings.CutPrefix(c, "t-construct-adapter__"); ok {
			for _, p := range yandexWizardAdapters {
				if strings.HasPrefix(w, p) || strings.HasSuffix(w, "-"+p) {
					return true
				}
			}
		}
	}
	return false
}

var yandexWizardAdapters = []string{"market-", "news", "images", "video", "tours", "free-video", "sport", "auto-regions",
	"entity", "ugc", "units-converter", "calculator", "demolition", "app-search", "companies", "fact"}

// yandexAd reports a paid placement: an advertising label or the direct (Yandex.Direct)
// markers; openserp yandex/selectors.go lists the same.
func yandexAd(s *goquery.Selection) bool {
	if s.HasClass("serp-adv-item") {
		return true
	}
	if s.AttrOr("data-fast-subtype", "") == "direct" || s.AttrOr("data-fast-name", "") == "direct" {
		return true
	}
	if text(s.FindMatcher(yandexSelAdvLabel).First()) != "" {
		return true
	}
	return s.FindMatcher(yandexSelSerpAdvCounter).Length() > 0
}

// yandexVerticalBlock reports a 2017-2019 result-shaped block that shows one of Yandex's own
// services (images, video, Market, Avia): its title link is marked as leading to a vertical,
// the item names its wizard (data-fast-wzrd), its title link carries the search into a Yandex
// service, or it is a composite block whose title leads to Yandex itself. Yandex numbers them among
// the results; they are not web results. A composite leading to Maps is the map of
// organisations and stays, as yandex-parser keeps it.
func yandexVerticalBlock(s, title *goquery.Selection, href string) bool {
	if title.HasClass("link_target_vertical-service") || s.AttrOr("data-fast-wzrd", "") != "" {
		return true
	}
	u, err := url.Parse(href)
	if err != nil || !yandexOwnHost(u.Hostname()) || strings.HasPrefix(u.Path, "/maps") {
		return false
	}
	// A link into one of Yandex's services that carries the search along (news, video,
	// images searches: text=; the music card: from=serp) is that service's block; a page of
	// Yandex's own that ranks (a search for "yandex") carries neither.
	if q := u.Query(); q.Has("text") || strings.HasPrefix(q.Get("from"), "serp") || strings.Contains(q.Get("from"), "wizard") || q.Get("utm_source") == "wizard" {
		return true
	}
	// t-construct-adapter__market dresses a shop's own result with its Market price too;
	// only the one leading to Market is Market's block.
	return s.HasClass("t-construct-adapter__market") || s.HasClass("composite") || s.FindMatcher(yandexSelComposite).Length() > 0
}

// yandexOwnHost reports yandex.<tld> and its subdomains.
func yandexOwnHost(host string) bool {
	host = strings.ToLower(host)
	for _, label := range strings.Split(host, ".") {
		if label == "yandex" {
			return true
		}
	}
	return false
}

// yandexTarget resolves a result link and unwraps the Yandex pages that stand in front of
// the site: the malware warning (/search/infected?url=, /safety/?url=) and Turbo's copy
// (/turbo?text=<url>). The client asked for the site, and the warning is a Yandex page.
func yandexTarget(base, href string) (string, bool) {
	abs, ok := absURL(base, href)
	if !ok {
		return "", false
	}
	u, err := url.Parse(abs)
	if err != nil || !strings.Contains(u.Hostname(), "yandex.") {
		return abs, true
	}
	param := ""
	switch p := strings.TrimSuffix(u.Path, "/"); {
	case strings.HasSuffix(p, "/search/infected"), strings.HasSuffix(p, "/safety"):
		param = "url"
	case p == "/turbo" || strings.HasPrefix(p, "/turbo/"):
		param = "text"
	default:
		return abs, true
	}
	if t, ok := absURL("", u.Query().Get(param)); ok {
		return t, true
	}
	return abs, true
}

// yandexAdHost reports Yandex's ad click hosts (yabs.yandex.*, an.yandex.ru).
func yandexAdHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return strings.HasPrefix(h, "yabs.yandex.") || h == "an.yandex.ru"
}

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
var (
	yandexSelCheckboxCaptcha                    = cascadia.MustCompile(".CheckboxCaptcha, .AdvancedCaptcha, form[action*='checkcaptcha'], #checkbox-captcha-form, .SmartCaptcha")
	yandexSelLiSerpItem                         = cascadia.MustCompile("li.serp-item, #search-result > li[data-fast], div.serp-item[data-cid], .serp-list > div.serp-item, .serp-list > .serp-block > div.serp-item")
	yandexSelSerpItemLi                         = cascadia.MustCompile("li.serp-item")
	yandexSelAOrganicTitleLink                  = cascadia.MustCompile("a.OrganicTitle-Link, .organic__title-wrapper a, a.b-serp-item__title-link, h2 a, a:has(h2), h3 a")
	yandexSelSitelinksA                         = cascadia.MustCompile(".Sitelinks a, .sitelinks a")
	yandexSelRelatedBottomA                     = cascadia.MustCompile(".RelatedBottom a, .related__item a, .Related a.Related-Button")
	yandexSelEmptySearchResults                 = cascadia.MustCompile(".EmptySearchResults")
	yandexSelLiDataFastNameNeuroAnswer          = cascadia.MustCompile("li[data-fast-name=neuro_answer], li[data-fast-name=entity_search], li[data-fast-name=fact]")
	yandexSelSerpAdvFound                       = cascadia.MustCompile(".serp-adv__found, .serp-adv__displayed")
	yandexSelTitle                              = cascadia.MustCompile("title")
	yandexSelPagerItemTypeNext                  = cascadia.MustCompile(".Pager-Item_type_next, .pager__item_kind_next, a[aria-label='Следующая страница'], a[aria-label='Next page']")
	yandexSelEmptySearchResults2                = cascadia.MustCompile(".EmptySearchResults, .misspell__message, .NotFound")
	yandexSelAdvLabel                           = cascadia.MustCompile(".AdvLabel, .label_theme_direct, .organic__advLabel")
	yandexSelSerpAdvCounter                     = cascadia.MustCompile(".serp-adv__counter, [data-fast-subtype=direct], [data-fast-name=direct], .serp-adv-item, [aria-label='Реклама'], [title='Реклама'], .show-feedback_type_adv")
	yandexSelOrganicTitleContentSpan            = cascadia.MustCompile(".OrganicTitleContentSpan")
	yandexSelH2                                 = cascadia.MustCompile("h2")
	yandexSelSpan                               = cascadia.MustCompile("span")
	yandexSelPath                               = cascadia.MustCompile(".Path")
	yandexSelOrganicSubtitle                    = cascadia.MustCompile(".organic__subtitle")
	yandexSelOrganicPath                        = cascadia.MustCompile(".organic__path")
	yandexSelOrganicTitleMobile                 = cascadia.MustCompile(".Organic-Title")
	yandexSelOrganicTextTouch                   = cascadia.MustCompile(".organic > .text")
	yandexSelExtendedTextToggle                 = cascadia.MustCompile(".extended-text__toggle")
	yandexSelOrganicTitleLinkText               = cascadia.MustCompile(".OrganicTitle-LinkText, .organic__url-text")
	yandexSelPathMenu                           = cascadia.MustCompile(".popup2, .extralinks, .serp-url__popup, .show-feedback, .popup, .Extralinks, .label, .serp-url__label")
	yandexSelTranslatedText                     = cascadia.MustCompile(".TranslatedSnippet-TranslatedText")
	yandexSelContentWrapper                     = cascadia.MustCompile(".organic__content-wrapper")
	yandexSelPathLink                           = cascadia.MustCompile(".organic__path a.path__item[href], .Path a.Path-Item[href]")
	yandexSelSerpItemTitle                      = cascadia.MustCompile(".serp-item__title")
	yandexSelSavedCopy                          = cascadia.MustCompile("a[href*='yandbtm']")
	yandexSelComposite                          = cascadia.MustCompile(".composite")
	yandexSelExtendedTextFull                   = cascadia.MustCompile(".extended-text__full")
	yandexSelOrganicTextLegacy                  = cascadia.MustCompile(".organic__text")
	yandexSelOrganicSubtitle2                   = cascadia.MustCompile(".Organic-Subtitle")
	yandexSelBSerpItemLinks                     = cascadia.MustCompile(".b-serp-item__links, .serp-url")
	yandexSelOrganicTextContentSpan             = cascadia.MustCompile(".OrganicTextContentSpan")
	yandexSelOrganicText                        = cascadia.MustCompile(".OrganicText, .Organic-Text")
	yandexSelOrganicContentWrapperTextContainer = cascadia.MustCompile(".organic__content-wrapper .text-container")
	yandexSelTextContainer                      = cascadia.MustCompile(".text-container")
	yandexSelOrganicContentWrapper              = cascadia.MustCompile(".Organic-ContentWrapper")
	yandexSelBSerpItemText                      = cascadia.MustCompile(".b-serp-item__text, .serp-item__text")
	yandexSelOrganicTextContentSpanOrganicDate  = cascadia.MustCompile(".OrganicTextContentSpan .Organic-Date, .organic__date, .TextContainer-Date")
	yandexSelFuturisMarkdown                    = cascadia.MustCompile(".FuturisMarkdown")
	yandexSelFuturisSearchText                  = cascadia.MustCompile(".FuturisSearch-Text")
	yandexSelClassMarkdown                      = cascadia.MustCompile("[class*=Markdown]")
	yandexSelFactAnswer                         = cascadia.MustCompile(".Fact-Answer")
)
