package sim

import (
	"fmt"
	"net/url"
	"strings"
)

// startpage is www.startpage.com/sp/search in its 2025 server-rendered layout (as the
// captures in engines/testdata/startpage): a video carousel above the web results on the
// first page (never organic), div.w-gl of div.result items (a.result-title wrapping
// h2.wgl-title, p.description, the URL line in a.wgl-display-url), an empty ad slot filled
// by script, and the pager as a row of forms, one per page. page is 1-based; a page holds 10.
var startpage = &engine{
	name:  "startpage",
	paths: []string{"/sp/search"},
	query: "query",
	salt:  12,
	window: func(f url.Values, _ int) (int, int) {
		return max(0, atoi(f.Get("page"), 1)-1) * 10, 10
	},
	pageSize: 10,
	results:  startpageResults,
	empty:    startpageEmpty,
	captcha: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Startpage</title></head><body><main>` +
		`<h1>Are you a human?</h1><p>To prevent possible abuse of our service, please complete the challenge below.</p>` +
		`<form action="/sp/captcha" method="post"><div class="captcha-container"></div></form></main></body></html>`,
	title: func(string) string { return "Startpage Search Results" },
}

func startpageHead(eq string) string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Startpage Search Results</title></head><body>` +
		`<form id="search" action="/sp/search" method="post"><input type="text" name="query" value="` + eq + `"><input type="hidden" name="cat" value="web"></form>` +
		`<main><section id="main">`
}

func startpageResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(startpageHead(eq))
	if p.first() {
		fmt.Fprintf(&b, `<div class="vid-carousel css-1x"><a href="https://www.youtube.com/watch?v=%d"><h3>%s explained</h3></a><span class="css-1a2afmv">Watch on youtube.com</span></div>`,
			p.seed%100000, eq)
	}
	b.WriteString(`<div class="w-gl css-1og29rd"><span class="w-gl-attribution">Web results</span>`)
	for _, r := range p.results {
		u := esc(r.URL)
		fmt.Fprintf(&b, `<div class="result css-o7i03b"><div class="upper"><a href="%s" class="favicon-link" aria-label="%s"><img src="" alt="favicon"></a>`+
			`<div class="wgl-title-link-container"><a href="%s" class="wgl-site-title"><span class="link-text">%s</span></a>`+
			`<a href="%s" class="wgl-display-url"><span class="link-text default-link-text">%s</span></a></div></div>`+
			`<a class="result-title result-link css-1bggj8v" href="%s" data-testid="gl-title-link"><h2 class="wgl-title">%s</h2></a>`+
			`<p class="description css-1507v2l">The %s about <b>%s</b>, result %d of this simulated engine.</p>`+
			`<div class="anonymous-view-link"><a href="https://us2-browse.startpage.com/av/proxy?ep=%d" aria-label="Visit in Anonymous View">Anonymous View</a></div></div>`,
			u, u, u, host(r), u, u, u, esc(r.Title), p.word(r), eq, r.Rank, r.Rank)
	}
	b.WriteString(`</div></section></main><div class="a-bg-result bannerad"></div>`)
	b.WriteString(`<div class="pagination-container"><div class="pagination" role="navigation" aria-label="more search results">`)
	form := func(n int, label string) {
		fmt.Fprintf(&b, `<form action="/sp/search" method="post" aria-label="%s"><input type="hidden" name="query" value="%s"><input type="hidden" name="page" value="%d"><button type="submit" data-testid="pagination-button">%d</button></form>`,
			label, eq, n, n)
	}
	cur := p.pageNo()
	if cur > 1 {
		form(cur-1, fmt.Sprintf("go to page %d", cur-1))
	}
	form(cur, fmt.Sprintf("current page %d", cur))
	if p.hasNext() {
		form(cur+1, fmt.Sprintf("go to page %d", cur+1))
	}
	b.WriteString(`</div></div></body></html>`)
	return b.String()
}

func startpageEmpty(q string) string {
	eq := esc(q)
	return startpageHead(eq) + `<div class="no-results-message"><h2>No results found for <b>` + eq + `</b></h2>` +
		`<p>Your search did not match any documents.</p></div></section></main></body></html>`
}
