package engines

import (
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// Google reads www.google.com/search: the desktop layout and the no-JavaScript one (gbv=1,
// /url?q= links). Google renames its classes every few weeks, so organic results are found by
// structure instead: inside the results column (#rso, else #search, else the body) every link
// that wraps an h3 is a ranked title, unless it sits in a known module (ads, videos, top
// stories, people also ask, featured snippet, knowledge panel). This is how openserp and
// searxng's google.py stay working across redesigns.
type Google struct{}

var _ Engine = Google{}

func (Google) Name() string    { return "google" }
func (Google) BaseURL() string { return "https://www.google.com" }

// Request: start is the 0-based result offset, num the page size, hl the interface language,
// gl the country, lr the result language and safe=active|off the SafeSearch switch. filter=0
// keeps Google from folding "similar" results, which would shift positions between pages.
func (Google) Request(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	q := url.Values{}
	q.Set("q", r.Q)
	per := 10
	switch r.Type {
	case schemas.VerticalNews:
		q.Set("tbm", "nws")
	case schemas.VerticalImages:
		// The grid's JSON: ijn is the 0-based page of 100, num and start do not apply.
		q.Set("tbm", "isch")
		q.Set("asearch", "isch")
		q.Set("async", "_fmt:json,p:1,ijn:"+strconv.Itoa(max(r.Page, 1)-1))
	}
	if r.Num > 0 && r.Type != schemas.VerticalImages {
		per = r.Num
		q.Set("num", strconv.Itoa(r.Num))
	}
	if r.Page > 1 && r.Type != schemas.VerticalImages {
		q.Set("start", strconv.Itoa((r.Page-1)*per))
	}
	if r.HL != "" {
		q.Set("hl", r.HL)
		lang, _, _ := strings.Cut(r.HL, "-")
		q.Set("lr", "lang_"+lang)
	}
	if r.GL != "" {
		q.Set("gl", strings.ToUpper(r.GL))
	}
	switch r.Safe {
	case schemas.SafeStrict:
		q.Set("safe", "active")
	case schemas.SafeOff:
		q.Set("safe", "off")
	}
	q.Set("filter", "0")
	q.Set("ie", "utf8")
	q.Set("oe", "utf8")
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	return &Request{Method: "GET", URL: joinURL(base, "/search", q), Header: h}, nil
}

// googleModules are blocks whose h3 links are not ranked web results.
var googleModules = cascadia.MustCompile("#tads, #tadsb, #bottomads, [data-text-ad], .commercial-unit-desktop-top, " +
	"#rhs, [data-vid], video-voyager, g-scrolling-carousel, g-section-with-header, " +
	".related-question-pair, [data-initq], block-component, .ifM9O, [data-subtree=aimc], #m-x-content, " +
	"g-inner-card, g-card, [data-attrid=SGE], .ULSxyf .xpdopen .ifM9O, " +
	// The 2010s pages' large sitelinks under the first result (desktop table.nrgt, the
	// smartphone page's div.nrgw): tables of h3.r links.
	"table.nrgt, div.sld, div.nrgw, table.nrg")

func (g Google) Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error) {
	doc, release, err := parseDoc(g.Name(), page)
	if err != nil {
		return nil, err
	}
	defer release()
	if why := googleBlock(doc, page); why != "" {
		return nil, Blocked(g.Name(), why)
	}
	switch r.Type {
	case schemas.VerticalNews:
		return g.parseNews(doc, page)
	case schemas.VerticalImages:
		return g.parseImages(doc, page)
	}
	const base = "https://www.google.com/"
	root := doc.FindMatcher(googleSelRso).First()
	if root.Length() == 0 {
		root = doc.FindMatcher(googleSelSearch).First()
	}
	if root.Length() == 0 {
		root = doc.FindMatcher(googleSelMain).First()
	}
	if root.Length() == 0 {
		root = doc.FindMatcher(googleSelBody).First()
	}
	b := newBuilder()

	// Layout tiers, each tried only when the ones before found nothing, so that a module
	// drawn the way a later tier reads results can never add to an earlier tier's list:
	//   - desktop since ~2019: the title link wraps the h3;
	//   - desktop before that (h3.r > a, 2010s): the h3 wraps the title link;
	//   - the smartphone page, old and new: result cards whose link wraps an
	//     aria-level heading (div[role=heading], the title in a div or div[role=link]);
	//   - pages without headings: the mobile page served to app user agents (the title in
	//     div[role=link], searxng's MjjYud reader), the basic page served to WML and text
	//     browsers (a.fuLhoc > span.CVA68e in div.zMzFAb or div.ezO2md), then the Android
	//     app page (a[data-ved] without a class, its title in the first styled div).
	googleOrganic(root, b, base, googleLinksH3, googleSelH3)
	if len(b.serp.OrganicResults) == 0 {
		googleOrganic(root, b, base, googleLinksInH3)
	}
	if len(b.serp.OrganicResults) > 0 && googleCount(root, googleLinksCard) > 0 {
		// The smartphone page of 2017-2018 draws some results as cards (a link holding an
		// aria-level heading and the URL line after it) and others the desktop way (h3.r,
		// video results among them): the page is read for both, in page order. Today's
		// video cards put the heading deeper and the URL inside it, so they stay out.
		b.serp.OrganicResults = b.serp.OrganicResults[:0]
		googleOrganic(root, b, base, googleLinksMixed, googleSelH3, googleTitleHeading)
	}
	if len(b.serp.OrganicResults) == 0 && !googleNoResults(doc, page) {
		googleOrganic(root, b, base, googleLinksHeading, googleTitleHeading)
		if len(b.serp.OrganicResults) == 0 {
			googleOrganic(root, b, base, googleLinksMobile, googleTitleCVA68e, googleTitleRoleLink, googleTitleDXDvrc)
		}
		if len(b.serp.OrganicResults) == 0 {
			googleOrganic(root, b, base, googleLinksBasic, googleTitleDivStyle)
		}
	}

	googleAds(doc, b, base)
	googleRelated(doc, b, base)
	if n, ok := parseCount(text(doc.FindMatcher(googleSelResultStats).First())); ok {
		b.serp.TotalResults = n
	}
	b.serp.HasNext = doc.FindMatcher(googleSelPnnext).Length() > 0 ||
		googleNextLink(doc)
	b.serp.AnswerBox = googleAnswer(doc, base)
	b.serp.KnowledgeGraph = googleKnowledgeGraph(doc, base)
	b.serp.RelatedQuestions = googleRelatedQuestions(doc, base)
	b.serp.TopStories = googleTopStories(doc, base)

	if len(b.serp.OrganicResults) > 0 {
		return b.serp, nil
	}
	// An images page asked for as web (a link shared from the images tab, a stand-in
	// serving the wrong page) has no ranked pages, but it is not an answer that nothing
	// matched either: saying so would hide the mix-up behind a plausible empty list.
	// Reading its tiles as organic results would be worse (a thumbnail's page is no ranked
	// result), so the page is named for what it is and type=images reads it.
	if googleImagesPageHTML(doc) {
		return nil, Unrecognised(g.Name(), "an images results page (tbm=isch), not web results: ask type=images")
	}
	if googleNoResults(doc, page) {
		b.serp.NoResults = true
		return b.serp, nil
	}
	// Weaker CAPTCHA signs (openserp google/selectors.go), trusted only on a page with no
	// results: a reCAPTCHA widget or its script, or the challenge's wording.
	if doc.FindMatcher(googleSelDataSitekey).Length() > 0 ||
		containsAny(bytes.ToLower(page), "not a robot", "solve the captcha", "unusual traffic") {
		return nil, Blocked(g.Name(), "CAPTCHA page")
	}
	return nil, Unrecognised(g.Name(), "no organic results and no no-results marker")
}

// googleOrganic reads the ranked results whose title links match links, the title being the
// text of the first selector in title that matches inside the link. Every matching link
// counts toward ancestor ownership, modules included, so that a result's container never
// swallows a neighbouring carousel.
func googleOrganic(root *goquery.Selection, b *builder, base string, links goquery.Matcher, title ...goquery.Matcher) {
	titles := root.FindMatcher(links)
	owned := map[*html.Node]int{}
	titles.Each(func(_ int, a *goquery.Selection) {
		for n := a.Get(0).Parent; n != nil; n = n.Parent {
			owned[n]++
		}
	})
	rootNode := root.Get(0)
	seen := map[*html.Node]bool{}
	type cand struct {
		res schemas.OrganicResult
		top *html.Node // the root's child holding the result
	}
	var cands []cand
	titles.Each(func(_ int, a *goquery.Selection) {
		if a.ParentsMatcher(googleModules).Length() > 0 || a.IsMatcher(googleModules) {
			return
		}
		href, ok := googleTarget(base, a.AttrOr("href", ""))
		if !ok || isGoogleHost(href) {
			return
		}
		// The result block is the widest ancestor that holds this title and no other.
		box := a.Get(0)
		for n := box.Parent; n != nil && n != rootNode && owned[n] == 1; n = n.Parent {
			box = n
		}
		if seen[box] {
			return
		}
		seen[box] = true
		top := box
		for top.Parent != nil && top.Parent != rootNode {
			top = top.Parent
		}
		c := goquery.NewDocumentFromNode(box).Selection
		t := text(a)
		if len(title) > 0 {
			if ft := firstText(a, title...); ft != "" || !a.ParentsMatcher(googleSelH3).Is("*") {
				t = ft
			}
		}
		res := schemas.OrganicResult{
			Title:        t,
			URL:          href,
			DisplayedURL: firstText(c, googleSelCite2, googleSelUPmit, googleSelQzEoUe, googleSelSCuL3, googleSelSpanDXDvrc),
		}
		if res.DisplayedURL == res.Title {
			res.DisplayedURL = "" // a basic layout whose only line under the link is the title
		}
		res.Snippet, res.Date = googleSnippet(c, a)
		if res.Snippet == "" && c.FindMatcher(googleSelCarousel).Length() > 0 {
			// A carousel's heading (the tweets of an account, 2016-2018): the link names the
			// module, and the cards under it are not its description.
			return
		}
		res.Sitelinks = googleSitelinks(c, a, base, href)
		cands = append(cands, cand{res, top})
	})
	// A block of the results column that holds several titles and not one description is a
	// module drawn like results (discussions and forums, a list of articles), not a cluster
	// of ranked results, whose members each carry their description. Judged only against a
	// page whose other results do have descriptions, so a layout without any is unaffected.
	perTop := map[*html.Node]int{}
	described := map[*html.Node]bool{}
	anyDescribed := false
	for _, k := range cands {
		perTop[k.top]++
		if k.res.Snippet != "" {
			described[k.top], anyDescribed = true, true
		}
	}
	for _, k := range cands {
		if anyDescribed && perTop[k.top] >= 2 && !described[k.top] && k.top != rootNode {
			continue
		}
		b.organic(k.res)
	}
}

// googleCardLink is the 2017-2018 smartphone page's result card: a link (not a button)
// whose child is a div[role=heading][aria-level=3] followed by a div, the URL line. (cascadia
// has no :has(> …).)
func googleCardLink(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Data != "a" || attrOr(n, "role", "") == "button" || !hasAttr(n, "href") {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.Data == "div" && attrOr(c, "role", "") == "heading" && attrOr(c, "aria-level", "") == "3" {
			next := c.NextSibling
			for next != nil && next.Type != html.ElementNode {
				next = next.NextSibling
			}
			return next != nil && next.Data == "div"
		}
	}
	return false
}

// googleCount counts the links matching links under root that are outside every module.
func googleCount(root *goquery.Selection, links goquery.Matcher) int {
	n := 0
	root.FindMatcher(links).Each(func(_ int, a *goquery.Selection) {
		if !a.IsMatcher(googleModules) && a.ParentsMatcher(googleModules).Length() == 0 {
			n++
		}
	})
	return n
}

// googleNextLink finds the basic pages' "Next >" link: a /search link carrying start= whose
// text says next or is an arrow.
func googleNextLink(doc *goquery.Document) bool {
	found := false
	doc.FindMatcher(googleSelAHrefStart).EachWithBreak(func(_ int, a *goquery.Selection) bool {
		t := strings.ToLower(text(a))
		if strings.Contains(t, "next") || strings.HasPrefix(t, ">") || strings.HasSuffix(t, ">") || t == "›" || t == "»" {
			found = true
		}
		return !found
	})
	return found
}

// googleBlock names the kind of block page, or returns "".
func googleBlock(doc *goquery.Document, page []byte) string {
	switch {
	case doc.FindMatcher(googleSelFormCaptchaForm).Length() > 0,
		containsAny(page, "/sorry/index", "Our systems have detected unusual traffic", "detected unusual traffic from your computer"):
		return "CAPTCHA (/sorry/ unusual traffic) page"
	case containsAny(page, "/httpservice/retry/enablejs") && doc.FindMatcher(googleSelResultsShell).Length() == 0:
		// The JS-required interstitial: Google serves it instead of results to clients it
		// distrusts, so it is a soft block, not an empty result page. Since 2025 every
		// result page carries the same link in a noscript too, so only a page without the
		// results column is the interstitial.
		return "soft block (enablejs interstitial)"
	case doc.FindMatcher(googleSelFormActionConsentGoogle).Length() > 0 &&
		doc.FindMatcher(googleSelAHrefHasH3).Length() == 0:
		// Result pages link to consent.google.com too; only a page that is nothing but the
		// consent form is the interstitial.
		return "consent interstitial"
	}
	return ""
}

func googleNoResults(doc *goquery.Document, page []byte) bool {
	if containsAny(page, "did not match any documents", "No results found for", "ergab keine Treffer",
		"aucun document ne correspond", "no ha obtenido ningún resultado", "не найдено ни одного документа",
		"non ha prodotto risultati", "não encontrou nenhum documento", "не знайдено жодного документа",
		"に一致する情報は見つかりませんでした") {
		return true
	}
	n, ok := parseCount(text(doc.FindMatcher(googleSelResultStats).First()))
	return ok && n == 0
}

func isGoogleHost(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return true
	}
	h := strings.TrimPrefix(p.Hostname(), "www.")
	// Google's own search pages and redirects are never results. Its hotel, map and shopping
	// pages are, when a result leads there (a search for "google" ranks google.com/maps), but
	// not as the links of its modules, which carry the search along (q=, ved=, ictx=).
	internal := p.Path == "/search" || strings.HasPrefix(p.Path, "/url") || strings.HasPrefix(p.Path, "/imgres") || strings.HasPrefix(p.Path, "/aclk")
	if !internal {
		q := p.Query()
		for _, pre := range []string{"/travel/", "/maps", "/shopping", "/localservices", "/flights", "/images"} {
			if strings.HasPrefix(p.Path, pre) && (q.Has("q") || q.Has("ved") || q.Has("ictx")) {
				internal = true
			}
		}
	}
	return (strings.HasPrefix(h, "google.") && internal) ||
		h == "webcache.googleusercontent.com" || (strings.HasPrefix(h, "translate.google.") && strings.HasPrefix(p.Path, "/translate"))
}

// googleSnippet reads a result's description. Google has marked it many ways over the years:
// the first "snippet feature" (data-sncf holding 1, class VwiC3b on desktop), span.st before
// 2020, MUxGbd.yDYNvb on the older smartphone page, span.FrIlee / div.H66NU / div.InXCmc on the
// basic pages, the second kCrYT cell on the no-JS page. A marked block with no text of its own
// (an image strip) does not count. When no marker holds text, the description is found by
// structure (snippetByStructure): the block with the most text that is neither a link
// nor the displayed URL. A leading "Mar 3, 2024 —" is the result's date.
func googleSnippet(c, title *goquery.Selection) (snippet, date string) {
	var sn *goquery.Selection
	for _, m := range []goquery.Matcher{googleSelVwiC3b, googleSelDataSncf1, googleSelSnippetOld} {
		c.FindMatcher(m).EachWithBreak(func(_ int, s *goquery.Selection) bool {
			if s.ParentsFiltered("a").Length() > 0 || !hasOwnText(s) {
				return true
			}
			sn = s
			return false
		})
		if sn != nil {
			break
		}
	}
	if sn == nil {
		c.FindMatcher(googleSelKCrYT).EachWithBreak(func(_ int, k *goquery.Selection) bool {
			if k.FindMatcher(googleSelH3).Length() == 0 && k.HasMatcher(googleSelAHasH3).Length() == 0 {
				sn = k
				return false
			}
			return true
		})
	}
	if sn == nil {
		// Any other snippet feature, in order (the smartphone page puts a list or a table
		// there when the first feature is a row of images).
		c.FindMatcher(googleSelDataSncf).EachWithBreak(func(_ int, s *goquery.Selection) bool {
			if hasOwnText(s) {
				sn = s
				return false
			}
			return true
		})
	}
	if sn == nil {
		sn = snippetByStructure(c, title)
	}
	if sn == nil {
		return "", ""
	}
	if sn.HasClass("kCrYT") {
		// The no-JS cell stacks innermost text blocks: a rating line, the description,
		// a row of inline sitelinks. The description is the longest one without links.
		var best *goquery.Selection
		sn.FindMatcher(googleSelS3v9rd).Each(func(_ int, s *goquery.Selection) {
			if s.FindMatcher(googleSelS3v9rd).Length() > 0 || s.FindMatcher(googleSelA).Length() > 0 {
				return
			}
			if best == nil || len(text(s)) > len(text(best)) {
				best = s
			}
		})
		if best != nil {
			sn = best
		}
	}
	// The snippet is kept whole, its leading date included ("Mar 3, 2024 — …"), as the page
	// shows it; the date is also reported on its own. Links inside the block (a "Read more",
	// a row of inline sitelinks) are not part of the description.
	snippet = snippetText(sn)
	if d := sn.FindMatcher(googleSelSpanYrbPuc).First(); d.Length() > 0 && strings.HasPrefix(snippet, clean(text(d))) {
		date = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text(d)), "—–-·"))
	} else if m := leadingDate.FindStringSubmatch(snippet); m != nil {
		date = m[1]
	}
	return joinDateLead(snippet, date), date
}

// googleSitelinks collects the links under a result that lead off Google: inline sitelinks
// ("Full Cast & Crew · Trivia") and the sitelink table, but not the title, the breadcrumb or
// Google's own tools (translate, cache, "about this result").
func googleSitelinks(c, title *goquery.Selection, base, resultURL string) []schemas.Sitelink {
	var out []schemas.Sitelink
	seen := map[string]bool{resultURL: true}
	c.FindMatcher(googleSelAHref).Each(func(_ int, l *goquery.Selection) {
		if l.Get(0) == title.Get(0) || l.FindMatcher(googleSelH32).Length() > 0 || l.ParentsMatcher(googleSelCite).Length() > 0 {
			return
		}
		u, ok := googleTarget(base, l.AttrOr("href", ""))
		if !ok || seen[u] || isGoogleHost(u) || strings.Contains(u, "google.com/search") {
			return
		}
		if sl, ok := sitelink(text(l), u, ""); ok {
			seen[u] = true
			out = append(out, sl)
		}
	})
	return out
}

// googleAds reads text ads: top (#tads) and bottom (#tadsb, #bottomads) blocks, one
// [data-text-ad] per ad, the heading as title and the advertiser's URL as the link (the
// click-tracking data-rw URL is left alone).
func googleAds(doc *goquery.Document, b *builder, base string) {
	doc.FindMatcher(googleSelTads).Each(func(_ int, blk *goquery.Selection) {
		if blk.ParentsMatcher(googleSelTads).Length() > 0 {
			return // #tadsb inside #bottomads: its ads are read with the outer block
		}
		block := "top"
		if id := blk.AttrOr("id", ""); id != "tads" {
			block = "bottom"
		}
		ads := blk.FindMatcher(googleSelDataTextAd)
		if ads.Length() == 0 {
			ads = blk.FindMatcher(googleSelUEierd)
		}
		googleAdItems(ads, b, base, block)
	})
	// An ad outside those blocks (openserp reads [data-text-ad] anywhere): top unless it sits
	// below the ranked list.
	doc.FindMatcher(googleSelDataTextAd).Each(func(_ int, s *goquery.Selection) {
		if s.ParentsMatcher(googleSelTads2).Length() > 0 {
			return
		}
		block := "top"
		if s.ParentsMatcher(googleSelBotstuff).Length() > 0 {
			block = "bottom"
		}
		googleAdItems(s, b, base, block)
	})
}

// googleAdItems reads text ads: the heading as title and the advertiser's URL as the link
// (the click-tracking data-rw URL is left alone).
func googleAdItems(ads *goquery.Selection, b *builder, base, block string) {
	ads.Each(func(_ int, s *goquery.Selection) {
		a := s.FindMatcher(googleSelAHrefHasRoleHeading).First()
		if a.Length() == 0 {
			a = s.FindMatcher(googleSelAHref).First()
		}
		href, ok := googleTarget(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		title := firstText(a, googleSelRoleHeading, googleSelH3)
		if title == "" {
			title = text(a)
		}
		b.ad(schemas.Ad{Block: block, Title: title, URL: href,
			DisplayedURL: firstText(s, googleSelDataDtld, googleSelX2VHCd, googleSelCite2),
			Snippet:      firstText(s, googleSelMUxGbdYDYNvb, googleSelVa3FIb, googleSelYDYNvb, googleSelDataContentFeature)})
	})
}

// googleRelated reads "Related searches": links back to /search with a plain q (entity links
// carry si= or stick=, tools carry tbs/tbm/udm, pagination carries start).
func googleRelated(doc *goquery.Document, b *builder, base string) {
	doc.FindMatcher(googleSelAHrefSearch).Each(func(_ int, a *goquery.Selection) {
		if a.ParentsMatcher(googleSelRhs).Length() > 0 {
			return
		}
		href, ok := absURL(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		u, err := url.Parse(href)
		if err != nil || !strings.HasPrefix(u.Hostname(), "www.google.") && !strings.HasPrefix(u.Hostname(), "google.") {
			return
		}
		v := u.Query()
		if v.Get("q") == "" {
			return
		}
		for _, k := range []string{"si", "stick", "tbs", "tbm", "udm", "start", "gbv", "source", "lr", "uds", "ibp", "prmd", "gws_rd", "gfe_rd"} {
			if v.Has(k) {
				return
			}
		}
		// The q parameter is the query itself; the link text loses spaces around its bold parts.
		b.relatedSearch(v.Get("q"), href)
	})
	// The basic (WML) page lists them as a.ZWRArf in table.HExoMb (searxng's suggestion_xpath).
	doc.FindMatcher(googleSelTableHExoMbAZWRArf).Each(func(_ int, a *goquery.Selection) {
		href, _ := absURL(base, a.AttrOr("href", ""))
		q := queryParam(href, "q")
		if q == "" {
			q = text(a)
		}
		b.relatedSearch(q, href)
	})
}

// googleAnswer reads the AI overview, a featured snippet or a direct answer, which Google
// places above the ranked list.
func googleAnswer(doc *goquery.Document, base string) *schemas.AnswerBox {
	if ai := doc.FindMatcher(googleSelDataSubtreeAimc).First(); ai.Length() > 0 {
		body := ai.FindMatcher(googleSelDataContainerIdMainCol).First()
		if body.Length() == 0 {
			body = ai
		}
		if t := text(body); t != "" {
			// The lead paragraph holds the first aimfl span; later blocks are citations and
			// expandable sections.
			first := body.FindMatcher(googleSelSpanDataSubtreeAimfl).First().Parent()
			if first.Length() == 0 {
				first = body.FindMatcher(googleSelDiv).First()
			}
			return &schemas.AnswerBox{Type: "ai_overview", Answer: text(first), Snippet: t}
		}
	}
	if fs := doc.FindMatcher(googleSelIfM9O).First(); fs.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "featured_snippet",
			Answer:  firstText(fs, googleSelIZ6rdc, googleSelZ0LcW, googleSelDataTtsAnswers),
			Snippet: firstText(fs, googleSelDataAttridWaDescriptionHgKElc, googleSelHgKElc, googleSelDataAttridWaDescription, googleSelLGOjhe)}
		a := fs.FindMatcher(googleSelAHrefHasH3).First()
		ab.Title = text(a.FindMatcher(googleSelH3))
		if a.Length() == 0 {
			// Older pages put the source link inside the h3.
			a = fs.FindMatcher(googleLinksInH3).First()
			ab.Title = text(a)
		}
		if a.Length() == 0 {
			// The smartphone page's source link wraps a heading div, not an h3.
			a = fs.FindMatcher(googleLinksHeading).First()
			ab.Title = text(a.FindMatcher(googleSelRoleHeading).First())
		}
		if u, ok := googleTarget(base, a.AttrOr("href", "")); ok {
			ab.URL = u
		}
		if ab.Snippet == "" {
			// Older featured snippets mark the text only by being the block before the
			// source link.
			ab.Snippet = snippetText(snippetByStructure(fs, a))
		}
		if ab.Answer == "" && ab.Snippet == "" {
			// A list snippet ("Boys names that mean crow: Bartram …, Beltran …") has no
			// paragraph: its heading is the answer, its items the text.
			var items []string
			fs.FindMatcher(googleSelFSListItem).Each(func(_ int, li *goquery.Selection) {
				if t := text(li); t != "" {
					items = append(items, t)
				}
			})
			if len(items) > 0 {
				ab.Answer = text(fs.FindMatcher(googleSelFSListHead).First())
				ab.Snippet = strings.Join(items, " ")
			}
		}
		if ab.Answer != "" || ab.Snippet != "" {
			return ab
		}
	}
	if ab := googleInstantAnswer(doc); ab != nil {
		return ab
	}
	if ans := doc.FindMatcher(googleSelDataAttridZ0LcW).First(); ans.Length() > 0 && text(ans) != "" {
		return &schemas.AnswerBox{Type: "answer", Answer: text(ans)}
	}
	return nil
}

// googleInstantAnswer reads the answers Google computes itself, each found by the ids and
// data attributes it has kept for years: the calculator (#cwos, its expression before it),
// weather (#wob_wc: place, temperature, conditions), the dictionary (data-dobid hdw and dfn)
// and the unit and currency converters (data-attrid UnitConversion / Currency, or the
// converter's two inputs).
func googleInstantAnswer(doc *goquery.Document) *schemas.AnswerBox {
	if w := doc.FindMatcher(googleSelWeather).First(); w.Length() > 0 {
		temp := text(w.FindMatcher(googleSelWeatherTemp).First())
		if temp != "" {
			unit := ""
			if u := w.FindMatcher(googleSelWeatherUnit).First(); u.Length() > 0 {
				unit = strings.TrimPrefix(text(u), "°")
				unit = "°" + strings.TrimSpace(strings.Split(unit, "|")[0])
			}
			return &schemas.AnswerBox{Type: "weather", Title: text(w.FindMatcher(googleSelWeatherLoc).First()),
				Answer: temp + unit, Snippet: clean(text(w.FindMatcher(googleSelWeatherCond).First()) + " " + text(w.FindMatcher(googleSelWeatherTime).First()))}
		}
	}
	if c := doc.FindMatcher(googleSelCalc).First(); c.Length() > 0 && text(c) != "" {
		expr := ""
		if e := doc.FindMatcher(googleSelCalcExpr).First(); e.Length() > 0 {
			expr = strings.TrimSpace(strings.TrimSuffix(text(e), "="))
		}
		return &schemas.AnswerBox{Type: "calculator", Title: expr, Answer: text(c)}
	}
	if hw := doc.FindMatcher(googleSelDictHeadword).First(); hw.Length() > 0 {
		if d := doc.FindMatcher(googleSelDictDefinition).First(); d.Length() > 0 && text(d) != "" {
			return &schemas.AnswerBox{Type: "definition", Title: text(hw), Answer: text(d)}
		}
	}
	if uc := doc.FindMatcher(googleSelConverter).First(); uc.Length() > 0 {
		ab := &schemas.AnswerBox{Type: "unit_converter"}
		if uc.Is("[data-attrid*=Currency], [data-exchange-rate]") {
			ab.Type = "currency_converter"
		}
		var vals []string
		uc.FindMatcher(googleSelConverterValue).Each(func(_ int, in *goquery.Selection) {
			v := in.AttrOr("value", "")
			if v == "" {
				v = text(in)
			}
			if unit := text(in.Parent().FindMatcher(googleSelOptionSelected).First()); unit != "" {
				v += " " + unit
			}
			if v = clean(v); v != "" {
				vals = append(vals, v)
			}
		})
		if len(vals) >= 2 {
			ab.Title, ab.Answer = vals[0], vals[1]
		} else {
			ab.Answer = snippetText(uc)
		}
		if ab.Answer != "" {
			return ab
		}
	}
	return nil
}

// googleKnowledgeGraph reads the entity panel. Its parts have carried the same data-attrid
// names for a decade while their classes changed: title, subtitle (the entity's type) and
// description, whose link names the source.
func googleKnowledgeGraph(doc *goquery.Document, base string) *schemas.KnowledgeGraph {
	title := doc.FindMatcher(googleSelKGTitle).First()
	// The panels of 2016-2019 carry no data-attrid: the title is .kno-ecr-pt, the type the
	// line after it, the description .kno-rdesc.
	old := false
	if title.Length() == 0 {
		title, old = doc.FindMatcher(googleSelKnoEcrPt).First(), true
	}
	if title.Length() == 0 {
		return nil
	}
	// The panel is the nearest ancestor that also holds the description, when there is one.
	panel := title.Parent()
	for p := panel; p.Length() > 0 && !p.Is("body"); p = p.Parent() {
		if p.FindMatcher(googleSelKGDescription).Length() > 0 {
			panel = p
			break
		}
	}
	kg := &schemas.KnowledgeGraph{
		Title: firstText(title, googleSelRoleHeading, googleSelSpan),
		Type:  text(panel.FindMatcher(googleSelKGSubtitle).First()),
	}
	if kg.Title == "" {
		kg.Title = text(title)
	}
	if t := text(title.Next()); old && kg.Type == "" && len([]rune(t)) <= 80 {
		kg.Type = t
	}
	if d := panel.FindMatcher(googleSelKGDescription).First(); d.Length() > 0 {
		body := d.FindMatcher(googleSelKnoRdesc).First()
		if body.Length() == 0 {
			body = d
		}
		kg.Description = snippetText(body)
		if a := body.FindMatcher(googleSelAHref).Last(); a.Length() > 0 {
			if u, ok := googleTarget(base, a.AttrOr("href", "")); ok && !isGoogleHost(u) {
				kg.Source = &schemas.Source{Name: text(a), URL: u}
			}
		}
		// The description opens with a hidden "Description" heading on desktop.
		kg.Description = strings.TrimSpace(strings.TrimPrefix(kg.Description, "Description "))
	}
	if kg.Title == "" {
		return nil
	}
	return kg
}

// googleRelatedQuestions reads "People also ask": each question pair names its question in
// data-q (the text of its toggle otherwise); the answer, when the page already holds it, is
// the first snippet block under the toggle and the link with its h3 its source.
func googleRelatedQuestions(doc *goquery.Document, base string) []schemas.RelatedQuestion {
	var out []schemas.RelatedQuestion
	seen := map[string]bool{}
	doc.FindMatcher(googleSelQuestionPair).Each(func(_ int, p *goquery.Selection) {
		q := clean(p.AttrOr("data-q", ""))
		if q == "" {
			q = firstText(p, googleSelRoleButton, googleSelRoleHeading, googleSelSpan)
		}
		if q == "" || seen[q] {
			return
		}
		seen[q] = true
		rq := schemas.RelatedQuestion{Question: q}
		if sn := p.FindMatcher(googleSelQuestionAnswer).First(); sn.Length() > 0 {
			rq.Snippet = snippetText(sn)
		}
		if a := p.FindMatcher(googleSelAHrefHasH3).First(); a.Length() > 0 {
			rq.Title = text(a.FindMatcher(googleSelH3))
			if u, ok := googleTarget(base, a.AttrOr("href", "")); ok {
				rq.URL = u
			}
		}
		out = append(out, rq)
	})
	return out
}

// googleTopStoriesHeadings are the "Top stories" module's heading in the languages trawl
// asks in; the module is found by its heading, its stories by structure (links wrapping a
// heading, the line after it a time).
var googleTopStoriesHeadings = map[string]bool{"top stories": true, "schlagzeilen": true, "à la une": true,
	"noticias destacadas": true, "главные новости": true, "notizie principali": true, "principais notícias": true, "topverhalen": true,
	// The 2014-2015 pages' heading of the same block.
	"in the news": true, "news-themen": true}

func googleTopStories(doc *goquery.Document, base string) []schemas.TopStory {
	var out []schemas.TopStory
	seen := map[string]bool{}
	doc.FindMatcher(googleSelRoleHeading).Each(func(_ int, h *goquery.Selection) {
		if !googleTopStoriesHeadings[strings.ToLower(text(h))] {
			return
		}
		// The module is the nearest ancestor that holds story links besides the heading.
		sec := h.Parent()
		for sec.Length() > 0 && !sec.Is("body") && sec.FindMatcher(googleSelStoryLink).Length() == 0 {
			sec = sec.Parent()
		}
		sec.FindMatcher(googleSelStoryLink).Each(func(_ int, a *goquery.Selection) {
			u, ok := googleTarget(base, a.AttrOr("href", ""))
			if !ok || isGoogleHost(u) || seen[u] {
				return
			}
			head := a.FindMatcher(googleSelRoleHeading).First()
			st := schemas.TopStory{Title: text(head), URL: u}
			// The smartphone page of 2021 puts publisher, title and time all in the
			// heading, one block each: the title is the longest.
			if lines := leafTexts(head); len(lines) >= 2 {
				st.Title = ""
				readStoryLines(&st, lines, 0)
			}
			if st.Title == "" {
				return
			}
			seen[u] = true
			// The lines around the title: a time ("26 mins ago", "Apr 20, 2023") is the
			// date, another short line the publisher.
			a.FindMatcher(googleSelSpanOrDiv).Each(func(_ int, l *goquery.Selection) {
				if l.FindMatcher(googleSelSpanOrDiv).Length() > 0 || l.ParentsFiltered("[role=heading]").Length() > 0 || l.Is("[role=heading]") {
					return
				}
				t := text(l)
				switch {
				case t == "" || t == st.Title:
				case st.Date == "" && storyDate.MatchString(t):
					st.Date = t
				case st.Source == "" && len([]rune(t)) <= 40 && hasLetter(t):
					st.Source = t
				}
			})
			if st.Source == "" {
				if img := a.FindMatcher(googleSelImgAlt).First(); img.Length() > 0 {
					st.Source = clean(img.AttrOr("alt", ""))
				}
			}
			out = append(out, st)
		})
	})
	if len(out) == 0 {
		out = googleTopStoriesOld(doc, base)
	}
	if len(out) == 0 {
		out = googleTopStories2015(doc, base)
	}
	return out
}

// googleTopStories2015 reads the "In the news" block of 2014-2015 pages: li.card-section
// items (an li.g among them, which is why organic reading skips card sections) under a
// block whose first line is the heading, each a title link, a cite for the publisher and
// a span for the time.
func googleTopStories2015(doc *goquery.Document, base string) []schemas.TopStory {
	var out []schemas.TopStory
	seen := map[string]bool{}
	doc.FindMatcher(googleSelCardSection).Each(func(_ int, li *goquery.Selection) {
		block := li.Closest(".mnr-c")
		if block.Length() == 0 || !googleTopStoriesHeadings[strings.ToLower(text(block.Children().First()))] {
			return
		}
		var st schemas.TopStory
		li.FindMatcher(googleSelAHref).EachWithBreak(func(_ int, a *goquery.Selection) bool {
			u, ok := googleTarget(base, a.AttrOr("href", ""))
			if t := text(a); ok && t != "" && !isGoogleHost(u) {
				st.URL, st.Title = u, t
				return false
			}
			return true
		})
		if st.URL == "" || seen[st.URL] {
			return
		}
		st.Source = text(li.FindMatcher(googleSelCiteTag).First())
		// The time is the span.f beside the cite ("vor 18 Stunden"); the other holds " - ".
		li.FindMatcher(googleSelSpanF).Each(func(_ int, sp *goquery.Selection) {
			if t := text(sp); strings.ContainsAny(t, "0123456789") {
				st.Date = t
			}
		})
		seen[st.URL] = true
		out = append(out, st)
	})
	return out
}

// googleTopStoriesOld reads the top stories of 2016-2019 pages: under an h3 in
// g-section-with-header (desktop) or a g-tray-header (smartphone), cards whose link holds the
// title in its first div, the publisher a cite and the time a span beside it, with no
// role=heading anywhere.
func googleTopStoriesOld(doc *goquery.Document, base string) []schemas.TopStory {
	var out []schemas.TopStory
	seen := map[string]bool{}
	doc.FindMatcher(googleSelOldStoriesHeading).Each(func(_ int, h *goquery.Selection) {
		if !googleTopStoriesHeadings[strings.ToLower(text(h))] {
			return
		}
		sec := h.Closest("g-section-with-header, g-card")
		sec.FindMatcher(googleSelAHref).Each(func(_ int, a *goquery.Selection) {
			if a.ParentsFiltered("g-more-link").Length() > 0 {
				return
			}
			href := a.AttrOr("href", "")
			if w := a.AttrOr("data-weburl", ""); href == "#" && w != "" {
				href = w // an app link (intent://) with the web page beside it
			}
			u, ok := googleTarget(base, href)
			if !ok || isGoogleHost(u) || seen[u] {
				return
			}
			card := a.Closest("g-card-section, g-inner-card")
			if card.Length() == 0 {
				card = a.Parent()
			}
			// The title is the link's longest line; the others are the publisher (a cite,
			// or the site's name over a carousel card) and the time.
			st := schemas.TopStory{URL: u, Source: text(card.FindMatcher(googleSelCiteTag).First())}
			readStoryLines(&st, leafTexts(card), 40)
			if st.Title == "" || st.Title == st.Source {
				return
			}
			seen[u] = true
			out = append(out, st)
		})
	})
	return out
}

// leafTexts are the texts of the innermost spans and divs under s, in page order.
func leafTexts(s *goquery.Selection) []string {
	var out []string
	s.FindMatcher(googleSelSpanOrDiv).Each(func(_ int, l *goquery.Selection) {
		if l.FindMatcher(googleSelSpanOrDiv).Length() == 0 {
			if t := text(l); t != "" {
				out = append(out, t)
			}
		}
	})
	return out
}

// readStoryLines reads a story card's lines: the longest that is not a time is the title
// (unless st has one), a time ("26 mins ago", "Apr 20, 2023") the date, another line with a
// letter the publisher (at most maxSource runes; 0: any), each unless st has it already.
func readStoryLines(st *schemas.TopStory, lines []string, maxSource int) {
	if st.Title == "" {
		for _, t := range lines {
			if len(t) > len(st.Title) && !storyDate.MatchString(t) {
				st.Title = t
			}
		}
	}
	for _, t := range lines {
		switch {
		case t == st.Title:
		case st.Date == "" && storyDate.MatchString(t):
			st.Date = t
		case st.Source == "" && (maxSource == 0 || len([]rune(t)) <= maxSource) && hasLetter(t):
			st.Source = t
		}
	}
}

// hasLetter reports a text with a letter in it: a publisher's name, not a separator.
func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// storyDate is a story's time as news modules print it.
var storyDate = regexp.MustCompile(`^(?:` + datePattern + `|\d+ (?:mins?|minutes?|hours?|days?|weeks?|months?) ago|LIVE|Live)$`)

// Selectors compiled once: Find(string) compiles its selector on every call, which
// per-result loops paid for on every page.
var googleSelCarousel = cascadia.MustCompile("g-scrolling-carousel, g-snapping-carousel")

var (
	googleSelRso                           = cascadia.MustCompile("#rso")
	googleSelKGTitle                       = cascadia.MustCompile("[data-attrid=title]")
	googleSelWeather                       = cascadia.MustCompile("#wob_wc")
	googleSelWeatherTemp                   = cascadia.MustCompile("#wob_tm")
	googleSelWeatherUnit                   = cascadia.MustCompile(".wob-unit .wob_t:not([style*=none]), .wob-unit span[aria-disabled=true]")
	googleSelWeatherLoc                    = cascadia.MustCompile("#wob_loc, .BBwThe")
	googleSelWeatherCond                   = cascadia.MustCompile("#wob_dc")
	googleSelWeatherTime                   = cascadia.MustCompile("#wob_dts")
	googleSelCalc                          = cascadia.MustCompile("#cwos")
	googleSelCalcExpr                      = cascadia.MustCompile(".vUGUtc, #cwles")
	googleSelDictHeadword                  = cascadia.MustCompile("[data-dobid=hdw]")
	googleSelDictDefinition                = cascadia.MustCompile("[data-dobid=dfn]")
	googleSelConverter                     = cascadia.MustCompile("[data-attrid=UnitConversion], [data-attrid*=Currency], [data-exchange-rate], #NotFQb")
	googleSelConverterValue                = cascadia.MustCompile("input[value], [data-value]")
	googleSelOptionSelected                = cascadia.MustCompile("option[selected]")
	googleSelKGSubtitle                    = cascadia.MustCompile("[data-attrid=subtitle]")
	googleSelKGDescription                 = cascadia.MustCompile("[data-attrid=description], .kno-rdesc")
	googleSelKnoEcrPt                      = cascadia.MustCompile(".kno-ecr-pt")
	googleSelKnoRdesc                      = cascadia.MustCompile(".kno-rdesc")
	googleSelSpan                          = cascadia.MustCompile("span")
	googleSelQuestionPair                  = cascadia.MustCompile(".related-question-pair")
	googleSelQuestionAnswer                = cascadia.MustCompile("[data-attrid='wa:/description'], .hgKElc, .VwiC3b, [data-sncf]")
	googleSelRoleButton                    = cascadia.MustCompile("[role=button]")
	googleSelStoryLink                     = cascadia.MustCompile("a[href]:has([role=heading])")
	googleSelOldStoriesHeading             = cascadia.MustCompile("g-section-with-header h3, g-tray-header")
	googleSelCardSection                   = cascadia.MustCompile("li.card-section")
	googleSelSpanF                         = cascadia.MustCompile("span.f")
	googleSelCiteTag                       = cascadia.MustCompile("cite")
	googleSelSpanOrDiv                     = cascadia.MustCompile("span, div")
	googleSelImgAlt                        = cascadia.MustCompile("img[alt]")
	googleSelSearch                        = cascadia.MustCompile("#search")
	googleSelMain                          = cascadia.MustCompile("#main")
	googleSelBody                          = cascadia.MustCompile("body")
	googleSelResultStats                   = cascadia.MustCompile("#result-stats, #resultStats")
	googleSelPnnext                        = cascadia.MustCompile("#pnnext, a[aria-label='Next page'], a[aria-label='Nächste Seite'], footer a.nBDE1b, td.d6cvqb a#pnnext")
	googleSelDataSitekey                   = cascadia.MustCompile("[data-sitekey], script[src*='recaptcha']")
	googleSelAHrefStart                    = cascadia.MustCompile("a[href*='start=']")
	googleSelFormCaptchaForm               = cascadia.MustCompile("form#captcha-form, #recaptcha, .g-recaptcha")
	googleSelFormActionConsentGoogle       = cascadia.MustCompile("form[action*='consent.google.'], form[action*='/save']:has(input[name=set_eom])")
	googleSelAHrefHasH3                    = cascadia.MustCompile("a[href]:has(h3)")
	googleSelResultsShell                  = cascadia.MustCompile("#rso, #search, #ires, a[href]:has(h3), [role=heading][aria-level='3']")
	googleSelVwiC3b                        = cascadia.MustCompile(".VwiC3b, [data-sncf='1'], [data-content-feature='1'], .IsZvec, .lEBKkf")
	googleSelDataSncf1                     = cascadia.MustCompile("[data-sncf*='1'], span.FrIlee, .taTFJ, div.H66NU, div.InXCmc, .ITZIwc")
	googleSelSnippetOld                    = cascadia.MustCompile("span.st, .MUxGbd.yDYNvb")
	googleSelDataSncf                      = cascadia.MustCompile("[data-sncf], [data-content-feature]")
	googleSelKCrYT                         = cascadia.MustCompile(".kCrYT")
	googleSelH3                            = cascadia.MustCompile("h3")
	googleSelAHasH3                        = cascadia.MustCompile("a:has(h3)")
	googleSelS3v9rd                        = cascadia.MustCompile(".s3v9rd")
	googleSelA                             = cascadia.MustCompile("a")
	googleSelSpanYrbPuc                    = cascadia.MustCompile("span.YrbPuc, span.LEwnzc, span.MUxGbd.wuQ4Ob, span.r0bn4c.rQMQod, span.st > span.f")
	googleSelAHref                         = cascadia.MustCompile("a[href]")
	googleSelH32                           = cascadia.MustCompile("h3, img")
	googleSelCite                          = cascadia.MustCompile("cite, .B6fmyf, .eFM0qc, [role=button]")
	googleSelTads                          = cascadia.MustCompile("#tads, #tadsb, #bottomads")
	googleSelDataTextAd                    = cascadia.MustCompile("[data-text-ad]")
	googleSelUEierd                        = cascadia.MustCompile(".uEierd")
	googleSelTads2                         = cascadia.MustCompile("#tads, #tadsb, #bottomads, [data-text-ad]")
	googleSelBotstuff                      = cascadia.MustCompile("#botstuff")
	googleSelAHrefHasRoleHeading           = cascadia.MustCompile("a[href]:has([role=heading]), a[href]:has(h3)")
	googleSelAHrefSearch                   = cascadia.MustCompile("a[href*='/search?']")
	googleSelRhs                           = cascadia.MustCompile("#rhs, .kp-wholepage, #hdtb, #top_nav, [role=navigation], #foot, footer, .related-question-pair, #rso, #tads, #appbar, [data-attrid]")
	googleSelTableHExoMbAZWRArf            = cascadia.MustCompile("table.HExoMb a.ZWRArf")
	googleSelDataSubtreeAimc               = cascadia.MustCompile("[data-subtree=aimc]")
	googleSelDataContainerIdMainCol        = cascadia.MustCompile("[data-container-id=main-col]")
	googleSelSpanDataSubtreeAimfl          = cascadia.MustCompile("span[data-subtree*=aimfl]")
	googleSelDiv                           = cascadia.MustCompile("div, p")
	googleSelIfM9O                         = cascadia.MustCompile(".ifM9O, block-component .xpdopen")
	googleSelDataAttridZ0LcW               = cascadia.MustCompile("[data-attrid] .Z0LcW, .IZ6rdc")
	googleSelCite2                         = cascadia.MustCompile("cite")
	googleSelUPmit                         = cascadia.MustCompile(".UPmit")
	googleSelQzEoUe                        = cascadia.MustCompile(".qzEoUe")
	googleSelSCuL3                         = cascadia.MustCompile(".sCuL3")
	googleSelSpanDXDvrc                    = cascadia.MustCompile("span.dXDvrc")
	googleSelRoleHeading                   = cascadia.MustCompile("[role=heading]")
	googleSelDataDtld                      = cascadia.MustCompile("[data-dtld]")
	googleSelX2VHCd                        = cascadia.MustCompile(".x2VHCd")
	googleSelMUxGbdYDYNvb                  = cascadia.MustCompile(".MUxGbd.yDYNvb")
	googleSelVa3FIb                        = cascadia.MustCompile(".Va3FIb")
	googleSelYDYNvb                        = cascadia.MustCompile(".yDYNvb")
	googleSelDataContentFeature            = cascadia.MustCompile("[data-content-feature]")
	googleSelIZ6rdc                        = cascadia.MustCompile(".IZ6rdc")
	googleSelZ0LcW                         = cascadia.MustCompile(".Z0LcW")
	googleSelDataTtsAnswers                = cascadia.MustCompile("[data-tts=answers]")
	googleSelDataAttridWaDescriptionHgKElc = cascadia.MustCompile("[data-attrid='wa:/description'] .hgKElc")
	googleSelHgKElc                        = cascadia.MustCompile(".hgKElc")
	googleSelDataAttridWaDescription       = cascadia.MustCompile("[data-attrid='wa:/description']")
	googleSelLGOjhe                        = cascadia.MustCompile(".LGOjhe")
	googleSelFSListItem                    = cascadia.MustCompile("ul.i8Z77e > li, ol.X5LH0c > li")
	googleSelFSListHead                    = cascadia.MustCompile("[role=heading]")
)

// googleOrganic's link and title selectors, one set per layout tier.
var (
	googleLinksH3    = cascadia.MustCompile("a[href]:has(h3)")
	googleLinksInH3  = cascadia.MustCompile("h3 a[href]")
	googleLinksCard  = nodeMatcher(googleCardLink)
	googleLinksMixed = nodeMatcher(func(n *html.Node) bool {
		return googleCardLink(n) || googleLinksH3.Match(n) || googleLinksInH3.Match(n)
	})
	googleLinksHeading  = cascadia.MustCompile("a[href]:not([role=button]):has([role=heading])")
	googleTitleHeading  = cascadia.MustCompile("[role=heading]")
	googleLinksMobile   = cascadia.MustCompile("a[href]:has(div[role=link]), a[href]:has(span.CVA68e), a.fuLhoc[href]")
	googleTitleCVA68e   = cascadia.MustCompile("span.CVA68e")
	googleTitleRoleLink = cascadia.MustCompile("div[role=link]")
	googleTitleDXDvrc   = cascadia.MustCompile("span.dXDvrc")
	googleLinksBasic    = cascadia.MustCompile("a[data-ved][href]:not([class]):has(div[style])")
	googleTitleDivStyle = cascadia.MustCompile("div[style]")
)
