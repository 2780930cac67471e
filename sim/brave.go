package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// brave is search.brave.com/search (2024-2025 Svelte layout): div#results of div.snippet
// blocks, the ranked ones with data-type="web" and data-pos, a news cluster (data-type="news")
// among them on the first page; the title link wraps the site line (cite) and div.title, the
// description is .generic-snippet .content. Brave shows no ads, related searches or result
// count on the page; links are the targets themselves; offset is the 0-based page of 20.
var brave = &engine{
	name:  "brave",
	paths: []string{"/search", "/news", "/images"},
	query: "q",
	salt:  8,
	verticals: map[string]vertical{
		"/news":   {results: braveNews, empty: braveEmpty},
		"/images": {results: braveImages, empty: braveEmpty},
	},
	window: func(f url.Values, _ int) (int, int) { return pageWindow("offset", "")(f, 20) },
	// Brave takes no page size: a page is 20 results (engines.Brave numbers by it).
	pageSize: 20,
	results:  braveResults,
	empty:    braveEmpty,
	captcha:  braveCaptcha,
	title:    func(q string) string { return q + " - Brave Search" },
}

func braveHead(eq string) string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + eq + ` - Brave Search</title></head><body>` +
		`<form action="/search" role="search"><input name="q" type="search" value="` + eq + `"></form><main><div id="results" class="svelte-1p2wmey">`
}

func braveResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(braveHead(eq))
	for i, r := range p.results {
		if i == 1 && p.first() {
			fmt.Fprintf(&b, `<div class="snippet svelte-jmfu5f" data-pos="%d" data-type="news"><div class="news-cluster"><a href="%s"><div class="title">News about %s</div></a></div></div>`,
				i+1, esc("https://news.example.com/"+url.PathEscape(displayQuery(p.q))), eq)
		}
		w, h := p.word(r), host(r)
		fmt.Fprintf(&b, `<div class="snippet svelte-jmfu5f" data-pos="%d" data-type="web"><div class="result-wrapper svelte-jmfu5f"><div class="result-content svelte-jmfu5f">`+
			`<a href="%s" target="_self" class="svelte-7ipt5e l1"><div class="site-name-wrapper svelte-7ipt5e"><div class="site-wrapper"><div class="site-name-content">`+
			`<div class="desktop-small-semibold t-primary">%s</div><cite class="snippet-url svelte-7ipt5e">%s › %s › %d</cite></div></div></div>`+
			`<div class="title search-snippet-title line-clamp-1 svelte-7ipt5e" title="%s">%s</div></a>`+
			`<div class="generic-snippet svelte-1cwdgg3"><div class="content desktop-default-regular t-primary line-clamp-dynamic svelte-1cwdgg3">The %s about <strong>%s</strong>, result %d of this simulated engine.</div></div>`+
			`</div></div></div>`,
			r.Rank, esc(r.URL), h, h, w, r.Rank, esc(r.Title), esc(r.Title), w, eq, r.Rank)
	}
	b.WriteString(`</div><div class="pagination-wrapper">`)
	if p.pageNo() > 1 {
		fmt.Fprintf(&b, `<a class="button" role="button" href="%s" aria-label="Previous page">Previous</a>`,
			esc("/search?q="+url.QueryEscape(p.q)+"&offset="+strconv.Itoa(p.pageNo()-2)+"&source=web"))
	}
	if p.hasNext() {
		fmt.Fprintf(&b, `<a class="button" role="button" href="%s" aria-label="Next page">Next</a>`,
			esc("/search?q="+url.QueryEscape(p.q)+"&offset="+strconv.Itoa(p.pageNo())+"&source=web"))
	}
	b.WriteString(`</div></main></body></html>`)
	return b.String()
}

func braveEmpty(q string) string {
	return braveHead(esc(q)) + `<div class="empty-results"><h2>Not many great matches came back for your search: <strong>` + esc(q) +
		`</strong></h2><p>Try different keywords.</p></div></div></main></body></html>`
}

// braveCaptcha is the proof-of-work CAPTCHA page Brave serves to suspected bots.
const braveCaptcha = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Captcha - Brave Search</title></head><body><main>` +
	`<div class="captcha-container"><h1>Confirm you are a human</h1><form method="post" action="/search/captcha?q=sim"><button type="submit">I'm not a robot</button></form></div></main></body></html>`

// braveNews is search.brave.com/news (2026): the web page's shell with data-type="news" cards:
// a.l1 the article around the site line (publisher, then the age in .age-header) and
// .title (whole in its title attribute), .description the summary, a thumbnail; the pager as
// on web pages.
func braveNews(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(braveHead(eq))
	for i, r := range p.results {
		u := esc(r.URL)
		fmt.Fprintf(&b, `<div class="snippet svelte-jmfu5f" data-pos="%d" data-type="news"><div class="result-wrapper svelte-md19lk"><div class="result-content svelte-md19lk">`+
			`<a href="%s" target="_self" class="l1 svelte-md19lk"><div class="site-name-wrapper svelte-md19lk"><div class="site-name-content text-ellipsis svelte-md19lk">`+
			`<span class="desktop-small-semibold t-secondary">%s News</span> <span class="age-header svelte-md19lk"><span class="age-separator">•</span> <span class="desktop-small-regular t-tertiary">%d hours ago</span></span></div></div>`+
			`<div class="title svelte-md19lk" title="%s">%s</div></a>`+
			`<div class="generic-snippet svelte-md19lk"><div class="content svelte-md19lk"><div class="description desktop-default-regular t-primary svelte-md19lk">The %s story about %s, article %d of this simulated engine.</div></div>`+
			`<div class="snippet-thumbnail-wrapper svelte-md19lk"><a href="%s" class="thumbnail svelte-1yrspal general"><img src="https://imgs.search.brave.com/sim%d/rs:fit:200:200:1:0" alt="" width="112" height="112"></a></div></div></div></div></div>`,
			i, u, host(r), i+1, esc(r.Title), esc(r.Title), p.word(r), eq, r.Rank, u, r.Rank)
	}
	b.WriteString(`</div><div class="pagination-wrapper">`)
	if p.hasNext() {
		fmt.Fprintf(&b, `<a class="button" role="button" href="%s" aria-label="Next page">Next</a>`,
			esc("/news?q="+url.QueryEscape(p.q)+"&offset="+strconv.Itoa(p.pageNo())+"&source=web"))
	}
	b.WriteString(`</div></main></body></html>`)
	return b.String()
}

// braveImages is search.brave.com/images (2026): a grid of button.image-result showing
// thumbnail, title and site, and the results themselves (page, image, size) only in the
// SvelteKit data literal handed to kit.start (unquoted keys, void 0, escaped slashes).
func braveImages(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(braveHead(eq))
	b.WriteString(`<div class="images-layout"><div class="layout">`)
	for i, r := range p.results {
		fmt.Fprintf(&b, `<button class="image-result svelte-1qhxjcj" data-index="%d"><div class="image-wrapper"><img src="https://imgs.search.brave.com/sim%d" alt="%s"></div>`+
			`<div class="image-metadata"><span class="image-metadata-source">%s</span> <span class="image-metadata-title">%s</span></div></button>`,
			i, r.Rank, esc(r.Title), host(r), esc(r.Title))
	}
	b.WriteString(`</div></div></div></main><script>{ const element = document.currentScript.parentElement; Promise.all([]).then(([kit, app]) => { kit.start(app, element, { data: [{type:"data",data:{query:{original:`)
	b.WriteString(strconv.Quote(p.q))
	b.WriteString(`,localQueryType:void 0},results:[`)
	for i, r := range p.results {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{title:%s,url:%s,source:%q,thumbnail:{src:"https:\u002F\u002Fimgs.search.brave.com\u002Fsim%d",original:%s},properties:{url:%s,width:%d,height:%d},meta_url:void 0}`,
			strconv.Quote(r.Title), strconv.Quote(r.URL), host(r), r.Rank, strconv.Quote(imageOf(r)), strconv.Quote(imageOf(r)), imageWidth(r), imageHeight(r))
	}
	b.WriteString(`],type:"images"},uses:{}}] }); }); }</script></body></html>`)
	return b.String()
}
