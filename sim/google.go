package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// google is www.google.com/search as a desktop browser gets it (2025 layout): the ranked
// list in #rso, text ads in #tads, the AI overview (data-subtree=aimc), "People also search
// for" in #botstuff and the #pnnext link. Desktop result links point at the target itself;
// the /url?url= redirect rides along in the ping attribute.
var google = &engine{
	name:   "google",
	paths:  []string{"/search"},
	query:  "q",
	salt:   1,
	window: offsetWindow("start", "num", 0),
	// News (tbm=nws) and images (the grid's JSON, tbm=isch) are asked on /search too.
	verticalKey: func(f url.Values) string { return f.Get("tbm") },
	verticals: map[string]vertical{
		"nws":  {results: googleNews, empty: googleNewsEmpty},
		"isch": {results: googleImages, empty: func(string) string { return googleImagesGuard + `{"ischj":{"metadata":[]}}` }, window: googleImagesWindow},
	},
	results: googleResults,
	empty:   googleEmpty,
	captcha: googleCaptcha,
	title:   func(q string) string { return q + " - Google Search" },
}

func googleHead(eq string) string {
	return `<!doctype html><html itemscope="" itemtype="http://schema.org/SearchResultsPage" lang="en"><head>` +
		`<meta charset="UTF-8"><meta content="origin" name="referrer"><title>` + eq + ` - Google Search</title></head>` +
		`<body class="srp" id="gsr"><div class="main" id="main"><div class="e9EfHf" id="cnt">` +
		`<div class="sfbg"><form action="/search" id="tsf" method="GET" name="f" role="search"><textarea class="gLFyf" name="q" aria-label="Search">` + eq + `</textarea></form></div>`
}

// googleSearchHref is a link back to /search, as Google writes them (with &amp; in markup).
func googleSearchHref(q string, extra string) string {
	return esc("/search?sca_esv=5b1e0e2a&q=" + url.QueryEscape(q) + extra)
}

func googleResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(googleHead(eq))
	stats := "About " + commas(p.hits()) + " results"
	if p.pageNo() > 1 {
		stats = "Page " + strconv.Itoa(p.pageNo()) + " of about " + commas(p.hits()) + " results"
	}
	fmt.Fprintf(&b, `<div class="gke0pe" id="top_nav" role="presentation" data-st-u="top_nav"><div class="GLcBOb" id="hdtb"><div><div class="R0DW9c">`+
		`<div class="vH6rvf FJCJfd"><div><div class="XhWQv qd6zO ApHyTb"><div id="result-stats">%s<nobr> (0.%02d seconds)&nbsp;</nobr></div></div></div></div></div></div></div></div>`,
		stats, 20+p.seed%60)
	b.WriteString(`<div id="appbar"></div><div class="NbTBrb YNk70c EjQTId uW3HW GyAeWb" id="rcnt">`)
	if p.first() {
		b.WriteString(`<div class="bzXtMb M8OgIe dRpWwb">`)
		googleAd(&b, p)
		googleAIOverview(&b, p)
		b.WriteString(`</div>`)
	}
	fmt.Fprintf(&b, `<div class="s6JM6d ufC5Cb ZPOWwb EYIWQc" id="center_col" role="main" data-csic="1"><div class="eqAnXb" id="res" role="main">`+
		`<div id="search"><div data-hveid="CAgQCA"><h1 class="Uo8X3b OhScic zsYMMe">Search Results</h1>`+
		`<div class="dURPMd" id="rso" data-async-context="query:%s">`, esc(url.PathEscape(p.q)))
	for i, r := range p.results {
		googleOrganic(&b, p, r, i)
	}
	b.WriteString(`</div></div></div></div>`)
	b.WriteString(`<div id="botstuff"><div data-hveid="CCcQAA"><div id="bres"><div class="ULSxyf"><div class="MjjYud"><div data-abe="" data-hveid="CC0QAA">` +
		`<div class="oIk2Cb"><div class="M6HR1c PJI6ge adDDi"><span class="mgAbYb RES9jf YC72Wc IFnjPb JGD2rd" aria-level="2" role="heading">People also search for</span></div>` +
		`<div class="y6Uyqe"><div class="EIaa9b"><div class="AJLUJb">`)
	for _, rq := range p.related() {
		fmt.Fprintf(&b, `<div class="b2Rnsc vIifob"><div class="qR29te"><div><a class="ngTNl ggLgoc" href="%s">`+
			`<div class="B2VR9 CJHX3e"><div class="wyccme"><div><div class="oatEtb"><div class="mtv5bd"><span class="dg6jd JGD2rd">%s <b>%s</b></span>`+
			`</div></div></div></div></div></a></div></div></div>`,
			googleSearchHref(rq, "&sa=X&ved=2ahUKEwi"+strconv.Itoa(p.pageNo())), esc(displayQuery(p.q)), esc(suffix(rq, p.q)))
	}
	b.WriteString(`</div></div></div></div></div></div></div></div>`)
	googlePager(&b, p)
	b.WriteString(`</div></div></div></div></div></div></body></html>`)
	return b.String()
}

// googleOrganic writes one ranked result: the title link wrapping the h3 and the cite, the
// snippet in the first "snippet feature" (data-sncf=1) block.
func googleOrganic(b *strings.Builder, p *serp, r Result, i int) {
	w, h := p.word(r), host(r)
	ping := "/url?sa=t&source=web&rct=j&opi=89978449&url=" + url.QueryEscape(r.URL) + "&ved=2ahUKEwj" + strconv.Itoa(r.Rank)
	fmt.Fprintf(b, `<div class="MjjYud"><div class="A6K0A" data-rpos="%d"><div class="wHYlTd Ww4FFb tF2Cxc asEBEc vt6azd" lang="en" data-hveid="CA%dQAA">`,
		i, r.Rank)
	if i == 0 {
		b.WriteString(`<h2 class="bNg8Rb">Web results</h2>`)
	}
	fmt.Fprintf(b, `<div class="N54PNb BToiNc" data-snc="ih6Jnb_rqEZhd"><div class="kb0PBd A9Y9g jGGQ5e" data-snf="x5WNvb" data-snhf="0">`+
		`<div class="yuRUbf"><div class="b8lM7"><span class="V9tjod"><a class="zReHs" href="%s" data-ved="2ahUKEwj%d" ping="%s">`+
		`<h3 class="LC20lb MBeuO DKV0Md">%s</h3><br><div class="notranslate ESMNde HGLrXd ojE3Fb"><div class="q0vns">`+
		`<div class="CA5RN"><div><span class="VuuXrf">%s</span></div><div class="byrV5b"><cite class="qLRx3b tjvcx GvPZzd cHaqb" role="text">https://%s`+
		`<span class="ylgVCe ob9lvb" role="text"> › %s › %d</span></cite></div></div></div></div></a></span></div></div></div>`+
		`<div class="kb0PBd A9Y9g" data-snf="nke7rc" data-sncf="1"><div class="VwiC3b yXK7lf p4wth r025kc Hdw6tb">`+
		`<span>The %s about <em>%s</em>, result %d of this simulated engine.</span></div></div></div></div></div></div>`,
		esc(r.URL), r.Rank, esc(ping), esc(r.Title), h, h, w, r.Rank, w, p.eq(), r.Rank)
}

// googleAd is a top text ad as #tads holds them: the heading in role=heading, the advertiser
// link as href and Google's click tracker in data-rw.
func googleAd(b *strings.Builder, p *serp) {
	target := adTarget("google", p.q)
	fmt.Fprintf(b, `<div id="taw"><div id="tvcap"><div class="qGXjvb" id="tads" aria-label="Ads" role="region"><h1 class="Uo8X3b OhScic zsYMMe">Ads</h1>`+
		`<div class="uEierd"><div><div data-text-ad="1" data-hveid="CAUQAA"><div class="vdQmEd fP1Qef EtOod pkphOe"><span class="U3A9Ac qV8iec">Sponsored</span>`+
		`<div class="v5yQqb"><a class="sVXRqc" data-ae="1" data-pcu="https://shop.example.com/" data-rw="%s" href="%s">`+
		`<div class="CCgQ5 vCa9Yd QfkTvb N8QANc MUxGbd v0nnCb" aria-level="3" role="heading"><span>Buy %s - Example Shop</span></div>`+
		`<div class="d8lRkd"><span class="yIn8Od"><span class="wbJOMb"><span class="pKWwCd yUTMj"><div class="Aozhyc MUxGbd lyLwlc aLF0Z OSrXXb"><span class="BTu2cd">Example Shop</span></div></span>`+
		`<span class="OSrXXb VN4UC"><span class="x2VHCd OSrXXb qzEoUe" data-dtld="example.com" role="text">https://shop.example.com</span></span></span></span></div></a></div></div>`+
		`<div><div class="MUxGbd yDYNvb lyLwlc"><div><span>An advertisement for <em>%s</em>.</span></div></div></div></div></div></div></div></div></div>`,
		esc("https://www.google.com/aclk?sa=l&ai=DChcSEwi"+strconv.FormatUint(p.seed%1e9, 36)+"&adurl="), esc(target), p.eq(), p.eq())
}

// googleAIOverview is the AI overview: its lead paragraph opens with an aimfl span.
func googleAIOverview(b *strings.Builder, p *serp) {
	q := esc(displayQuery(p.q))
	fmt.Fprintf(b, `<div data-hveid="CAgQBQ"><div id="Odp5De"><div class="YNk70c EjQTId"><div class="Kevs9 SLPe5b"><div class="Wm5I1e" id="eKIzJc">`+
		`<div class="hdzaWe" data-is-desktop="1"><div class="EyBRub jUja0e" id="dEwkXc" data-q="%s"><div class="yi" id="B2Jtyd" data-async-type="folsrch">`+
		`<div data-subtree="mfc"><div class="h7Tj7e zc75bb"><div class="D5ad8b" id="m-x-content"><div class="s7d4ef X6JNf PFXse">`+
		`<div class="OZ9ddf WAUd4"><div class="heWuVc"><div class="nk9vdc GYaNDc"><span class="YWpX0d"><span>AI Overview</span></span></div></div></div>`+
		`<div data-subtree="aimc"><div class="FkX2oe" dir="ltr"><div class="pWvJNd"><div dir="ltr" data-container-id="main-col" class="mZJni Dn7Fzd">`+
		`<div class="n6owBd awi2gc"><span data-subtree="aimfl,mfl">%s is a topic this simulated engine answers</span> above its ranked results.</div>`+
		`<div class="n6owBd awi2gc">Every page of it is generated from the query.</div>`+
		`</div></div></div></div></div></div></div></div></div></div></div></div></div></div></div></div>`,
		p.eq(), q)
}

// googlePager is the page navigation table; #pnnext is there only when a next page is.
func googlePager(b *strings.Builder, p *serp) {
	b.WriteString(`<div role="navigation"><h1 class="Uo8X3b OhScic zsYMMe">Page navigation</h1><table class="AaVjTc" role="presentation"><tbody><tr class="mYW5bd">`)
	if p.pageNo() > 1 {
		fmt.Fprintf(b, `<td class="d6cvqb BBwThe" role="heading"><a class="LLNLxf" href="%s" id="pnprev"><span class="SJajHc NVbCr"></span><span class="oeN89d">Previous</span></a></td>`,
			googleSearchHref(p.q, "&start="+strconv.Itoa(p.offset-p.size)+"&sa=N"))
	}
	last := (p.total + p.size - 1) / p.size
	for n := 1; n <= last; n++ {
		if n == p.pageNo() {
			fmt.Fprintf(b, `<td class="YyVfkd"><span class="SJajHc"></span>%d</td>`, n)
			continue
		}
		fmt.Fprintf(b, `<td><a aria-label="Page %d" class="fl" href="%s"><span class="SJajHc NVbCr"></span>%d</a></td>`,
			n, googleSearchHref(p.q, "&start="+strconv.Itoa((n-1)*p.size)+"&sa=N"), n)
	}
	if p.hasNext() {
		fmt.Fprintf(b, `<td class="d6cvqb BBwThe" role="heading"><a class="LLNLxf" href="%s" id="pnnext"><span class="SJajHc NVbCr"></span><span class="oeN89d">Next</span></a></td>`,
			googleSearchHref(p.q, "&start="+strconv.Itoa(p.offset+p.size)+"&sa=N"))
	}
	b.WriteString(`</tr></tbody></table></div>`)
}

func googleEmpty(q string) string {
	eq := esc(q)
	return googleHead(eq) + `<div class="NbTBrb YNk70c EjQTId uW3HW GyAeWb" id="rcnt"><div class="s6JM6d ufC5Cb ZPOWwb EYIWQc" id="center_col" role="main">` +
		`<div id="taw"><div id="tvcap"></div></div><div class="eqAnXb" id="res" role="main"><div id="topstuff"><div class="mnr-c"><div class="card-section">` +
		`<p aria-level="3" role="heading">Your search - <span><em>` + eq + `</em></span> - did not match any documents.</p><p>Suggestions:</p>` +
		`<ul><li>Make sure that all words are spelled correctly.</li><li>Try different keywords.</li><li>Try more general keywords.</li><li>Try fewer keywords.</li></ul>` +
		`</div></div></div><div id="search"></div></div></div></div></div></div></body></html>`
}

// googleCaptcha is the /sorry/ interstitial Google serves instead of results.
const googleCaptcha = `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"><meta name="viewport" content="initial-scale=1"><title>https://www.google.com/search</title></head>
<body><div><hr noshade size="1"><br><form id="captcha-form" action="index" method="post"><div id="recaptcha" class="g-recaptcha" data-sitekey="6LfwuyUTAAAAAOAmoS0fdqijC2PbbdH4kjq62Y1b" data-callback="submitCallback" data-s="sim"></div>
<input type='hidden' name='q' value='sim'><input type="hidden" name="continue" value="https://www.google.com/search"></form><hr noshade size="1">
<div><b>About this page</b><br><br>Our systems have detected unusual traffic from your computer network. This page checks to see if it&#39;s really you sending the requests, and not a robot. <a href="#" onclick="document.getElementById('infoDiv').style.display='block';">Why did this happen?</a><br><br>
<div id="infoDiv" style="display:none">This page appears when Google automatically detects requests coming from your computer network which appear to be in violation of the <a href="//www.google.com/policies/terms/">Terms of Service</a>. The block will expire shortly after those requests stop.</div><br>
<div>IP address: 127.0.0.1<br>Time: 2026-01-01T00:00:00Z<br>URL: https://www.google.com/search<br></div></div></div></body></html>`

// googleNews is the news page (tbm=nws): #rso of div.SoaBEf cards, a.WlydOe wrapping the
// publisher (.MgUUmf), the div[role=heading] headline, the summary (.GI74Re) and the age
// (.OSrXXb); #pnnext while there are more.
func googleNews(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(googleHead(eq))
	b.WriteString(`<div id="search"><div id="rso">`)
	for _, r := range p.results {
		fmt.Fprintf(&b, `<div data-hveid="CA%dQAA"><div class="SoaBEf"><div><a class="WlydOe" href="%s" jsname="YKoRaf"><div class="iRPxbe">`+
			`<div class="MgUUmf NUnG9d"><span>%s News</span></div>`+
			`<div class="n0jPhd ynAwRc MBeuO nDgy9d" role="heading" aria-level="3">%s</div>`+
			`<div class="GI74Re nDgy9d">The %s story about <b>%s</b>, article %d of this simulated engine.</div>`+
			`<div class="OSrXXb rbYSKb LfVVr"><span>%d hours ago</span></div></div>`+
			`<div class="gpjNTe"><div class="uhHOwf BYbUcd"><img id="dimg_%d" src="https://encrypted-tbn0.gstatic.com/images?q=tbn:sim%d" alt=""></div></div></a></div></div></div>`,
			r.Rank, esc(r.URL), host(r), esc(r.Title), p.word(r), eq, r.Rank, r.Rank%23+1, r.Rank, r.Rank)
	}
	b.WriteString(`</div></div>`)
	if p.hasNext() {
		fmt.Fprintf(&b, `<div role="navigation"><a id="pnnext" href="/search?q=%s&amp;tbm=nws&amp;start=%d"><span>Next</span></a></div>`, url.QueryEscape(p.q), p.offset+p.size)
	}
	b.WriteString(`</div></div></body></html>`)
	return b.String()
}

func googleNewsEmpty(q string) string {
	eq := esc(q)
	return googleHead(eq) + `<div id="search"><div id="topstuff"><div class="card-section"><p>Your search - <b>` + eq +
		`</b> - did not match any news results.</p></div></div><div id="rso"></div></div></div></div></body></html>`
}

// googleImagesGuard opens every answer of the images grid's JSON endpoint.
const googleImagesGuard = ")]}'\n"

// googleImagesWindow reads the grid's page (async=...,ijn:N, 0-based) of 100.
func googleImagesWindow(f url.Values, _ int) (int, int) {
	const per = 100
	for _, part := range strings.Split(f.Get("async"), ",") {
		if n, ok := strings.CutPrefix(part, "ijn:"); ok {
			return max(0, atoi(n, 0)) * per, per
		}
	}
	return 0, per
}

// googleImages is the images grid's JSON (tbm=isch&asearch=isch&async=_fmt:json,...):
// ischj.metadata, one item per image with its page, title, site, original and thumbnail.
func googleImages(p *serp) string {
	type item struct {
		Result struct {
			ReferrerURL string `json:"referrer_url"`
			PageTitle   string `json:"page_title"`
			SiteTitle   string `json:"site_title"`
		} `json:"result"`
		OriginalImage struct {
			URL    string `json:"url"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"original_image"`
		Thumbnail struct {
			URL string `json:"url"`
		} `json:"thumbnail"`
	}
	items := make([]item, 0, len(p.results))
	for _, r := range p.results {
		var it item
		it.Result.ReferrerURL, it.Result.PageTitle, it.Result.SiteTitle = r.URL, r.Title, host(r)
		it.OriginalImage.URL, it.OriginalImage.Width, it.OriginalImage.Height = imageOf(r), imageWidth(r), imageHeight(r)
		it.Thumbnail.URL = fmt.Sprintf("https://encrypted-tbn0.gstatic.com/images?q=tbn:sim%d", r.Rank)
		items = append(items, it)
	}
	var reply struct {
		Ischj struct {
			Metadata []item `json:"metadata"`
		} `json:"ischj"`
	}
	reply.Ischj.Metadata = items
	b, _ := json.Marshal(reply)
	return googleImagesGuard + string(b)
}
