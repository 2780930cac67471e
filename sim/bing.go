package sim

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// bing is www.bing.com/search (2025-2026 layout): ol#b_results holding the top ad block
// (li.b_ad), the AI answer card (li.b_ans.b_top), the li.b_algo results, the related
// searches (li.b_ans > .b_rs) and the pager (li.b_pag). Result links go through Bing's click
// tracker, /ck/a?…&u=a1<base64url of the target>; ads through /aclick?…&u=<base64>.
var bing = &engine{
	name:  "bing",
	paths: []string{"/search", "/news/infinitescrollajax", "/images/async"},
	query: "q",
	salt:  2,
	verticals: map[string]vertical{
		"/news/infinitescrollajax": {results: bingNews, empty: func(string) string { return "" }},
		"/images/async":            {results: bingImages, empty: bingImagesEmpty},
	},
	window:  offsetWindow("first", "count", 1),
	results: bingResults,
	empty:   bingEmpty,
	captcha: bingCaptcha,
	title:   func(q string) string { return q + " - Search" },
}

// bingClick wraps a target in Bing's click tracker.
func bingClick(target string, seed uint64, n int) string {
	return fmt.Sprintf("https://www.bing.com/ck/a?!&&p=%016x%04xJmltdHM9MTc0&ptn=3&ver=2&hsh=4&fclid=%08x-sim&u=a1%s&ntb=1",
		seed, n, uint32(seed), base64.RawURLEncoding.EncodeToString([]byte(target)))
}

func bingHead(eq string) string {
	return `<!DOCTYPE html><html dir="ltr" lang="en" xml:lang="en" xmlns="http://www.w3.org/1999/xhtml"><head>` +
		`<meta content="text/html; charset=utf-8" http-equiv="content-type"/><title>` + eq + ` - Search</title></head>` +
		`<body class="b_respl b_sbText"><header id="b_header" role="banner"><form action="/search" id="sb_form" role="search">` +
		`<div class="b_searchboxForm"><input class="b_searchbox" id="sb_form_q" name="q" type="search" value="` + eq + `"/></div>` +
		`<input type="hidden" name="form" value="QBLH"/></form></header>`
}

func bingResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(bingHead(eq))
	b.WriteString(`<div id="b_content"><main aria-label="Search Results"><div id="b_tween" class="b_hidetoggletween"></div><div id="b_mcw"><ol id="b_results" class="">`)
	bm := 3
	if p.first() {
		fmt.Fprintf(&b, `<li class="b_ad b_adTop" data-bm="%d"><ul><li class=" b_adLastChild"><div class="sb_add sb_adTA">`+
			`<h2><a class=" b_restorableLink" href="%s">Buy %s - Example Shop</a></h2>`+
			`<div class="b_caption"><div class="b_attribution"><div class="b_adurl"><cite>https://shop.example.com/bing</cite></div></div>`+
			`<p class=""><span class="b_adSlug b_opttxt b_divdef">Ad</span>An advertisement for <strong>%s</strong>.</p></div></div></li></ul></li>`,
			bm, esc(bingAdClick(adTarget("bing", p.q), p.seed)), eq, eq)
		bm++
		// The AI answer card: its title link and the lead paragraph are what a featured
		// snippet holds; the info bubble above them is no paragraph.
		card := bingClick(p.results[0].URL, p.seed, 0)
		fmt.Fprintf(&b, `<li class="b_ans b_top" data-tag="" data-bm="%d"><div id="b_wpt_container_ml" class="b_wpt_container lgwjsfix wpt_rmspc" data-appns="SERP">`+
			`<div data-tag="WholePageTemplate.MagazineContainer"><div class="gs_Grid grid" id="b_wpt_gs_grid"><div class="cards card0 card-col-6 card-row-0 b_wpt_bl_back b_wpt_aligned">`+
			`<div class="b_acf_card acf_hov_basic b_acf_bckgnd"><div class="developer_answercard_wrapper devAnchorACF"><div class="dev_ac_wrapper_RichDevAnchor_AC rdgc_noseemore rd_fullLoaded rd_removeShadow">`+
			`<div class=""><div class="rd_summary_info"><div class="infobubble b_hide b_cards" role="dialog"><div class="infobubble_content"><div>This summary was generated using AI based on multiple online sources.</div></div></div></div></div>`+
			`<div class="rd_sg_ttl rd_gencon_ttle rd_gencon_ttc devmag_ttl" id="rd_gencon_ttc"><h2 class="b_topTitle"><a href="%s" target="_blank">About %s</a></h2></div>`+
			`<div class="devmag_card_content" id="rd_content"><div class="devmag_cntnt_snip"><p>%s is a topic this simulated engine answers above its ranked results.</p></div>`+
			`<div class="devmag_cntnt_snip"><p class="rd_sub_sub_header">Every page of it is generated from the query.</p></div></div>`+
			`</div></div></div></div></div></div></div></li>`,
			bm, esc(card), esc(displayQuery(p.q)), esc(displayQuery(p.q)))
		bm++
	}
	for _, r := range p.results {
		w, h := p.word(r), host(r)
		click := esc(bingClick(r.URL, p.seed, r.Rank))
		fmt.Fprintf(&b, `<li class="b_algo" data-id="" iid="SERP.5%03d" data-bm="%d"><div class="b_tpcn"><a aria-label="%s" class="tilk" href="%s" redirecturl="" tabindex="-1" target="_blank">`+
			`<div class="tpic"><div class="wr_fav" data-priority="2"><div class="cico siteicon"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" height="32" width="32" alt="Global web icon" class="rms_img"/></div></div></div>`+
			`<div class="tptxt"><div class="tptt">%s</div><div class="tpmeta"><div class="b_attribution" tabindex="-1"><cite>https://%s › %s › %d</cite></div></div></div></a></div>`+
			`<h2 class=""><a href="%s" target="_blank">%s</a></h2>`+
			`<div class="b_caption"><p class="b_lineclamp2">The %s about <strong>%s</strong>, result %d of this simulated engine.</p></div></li>`,
			r.Rank, bm, h, click, h, h, w, r.Rank, click, esc(r.Title), w, eq, r.Rank)
		bm++
	}
	fmt.Fprintf(&b, `<li class="b_ans" data-tag="" data-bm="%d"><div class="b_rs rsExplr" id="brsv3"><h2 class="">Related searches for <strong>%s</strong></h2><ul class="b_vList b_divsec">`, bm, eq)
	for i, rq := range p.related() {
		fmt.Fprintf(&b, `<li data-priority=""><a href="%s" target="_blank"><div class="b_suggestionIcon sug_sprite"></div>`+
			`<div class="b_suggestionText">%s <strong>%s</strong></div></a></li>`,
			esc("/search?q="+url.QueryEscape(rq)+"&FORM=QSRE"+strconv.Itoa(i+1)), esc(displayQuery(p.q)), esc(suffix(rq, p.q)))
	}
	b.WriteString(`</ul></div></li>`)
	bingPager(&b, p, bm+1)
	b.WriteString(`</ol></div></main></div></body></html>`)
	return b.String()
}

func bingPager(b *strings.Builder, p *serp, bm int) {
	fmt.Fprintf(b, `<li class="b_pag" data-bm="%d"><nav role="navigation" aria-label="More results for %s"><h4 class="b_hide">Pagination</h4><ul class="sb_pagF">`, bm, p.eq())
	href := func(first int, form string) string {
		return esc("/search?q=" + url.QueryEscape(p.q) + "&first=" + strconv.Itoa(first) + "&FORM=" + form)
	}
	if p.pageNo() > 1 {
		fmt.Fprintf(b, `<li><a aria-label="Previous page" class="sb_pagP sb_pagP_bp b_widePag sb_bp" href="%s" title="Previous page"><div class="sw_prev">Previous</div></a></li>`,
			href(p.offset-p.size+1, "PORE"))
	}
	last := (p.total + p.size - 1) / p.size
	for n := 1; n <= last; n++ {
		if n == p.pageNo() {
			fmt.Fprintf(b, `<li><a aria-label="Page %d" class="sb_pagS sb_pagS_bp b_widePag sb_bp">%d</a></li>`, n, n)
			continue
		}
		fmt.Fprintf(b, `<li><a aria-label="Page %d" class="b_widePag sb_bp" href="%s">%d</a></li>`, n, href((n-1)*p.size+1, "PERE"), n)
	}
	if p.hasNext() {
		fmt.Fprintf(b, `<li><a aria-label="Next page" class="sb_pagN sb_pagN_bp b_widePag sb_bp" href="%s" title="Next page"><div class="sw_next">Next</div></a></li>`,
			href(p.offset+p.size+1, "PORE"))
	}
	b.WriteString(`</ul></nav></li>`)
}

func bingEmpty(q string) string {
	eq := esc(q)
	return bingHead(eq) + `<div id="b_content"><main aria-label="Search Results"><div id="b_mcw"><ol id="b_results" class="">` +
		`<li class="b_no"><h1>There are no results for <strong>` + eq + `</strong></h1><ul><li><span>Check your spelling or try different keywords</span></li></ul><br/>` +
		`<p>Ref A: 7122E06AA1644FE3A4C0DAB1C717FB83 Ref B: SIM30EDGE0716 Ref C: 2026-01-01T00:00:00Z</p></li></ol></div></main></div></body></html>`
}

// bingCaptcha is Bing's "one last step" challenge, the turing CAPTCHA in its frame.
const bingCaptcha = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bing</title></head><body>
<div id="b_content"><main><div class="captcha"><div class="captcha_header">One last step</div>
<div class="captcha_text">Please solve the challenge below to continue.</div>
<div id="b_captcha" class="b_captcha"><iframe id="turingCaptcha" src="/turing/captcha/challenge?q=sim" title="Verification"></iframe></div></div></main></div></body></html>`

// bingNews is the news scroll page (/news/infinitescrollajax): div.news-card.newsitem cards,
// the article in the card's url, data-title and data-author, a.title, div.snippet, the age
// as div.source's span aria-label. Past the end it answers an empty body.
func bingNews(p *serp) string {
	var b strings.Builder
	for i, r := range p.results {
		u := esc(r.URL)
		fmt.Fprintf(&b, `<div class="news-card newsitem cardcommon" url="%s" data-url="%s" data-title="%s" data-author="%s News">`+
			`<div class="caption"><div class="t_s"><div class="t_t"><a target="_blank" class="title" href="%s">%s</a>`+
			`<div class="snippet">The %s story about %s, article %d of this simulated engine.</div></div>`+
			`<div class="source set_top"><a class="biglink" href="https://%s/">%s News</a><span tabindex="0" aria-label="%d hours ago">%dh</span></div></div></div>`+
			`<div class="image right"><a class="imagelink" href="%s"><img src="/th?id=OVFT.sim%d&amp;pid=News" alt=""></a></div></div>`+"\n",
			u, u, esc(r.Title), host(r), u, esc(r.Title), p.word(r), p.eq(), r.Rank, host(r), host(r), i+1, i+1, u, r.Rank)
	}
	return b.String()
}

// bingImages is the images grid page (/images/async): ul.dgControl_list rows of li, each an
// a.iusc whose m attribute is JSON (purl the page, murl the image, turl the thumbnail, t the
// title), the size in div.img_info span.nowrap and the site in div.lnkw a; data-nextUrl while
// there are more.
func bingImages(p *serp) string {
	var b strings.Builder
	next := ""
	if p.hasNext() {
		next = fmt.Sprintf(` data-nextUrl="/images/async?q=%s&amp;first=%d&amp;count=%d&amp;mmasync=1"`, url.QueryEscape(p.q), p.offset+p.size+1, p.size)
	}
	fmt.Fprintf(&b, `<div class="dg_b" role="main"><div id="mmComponent_images_1" class="dgControl hover"%s><ul data-row=0 class="dgControl_list ">`, next)
	for i, r := range p.results {
		m := fmt.Sprintf(`{"cid":"sim%d","purl":"%s","murl":"%s","turl":"https://tse1.mm.bing.net/th?id=OIP.sim%d","t":"%s"}`,
			r.Rank, r.URL, imageOf(r), r.Rank, r.Title)
		fmt.Fprintf(&b, `<li data-idx=%d><div class="iuscp varh"><div class="imgpt"><a class="iusc" m="%s" href="/images/search?view=detailV2&amp;ccid=sim%d">`+
			`<div class="img_cont hoff"><img class="mimg" src="https://tse1.mm.bing.net/th?id=OIP.sim%d" alt="Image result"></div></a>`+
			`<div class="img_info hon"><span class="nowrap">%d x %d &#183; jpeg</span><div class="lnkw"><a href="%s">%s</a></div></div></div></div></li>`,
			i+1, esc(m), r.Rank, r.Rank, imageWidth(r), imageHeight(r), esc(r.URL), host(r))
	}
	b.WriteString(`</ul></div></div>`)
	return b.String()
}

func bingImagesEmpty(q string) string {
	return `<div class="dg_b" role="main"><div class="dg_nr">There are no results for ` + esc(q) + `</div></div>`
}
