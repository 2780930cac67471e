package engines

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/trawl-dev/trawl/schemas"
)

// Yandex reads yandex.com/search. Each result is an li.serp-item carrying data-fast; wizards
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
	return &Request{Method: "GET", URL: joinURL(base, "/search/", q), Header: h}, nil
}

var yandexCountRe = regexp.MustCompile(`(?i)(?:нашлось|нашёлся|найдено|found)\s+([\d\s.,]+)\s*(тыс|млн|млрд|thousand|million|billion|k|m|bn)?`)

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
	doc, err := parseDoc(y.Name(), page)
	if err != nil {
		return nil, err
	}
	if doc.Find(".CheckboxCaptcha, .AdvancedCaptcha, form[action*='checkcaptcha'], #checkbox-captcha-form, .SmartCaptcha").Length() > 0 ||
		containsAny(page, "/showcaptcha?", "/checkcaptcha?", "smartcaptcha") {
		return nil, Blocked(y.Name(), "CAPTCHA page")
	}
	const base = "https://yandex.com/"
	b := newBuilder()
	doc.Find("li.serp-item, #search-result > li[data-fast]").Each(func(_ int, s *goquery.Selection) {
		name := s.AttrOr("data-fast-name", "")
		isAd := yandexAd(s)
		if name != "" && !isAd {
			return // a wizard: the neuro answer, a legal notice, a video or image strip
		}
		// The first selectors are the current React layout (openserp reads the same); the
		// b-serp-item ones are the site-search widget searxng yandex.py queries.
		a := s.Find("a.OrganicTitle-Link, .organic__title-wrapper a, a.b-serp-item__title-link, h2 a, a:has(h2), h3 a").First()
		href, ok := absURL(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		title := firstText(a, ".OrganicTitleContentSpan", "h2", "span")
		if title == "" {
			title = text(a)
		}
		display := firstText(s, ".Path", ".organic__subtitle", ".Organic-Subtitle", ".b-serp-item__links")
		snippet := firstText(s, ".OrganicTextContentSpan", ".OrganicText", ".organic__content-wrapper .text-container", ".text-container", ".Organic-ContentWrapper", ".b-serp-item__text")
		if isAd || yandexAdHost(href) {
			b.ad(schemas.Ad{Block: "top", Title: title, URL: href, DisplayedURL: display, Snippet: snippet})
			return
		}
		res := schemas.OrganicResult{Title: title, URL: href, DisplayedURL: display, Snippet: snippet,
			Date: firstText(s, ".OrganicTextContentSpan .Organic-Date, .organic__date, .TextContainer-Date")}
		if res.Date == "" {
			if m := leadingDate.FindStringSubmatch(snippet); m != nil {
				res.Date = m[1]
			}
		}
		s.Find(".Sitelinks a, .sitelinks a").Each(func(_ int, l *goquery.Selection) {
			if u, ok := absURL(base, l.AttrOr("href", "")); ok {
				if sl, ok := sitelink(text(l), u, ""); ok {
					res.Sitelinks = append(res.Sitelinks, sl)
				}
			}
		})
		b.organic(res)
	})
	doc.Find(".RelatedBottom a, .related__item a, .Related a.Related-Button").Each(func(_ int, a *goquery.Selection) {
		if a.ParentsFiltered(".EmptySearchResults").Length() > 0 {
			return
		}
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "text")
		if q == "" {
			q = text(a)
		}
		b.relatedSearch(q, href)
	})
	if ai := doc.Find("li[data-fast-name=neuro_answer], li[data-fast-name=entity_search], li[data-fast-name=fact]").First(); ai.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "ai_overview"}
		if ai.AttrOr("data-fast-name", "") != "neuro_answer" {
			ab.Type = "answer"
		}
		// The neuro answer's text sits in the Futuris snippet; its data-state JSON is not text.
		ab.Snippet = firstText(ai, ".FuturisMarkdown", ".FuturisSearch-Text", "[class*=Markdown]", ".Fact-Answer", ".OrganicText")
		if ab.Snippet == "" {
			ab.Snippet = text(ai)
		}
		ab.Answer = ab.Snippet
		if ab.Snippet != "" {
			b.serp.AnswerBox = ab
		}
	}
	if n, ok := yandexCount(text(doc.Find(".serp-adv__found, .serp-adv__displayed").First())); ok {
		b.serp.TotalResults = n
	} else if n, ok := yandexCount(text(doc.Find("title").First())); ok {
		b.serp.TotalResults = n
	}
	b.serp.HasNext = doc.Find(".Pager-Item_type_next, .pager__item_kind_next, a[aria-label='Следующая страница'], a[aria-label='Next page']").Length() > 0

	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	if doc.Find(".EmptySearchResults, .misspell__message, .NotFound").Length() > 0 ||
		containsAny(page, "ничего не найдено", "Ничего не нашли", "Nothing found", "did not match any documents") {
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

// yandexAd reports a paid placement: an advertising label or the direct (Yandex.Direct)
// markers; openserp yandex/selectors.go lists the same.
func yandexAd(s *goquery.Selection) bool {
	if s.AttrOr("data-fast-subtype", "") == "direct" || s.AttrOr("data-fast-name", "") == "direct" {
		return true
	}
	if text(s.Find(".AdvLabel, .label_theme_direct, .organic__advLabel").First()) != "" {
		return true
	}
	return s.Find(".serp-adv__counter, [data-fast-subtype=direct], [data-fast-name=direct], .serp-adv-item, [aria-label='Реклама'], [title='Реклама']").Length() > 0
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
