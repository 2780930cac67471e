package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ecosia is www.ecosia.org/search (2025-2026 Vue layout, server-rendered): the mainline
// section of data-test-id blocks, the knowledge panel (entity-wrapper) on the first page,
// the related queries and the simplified pagination. Its ads are Google's, loaded by script
// into the empty ad-google slots, so the served page carries the slots and no ad; links
// point at the targets themselves.
var ecosia = &engine{
	name:    "ecosia",
	paths:   []string{"/search"},
	query:   "q",
	salt:    5,
	window:  pageWindow("p", ""),
	results: ecosiaResults,
	empty:   ecosiaEmpty,
	captcha: ecosiaCaptcha,
	title:   func(q string) string { return q + " - Ecosia" },
}

func ecosiaHead(eq string) string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + eq + ` - Ecosia</title></head><body>` +
		`<div id="app" data-server-rendered="true"><div class="layout"><div data-test-id="layout-header" class="main-header">` +
		`<form action="/search" method="GET" role="search" data-test-id="main-header-search-form" class="search-form"><input type="search" name="q" data-test-id="search-form-input" value="` + eq + `" class="search-form__input"/></form></div>` +
		`<main id="main" data-test-id="layout-content" class="layout__content"><div class="web">`
}

// ecosiaAdSlot is where Ecosia's script renders a Google ad after load.
func ecosiaAdSlot(n int) string {
	return fmt.Sprintf(`<div data-test-id="mainline-result-ad" class="mainline__result-wrapper mainline__result-wrapper--visible"><div id="ad-google-%d" data-test-id="ad-google" bingadspingsuffix="" class="mainline__result"></div></div>`, n)
}

func ecosiaResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(ecosiaHead(eq))
	fmt.Fprintf(&b, `<h1 data-test-id="web-title" class="web__title">Results for %s</h1><section data-test-id="mainline" class="mainline web__mainline"><div class="mainline__content"><div>`, eq)
	if p.first() {
		b.WriteString(ecosiaAdSlot(1))
		dq := esc(displayQuery(p.q))
		wiki := esc("https://en.wikipedia.org/wiki/" + url.PathEscape(strings.ReplaceAll(displayQuery(p.q), " ", "_")))
		fmt.Fprintf(&b, `<div data-test-id="mainline-result-entity" class="mainline__result-wrapper"><article data-test-id="entity-wrapper" position="mainline" class="entity-wrapper mainline__result">`+
			`<div data-track-name="%s" class="entity card card--as-div"><header class="entity__header"><div data-test-id="entity-titles" class="entity-titles">`+
			`<h2 title="%s" data-test-id="title" class="entity-titles__title heading heading--h2">%s</h2><h3 data-test-id="subtitle" class="entity-titles__subtitle heading heading--h6">Simulated topic</h3></div></header>`+
			`<div class="entity__content"><p data-test-id="entity-description" class="entity__description">%s is a topic this simulated engine describes beside its ranked results.`+
			`<a class="entity__description-more-link link" data-test-id="entity-description-more-link" href="%s" target="_self">Wikipedia</a></p>`+
			`<div data-test-id="entity-links" class="entity-links entity__links"><ul class="entity-links__list"><li class="entity-links__item"><a class="entity-links__link link" data-test-id="entity-links-icon-wikipedia" href="%s" rel="noopener" target="_self">Wikipedia</a></li></ul></div>`+
			`</div></div></article></div>`, dq, dq, dq, dq, wiki, wiki)
	}
	for _, r := range p.results {
		w, h := p.word(r), host(r)
		u := esc(r.URL)
		fmt.Fprintf(&b, `<div data-test-id="mainline-result-web" class="mainline__result-wrapper"><article aria-label="%s" data-test-id="organic-result" class="result web-result mainline__result">`+
			`<div class="result__body"><div class="result__header"><div class="result__info result__info--extended"><span aria-hidden="true" data-test-id="web-result-favicon" class="favicon__container web-result__favicon"></span>`+
			`<div class="result-info result-info--complex"><div data-test-id="result-source-name" class="result-info__name"><span class="result-info__name-label">%s</span></div>`+
			`<div class="result-info__link-container result-info__link-container--inline"><a class="result-info__link result-info__link--ellipsis" data-test-id="result-link" href="%s" rel="noopener" tabindex="-1" target="_self">`+
			`<div data-test-id="result-source"><span class="result-info__domain">https://%s</span><span class="result-info__breadcrumbs"> › %s › %d</span></div></a></div></div></div></div>`+
			`<div class="result__title"><a class="result__link result__link link link--as-a link--color-result link--variant-primary" data-test-id="result-link" href="%s" rel="noopener" target="_self">`+
			`<h2 data-test-id="result-title" class="result-title__heading">%s</h2></a></div></div>`+
			`<div class="result__columns"><div class="result__columns-start"><div data-test-id="result-description" class="result__description">`+
			`<p data-test-id="web-result-description" class="web-result__description">The %s about <strong>%s</strong>, result %d of this simulated engine.</p></div></div></div>`+
			`<div class="result__extra-content"></div></article></div>`,
			esc(r.Title), h, u, h, w, r.Rank, u, esc(r.Title), w, eq, r.Rank)
	}
	if p.first() {
		b.WriteString(ecosiaAdSlot(2))
	}
	b.WriteString(`</div>`)
	fmt.Fprintf(&b, `<div data-test-id="web-related-queries" class="mainline__result related-queries__bottom"><h3 data-test-id="related-queries-header" class="related-queries__header-bottom">Searches related to %s</h3><div class="related-queries__links-bottom">`, eq)
	for _, rq := range p.related() {
		slug := strings.ReplaceAll(strings.ToLower(rq), " ", "-")
		fmt.Fprintf(&b, `<a aria-label="%s" class="link link--as-a link--color-result link--variant-primary" color="result" data-test-id="related-queries-link-%s" href="%s">`+
			`<div class="related-queries__text-container"><span data-test-id="related-queries-text" class="related-queries__text">%s <strong>%s</strong></span></div></a>`,
			esc(rq), esc(slug), esc("/search?q="+url.QueryEscape(rq)), esc(displayQuery(p.q)), esc(suffix(rq, p.q)))
	}
	b.WriteString(`</div></div></div>`)
	b.WriteString(`<div class="mainline__footer"><div data-test-id="simplified-pagination" class="simplified-pagination">`)
	href := func(page int) string {
		return esc("/search?method=index&q=" + url.QueryEscape(p.q) + "&p=" + strconv.Itoa(page))
	}
	if p.pageNo() > 1 {
		fmt.Fprintf(&b, `<a class="button control button base-button base-button--variant-outline" data-test-id="previous-button" href="%s" variant="outline"><span class="button__content"><span data-test-id="button-text" class="button__text">Previous</span></span></a>`,
			href(p.pageNo()-2))
	}
	if p.hasNext() {
		fmt.Fprintf(&b, `<a class="button control button base-button base-button--variant-outline" data-test-id="next-button" href="%s" variant="outline"><span class="button__content"><span data-test-id="button-text" class="button__text">Next</span></span></a>`,
			href(p.pageNo()))
	}
	b.WriteString(`</div></div></section></div></main></div></div></body></html>`)
	return b.String()
}

func ecosiaEmpty(q string) string {
	eq := esc(q)
	return ecosiaHead(eq) + `<div data-test-id="web-no-results" class="no-results web__no-results"><section class="message-tips">` +
		`<p data-test-id="message-tips-message" class="message-tips__title"> Unfortunately we didn’t find any results for “<strong class="no-results__query" data-test-id="no-results-query">` + eq + `</strong>” </p>` +
		`<div data-test-id="message-tips-content" class="message-tips__content"><span data-test-id="message-tips-tips-message">Try these tips:</span>` +
		`<ul data-test-id="message-tips-tips" class="message-tips__tips"><li> Check that all words are spelled correctly </li><li> Try different or fewer keywords </li></ul></div></section>` +
		`<div class="no-results__footer"><div data-test-id="simplified-pagination" class="simplified-pagination"></div></div></div></div></main></div></div></body></html>`
}

// ecosiaCaptcha is the Cloudflare Turnstile interstitial in front of Ecosia.
const ecosiaCaptcha = `<!DOCTYPE html><html lang="en-US" dir="ltr"><head><title>Just a moment...</title><meta http-equiv="content-type" content="text/html; charset=UTF-8"></head>
<body><main><h1>Confirm you’re not a robot</h1><p>Our system has detected unusual traffic from your network. Please solve the challenge below to show you’re not a robot.</p>
<div class="main-wrapper" role="main"><div class="main-content"><div id="BbLB6"><div><div><input type="hidden" name="cf-turnstile-response" id="cf-chl-widget_response"/></div></div></div>
<div id="TQpKs1" style="display:none"><div>Verification successful. Waiting for www.ecosia.org to respond</div></div></div></div></main></body></html>`
