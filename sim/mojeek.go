package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// mojeek is www.mojeek.com/search: ul.results-standard of li.rN items (URL line in
// a.ob > p.i, title in h2 > a.title, description in p.s), the result count and the
// pagination; s is the 1-based index of the first result. Mojeek shows no ads, answer or
// related searches here; its links are the targets themselves.
var mojeek = &engine{
	name:    "mojeek",
	paths:   []string{"/search"},
	query:   "q",
	salt:    11,
	window:  offsetWindow("s", "", 1),
	results: mojeekResults,
	empty:   mojeekEmpty,
	captcha: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Captcha</title></head><body><nav><a href="/">Web</a></nav>` +
		`<h1>Verification required</h1><p>Please complete the challenge below to continue.</p></body></html>`,
	title: func(q string) string { return q + " - Mojeek Search" },
}

func mojeekHead(eq string) string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + eq + ` - Mojeek Search</title></head><body>` +
		`<nav><a href="/">Web</a><a href="/images">Images</a><a href="/news">News</a></nav>` +
		`<form action="/search"><input name="q" value="` + eq + `"></form>`
}

func mojeekResults(p *serp) string {
	var b strings.Builder
	b.WriteString(mojeekHead(p.eq()))
	fmt.Fprintf(&b, `<div class="results"><div class="results-count">Results %d to %d from %s in 0.09s</div><ul class="results-standard">`+"\n<!--ls-->\n",
		p.offset+1, p.offset+len(p.results), commas(p.hits()))
	for i, r := range p.results {
		w, h := p.word(r), host(r)
		u := esc(r.URL)
		fmt.Fprintf(&b, `<!--rs--><li class="r%d"><a title="%s" href="%s" class="ob"><p class="i"><span class="url">https://%s</span> › %s › %d</p></a>`+
			`<h2><a class="title" title="%s" href="%s">%s</a></h2><p class="s">The %s about <strong>%s</strong>, result %d of this simulated engine.</p></li><!--re-->`+"\n",
			i+1, u, u, h, w, r.Rank, u, u, esc(r.Title), w, p.eq(), r.Rank)
	}
	b.WriteString(`</ul><div class="pagination"><ul>`)
	page := func(n int) string {
		return esc("/search?q=" + url.QueryEscape(p.q) + "&s=" + strconv.Itoa((n-1)*p.size+1))
	}
	if p.pageNo() > 1 {
		fmt.Fprintf(&b, `<li><a href="%s">Prev</a></li>`, page(p.pageNo()-1))
	}
	fmt.Fprintf(&b, `<li><span>%d</span></li>`, p.pageNo())
	if p.hasNext() {
		fmt.Fprintf(&b, `<li><a href="%s">%d</a></li><li><a href="%s">Next</a></li>`, page(p.pageNo()+1), p.pageNo()+1, page(p.pageNo()+1))
	}
	b.WriteString(`</ul></div></div></body></html>`)
	return b.String()
}

func mojeekEmpty(q string) string {
	return mojeekHead(esc(q)) + `<ul></ul></body></html>`
}
