package engines

import (
	"strings"

	"golang.org/x/net/html"
)

// The html endpoint's reader finds what it needs in one walk of the document instead of a
// cascadia query per section and per result block. Matching a class selector re-splits the
// element's class attribute on every test, and the queries walked the same nodes a dozen
// times: on the simulator's page (11 result blocks) Parse spent about 330 µs in them and the
// per-result Find chains, twice the 170 µs of building the tree; the walk takes about 6 µs
// and reading the blocks from it about 25 µs, mostly URL parsing (BenchmarkDuckDuckGoSimPage,
// go1.26, 2 shared vCPUs). Here each element's attributes are read once into ddgMarks, and every
// selector the reader uses is a test on those marks, the tag and the ancestors' ddgCtx. The
// cascadia selectors stay the spec: TestDDGHitsMatchSelectors holds each test to its selector
// on every DuckDuckGo page we have, and the rarer sections (lite, the answer box, a page
// without results) still run the selectors themselves.

// ddgMarks are the attribute values the reader's selectors test, as bits: class tokens
// (split as cascadia splits them, on any of " \t\r\n\f"), and whole values of a few other
// attributes. Every attribute of a key counts, as in cascadia.
type ddgMarks uint64

const (
	clsResult ddgMarks = 1 << iota
	clsWebResult
	clsWebResultSponsored
	clsResultA
	clsLarge
	clsResultURL
	clsURL
	clsResultSnippet
	clsSnippet
	clsResultDate
	clsResultExtrasURL
	clsBadgeAd
	clsResultBadgeAd
	clsResultsAds
	clsResultSitelinks
	clsSitelinks
	clsRelatedSearchesLink
	clsRelatedSearches
	clsNavLink
	clsNavbutton
	clsResultMoreBtn
	clsAnomalyTitle
	clsAnomalyModal
	clsAnomalyMask
	clsZci
	clsZciBody
	clsZciWrapper
	clsResultLink
	tidResult // data-testid=result
	tidAd
	tidTitleA
	tidAdBadge
	tidURLLink
	tidDuckassist
	tidAbout
	idChallengeForm
	idAnomalyModal
	idMoreResults
	idZeroClick
	layoutOrganic // data-layout=organic
	layoutAd
	dataResultSnippet // data-result=snippet
	relNext
	typeSubmit
	nameChallenge
	actionAnomaly // action*='anomaly'
)

func (m ddgMarks) any(bits ddgMarks) bool { return m&bits != 0 }

var ddgClassMarks = map[string]ddgMarks{
	"result": clsResult, "web-result": clsWebResult, "web-result-sponsored": clsWebResultSponsored,
	"result__a": clsResultA, "large": clsLarge, "result__url": clsResultURL, "url": clsURL,
	"result__snippet": clsResultSnippet, "snippet": clsSnippet, "result__date": clsResultDate,
	"result__extras__url": clsResultExtrasURL, "badge--ad": clsBadgeAd, "result__badge--ad": clsResultBadgeAd,
	"results--ads": clsResultsAds, "result__sitelinks": clsResultSitelinks, "sitelinks": clsSitelinks,
	"related-searches__link": clsRelatedSearchesLink, "related-searches": clsRelatedSearches,
	"nav-link": clsNavLink, "navbutton": clsNavbutton, "result--more__btn": clsResultMoreBtn,
	"anomaly-modal__title": clsAnomalyTitle, "anomaly-modal__modal": clsAnomalyModal, "anomaly-modal__box": clsAnomalyModal,
	"anomaly-modal__mask": clsAnomalyMask, "zci": clsZci, "zci__body": clsZciBody, "zci-wrapper": clsZciWrapper, "result-link": clsResultLink,
}

// ddgClassByLen is ddgClassMarks by the length of the class name: every class token of every
// element is looked up, most of them not there, and comparing the one to three names of a
// length took half the time of hashing the token for the map.
var ddgClassByLen = func() (t [24][]ddgClassEntry) {
	for name, m := range ddgClassMarks {
		if len(name) >= len(t) {
			panic("ddgClassByLen: class name longer than the table: " + name)
		}
		t[len(name)] = append(t[len(name)], ddgClassEntry{name, m})
	}
	return t
}()

type ddgClassEntry struct {
	name string
	m    ddgMarks
}

// ddgClassMark is ddgClassMarks[c].
func ddgClassMark(c string) ddgMarks {
	if len(c) >= len(ddgClassByLen) {
		return 0
	}
	for _, e := range ddgClassByLen[len(c)] {
		if e.name == c {
			return e.m
		}
	}
	return 0
}

var ddgTestIDMarks = map[string]ddgMarks{
	"result": tidResult, "ad": tidAd, "result-title-a": tidTitleA, "ad-badge": tidAdBadge,
	"result-extras-url-link": tidURLLink, "duckassist-answer-content": tidDuckassist, "about": tidAbout,
}

var ddgIDMarks = map[string]ddgMarks{
	"challenge-form": idChallengeForm, "anomaly-modal": idAnomalyModal, "anomaly_modal": idAnomalyModal, "more-results": idMoreResults,
	"zero_click_abstract": idZeroClick,
}

func ddgMarksOf(n *html.Node) ddgMarks {
	var m ddgMarks
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			for v := a.Val; v != ""; {
				i := 0
				for i < len(v) && !classSpace(v[i]) {
					i++
				}
				if i > 0 {
					m |= ddgClassMark(v[:i])
				}
				if i == len(v) {
					break
				}
				v = v[i+1:]
			}
		case "data-testid":
			m |= ddgTestIDMarks[a.Val]
		case "id":
			m |= ddgIDMarks[a.Val]
		case "data-layout":
			switch a.Val {
			case "organic":
				m |= layoutOrganic
			case "ad":
				m |= layoutAd
			}
		case "data-result":
			if a.Val == "snippet" {
				m |= dataResultSnippet
			}
		case "rel":
			if a.Val == "next" {
				m |= relNext
			}
		case "type":
			if a.Val == "submit" {
				m |= typeSubmit
			}
		case "name":
			if a.Val == "challenge" {
				m |= nameChallenge
			}
		case "action":
			if strings.Contains(a.Val, "anomaly") {
				m |= actionAnomaly
			}
		}
	}
	return m
}

// classSpace reports a byte that separates class names for cascadia.
func classSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f':
		return true
	}
	return false
}

// ddgCtx is what an element's ancestors say about it: the ancestor halves of the descendant
// selectors ("h2 a", "ul li a", ...).
type ddgCtx uint16

const (
	inBlock         ddgCtx = 1 << iota // an ancestor matches ddgBlocks
	inH2                               // h2
	inUL                               // ul
	inLIInUL                           // li with a ul above it
	inSitelinks                        // .result__sitelinks or .sitelinks
	inURLLink                          // [data-testid=result-extras-url-link]
	inSpan                             // span
	inRelated                          // .related-searches
	inNavLink                          // .nav-link
	inFormInNavLink                    // form with a .nav-link above it
	inResultsAds                       // .results--ads
	parentExtrasURL                    // the parent (not any ancestor) is .result__extras__url
	inZciWrapper                       // .zci-wrapper
)

// ddgHits are the reader's selectors an element matches.
type ddgHits uint32

const (
	hitBlock       ddgHits = 1 << iota // ddgBlocks
	hitLayoutBlock                     // ddgLayoutBlocks
	hitChallenge                       // ddgSelFormChallengeForm
	hitLiteLink                        // ddgLiteSelAResultLink
	hitRelated                         // ddgSelARelatedSearchesLink
	hitNavSubmit                       // ddgSelNavLinkFormInputTypeSubmit
	hitMore                            // ddgSelMoreResults
	hitAnswer                          // one of ddgAnswer's three top-level selectors may match
	hitLink                            // ddgSelAResultA
	hitResultURL                       // ddgSelResultUrl
	hitDivURL                          // ddgSelDivUrl
	hitURLLinkP                        // ddgSelDataTestidResultExtrasUrlLinkPLastCh
	hitURLLink                         // ddgSelDataTestidResultExtrasUrlLink
	hitSnippet                         // ddgSelResultSnippet
	hitDate                            // ddgSelResultDate
	hitSpanSpan                        // ddgSelSpanSpan
	hitBadge                           // ddgSelBadgeAd
	hitExtrasSpan                      // ddgSelResultExtrasUrlSpan
	hitSitelink                        // ddgSelUlLiA
	hitZci                             // ddgSelZciWrapperZci
)

// ddgElement reads element n, whose ancestors' context is ctx: the selectors it matches and
// the context of its children.
func ddgElement(n *html.Node, ctx ddgCtx) (ddgHits, ddgCtx, ddgMarks) {
	m := ddgMarksOf(n)
	var h ddgHits
	switch n.Data {
	case "div":
		if m.any(clsResult | clsWebResult | clsWebResultSponsored | tidResult | tidAd) {
			h |= hitBlock
		}
		if m.any(clsURL) {
			h |= hitDivURL
		}
		if m.any(clsSnippet) {
			h |= hitSnippet
		}
	case "article":
		if m.any(tidResult | tidAd) {
			h |= hitBlock
		}
	case "li":
		if m.any(layoutOrganic | layoutAd) {
			h |= hitLayoutBlock
		}
	case "a":
		if m.any(clsResultLink) {
			h |= hitLiteLink
		}
		if m.any(clsRelatedSearchesLink) || ctx&inRelated != 0 {
			h |= hitRelated
		}
		if m.any(relNext) {
			h |= hitMore
		}
		if m.any(clsResultA|tidTitleA|clsLarge) || ctx&inH2 != 0 {
			h |= hitLink
		}
		if ctx&(inLIInUL|inSitelinks) != 0 {
			h |= hitSitelink
		}
	case "form":
		if m.any(idChallengeForm | actionAnomaly) {
			h |= hitChallenge
		}
	case "input":
		if m.any(nameChallenge) {
			h |= hitChallenge
		}
		if m.any(clsNavbutton) || m.any(typeSubmit) && ctx&inFormInNavLink != 0 {
			h |= hitNavSubmit
		}
	case "p":
		if ctx&inURLLink != 0 && ddgLastElementChild(n) {
			h |= hitURLLinkP
		}
	case "span":
		if ctx&inSpan != 0 {
			h |= hitSpanSpan
		}
		if ctx&parentExtrasURL != 0 {
			h |= hitExtrasSpan
		}
	}
	if m.any(clsAnomalyTitle | clsAnomalyModal | clsAnomalyMask | idAnomalyModal) {
		h |= hitChallenge
	}
	if m.any(idMoreResults | clsResultMoreBtn) {
		h |= hitMore
	}
	if m.any(clsZci | clsZciBody | idZeroClick | tidDuckassist | tidAbout) {
		h |= hitAnswer
	}
	if m.any(clsZciBody|idZeroClick) || m.any(clsZci) && ctx&inZciWrapper != 0 {
		h |= hitZci
	}
	if m.any(clsResultURL) {
		h |= hitResultURL
	}
	if m.any(tidURLLink) {
		h |= hitURLLink
	}
	if m.any(clsResultSnippet | dataResultSnippet) {
		h |= hitSnippet
	}
	if m.any(clsResultDate) {
		h |= hitDate
	}
	if m.any(clsBadgeAd | clsResultBadgeAd | tidAdBadge) {
		h |= hitBadge
	}

	child := ctx &^ parentExtrasURL
	switch n.Data {
	case "h2":
		child |= inH2
	case "ul":
		child |= inUL
	case "li":
		if ctx&inUL != 0 {
			child |= inLIInUL
		}
	case "span":
		child |= inSpan
	case "form":
		if ctx&inNavLink != 0 {
			child |= inFormInNavLink
		}
	}
	if h&hitBlock != 0 {
		child |= inBlock
	}
	if m.any(clsResultSitelinks | clsSitelinks) {
		child |= inSitelinks
	}
	if m.any(tidURLLink) {
		child |= inURLLink
	}
	if m.any(clsRelatedSearches) {
		child |= inRelated
	}
	if m.any(clsNavLink) {
		child |= inNavLink
	}
	if m.any(clsResultsAds) {
		child |= inResultsAds
	}
	if m.any(clsResultExtrasURL) {
		child |= parentExtrasURL
	}
	if m.any(clsZciWrapper) {
		child |= inZciWrapper
	}
	return h, child, m
}

// ddgLastElementChild is :last-child: no element follows n among its siblings.
func ddgLastElementChild(n *html.Node) bool {
	if n.Parent == nil {
		return false
	}
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return false
		}
	}
	return true
}

// ddgPage is what one walk of the document finds.
type ddgPage struct {
	challenge bool
	lite      bool
	answer    bool       // ddgAnswer may find something
	zci       *html.Node // the first ddgSelZciWrapperZci element, ddgAnswer's first query
	hasNext   bool
	blocks    []ddgBlock // ddgBlocks outside another block, their parts read
	layout    []ddgBlock // ddgLayoutBlocks, all of them, parts not read
	related   []*html.Node
}

// ddgBlock is one result block and what its descendants hold, each the first in document
// order unless a list.
type ddgBlock struct {
	n   *html.Node
	ctx ddgCtx // of n's ancestors

	link      *html.Node
	urls      [4]*html.Node // ddgDisplaySelectors' first matches
	snippet   *html.Node
	snipCtx   ddgCtx // of the snippet's children
	badge     bool
	extras    []*html.Node // .result__extras__url > span
	sitelinks []*html.Node
}

func ddgScan(doc *html.Node) *ddgPage {
	p := &ddgPage{blocks: make([]ddgBlock, 0, 16)} // a page holds up to 10 results (15 from page 2) and ads
	p.walk(doc, 0, nil)
	return p
}

// walk reads n's descendants; cur is the block they belong to, if any.
func (p *ddgPage) walk(n *html.Node, ctx ddgCtx, cur *ddgBlock) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		h, child, _ := ddgElement(c, ctx)
		if cur != nil {
			cur.add(c, h, child)
		}
		p.challenge = p.challenge || h&hitChallenge != 0
		p.lite = p.lite || h&hitLiteLink != 0
		p.answer = p.answer || h&hitAnswer != 0
		if h&hitZci != 0 && p.zci == nil {
			p.zci = c
		}
		if h&hitMore != 0 || h&hitNavSubmit != 0 && ddgNextButton(c) {
			p.hasNext = true
		}
		if h&hitRelated != 0 {
			p.related = append(p.related, c)
		}
		if h&hitLayoutBlock != 0 {
			p.layout = append(p.layout, ddgBlock{n: c, ctx: ctx})
		}
		if h&hitBlock != 0 && ctx&inBlock == 0 {
			p.blocks = append(p.blocks, ddgBlock{n: c, ctx: ctx})
			p.walk(c, child, &p.blocks[len(p.blocks)-1])
			continue
		}
		p.walk(c, child, cur)
	}
}

// read fills the parts of a block that the document walk did not enter as a block.
func (b *ddgBlock) read() {
	_, child, _ := ddgElement(b.n, b.ctx)
	b.readUnder(b.n, child)
}

func (b *ddgBlock) readUnder(n *html.Node, ctx ddgCtx) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			h, child, _ := ddgElement(c, ctx)
			b.add(c, h, child)
			b.readUnder(c, child)
		}
	}
}

// add takes in one of the block's descendants, in document order.
func (b *ddgBlock) add(n *html.Node, h ddgHits, child ddgCtx) {
	if h&hitLink != 0 && b.link == nil {
		b.link = n
	}
	for i, bit := range [...]ddgHits{hitResultURL, hitDivURL, hitURLLinkP, hitURLLink} {
		if h&bit != 0 && b.urls[i] == nil {
			b.urls[i] = n
		}
	}
	if h&hitSnippet != 0 && b.snippet == nil {
		b.snippet, b.snipCtx = n, child
	}
	b.badge = b.badge || h&hitBadge != 0
	if h&hitExtrasSpan != 0 {
		b.extras = append(b.extras, n)
	}
	if h&hitSitelink != 0 {
		b.sitelinks = append(b.sitelinks, n)
	}
}

// ddgSnippet is what the snippet holds: its first .result__date, its first "span span", and
// its text without the .result__date elements (ownText's answer).
func ddgSnippet(snip *html.Node, ctx ddgCtx) (date, spanSpan *html.Node, own string) {
	if snip == nil {
		return nil, nil, ""
	}
	var b strings.Builder
	var walk func(n *html.Node, ctx ddgCtx, skip bool)
	walk = func(n *html.Node, ctx ddgCtx, skip bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				if !skip {
					b.WriteString(c.Data)
				}
			case html.ElementNode:
				h, child, _ := ddgElement(c, ctx)
				if h&hitSitelink != 0 || hasClass(c, "result__sitelinks") {
					// The JS layout nests a result's sitelink row in its snippet; the
					// links are its sitelinks, not part of its description.
					continue
				}
				if h&hitDate != 0 && date == nil {
					date = c
				}
				if h&hitSpanSpan != 0 && spanSpan == nil {
					spanSpan = c
				}
				walk(c, child, skip || h&hitDate != 0)
			default:
				walk(c, ctx, skip)
			}
		}
	}
	walk(snip, ctx, false)
	return date, spanSpan, clean(b.String())
}

// ddgNextButton reports a Next (or lite's "Next Page >") submit button.
func ddgNextButton(n *html.Node) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(attrOr(n, "value", ""))), "next")
}

// attrOr is goquery's AttrOr on one node (def for none): the first attribute of the key.
func attrOr(n *html.Node, key, def string) string {
	if n == nil {
		return def
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return def
}

// hasClass is goquery's HasClass on one node: the first class attribute, split on spaces,
// tabs and line breaks (not form feeds, unlike cascadia).
func hasClass(n *html.Node, class string) bool {
	v := attrOr(n, "class", "")
	if !strings.Contains(v, class) {
		return false
	}
	for v != "" {
		i := strings.IndexAny(v, " \t\r\n")
		if i < 0 {
			return v == class
		}
		if v[:i] == class {
			return true
		}
		v = v[i+1:]
	}
	return false
}

// textOf is text() of one node, "" for none.
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	return clean(nodeText(n))
}
