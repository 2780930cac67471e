package engines

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"

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
	if r.Num > 0 {
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
	return &Request{Method: "GET", URL: joinURL(base, "/search", q), Header: h}, nil
}

// bingAdTarget decodes an ad click (/aclick?…&u=<base64 of the escaped target>) so an ad's URL
// names the advertiser; the click link itself is the fallback.
func bingAdTarget(base, href string) (string, bool) {
	if u, err := url.Parse(strings.TrimSpace(href)); err == nil && strings.HasPrefix(u.Path, "/aclick") {
		enc := strings.TrimRight(u.Query().Get("u"), "=")
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
	doc, err := parseDoc(g.Name(), page)
	if err != nil {
		return nil, err
	}
	const base = "https://www.bing.com/"
	if doc.Find("#b_captcha, .b_captcha, form[action*='/challenge/verify'], #turingCaptcha, div.captcha_header").Length() > 0 ||
		containsAny(page, "/turing/captcha/", "/challenge/verify?", "captcha.turing") {
		return nil, Blocked(g.Name(), "CAPTCHA (turing challenge) page")
	}
	results := doc.Find("#b_results")
	b := newBuilder()
	results.Find("li.b_algo").Each(func(_ int, s *goquery.Selection) {
		// A b_algo nested inside another block (news or video carousels) is a module item.
		if s.ParentsFiltered("li.b_algo, li.b_ans, li.b_ad").Length() > 0 {
			return
		}
		a := s.Find("h2 a").First()
		if a.Length() == 0 {
			a = s.Find(".b_title a, .b_algoheader a").First()
		}
		href, ok := bingTarget(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		res := schemas.OrganicResult{Title: bingTitle(s, a), URL: href,
			DisplayedURL: text(s.Find("cite").First())}
		res.Snippet, res.Date = bingSnippet(s)
		s.Find(".b_deep h3 a, .deeplink_title a, .b_vList h3 a, .b_deep li > a").Each(func(_ int, l *goquery.Selection) {
			u, ok := bingTarget(base, l.AttrOr("href", ""))
			if !ok {
				return
			}
			li := l.Closest("li")
			if sl, ok := sitelink(text(l), u, text(li.Find("p").First())); ok {
				res.Sitelinks = append(res.Sitelinks, sl)
			}
		})
		b.organic(res)
	})

	doc.Find("li.b_ad").Each(func(_ int, blk *goquery.Selection) {
		block := "top"
		if blk.HasClass("b_adBottom") {
			block = "bottom"
		}
		items := blk.Find("ul > li")
		if items.Length() == 0 {
			items = blk
		}
		items.Each(func(_ int, s *goquery.Selection) {
			a := s.Find("h2 a, .b_adTitle a, a.b_adTitle").First()
			href, ok := bingAdTarget(base, a.AttrOr("href", ""))
			if !ok {
				return
			}
			var snip strings.Builder
			s.Find(".b_caption p").Each(func(_ int, p *goquery.Selection) { snip.WriteString(text(p)) })
			b.ad(schemas.Ad{Block: block, Title: text(a), URL: href,
				DisplayedURL: text(s.Find("cite").First()), Snippet: snip.String()})
		})
	})

	doc.Find(".b_rs a, .b_rrsr a, #brsv3 a").Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "q")
		if q == "" || !strings.Contains(href, "bing.") {
			q = firstText(a, ".b_suggestionText")
			if q == "" {
				q = text(a)
			}
		}
		b.relatedSearch(q, href)
	})
	if n, ok := parseCount(text(doc.Find(".sb_count").First())); ok {
		b.serp.TotalResults = n
	}
	b.serp.HasNext = doc.Find("a.sb_pagN, a[title='Next page'], .b_pag a[aria-label='Next page']").Length() > 0
	b.serp.AnswerBox = bingAnswer(doc)

	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	if results.Find("li.b_no").Length() > 0 || doc.Find("#b_results .b_no, .b_no").Length() > 0 {
		return b.serp, nil
	}
	// Text markers (openserp bing/selectors.go) only decide a page with no results at all,
	// where a snippet quoting them cannot be the reason.
	low := bytes.ToLower(page)
	if doc.Find("div.captcha").Length() > 0 || containsAny(low, "verify that you are not a robot", "enter the characters you see") {
		return nil, Blocked(g.Name(), "CAPTCHA page")
	}
	if results.Length() > 0 && containsAny(low, "there are no results for", "no results found for") {
		return b.serp, nil
	}
	return nil, Unrecognised(g.Name(), "no li.b_algo results and no li.b_no marker")
}

// bingTitle is the title link's text; Bing sometimes renders the link empty with the
// label in aria-label or on the h2 (openserp's fallbacks).
func bingTitle(s, a *goquery.Selection) string {
	if t := text(a); t != "" {
		return t
	}
	if t := clean(a.AttrOr("aria-label", a.AttrOr("title", ""))); t != "" {
		return t
	}
	return text(s.Find("h2").First())
}

// bingSnippetSel lists where a result's caption sits, newest layouts first: the clamped
// paragraph of the caption, the "slug" paragraph, rich-card paragraphs.
const bingSnippetSel = ".b_caption p, p.b_lineclamp1, p.b_lineclamp2, p.b_lineclamp3, p.b_lineclamp4, p.b_paractl, .b_algoSlug, .b_snippet"

// bingSnippet reads a result's description with its leading date, as the page shows it
// ("Jan 5, 2024 · text": the separator is normalised, captures often drop the NBSP
// before it), and the date on its own.
func bingSnippet(s *goquery.Selection) (snippet, date string) {
	var cap *goquery.Selection
	s.Find(bingSnippetSel).EachWithBreak(func(_ int, p *goquery.Selection) bool {
		if p.ParentsFiltered(".b_deep, .b_vList, .b_tpcn, .b_attribution, .b_algoRCAggreFC").Length() > 0 || text(p) == "" {
			return true
		}
		cap = p
		return false
	})
	if cap == nil {
		cap = s.Find(".b_caption").First()
	}
	if cap.Length() == 0 {
		// No caption block: any paragraph outside the sitelinks (searxng reads every p).
		s.Find("p").EachWithBreak(func(_ int, p *goquery.Selection) bool {
			if p.ParentsFiltered(".b_deep, .b_vList, .b_tpcn").Length() > 0 || text(p) == "" {
				return true
			}
			cap = p
			return false
		})
	}
	if cap == nil || cap.Length() == 0 {
		return "", ""
	}
	snippet = ownText(cap, "span.algoSlug_icon, .b_attribution")
	date = text(cap.Find("span.news_dt").First())
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
	top := doc.Find("#b_results > li.b_ans.b_top, #b_results > li.b_ans:first-child").First()
	if top.Length() == 0 {
		top = doc.Find(".b_focusTextLarge, .b_focusTextMedium, .b_focusTextSmall").First().Closest("li")
	}
	if top.Length() == 0 || top.Find(".b_rs").Length() > 0 {
		return nil
	}
	ab := &schemas.AnswerBox{Type: "featured_snippet"}
	ab.Answer = firstText(top, ".b_focusTextLarge", ".b_focusTextMedium", ".b_focusTextSmall", ".b_focusTextExtraSmall")
	if ab.Answer != "" {
		ab.Type = "answer"
	}
	ab.Snippet = firstText(top, ".rwrl", ".b_paractl", ".b_caption p", ".b_algoSlug", "p")
	a := top.Find("h2 a, .b_algoheader a, cite a").First()
	ab.Title = text(a)
	if u, ok := bingTarget("https://www.bing.com/", a.AttrOr("href", "")); ok {
		ab.URL = u
	}
	if ab.Answer == "" && ab.Snippet == "" {
		return nil
	}
	return ab
}
