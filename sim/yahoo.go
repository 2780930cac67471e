package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// yahoo is search.yahoo.com/search (2020-2025 layout): ol.searchCenterTopAds with the ad,
// ol.searchCenterMiddle of div.algo results (the title link in div.compTitle > h3 with the
// URL line inside it and the title in aria-label, the description in div.compText), the
// "Also try" table and the pagination with the result count. Every link goes through
// Yahoo's click redirect, r.search.yahoo.com/…/RU=<escaped target>/RK=…
var yahoo = &engine{
	name:    "yahoo",
	paths:   []string{"/search"},
	query:   "p",
	salt:    7,
	window:  offsetWindow("b", "pz", 1),
	results: yahooResults,
	empty:   yahooEmpty,
	captcha: yahooCaptcha,
	title:   func(q string) string { return q + " - Yahoo Search Results" },
}

// yahooClick wraps a target in Yahoo's click redirect.
func yahooClick(target string, seed uint64, n int) string {
	return fmt.Sprintf("https://r.search.yahoo.com/_ylt=Awr%x;_ylu=Y29sbwM-/RV=2/RE=1700000000/RO=10/RU=%s/RK=2/RS=%04x-",
		seed%1e6, url.QueryEscape(target), n)
}

func yahooHead(eq string) string {
	return `<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>` + eq + ` - Yahoo Search Results</title></head><body>` +
		`<form action="/search" role="search"><input name="p" type="text" value="` + eq + `"></form>` +
		`<div id="results"><div id="cols"><div id="left"><div id="main"><div id="web">`
}

func yahooResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(yahooHead(eq))
	if p.first() {
		target := adTarget("yahoo", p.q)
		fmt.Fprintf(&b, `<ol class="searchCenterTopAds"><li><div class="dd ads"><div class="compTitle"><h3 class="title"><a href="%s" aria-label="Buy %s - Example Shop"><span class="d-ib">shop.example.com</span>Buy %s - Example Shop</a></h3>`+
			`<div><span class="fz-ms">www.shop.example.com</span></div></div><div class="compText"><p>An advertisement for <b>%s</b>.</p></div></div></li></ol>`,
			esc(strings.Replace(yahooClick(target, p.seed, 0), "/_ylt=", "/cbclk2/", 1)), eq, eq, eq)
	}
	b.WriteString(`<ol class=" reg searchCenterMiddle">`)
	for _, r := range p.results {
		w, h := p.word(r), host(r)
		fmt.Fprintf(&b, `<li><div class="dd algo algo-sr Sr"><div class="compTitle options-toggle"><h3 class="title"><a class="d-ib fz-20 lh-26 td-hu tc va-bot mxw-100p" href="%s" referrerpolicy="origin" target="_blank" aria-label="%s">`+
			`<span class=" d-ib p-abs t-0 l-0 fz-14 lh-20 fc-obsidian wr-bw ls-n pb-4">%s<span class="fc-pewter"> › %s › %d</span></span>%s</a></h3>`+
			`<div><span class=" fz-ms fw-m fc-12th wr-bw lh-17">%s/%s/%d</span></div></div>`+
			`<div class="compText aAbs"><p class="fz-ms lh-1_43x"><span class=" fc-falcon">The %s about <b>%s</b>, result %d of this simulated engine.</span></p></div></div></li>`,
			esc(yahooClick(r.URL, p.seed, r.Rank)), esc(r.Title), h, w, r.Rank, esc(r.Title), h, w, r.Rank, w, eq, r.Rank)
	}
	b.WriteString(`</ol><ol class="searchCenterFooter"><li><div class="dd AlsoTry"><div class="compTitle"><span>Also try</span></div><table class="compTable"><tbody><tr>`)
	for _, rq := range p.related() {
		fmt.Fprintf(&b, `<td><a href="%s">%s <b>%s</b></a></td>`,
			esc("https://search.yahoo.com/search;_ylt=AwrE5?p="+url.QueryEscape(rq)+"&fr2=rs-bottom"), esc(displayQuery(p.q)), esc(suffix(rq, p.q)))
	}
	b.WriteString(`</tr></tbody></table></div></li></ol><div class="compPagination">`)
	page := func(n int) string {
		return esc("https://search.yahoo.com/search?p=" + url.QueryEscape(p.q) + "&b=" + strconv.Itoa((n-1)*p.size+1) + "&pz=" + strconv.Itoa(p.size))
	}
	if p.pageNo() > 1 {
		fmt.Fprintf(&b, `<a class="prev" href="%s">Previous</a>`, page(p.pageNo()-1))
	}
	fmt.Fprintf(&b, `<strong>%d</strong>`, p.pageNo())
	if p.hasNext() {
		fmt.Fprintf(&b, `<a href="%s">%d</a><a class="next" href="%s">Next</a>`, page(p.pageNo()+1), p.pageNo()+1, page(p.pageNo()+1))
	}
	fmt.Fprintf(&b, `<span>About %s search results</span></div></div></div></div></div></div></body></html>`, commas(p.hits()))
	return b.String()
}

func yahooEmpty(q string) string {
	eq := esc(q)
	return yahooHead(eq) + `<ol class=" reg searchCenterMiddle"><li class="first last"><div class="dd zrp"><div class="compText"><p>We did not find results for: <b>` + eq +
		`</b>. Check spelling or type a new query.</p></div></div></li></ol></div></div></div></div></div></body></html>`
}

// yahooCaptcha is the consent interstitial Yahoo serves in the EU instead of results.
const yahooCaptcha = `<!DOCTYPE html><html lang="en"><head><title>Yahoo is part of the Yahoo family of brands</title></head><body>` +
	`<div class="con-wizard"><form class="consent-form" method="post" action="https://consent.yahoo.com/v2/collectConsent?sessionId=3_cc-session_sim">` +
	`<h2>Yahoo is part of the Yahoo family of brands</h2><p>We and our partners use cookies.</p>` +
	`<button type="submit" name="agree" value="agree">Accept all</button><button type="submit" name="reject" value="reject">Reject all</button></form></div></body></html>`
