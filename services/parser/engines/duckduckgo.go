package engines

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/trawl-dev/trawl/schemas"
)

// DuckDuckGo reads html.duckduckgo.com, the JavaScript-free layout.
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
// first page holds 10 results, later pages continue from there), dc the 1-based index of the
// first result; kp is safe search (1 strict, -1 moderate, -2 off).
func (DuckDuckGo) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("q", r.Q)
	if r.Page > 1 {
		off := (r.Page - 1) * 10
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
	h := browserHeaders(r.HL)
	h.Set("Referer", base.Scheme+"://"+base.Host+"/")
	return &Request{Method: "GET", URL: joinURL(base, "/html/", q), Header: h}, nil
}

// ddgTarget decodes DuckDuckGo's redirect (//duckduckgo.com/l/?uddg=<target>&rut=…) to the
// result's own URL; any other link is returned absolute.
func ddgTarget(href string) (string, bool) {
	if strings.HasPrefix(href, "//") {
		href = "https:" + href
	}
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	if strings.HasSuffix(u.Host, "duckduckgo.com") && strings.HasPrefix(u.Path, "/l/") {
		if t := u.Query().Get("uddg"); t != "" {
			return absURL("", t)
		}
	}
	return absURL("https://duckduckgo.com/", href)
}

func (d DuckDuckGo) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return nil, Unrecognised(d.Name(), "unreadable HTML: "+err.Error())
	}
	if doc.Find("form#challenge-form, .anomaly-modal__title, #anomaly-modal").Length() > 0 ||
		bytes.Contains(page, []byte("anomaly.js")) {
		return nil, Blocked(d.Name(), "anomaly (bot challenge) page")
	}
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	doc.Find("#links .result, .results .result").Each(func(_ int, s *goquery.Selection) {
		if s.HasClass("result--no-result") {
			return
		}
		a := s.Find("a.result__a").First()
		title := text(a)
		href, ok := ddgTarget(a.AttrOr("href", ""))
		if title == "" || !ok {
			return
		}
		if s.HasClass("result--ad") || s.Find(".badge--ad").Length() > 0 {
			serp.Ads = append(serp.Ads, schemas.Ad{
				Position: len(serp.Ads) + 1, Block: "top", Title: title, URL: href,
				DisplayedURL: text(s.Find(".result__url").First()),
				Snippet:      text(s.Find(".result__snippet").First()),
			})
			return
		}
		serp.OrganicResults = append(serp.OrganicResults, schemas.OrganicResult{
			Position:     len(serp.OrganicResults) + 1,
			Title:        title,
			URL:          href,
			DisplayedURL: text(s.Find(".result__url").First()),
			Snippet:      text(s.Find(".result__snippet").First()),
		})
	})
	if zci := doc.Find(".zci-wrapper .zci, .zci__body").First(); zci.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "instant_answer", Title: text(doc.Find(".zci__heading").First()), Snippet: text(doc.Find(".zci__result").First())}
		if href, ok := ddgTarget(doc.Find(".zci__heading a, .zci__more-at a").First().AttrOr("href", "")); ok {
			ab.URL = href
		}
		if ab.Title != "" || ab.Snippet != "" {
			serp.AnswerBox = ab
		}
	}
	doc.Find(".nav-link form input[type=submit]").Each(func(_ int, s *goquery.Selection) {
		if strings.EqualFold(s.AttrOr("value", ""), "next") {
			serp.HasNext = true
		}
	})
	if len(serp.OrganicResults) == 0 {
		if doc.Find(".no-results, .result--no-result").Length() > 0 {
			return serp, nil
		}
		return nil, Unrecognised(d.Name(), "no results and no no-results marker")
	}
	return serp, nil
}
