package engines

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/trawl-dev/trawl/schemas"
)

// Bing reads www.bing.com/search. The ranked list has been ol#b_results > li.b_algo for a
// decade (searxng bing.py selects the same); ads are li.b_ad blocks in that list and answers
// are li.b_ans, so both stay out of organic by construction.
type Bing struct{}

var _ Engine = Bing{}

func (Bing) Name() string    { return "bing" }
func (Bing) BaseURL() string { return "https://www.bing.com" }

// Request asks for ten results per page: first is the 1-based index of the page's first
// result, adlt the safe-search level, and setlang/cc/mkt the interface language, country
// and market (mkt is what Bing actually ranks by).
func (Bing) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("q", r.Q)
	per := 10
	path := "/search"
	switch r.Type {
	case schemas.VerticalNews:
		path = "/news/infinitescrollajax"
		q.Set("InfiniteScroll", "1")
	case schemas.VerticalImages:
		path = "/images/async"
		q.Set("async", "1")
		per = bingImagesPage
		q.Set("count", strconv.Itoa(per))
	}
	if r.Num > 0 && r.Type != schemas.VerticalImages {
		per = r.Num
		q.Set("count", strconv.Itoa(r.Num))
	}
	if r.Page > 1 {
		q.Set("first", strconv.Itoa((r.Page-1)*per+1))
		q.Set("FORM", "PERE")
	}
	lang, region, _ := strings.Cut(r.HL, "-")
	if region == "" {
		region = r.GL
	}
	if lang != "" {
		q.Set("setlang", lang)
		if region != "" {
			q.Set("mkt", lang+"-"+strings.ToUpper(region))
		}
	}
	if r.GL != "" {
		q.Set("cc", strings.ToUpper(r.GL))
	}
	switch r.Safe {
	case schemas.SafeOff:
		q.Set("adlt", "off")
	case schemas.SafeStrict:
		q.Set("adlt", "strict")
	default:
		q.Set("adlt", "moderate")
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	return &Request{Method: "GET", URL: joinURL(base, path, q), Header: h}, nil
}

// bingAdTarget decodes an ad click (/aclick?…&u=<base64 of the escaped target>) so an ad's URL
// names the advertiser; the click link itself is the fallback.
func bingAdTarget(base, href string) (string, bool) {
	// /aclick (2020s) and /aclk (2010s-2020): the target in u, base64.
	if u, err := url.Parse(strings.TrimSpace(href)); err == nil && (strings.HasPrefix(u.Path, "/aclick") || strings.HasPrefix(u.Path, "/aclk")) {
		enc := strings.TrimRight(queryGet(u, "u"), "=")
		for _, dec := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := dec.DecodeString(enc); err == nil {
				t, err := url.QueryUnescape(string(b))
				if err != nil {
					t = string(b)
				}
				if abs, ok := absURL("", t); ok {
					return abs, true
				}
			}
		}
	}
	return bingTarget(base, href)
}

func (g Bing) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(g.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	const base = "https://www.bing.com/"
	if doc.FindMatcher(bingSelBCaptcha).Length() > 0 ||
		containsAny(page, "/turing/captcha/", "/challenge/verify?", "captcha.turing") {
		return nil, Blocked(g.Name(), "CAPTCHA (turing challenge) page")
	}
	switch r.Type {
	case schemas.VerticalNews:
		return g.parseNews(doc, page, r)
	case schemas.VerticalImages:
		return g.parseImages(doc, page)
	}
	results := doc.FindMatcher(bingSelBResults)
	items := results.FindMatcher(bingSelLiBAlgo)
	if results.Length() == 0 {
		// 2009-2013: div#results > ul.sb_results > li, an h3 title in div.sb_tlst, the
		// cite in div.sb_meta and the caption a bare p. Ads and answers were drawn outside
		// that list, but for answers (li.sb_ans: images, videos) drawn into it.
		results = doc.FindMatcher(bingSelLegacyResults)
		items = results.FindMatcher(bingSelLegacyItem)
	}
	b := newBuilder()
	items.Each(func(_ int, s *goquery.Selection) {
		// A b_algo nested inside another block (news or video carousels) is a module item.
		if s.ParentsMatcher(bingSelLiBAlgo2).Length() > 0 {
			return
		}
		a := s.FindMatcher(bingSelH2A).First()
		if a.Length() == 0 {
			a = s.FindMatcher(bingSelBTitleA).First()
		}
		if a.Length() == 0 {
			a = s.FindMatcher(bingSelLegacyTitleA).First()
		}
		href, ok := bingTarget(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		res := schemas.OrganicResult{Title: bingTitle(s, a), URL: href,
			DisplayedURL: text(s.FindMatcher(bingSelCite).First())}
		res.Snippet, res.Date = bingSnippet(s)
		s.FindMatcher(bingSelLegacyDeepA).Each(func(_ int, l *goquery.Selection) {
			if u, ok := bingTarget(base, l.AttrOr("href", "")); ok {
				if sl, ok := sitelink(text(l), u, ""); ok {
					res.Sitelinks = append(res.Sitelinks, sl)
				}
			}
		})
		s.FindMatcher(bingSelBDeepH3A).Each(func(_ int, l *goquery.Selection) {
			u, ok := bingTarget(base, l.AttrOr("href", ""))
			if !ok {
				return
			}
			li := l.ClosestMatcher(bingSelLi)
			if sl, ok := sitelink(text(l), u, text(li.FindMatcher(bingSelP).First())); ok {
				res.Sitelinks = append(res.Sitelinks, sl)
			}
		})
		b.organic(res)
	})

	doc.FindMatcher(bingSelLiBAd).Each(func(_ int, blk *goquery.Selection) {
		block := "top"
		if blk.HasClass("b_adBottom") {
			block = "bottom"
		}
		items := blk.FindMatcher(bingSelUlLi)
		if items.Length() == 0 {
			items = blk
		}
		items.Each(func(_ int, s *goquery.Selection) {
			a := s.FindMatcher(bingSelH2A2).First()
			href, ok := bingAdTarget(base, a.AttrOr("href", ""))
			if ok && isBingOwn(href) {
				return // the product ads' heading ("See buy …"), a link to Bing Shopping
			}
			if !ok {
				return
			}
			var snip strings.Builder
			s.FindMatcher(bingSelBCaptionP).Each(func(_ int, p *goquery.Selection) { snip.WriteString(text(p)) })
			b.ad(schemas.Ad{Block: block, Title: text(a), URL: href,
				DisplayedURL: text(s.FindMatcher(bingSelCite).First()), Snippet: snip.String()})
		})
	})

	doc.FindMatcher(bingSelBRsA).Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "q")
		if q == "" || !strings.Contains(href, "bing.") {
			q = firstText(a, bingSelBSuggestionText)
			if q == "" {
				q = text(a)
			}
		}
		b.relatedSearch(q, href)
	})
	if n, ok := parseCount(text(doc.FindMatcher(bingSelSbCount).First())); ok {
		b.serp.TotalResults = n
	}
	b.serp.HasNext = doc.FindMatcher(bingSelASbPagN).Length() > 0
	b.serp.AnswerBox = bingAnswer(doc)
	b.serp.KnowledgeGraph = bingKnowledgeGraph(doc)
	b.serp.RelatedQuestions = bingRelatedQuestions(doc)
	b.serp.TopStories = bingTopStories(doc)

	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	if results.FindMatcher(bingSelLiBNo).Length() > 0 || doc.FindMatcher(bingSelBResultsBNo).Length() > 0 {
		b.serp.NoResults = true
		return b.serp, nil
	}
	// Text markers (openserp bing/selectors.go) only decide a page with no results at all,
	// where a snippet quoting them cannot be the reason.
	low := bytes.ToLower(page)
	if doc.FindMatcher(bingSelDivCaptcha).Length() > 0 || containsAny(low, "verify that you are not a robot", "enter the characters you see") {
		return nil, Blocked(g.Name(), "CAPTCHA page")
	}
	if results.Length() > 0 && containsAny(low, "there are no results for", "no results found for") {
		b.serp.NoResults = true
		return b.serp, nil
	}
	return nil, Unrecognised(g.Name(), "no li.b_algo results and no li.b_no marker")
}

// bingTitle is the title link's text; Bing sometimes renders the link empty with the
// label in aria-label or on the h2 (openserp's fallbacks).
func bingTitle(s, a *goquery.Selection) string {
	// The phone page's header link holds the h2 and the cite under it.
	if h := a.FindMatcher(bingSelH2).First(); h.Length() > 0 {
		if t := text(h); t != "" {
			return t
		}
	}
	if a.FindMatcher(bingSelAttribution).Length() > 0 {
		if t := ownText(a, bingSelAttribution); t != "" {
			return t
		}
	}
	if t := text(a); t != "" {
		return t
	}
	if t := clean(a.AttrOr("aria-label", a.AttrOr("title", ""))); t != "" {
		return t
	}
	return text(s.FindMatcher(bingSelH2).First())
}

// bingSnippetSel lists where a result's caption sits, newest layouts first: the clamped
// paragraph of the caption, the "slug" paragraph, rich-card paragraphs.
var bingSnippetSel = cascadia.MustCompile(".b_caption p, p.b_lineclamp1, p.b_lineclamp2, p.b_lineclamp3, p.b_lineclamp4, p.b_paractl, .b_algoSlug, .b_snippet")

// bingSnippet reads a result's description with its leading date, as the page shows it
// ("Jan 5, 2024 · text": the separator is normalised, captures often drop the NBSP
// before it), and the date on its own.
func bingSnippet(s *goquery.Selection) (snippet, date string) {
	var cap *goquery.Selection
	s.FindMatcher(bingSnippetSel).EachWithBreak(func(_ int, p *goquery.Selection) bool {
		if p.ParentsMatcher(bingSelBDeep).Length() > 0 || text(p) == "" {
			return true
		}
		cap = p
		return false
	})
	if cap == nil {
		cap = s.FindMatcher(bingSelBCaption).First()
	}
	if cap.Length() == 0 {
		// No caption block: any paragraph outside the sitelinks (searxng reads every p).
		s.FindMatcher(bingSelP).EachWithBreak(func(_ int, p *goquery.Selection) bool {
			if p.ParentsMatcher(bingSelBDeep2).Length() > 0 || text(p) == "" {
				return true
			}
			cap = p
			return false
		})
	}
	if cap == nil || cap.Length() == 0 {
		return "", ""
	}
	snippet = ownText(cap, bingSelSpanAlgoSlugIcon)
	// "Translate this page ·" (a link to Bing's translator) leads the snippet on pages
	// asked in another market's language; the link is not the description.
	if cap.FindMatcher(bingSelTranslateLink).Length() > 0 {
		snippet = strings.TrimLeft(ownText(cap, bingSelSnippetSkip), "·-–— \u00a0")
	}
	date = text(cap.FindMatcher(bingSelSpanNewsDt).First())
	if date == "" {
		if m := leadingDate.FindStringSubmatch(snippet); m != nil {
			date = m[1]
		}
	}
	return joinDateLead(snippet, date), date
}

// bingAnswer reads the answer shown above the ranked list: a fact (b_focusText), a featured
// snippet (li.b_ans.b_top with its rich caption) or the Copilot summary.
func bingAnswer(doc *goquery.Document) *schemas.AnswerBox {
	top := doc.FindMatcher(bingSelBResultsLiBAnsBTop).First()
	if top.Length() == 0 {
		top = doc.FindMatcher(bingSelBFocusTextLarge).First().ClosestMatcher(bingSelLi)
	}
	if top.Length() == 0 || top.FindMatcher(bingSelBRs).Length() > 0 || bingVerticalAnswer(top) {
		return nil
	}
	ab := &schemas.AnswerBox{Type: "featured_snippet"}
	ab.Answer = firstText(top, bingSelBFocusTextLarge2, bingSelBFocusTextMedium, bingSelBFocusTextSmall, bingSelBFocusTextExtraSmall)
	if ab.Answer != "" {
		ab.Type = "answer"
	}
	ab.Snippet = firstText(top, bingSelRwrl, bingSelBParactl, bingSelBCaptionP, bingSelBAlgoSlug, bingSelP)
	a := top.FindMatcher(bingSelH2A3).First()
	ab.Title = text(a)
	if u, ok := bingTarget("https://www.bing.com/", a.AttrOr("href", "")); ok {
		ab.URL = u
	}
	if ab.Answer == "" && ab.Snippet == "" {
		return nil
	}
	return ab
}

// isBingOwn reports a link to one of Bing's own pages (shopping, search), never an ad's target.
func isBingOwn(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if strings.HasPrefix(u.Path, "/aclk") || strings.HasPrefix(u.Path, "/aclick") {
		return false // an ad's click link whose target did not decode: still the ad's link
	}
	return h == "bing.com" || strings.HasSuffix(h, ".bing.com")
}

// bingVerticalAnswer reports an answer block that shows one of Bing's own verticals ("News
// about …", "Videos of …", "Images of …"): its heading leads to /news/search, /videos/search
// or /images/search. Such a block at the top is no featured snippet.
func bingVerticalAnswer(ans *goquery.Selection) bool {
	href := ans.FindMatcher(bingSelH2A).First().AttrOr("href", "")
	u, err := url.Parse(href)
	if err != nil || (u.Host != "" && !strings.HasSuffix(u.Hostname(), "bing.com")) {
		return false
	}
	switch u.Path {
	case "/news/search", "/videos/search", "/images/search":
		return true
	}
	return false
}

// bingTopStories reads the "News about …" answer: the carousel of 2020s pages (div.nws_cwrp
// cards naming their story in url= and titletext=, the publisher in .na_footer_name, the
// time after it) and the list of 2010s pages (ul.b_vList items, an h5 title link and a cite
// holding the publisher and the time).
func bingTopStories(doc *goquery.Document) []schemas.TopStory {
	var out []schemas.TopStory
	seen := map[string]bool{}
	add := func(st schemas.TopStory) {
		st.Date = strings.TrimSpace(strings.TrimLeft(st.Date, "·\u00a0 "))
		if st.Title == "" || seen[st.URL] {
			return
		}
		seen[st.URL] = true
		out = append(out, st)
	}
	doc.FindMatcher(bingSelLiBAns).Each(func(_ int, ans *goquery.Selection) {
		u, err := url.Parse(ans.FindMatcher(bingSelH2A).First().AttrOr("href", ""))
		if err != nil || u.Path != "/news/search" {
			return
		}
		ans.FindMatcher(bingSelNewsAnswerCard).Each(func(_ int, c *goquery.Selection) {
			holder := c
			if _, ok := c.Attr("url"); !ok {
				holder = c.ParentsFiltered("[url]").First()
			}
			href, ok := bingTarget("https://www.bing.com/", holder.AttrOr("url", c.FindMatcher(bingSelAHref).First().AttrOr("href", "")))
			if !ok || !isHTTPURL(href) {
				return
			}
			title := clean(holder.AttrOr("titletext", ""))
			if title == "" {
				title = text(c.FindMatcher(bingSelNaT).First())
			}
			add(schemas.TopStory{Title: title, URL: href, Source: text(c.FindMatcher(bingSelNaFooterName).First()),
				Date: text(c.FindMatcher(bingSelSecondaryText).First())})
		})
		ans.FindMatcher(bingSelVListH5A).Each(func(_ int, a *goquery.Selection) {
			href, ok := bingTarget("https://www.bing.com/", a.AttrOr("href", ""))
			if !ok {
				return
			}
			item := a.ClosestMatcher(bingSelLi)
			cite := item.FindMatcher(bingSelCite).First()
			add(schemas.TopStory{Title: text(a), URL: href, Source: ownText(cite, bingSelSecondaryText),
				Date: text(cite.FindMatcher(bingSelSecondaryText).First())})
		})
	})
	return out
}

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
// bingKnowledgeGraph reads the entity card in the side column: .b_entityTitle and
// .b_entitySubTitle (the type), the description in its b_snippet (whole in the hidden
// "more" copy when there is one), and the source the card's first icon link names.
func bingKnowledgeGraph(doc *goquery.Document) *schemas.KnowledgeGraph {
	t := doc.FindMatcher(bingSelEntityTitle).First()
	if t.Length() == 0 || text(t) == "" {
		return nil
	}
	card := t.Closest("li.b_ans, .b_entityTP, #b_context")
	if card.Length() == 0 {
		card = t.Parent()
	}
	kg := &schemas.KnowledgeGraph{Title: text(t), Type: text(card.FindMatcher(bingSelEntitySubTitle).First())}
	if sn := card.FindMatcher(bingSelEntitySnippet).First(); sn.Length() > 0 {
		if full := sn.FindMatcher(bingSelBHide).First(); full.Length() > 0 && text(full) != "" {
			kg.Description = text(full)
		} else {
			kg.Description = ownText(sn, bingSelRoleButton)
		}
	}
	// The source is named by the card's icon row ("Wikipedia icon"); failing that, the
	// first link off Bing, named by its host.
	for _, m := range []goquery.Matcher{bingSelEntityIconLink, bingSelAHref} {
		card.FindMatcher(m).EachWithBreak(func(_ int, a *goquery.Selection) bool {
			u, ok := absURL("https://www.bing.com/", a.AttrOr("href", ""))
			if !ok || strings.Contains(u, "bing.com/") {
				return true
			}
			name := ""
			if alt := clean(a.FindMatcher(bingSelImgAlt).First().AttrOr("alt", "")); strings.HasSuffix(alt, " icon") {
				name = strings.TrimSuffix(alt, " icon")
			} else if pu, err := url.Parse(u); err == nil {
				name = strings.TrimPrefix(pu.Hostname(), "www.")
			}
			kg.Source = &schemas.Source{Name: name, URL: u}
			return false
		})
		if kg.Source != nil {
			break
		}
	}
	return kg
}

// bingRelatedQuestions reads "People also ask": each item is tagged RelatedQnA.Item and
// names its question in data-query; the answer and its reference link sit in the
// collapsed details beside it.
func bingRelatedQuestions(doc *goquery.Document) []schemas.RelatedQuestion {
	var out []schemas.RelatedQuestion
	seen := map[string]bool{}
	doc.FindMatcher(bingSelQnAItem).Each(func(_ int, it *goquery.Selection) {
		q := clean(it.AttrOr("data-query", ""))
		if q == "" {
			q = text(it.FindMatcher(bingSelExpansionText).First())
		}
		if q == "" || seen[q] {
			return
		}
		seen[q] = true
		rq := schemas.RelatedQuestion{Question: q}
		if d := it.FindMatcher(bingSelQnADetails).First(); d.Length() > 0 {
			rq.Snippet = firstText(d, bingSelRwrl, bingSelBParactl, bingSelP)
			d.FindMatcher(bingSelAHref).EachWithBreak(func(_ int, a *goquery.Selection) bool {
				u, ok := bingTarget("https://www.bing.com/", a.AttrOr("href", ""))
				if !ok || strings.Contains(u, "bing.com/search") {
					return true
				}
				rq.URL = u
				rq.Title = firstText(a, bingSelH2)
				return false
			})
		}
		out = append(out, rq)
	})
	return out
}

var (
	bingSelEntityTitle    = cascadia.MustCompile(".b_entityTitle")
	bingSelEntitySubTitle = cascadia.MustCompile(".b_entitySubTitle")
	bingSelEntitySnippet  = cascadia.MustCompile(".b_snippet, .b_entitySnippet")
	bingSelBHide          = cascadia.MustCompile(".b_hide")
	bingSelRoleButton     = cascadia.MustCompile("[role=button], .b_hide")
	bingSelEntityIconLink = cascadia.MustCompile(".infoCardIcons a[href]")
	bingSelImgAlt         = cascadia.MustCompile("img[alt]")
	bingSelQnAItem        = cascadia.MustCompile("[data-tag='RelatedQnA.Item']")
	bingSelExpansionText  = cascadia.MustCompile(".b_expansion_text")
	bingSelQnADetails     = cascadia.MustCompile("[data-tag='RelatedQnA.ItemDetails']")
	bingSelAHref          = cascadia.MustCompile("a[href]")
)

var (
	bingSelBCaptcha             = cascadia.MustCompile("#b_captcha, .b_captcha, form[action*='/challenge/verify'], #turingCaptcha, div.captcha_header")
	bingSelBResults             = cascadia.MustCompile("#b_results")
	bingSelLiBAlgo              = cascadia.MustCompile("li.b_algo")
	bingSelLiBAlgo2             = cascadia.MustCompile("li.b_algo, li.b_ans, li.b_ad")
	bingSelLegacyResults        = cascadia.MustCompile("#results")
	bingSelLegacyItem           = cascadia.MustCompile("ul.sb_results > li:not(.sb_ans)")
	bingSelLegacyTitleA         = cascadia.MustCompile(".sb_tlst h3 a, h3 a")
	bingSelLegacyDeepA          = cascadia.MustCompile("ul.sp_pss li > a")
	bingSelBTitleA              = cascadia.MustCompile(".b_title a, .b_algoheader a")
	bingSelCite                 = cascadia.MustCompile("cite")
	bingSelH2A                  = cascadia.MustCompile("h2 a")
	bingSelLiBAns               = cascadia.MustCompile("#b_results > li.b_ans")
	bingSelNewsAnswerCard       = cascadia.MustCompile(".nws_cwrp")
	bingSelNaT                  = cascadia.MustCompile(".na_t")
	bingSelNaFooterName         = cascadia.MustCompile(".na_footer_name")
	bingSelSecondaryText        = cascadia.MustCompile(".b_secondaryText")
	bingSelVListH5A             = cascadia.MustCompile(".b_vList li h5 a")
	bingSelBDeepH3A             = cascadia.MustCompile(".b_deep h3 a, .deeplink_title a, .b_vList h3 a, .b_deep li > a")
	bingSelLi                   = cascadia.MustCompile("li")
	bingSelP                    = cascadia.MustCompile("p")
	bingSelLiBAd                = cascadia.MustCompile("li.b_ad")
	bingSelUlLi                 = cascadia.MustCompile("ul > li")
	bingSelH2A2                 = cascadia.MustCompile("h2 a, .b_adTitle a, a.b_adTitle")
	bingSelBCaptionP            = cascadia.MustCompile(".b_caption p")
	bingSelBRsA                 = cascadia.MustCompile(".b_rs a, .b_rrsr a, #brsv3 a, li.rrrs_itm a")
	bingSelSbCount              = cascadia.MustCompile(".sb_count")
	bingSelASbPagN              = cascadia.MustCompile("a.sb_pagN, a[title='Next page'], .b_pag a[aria-label='Next page']")
	bingSelLiBNo                = cascadia.MustCompile("li.b_no")
	bingSelBResultsBNo          = cascadia.MustCompile("#b_results .b_no, .b_no")
	bingSelDivCaptcha           = cascadia.MustCompile("div.captcha")
	bingSelH2                   = cascadia.MustCompile("h2")
	bingSelBDeep                = cascadia.MustCompile(".b_deep, .b_vList, .b_tpcn, .b_attribution, .b_algoRCAggreFC")
	bingSelBCaption             = cascadia.MustCompile(".b_caption")
	bingSelBDeep2               = cascadia.MustCompile(".b_deep, .b_vList, .b_tpcn, ul.sp_pss")
	bingSelSpanNewsDt           = cascadia.MustCompile("span.news_dt")
	bingSelBResultsLiBAnsBTop   = cascadia.MustCompile("#b_results > li.b_ans.b_top, #b_results > li.b_ans:first-child")
	bingSelBFocusTextLarge      = cascadia.MustCompile(".b_focusTextLarge, .b_focusTextMedium, .b_focusTextSmall")
	bingSelBRs                  = cascadia.MustCompile(".b_rs")
	bingSelH2A3                 = cascadia.MustCompile("h2 a, .b_algoheader a, cite a")
	bingSelBSuggestionText      = cascadia.MustCompile(".b_suggestionText")
	bingSelSpanAlgoSlugIcon     = cascadia.MustCompile("span.algoSlug_icon, .b_attribution, a.b_algoReadMore")
	bingSelTranslateLink        = cascadia.MustCompile("a[href*='microsofttranslator.com']")
	bingSelSnippetSkip          = cascadia.MustCompile("span.algoSlug_icon, .b_attribution, a.b_algoReadMore, a[href*='microsofttranslator.com']")
	bingSelAttribution          = cascadia.MustCompile(".b_attribution")
	bingSelBFocusTextLarge2     = cascadia.MustCompile(".b_focusTextLarge")
	bingSelBFocusTextMedium     = cascadia.MustCompile(".b_focusTextMedium")
	bingSelBFocusTextSmall      = cascadia.MustCompile(".b_focusTextSmall")
	bingSelBFocusTextExtraSmall = cascadia.MustCompile(".b_focusTextExtraSmall")
	bingSelRwrl                 = cascadia.MustCompile(".rwrl")
	bingSelBParactl             = cascadia.MustCompile(".b_paractl")
	bingSelBAlgoSlug            = cascadia.MustCompile(".b_algoSlug")
)
