package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// duckduckgo is html.duckduckgo.com/html/, the JavaScript-free endpoint the engine asks.
//
// Its news and images are duckduckgo.com's: the search page (/) carries the vqd token the JSON
// endpoints (/news.js, /i.js) want with the same query, and they answer 403 without it.
var duckduckgo = &engine{
	name: "duckduckgo",
	// "/{$}" is the search page alone, not every path below it.
	paths: []string{"/html/", "/html", "/{$}", "/news.js", "/i.js"},
	query: "q",
	verticals: map[string]vertical{
		"/":        {results: func(p *serp) string { return ddgTokenPage(p.q) }, empty: ddgTokenPage},
		"/news.js": {results: ddgNews, empty: ddgVerticalEmpty, window: ddgVerticalWindow, refuse: ddgWrongToken},
		"/i.js":    {results: ddgImages, empty: ddgVerticalEmpty, window: ddgVerticalWindow, refuse: ddgWrongToken},
	},
	// Salt 0 keeps the hosts ResultsPage served before the other engines came.
	salt: 0,
	window: func(f url.Values, perPage int) (int, int) {
		// The inverse of the engine's offsets (DDGOffset): page 1 at 0, page 2 at 10, then
		// every 15. The simulator serves perPage results on every page all the same.
		page := 1
		if s := atoi(f.Get("s"), 0); s >= 10 {
			page = (s-10)/15 + 2
		}
		size := clampSize(perPage)
		return (page - 1) * size, size
	},
	results: ddgResults,
	empty:   ddgEmpty,
	captcha: ddgCaptcha,
	title:   func(q string) string { return q + " at DuckDuckGo" },
}

// ResultsPage renders one html.duckduckgo.com page: page is 1-based, perPage results on it,
// pages of them in all. A query containing "noresults" yields the engine's no-results page,
// one containing "newlayout" a page in a layout no parser knows.
func ResultsPage(q string, page, perPage, pages int) []byte {
	perPage = clampSize(perPage)
	return []byte(duckduckgo.page(q, (max(page, 1)-1)*perPage, perPage, perPage*pages))
}

// adTarget is where an engine's ad leads: the advertiser's own page, never an organic host.
func adTarget(engine, q string) string {
	return "https://shop.example.com/" + engine + "?q=" + url.QueryEscape(q)
}

// bingAdClick wraps an advertiser's URL the way Bing's ad click does (DuckDuckGo's ads are
// Bing's): /aclick?ld=…&u=<base64 of the escaped target>.
func bingAdClick(target string, seed uint64) string {
	return "https://www.bing.com/aclick?ld=e8" + strconv.FormatUint(seed%0xffffffff, 16) +
		"&u=" + base64.RawStdEncoding.EncodeToString([]byte(url.QueryEscape(target))) + "&rlid=" + strconv.FormatUint(seed, 16)
}

func ddgHead(eq string) string {
	return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">` +
		`<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="content-type" content="text/html; charset=UTF-8" />` +
		`<meta name="referrer" content="origin" /><title>` + eq + ` at DuckDuckGo</title></head><body>` +
		`<div class="header_wrap" id="header_wrapper"><form name="x" class="header__form" action="/html/" method="post" id="search_form">` +
		`<input name="q" autocomplete="off" class="search__input" id="search_form_input_homepage" type="text" value="` + eq + `" />` +
		`<input name="b" id="search_button_homepage" class="search__button search__button--html" value="" title="Search" alt="Search" type="submit" />` +
		`<input name="kl" value="wt-wt" type="hidden" /><input name="df" value="" type="hidden" /></form></div>`
}

func ddgResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(ddgHead(eq))
	b.WriteString(`<div><div class="serp__results"><div id="links" class="results">`)
	if p.first() {
		// One ad on the first page, as the real engine shows, which must not count as organic.
		// Its link goes through y.js, carrying Bing's ad click in u3.
		click := "https://duckduckgo.com/y.js?ad_domain=shop.example.com&ad_provider=bingv7aa&ad_type=txad&rut=" +
			strconv.FormatUint(p.seed%100000, 16) + "&u3=" + url.QueryEscape(bingAdClick(adTarget("duckduckgo", p.q), p.seed)) + "&vqd=4-1"
		fmt.Fprintf(&b, `<div class="result results_links results_links_deep result--ad  result--ad--small"><div class="links_main links_deep result__body">`+
			`<h2 class="result__title"><a rel="nofollow" class="result__a" href="%s">Buy %s - Example Shop</a></h2>`+
			`<div class="result__extras"><div class="result__extras__url"><a class="result__url" href="%s">shop.example.com</a>`+
			`<span class="badge--ad">Ad</span><a class="badge--ad__tooltip" href="https://duckduckgo.com/duckduckgo-help-pages/company/ads-by-microsoft-on-duckduckgo-private-search">Viewing ads is privacy protected by DuckDuckGo.</a></div></div>`+
			`<a class="result__snippet" href="%s">An advertisement for %s.</a></div></div>`,
			esc(click), eq, esc(click), esc(click), eq)
		// The zero-click answer above the ranked list, as the html endpoint renders it.
		wiki := "https://en.wikipedia.org/wiki/" + url.PathEscape(strings.ReplaceAll(displayQuery(p.q), " ", "_"))
		fmt.Fprintf(&b, `<div class="zci-wrapper"><div class="zci"><h1 class="zci__heading"><a rel="nofollow" href="%s">%s</a></h1>`+
			`<div class="zci__result" id="zero_click_abstract">%s is what this simulated engine answers directly. `+
			`<a rel="nofollow" href="%s">More at Wikipedia</a></div></div></div>`,
			esc(wiki), esc(displayQuery(p.q)), esc(displayQuery(p.q)), esc(wiki))
	}
	for _, r := range p.results {
		w := p.word(r)
		link := "//duckduckgo.com/l/?uddg=" + url.QueryEscape(r.URL) + "&amp;rut=" + strconv.FormatUint(p.seed%100000, 16)
		fmt.Fprintf(&b, `<div class="result results_links results_links_deep web-result "><div class="links_main links_deep result__body">`+
			`<h2 class="result__title"><a rel="nofollow" class="result__a" href="%s">%s</a></h2>`+
			`<div class="result__extras"><div class="result__extras__url"><a class="result__url" href="%s">%s/%s/%d</a></div></div>`+
			`<a class="result__snippet" href="%s">The %s about <b>%s</b>, result %d of this simulated engine.</a>`+
			`<div class="clear"></div></div></div>`,
			link, esc(r.Title), link, host(r), w, r.Rank, link, w, eq, r.Rank)
	}
	if p.hasNext() {
		// The html endpoint pages with a form; the engine's Request sends the same s and dc.
		next := 10 + (p.pageNo()-1)*15
		fmt.Fprintf(&b, `<div class="nav-link"><form action="/html/" method="post"><input type="submit" class="btn btn--alt" value="Next" />`+
			`<input type="hidden" name="q" value="%s" /><input type="hidden" name="s" value="%d" /><input type="hidden" name="dc" value="%d" /></form></div>`,
			eq, next, next+1)
	}
	b.WriteString(`</div></div></div></body></html>`)
	return b.String()
}

func ddgEmpty(q string) string {
	return ddgHead(esc(q)) + `<div><div class="serp__results"><div id="links" class="results">` +
		`<div class="result results_links results_links_deep result--no-result"><div class="no-results">No  results.</div></div>` +
		`</div></div></div></body></html>`
}

// ddgCaptcha is the html endpoint's anomaly (bot challenge) page.
const ddgCaptcha = `<!DOCTYPE html><html><head><title>DuckDuckGo</title></head><body>
<div class="anomaly-modal__mask"><div class="anomaly-modal__modal" data-testid="anomaly-modal"><div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div>
<div class="anomaly-modal__description">Please complete the following challenge to confirm this search was made by a human.</div>
<form id="challenge-form" action="//duckduckgo.com/anomaly.js?sv=html&amp;cc=sre" method="POST"><input type="hidden" name="challenge" value="sim" />
<div class="anomaly-modal__images"><div class="anomaly-modal__image"><img src="/assets/anomaly/images/challenge/1.jpg" /></div></div>
<button class="anomaly-modal__submit" type="submit">Submit</button></form></div></div></body></html>`

// ddgVQD is the token the simulated search page hands out for q: the same for every request
// of q, different for another query, so a token taken from the wrong page is refused.
func ddgVQD(q string) string { return "4-" + strconv.FormatUint(querySeed(q), 10) }

// ddgTokenPage is duckduckgo.com's search page as a client without JavaScript gets it: the
// shell whose inline script carries vqd="…".
func ddgTokenPage(q string) string {
	return `<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>` + esc(q) + ` at DuckDuckGo</title>` +
		`<script type="text/javascript">DDG.page = new DDG.Pages.SERP({showSearchTerm: true});vqd="` + ddgVQD(q) + `";` +
		`DDG.deep.initialize('/d.js?q=` + url.QueryEscape(q) + `&t=D&l=wt-wt&s=0&vqd=` + ddgVQD(q) + `');</script></head>` +
		`<body class="body--serp"><div id="react-layout"></div></body></html>`
}

// ddgWrongToken: the JSON endpoints refuse a request whose vqd is not the query's.
func ddgWrongToken(f url.Values) bool { return f.Get("vqd") != ddgVQD(f.Get("q")) }

// ddgVerticalWindow reads the JSON endpoints' offset (s); a page holds 100.
func ddgVerticalWindow(f url.Values, _ int) (int, int) { return max(0, atoi(f.Get("s"), 0)), 100 }

func ddgVerticalEmpty(q string) string {
	return `{"ads":null,"next":"","query":` + jsonString(q) + `,"results":[]}`
}

// ddgVerticalReply is news.js's and i.js's envelope: next is the following page's request
// while there is one.
func ddgVerticalReply(p *serp, path string, results any) string {
	reply := struct {
		Ads     any    `json:"ads"`
		Next    string `json:"next"`
		Query   string `json:"query"`
		Results any    `json:"results"`
	}{Query: p.q, Results: results}
	if p.hasNext() {
		reply.Next = fmt.Sprintf("%s?l=wt-wt&o=json&q=%s&s=%d&vqd=%s", path, url.QueryEscape(p.q), p.offset+p.size, ddgVQD(p.q))
	}
	b, _ := json.Marshal(reply)
	return string(b)
}

// ddgNews is news.js's reply: date in Unix seconds, the age as relative_time, the excerpt
// with <b> highlights.
func ddgNews(p *serp) string {
	type item struct {
		Date         int64  `json:"date"`
		Excerpt      string `json:"excerpt"`
		Image        string `json:"image"`
		RelativeTime string `json:"relative_time"`
		Source       string `json:"source"`
		Title        string `json:"title"`
		URL          string `json:"url"`
	}
	items := make([]item, 0, len(p.results))
	for i, r := range p.results {
		items = append(items, item{Date: 1_735_689_600 - int64(r.Rank)*3600,
			Excerpt:      fmt.Sprintf("The %s story about <b>%s</b>, article %d of this simulated engine.", p.word(r), esc(p.q), r.Rank),
			Image:        imageOf(r),
			RelativeTime: fmt.Sprintf("%d hours ago", i+1),
			Source:       host(r) + " News", Title: r.Title, URL: r.URL})
	}
	return ddgVerticalReply(p, "news.js", items)
}

// ddgImages is i.js's reply: the page in url, the image in image, its size, the provider
// (always Bing) in source.
func ddgImages(p *serp) string {
	type item struct {
		Height    int    `json:"height"`
		Image     string `json:"image"`
		Source    string `json:"source"`
		Thumbnail string `json:"thumbnail"`
		Title     string `json:"title"`
		URL       string `json:"url"`
		Width     int    `json:"width"`
	}
	items := make([]item, 0, len(p.results))
	for _, r := range p.results {
		items = append(items, item{Height: imageHeight(r), Image: imageOf(r), Source: "Bing",
			Thumbnail: fmt.Sprintf("https://tse1.mm.bing.net/th?id=OIP.sim%d&pid=Api", r.Rank),
			Title:     r.Title, URL: r.URL, Width: imageWidth(r)})
	}
	return ddgVerticalReply(p, "i.js", items)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
