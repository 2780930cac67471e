package engines

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// Baidu reads www.baidu.com/s. Results are the cards of #content_left: div.result (tpl
// www_index, se_com_default) are the web results; div.result-op cards are Aladdin modules
// (translation, news, "people also search"), of which only encyclopedia cards (Baike) are
// ranked results. Each card names its real target in the mu attribute, while its links go
// through www.baidu.com/link?url=… redirects that cannot be decoded offline.
type Baidu struct{}

var _ Engine = Baidu{}

func (Baidu) Name() string    { return "baidu" }
func (Baidu) BaseURL() string { return "https://www.baidu.com" }

// Request: pn is the 0-based result offset, rn the page size; Baidu has no safe-search or
// region switch in its URL, so only the language hint travels (in Accept-Language).
func (Baidu) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("wd", r.Q)
	per := 10
	if r.Num > 0 {
		per = r.Num
		q.Set("rn", strconv.Itoa(r.Num))
	}
	if r.Page > 1 {
		q.Set("pn", strconv.Itoa((r.Page-1)*per))
	}
	q.Set("ie", "utf-8")
	hl := r.HL
	if hl == "" {
		hl = "zh-CN"
	}
	h := browserHeaders(acceptLanguage(hl, r.GL))
	return &Request{Method: "GET", URL: joinURL(base, "/s", q), Header: h}, nil
}

// baiduOrganicOp lists the result-op templates that are ranked web results all the same.
func baiduOrganicOp(tpl string) bool {
	return strings.HasPrefix(tpl, "bk_") || strings.HasPrefix(tpl, "baike") || strings.HasPrefix(tpl, "www_") ||
		strings.HasPrefix(tpl, "se_com")
}

var baiduCountRe = regexp.MustCompile(`(?:相关结果约|约|about)\s*([\d,]+)\s*(?:个|results)`)

func (bd Baidu) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	page = asUTF8(page)
	doc, release, err := parseDoc(bd.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	title := text(doc.FindMatcher(baiduSelTitle).First())
	if strings.Contains(title, "安全验证") || doc.FindMatcher(baiduSelPassModDialogWrapper).Length() > 0 ||
		containsAny(page, "wappass.baidu.com/static/captcha", "/static/captcha/tuxing") {
		return nil, Blocked(bd.Name(), "security verification (CAPTCHA) page")
	}
	const base = "https://www.baidu.com/"
	b := newBuilder()
	doc.FindMatcher(baiduSelContentLeftDiv).Each(func(_ int, s *goquery.Selection) {
		if !s.HasClass("result") && !s.HasClass("result-op") && !s.HasClass("c-container") {
			return
		}
		if s.ParentsMatcher(baiduSelContentLeftCContainer).Length() > 0 {
			return
		}
		tpl := s.AttrOr("tpl", "")
		a := s.FindMatcher(baiduSelH3A).First()
		if a.Length() == 0 {
			return
		}
		href, ok := absURL(base, a.AttrOr("href", ""))
		if mu, ok2 := absURL("", s.AttrOr("mu", "")); ok2 {
			href, ok = mu, true
		}
		if !ok {
			return
		}
		snippet, date := baiduSnippet(s)
		display := firstText(s, baiduSelCShowurl, baiduSelCoscSourceText, baiduSelClassSourceText, baiduSelClassSite, baiduSelClassSiteLink)
		isAd := s.AttrOr("data-tuiguang", "") != "" || s.FindMatcher(baiduSelEcTuiguang).Length() > 0 ||
			strings.Contains(s.AttrOr("class", ""), "ec_wise_ad") || s.HasClass("EC_result") || strings.Contains(s.AttrOr("data-click", ""), "tuiguang")
		if !isAd {
			s.FindMatcher(baiduSelSpan).EachWithBreak(func(_ int, l *goquery.Selection) bool {
				if t := text(l); t == "广告" || t == "Ad" {
					isAd = true
					return false
				}
				return true
			})
		}
		if isAd {
			b.ad(schemas.Ad{Block: "top", Title: text(a), URL: href, DisplayedURL: display, Snippet: snippet})
			return
		}
		if s.HasClass("result-op") && !baiduOrganicOp(tpl) {
			return
		}
		b.organic(schemas.OrganicResult{Title: text(a), URL: href, DisplayedURL: display, Snippet: snippet, Date: date})
	})
	if len(b.serp.OrganicResults) == 0 && doc.FindMatcher(baiduSelContentLeft).Length() == 0 {
		baiduTables(b, doc, base)
	}
	doc.FindMatcher(baiduSelRsNewA).Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "wd")
		if q == "" || !utf8.ValidString(q) { // GBK-escaped on the pages of the 2000s
			q = a.AttrOr("title", text(a))
		}
		b.relatedSearch(q, href)
	})
	if m := baiduCountRe.FindStringSubmatch(text(doc.FindMatcher(baiduSelNumsText).First())); m != nil {
		if n, ok := parseCount(m[1]); ok {
			b.serp.TotalResults = n
		}
	}
	doc.FindMatcher(baiduSelPageAHref).Each(func(_ int, a *goquery.Selection) {
		t := text(a)
		if strings.Contains(t, "下一页") || strings.Contains(strings.ToLower(t), "next") || strings.HasSuffix(t, ">") {
			b.serp.HasNext = true
		}
	})
	if ai := doc.FindMatcher(baiduSelContentLeftDivTplAi).First(); ai.Length() > 0 {
		if t := firstText(ai, baiduSelDataModuleAbstract, baiduSelCosRichText, baiduSelP); t != "" {
			b.serp.AnswerBox = &schemas.AnswerBox{Type: "ai_overview", Answer: t, Snippet: t}
		}
	}
	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	// Baidu's other products answer under the same name and sometimes reach a web search
	// (archives file them all under baidu.com): say which, so nobody reads a forum or a
	// document library as a layout the parser missed.
	switch {
	case strings.HasSuffix(title, "百度贴吧") || doc.FindMatcher(baiduSelTieba).Length() > 0:
		return nil, Unrecognised(bd.Name(), "a Baidu Tieba (forum) page, not web search results")
	case strings.HasPrefix(title, "百度文库"):
		return nil, Unrecognised(bd.Name(), "a Baidu Wenku (document library) page, not web search results")
	case len(page) < 2048 && containsAny(page, "location.replace(", "http-equiv=\"refresh\""):
		return nil, Unrecognised(bd.Name(), "a redirect stub, not a result page")
	case containsAny(page, "您刚刚使用关键字") && doc.FindMatcher(baiduSelLegacyItem).Length() == 0:
		return nil, Unrecognised(bd.Name(), "the search-within-results form, which lists no results")
	}
	if doc.FindMatcher(baiduSelNors).Length() > 0 || containsAny(page, "未找到相关结果", "没有找到与", "抱歉没有找到") {
		b.serp.NoResults = true
		return b.serp, nil
	}
	if doc.FindMatcher(baiduSelButtonTimeoutButton).Length() > 0 || containsAny(page, "网络不给力") {
		// The "network is slow, retry" page Baidu serves clients it throttles (openserp
		// treats it as a timeout): a refusal, not an empty result.
		return nil, Blocked(bd.Name(), "timeout (throttling) page")
	}
	return nil, Unrecognised(bd.Name(), "no result cards and no no-results marker")
}

// baiduTables reads the page of about 2005-2009, before #content_left: every result is a
// table of its own whose td.f holds the title link, a br, then a small font with the
// description, a br and the green URL line ("host/path 2K 2008-4-21"), and the cache link.
// Sponsored links sat in a right-hand column (div.r) and in ma.baidu.com links, never in
// a td.f.
func baiduTables(b *builder, doc *goquery.Document, base string) {
	doc.FindMatcher(baiduSelLegacyItem).Each(func(_ int, td *goquery.Selection) {
		a := td.ChildrenFiltered("a[href]").First()
		href, ok := absURL(base, a.AttrOr("href", ""))
		if a.Length() == 0 || !ok {
			return
		}
		res := schemas.OrganicResult{Title: text(a), URL: href}
		if f := td.ChildrenMatcher(baiduSelLegacySmall).First(); f.Length() > 0 {
			var sb strings.Builder
			for n := f.Get(0).FirstChild; n != nil; n = n.NextSibling {
				if n.Type == html.ElementNode && n.Data == "br" {
					break
				}
				sb.WriteString(nodeText(n))
			}
			res.Snippet = sb.String()
			line := strings.Fields(text(f.FindMatcher(baiduSelLegacyGreen).First()))
			if len(line) > 0 {
				res.DisplayedURL = line[0]
			}
			for _, w := range line {
				if baiduLegacyDate.MatchString(w) {
					res.Date = w
				}
			}
		}
		b.organic(res)
	})
}

var baiduLegacyDate = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}$`)

// baiduSnippetSel lists where a card's description sits, in order: the abstract module,
// the classic c-abstract, the hashed content-right_ / summary-gap_ containers (matched by
// prefix, as openserp does, since Baidu rotates the hash per build), then an encyclopedia
// card's text block before its catalogue links, then the card's last column.
var baiduSnippetSel = []goquery.Matcher{cascadia.MustCompile("[data-module=abstract]"), cascadia.MustCompile(".c-abstract"), cascadia.MustCompile("[class*=content-right_]"), cascadia.MustCompile("[class*=summary-gap_]"),
	cascadia.MustCompile(".c-span-last [class^=text_]"), cascadia.MustCompile(".c-span-last"), cascadia.MustCompile(".c-gap-top-small")}

var baiduDateSel = cascadia.MustCompile(".cos-color-text-minor, .c-color-gray2, .newTimeFactor_before_abs")

// baiduSnippet reads a card's description whole, its leading date included as the page
// shows it, and the date on its own.
func baiduSnippet(s *goquery.Selection) (snippet, date string) {
	for _, sel := range baiduSnippetSel {
		sn := s.FindMatcher(sel).First()
		if sn.Length() == 0 || text(sn) == "" {
			continue
		}
		date = text(sn.FindMatcher(baiduDateSel).First())
		rest := ownText(sn, baiduDateSel)
		if date == "" {
			return rest, ""
		}
		return clean(date + " " + rest), date
	}
	return "", ""
}

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
var (
	baiduSelTitle                 = cascadia.MustCompile("title")
	baiduSelPassModDialogWrapper  = cascadia.MustCompile(".passMod_dialog-wrapper, #passMod_verify, .vcode-body, form[action*='wappass.baidu.com']")
	baiduSelContentLeftDiv        = cascadia.MustCompile("#content_left > div, #content_left .c-container")
	baiduSelContentLeftCContainer = cascadia.MustCompile("#content_left .c-container")
	baiduSelH3A                   = cascadia.MustCompile("h3 a")
	baiduSelEcTuiguang            = cascadia.MustCompile(".ec-tuiguang, .ec_tuiguang_link, [data-tuiguang], [data-click*=tuiguang]")
	baiduSelSpan                  = cascadia.MustCompile("span, a")
	baiduSelRsNewA                = cascadia.MustCompile("#rs_new a, #rs a, a[class*=rs-link], td.f14 a")
	baiduSelNumsText              = cascadia.MustCompile(".nums_text, .nums, [class*=hint_]")
	baiduSelPageAHref             = cascadia.MustCompile("#page a[href], div.p a[href]")
	baiduSelContentLeftDivTplAi   = cascadia.MustCompile("#content_left > div[tpl*=ai_], #content_left > div[tpl*=wenda_generate]")
	baiduSelNors                  = cascadia.MustCompile(".nors, #content_left .nors, .content_none")
	baiduSelButtonTimeoutButton   = cascadia.MustCompile("button.timeout-button, .timeout-title")
	baiduSelCShowurl              = cascadia.MustCompile(".c-showurl")
	baiduSelCoscSourceText        = cascadia.MustCompile(".cosc-source-text")
	baiduSelClassSourceText       = cascadia.MustCompile("[class*=source-text]")
	baiduSelClassSite             = cascadia.MustCompile("[class*=site_]")
	baiduSelClassSiteLink         = cascadia.MustCompile("[class*=siteLink_]")
	baiduSelDataModuleAbstract    = cascadia.MustCompile("[data-module=abstract]")
	baiduSelCosRichText           = cascadia.MustCompile(".cos-rich-text")
	baiduSelP                     = cascadia.MustCompile("p")
	baiduSelContentLeft           = cascadia.MustCompile("#content_left")
	baiduSelLegacyItem            = cascadia.MustCompile("td.f")
	baiduSelLegacySmall           = cascadia.MustCompile("font[size='-1']")
	baiduSelLegacyGreen           = cascadia.MustCompile("font[color='#008000']")
	baiduSelTieba                 = cascadia.MustCompile("#thread_list, .threadlist_bright, link[href*='tieba.baidu.com']")
)
