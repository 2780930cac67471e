package scrape

import (
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// selectContent picks the part of the page the markdown, html and text formats show, and
// cleans it. The order is: what never shows (scripts, styles, frames, form controls, hidden
// elements) goes, then what exclude_selectors match. Then include_selectors, when given, are
// the answer: the elements they match, in document order, and nothing else. They are applied
// to the whole document instead of readability, because whoever names the elements they want
// knows the page better than a heuristic does, and readability could have dropped them (a
// price box, a table readability deems navigation). Without them, main_content runs
// readability on the page stripped of its chrome (navigation, site header and footer, cookie
// banners, ads), falling back to the stripped <body> when readability finds nothing; with
// main_content false the whole <body> is kept.
func selectContent(doc *html.Node, base *url.URL, mainContent bool, include, exclude []cascadia.SelectorGroup) *html.Node {
	title := docTitle(doc) // before <head> goes
	// <meta> and <link> in the body (schema.org microdata) stay until readability has run: they
	// show nothing, but readability's scoring counts them, and without them it took the author
	// box for the article on a WordPress blog whose paragraphs sit among microdata.
	unshare(doc)
	removeAll(doc, func(n *html.Node) bool {
		return (neverShown(n) && n.Data != "meta" && n.Data != "link") || isPermalink(n)
	})
	for _, sel := range exclude {
		removeAll(doc, sel.Match)
	}
	heading := ""
	if mainContent && len(include) == 0 {
		heading = pageHeading(doc, title) // before the chrome goes: it may sit in a <header>
	}
	var content *html.Node
	switch {
	case len(include) > 0:
		content = &html.Node{Type: html.ElementNode, Data: "div"}
		walk(doc, func(n *html.Node) bool {
			if n.Type != html.ElementNode {
				return true
			}
			for _, sel := range include {
				if sel.Match(n) {
					content.AppendChild(clone(n))
					return false // its descendants came with it
				}
			}
			return true
		})
	case mainContent:
		removeAll(doc, chromeFilter(doc))
		if content = readable(doc, base); content != nil {
			restoreHeading(content, heading)
		}
	}
	if content == nil {
		content = findFirst(doc, "body")
		if content == nil {
			content = doc
		}
	}
	removeAll(content, neverShown)
	cleanAttrs(content)
	return content
}

// readable is the article readability finds, or nil when it finds nothing with text.
func readable(doc *html.Node, base *url.URL) *html.Node {
	p := readability.NewParser()
	p.KeepClasses = true // cleanAttrs keeps the language-* classes code blocks need
	p.DisableJSONLD = true
	p.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	article, err := p.ParseDocument(doc, base)
	if err != nil || article.Node == nil || textContent(article.Node) == "" {
		return nil
	}
	return article.Node
}

// removeAll detaches every element drop matches (and so its descendants).
func removeAll(doc *html.Node, drop func(*html.Node) bool) {
	var gone []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.CommentNode {
			gone = append(gone, n)
			return false
		}
		if n.Type == html.ElementNode && drop(n) {
			gone = append(gone, n)
			return false
		}
		return true
	})
	for _, n := range gone {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

func clone(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(clone(k))
	}
	return c
}

// docTitle is the og:title and the <title>, run together: what pageHeading matches against.
func docTitle(doc *html.Node) string {
	var og, title string
	walk(doc, func(n *html.Node) bool {
		switch {
		case n.Type != html.ElementNode:
		case n.Data == "body":
			return false
		case n.Data == "title" && title == "":
			title = textContent(n)
		case n.Data == "meta" && og == "":
			if p, _ := attr(n, "property"); p == "og:title" {
				og, _ = attr(n, "content")
			}
		}
		return true
	})
	return collapse(og + " " + title)
}

// pageHeading is the page's title as its own <h1> says it: the h1 that the title contains,
// else the only one, else the first inside <article> or <main>.
func pageHeading(doc *html.Node, title string) string {
	var h1s, inMain []string
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if n.Data == "h1" {
			if t := textContent(n); t != "" && len(h1s) < 16 {
				h1s = append(h1s, t)
				if closest(n, "article", "main") != nil {
					inMain = append(inMain, t)
				}
			}
			return false
		}
		return true
	})
	lower := strings.ToLower(title)
	for _, h := range h1s {
		if strings.Contains(lower, strings.ToLower(h)) {
			return h
		}
	}
	if len(h1s) == 1 {
		return h1s[0]
	}
	if len(inMain) > 0 {
		return inMain[0]
	}
	return ""
}

// restoreHeading puts the page's <h1> back at the top of readability's article. Readability
// drops the heading that repeats the title and turns every other h1 into an h2, because a
// reader view shows the title apart; a scrape has nowhere else to show it. An h2 with the
// heading's text becomes the h1 again; otherwise the heading is added first.
func restoreHeading(content *html.Node, heading string) {
	if heading == "" {
		return
	}
	var found *html.Node
	walk(content, func(n *html.Node) bool {
		if found != nil {
			return false
		}
		if n.Type == html.ElementNode && (n.Data == "h1" || n.Data == "h2") && strings.EqualFold(textContent(n), heading) {
			found = n
			return false
		}
		return true
	})
	if found != nil {
		found.Data, found.DataAtom = "h1", atom.H1
		return
	}
	h1 := &html.Node{Type: html.ElementNode, Data: "h1", DataAtom: atom.H1}
	h1.AppendChild(&html.Node{Type: html.TextNode, Data: heading})
	content.InsertBefore(h1, content.FirstChild)
}

func closest(n *html.Node, tags ...string) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		for _, t := range tags {
			if p.Data == t {
				return p
			}
		}
	}
	return nil
}

// isPermalink: the "¶" or "#" anchor documentation generators put beside each heading, and
// images inlined as data: URIs (tracking pixels, lazy-loading placeholders, icons), which would
// paste kilobytes of base64 into the markdown, or left on the author's disk (file:).
func isPermalink(n *html.Node) bool {
	switch n.Data {
	case "img":
		src, _ := attr(n, "src")
		return isScheme(src, "data") || isScheme(src, "file") // file: is the author's own disk
	case "a":
		href, _ := attr(n, "href")
		if !strings.Contains(href, "#") {
			return false
		}
		switch strings.ToLower(textContent(n)) {
		case "¶", "#", "§", "🔗", "⚓", "link", "permalink":
			return true
		case "":
			return findFirst(n, "img") == nil
		}
	}
	return false
}

// rxShareURL matches the endpoints that post a page somewhere (Facebook's sharer, Twitter's and
// X's intents, WhatsApp, Telegram, LinkedIn, Pinterest, Reddit, Tumblr, e-mail with a subject):
// a link to one is a share button, whatever its class says, never part of the article.
var rxShareURL = regexp.MustCompile(`(?i)^(whatsapp://send|fb-messenger://share|https?://(www\.|m\.|api\.)?(facebook\.com/(sharer|share\.php|dialog/(share|feed|send))|(twitter|x)\.com/(intent/(tweet|post)|share)|wa\.me/\?|api\.whatsapp\.com/send|t\.me/share|telegram\.me/share|linkedin\.com/(sharearticle|shareArticle|share|cws/share)|pinterest\.[a-z.]+/pin/create|reddit\.com/submit|tumblr\.com/(share|widgets/share)|getpocket\.com/(save|edit)|news\.ycombinator\.com/submitlink|vk\.com/share\.php|plus\.google\.com/share)|mailto:\?)`)

// unshare drops the share buttons (links to rxShareURL) and unwraps the share links that
// carry content: an article's image wrapped in "Pin it", a sentence made a "Click to Tweet".
func unshare(doc *html.Node) {
	var links []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.Data == "a" {
			if href, _ := attr(n, "href"); rxShareURL.MatchString(strings.TrimSpace(href)) {
				links = append(links, n)
			}
			return false
		}
		return true
	})
	for _, a := range links {
		if findFirst(a, "img") == nil && len(textContent(a)) <= 40 {
			a.Parent.RemoveChild(a)
			continue
		}
		for c := a.FirstChild; c != nil; c = a.FirstChild {
			a.RemoveChild(c)
			a.Parent.InsertBefore(c, a)
		}
		a.Parent.RemoveChild(a)
	}
}

var neverShownTags = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "iframe": true, "frame": true,
	"frameset": true, "object": true, "embed": true, "canvas": true, "svg": true, "link": true,
	"meta": true, "base": true, "input": true, "button": true, "select": true, "textarea": true,
	"head": true,
}

var rxHiddenStyle = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden`)

// neverShown: elements that are never part of the readable page.
func neverShown(n *html.Node) bool {
	if neverShownTags[n.Data] {
		return true
	}
	if _, ok := attr(n, "hidden"); ok {
		return true
	}
	if s, ok := attr(n, "style"); ok && rxHiddenStyle.MatchString(s) {
		return true
	}
	return false
}

var (
	chromeTags  = map[string]bool{"nav": true, "aside": true, "footer": true, "header": true, "dialog": true}
	chromeRoles = map[string]bool{
		"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "search": true,
		"dialog": true, "alertdialog": true, "menu": true, "menubar": true,
	}
	// Consent managers by their usual ids and classes (OneTrust, Cookiebot, Usercentrics, Didomi,
	// Quantcast, TrustArc, Osano/cookieconsent, Sourcepoint) and the generic names.
	rxConsent = newTokenRegexp(`(?i)(^|[-_ ])(consent|gdpr)([-_ ]|$)|cookies?[-_]?(banner|notice|bar|consent|law|policy|popup|message|wall|dialog|modal|alert|warning|info|overlay|box|container|disclaimer|layer|hint)|^cookies?$|onetrust|cookiebot|usercentrics|didomi|qc-cmp|truste-|trustarc|(^| )cc-(window|banner)|sp_message`)
	// Ad slots by class or id token: "ad", "ads", "ad-slot", "sidebar-ad", "adsbygoogle", …
	rxAd = newTokenRegexp(`(?i)^(ads?|adverts?|advertisement|advertising|adsbygoogle|adslot|sponsored|promoted|taboola|outbrain|dfp|gpt-ad.*|google-ad.*|(ads?|advert)[-_].+|.+[-_](ads?|advert|advertisement))$`)
)

// chromeFilter is the test selectContent drops page furniture with: isChrome, except for an
// element that holds the page's main content. Sites wrap the whole page in elements whose names
// only serve their scripts and styles (<div id="ad-portal"> around Libération's page,
// <div class="ad_body"> around PanARMENIAN's), and a name is a weaker hint than the content
// under it: an element matched by its id or class is kept when it holds <main>, role=main or
// the articleBody, or more than half the page's text. An element matched by its tag or role
// (<nav>, <footer>, role=banner), or by a name that says what it holds (comments, related
// stories), was put there on purpose and is kept only around <main>, role=main or the
// articleBody: a blog post's comments often outweigh it.
func chromeFilter(doc *html.Node) func(*html.Node) bool {
	var stats map[*html.Node]subtree // made on first need: one pass, so nested candidates cost nothing more
	return func(n *html.Node) bool {
		m := chromeMatch(n)
		if m == notChrome {
			return false
		}
		if stats == nil {
			stats = subtrees(doc)
		}
		st := stats[n]
		if st.main {
			return false
		}
		return m == chromeByTag || 2*st.text <= stats[doc].text
	}
}

type chromeKind int

const (
	notChrome chromeKind = iota
	chromeByTag
	chromeByName
)

// subtree is what chromeFilter needs to know of an element's descendants: the bytes of their
// text that are not white space, and whether a <main>, role=main or itemprop=articleBody is
// among them.
type subtree struct {
	text int
	main bool
}

// subtrees sums every node's subtree in one pass: nodes in document order, then folded into
// their parents from the last, so each child is complete before its parent takes it.
func subtrees(doc *html.Node) map[*html.Node]subtree {
	var order []*html.Node
	walk(doc, func(c *html.Node) bool {
		if c.Type == html.ElementNode || c.Type == html.DocumentNode || c.Type == html.TextNode {
			order = append(order, c)
		}
		return true
	})
	stats := make(map[*html.Node]subtree, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		c := order[i]
		st := stats[c]
		if c.Type == html.TextNode {
			st.text = len(c.Data) - spaces(c.Data)
		}
		stats[c] = st
		if p := c.Parent; p != nil {
			ps := stats[p]
			ps.text += st.text
			ps.main = ps.main || st.main || isMainLandmark(c)
			stats[p] = ps
		}
	}
	return stats
}

func isMainLandmark(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	r, _ := attr(n, "role")
	ip, _ := attr(n, "itemprop")
	return n.Data == "main" || strings.EqualFold(r, "main") || strings.EqualFold(ip, "articleBody")
}

func spaces(s string) int {
	count := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\n', '\t', '\r', '\f':
			count++
		}
	}
	return count
}

// isChrome: page furniture that is not the main content, however it is matched.
func isChrome(n *html.Node) bool { return chromeMatch(n) != notChrome }

// chromeMatch: page furniture that is not the main content, and how it was recognised.
// Navigation, site headers and footers and sidebars count only outside <article> and <main>:
// an article's own <header> holds its title and byline, and its <footer> its notes. Ads,
// consent banners and what sits inside an article without being it (share bars, related
// stories, comments, newsletter boxes) count anywhere.
func chromeMatch(n *html.Node) chromeKind {
	switch n.Data {
	case "html", "body", "main", "article":
		return notChrome
	}
	id, _ := attr(n, "id")
	class, _ := attr(n, "class")
	if rxConsent.MatchString(id) || rxConsent.MatchString(class) || isAd(id, class) {
		return chromeByName
	}
	for _, a := range n.Attr {
		if a.Key == "data-ad" || strings.HasPrefix(a.Key, "data-ad-") || a.Key == "data-google-query-id" {
			return chromeByName
		}
	}
	label, _ := attr(n, "aria-label")
	if blockTags[n.Data] && (isAside(id, class) || strings.EqualFold(label, "breadcrumb") || strings.EqualFold(label, "breadcrumbs")) && !isHeadedSection(n, id) {
		return chromeByTag // a comment thread may well outweigh the article
	}
	role, _ := attr(n, "role")
	byTag := chromeTags[n.Data] || chromeRoles[strings.ToLower(strings.TrimSpace(role))]
	if !byTag && !isChromeName(id, class) {
		return notChrome
	}
	if n.Data == "header" && findFirst(n, "h1") != nil {
		return notChrome // the page's title lives here
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Data == "article" || p.Data == "main" {
			return notChrome
		}
		if r, _ := attr(p, "role"); r == "main" {
			return notChrome
		}
	}
	if byTag {
		return chromeByTag
	}
	return chromeByName
}

// blockTags are the containers isAside looks at: an inline <span class="comment"> is a
// syntax highlighter's, not a comment section.
var blockTags = map[string]bool{
	"div": true, "section": true, "aside": true, "ul": true, "ol": true, "footer": true, "nav": true,
	"form": true, "table": true, "dl": true,
}

// rxAside matches the id and class tokens of what sits inside an article without being it
// (each token whole, and "share" only with the words sharing bars go by, since a share is also
// a stock's: "share-price" stays):
// share and follow bars (AddToAny, ShareThis, Jetpack's sharedaddy), related and recommended
// stories (Jetpack, YARPP, "more stories", "you may also like"), comment sections (WordPress,
// Disqus), newsletter sign-ups, and breadcrumbs (which sites put inside <article> too).
var rxAside = newTokenRegexp(`(?i)^(` +
	`((social|post|article|entry|story|page|content|sticky|floating|inline|top|bottom|sd)[-_]?)?(share|sharing)([-_]?(bar|buttons?|btns?|links?|icons?|tools?|box|container|wrapper|widget|this|list|menu|panel|block|area|module|enabled|top|bottom|horizontal|vertical|inline))*` +
	`|social[-_]?(links|icons|buttons|bar|media|follow)|sharedaddy|addtoany|a2a[-_]kit|sharethis.*|shareaholic.*|follow[-_]us` +
	`|related|(.+[-_])?related[-_]?(posts?|articles?|stories|content|links|news|items|reads|videos)|jp-relatedposts|yarpp-related.*|crp_related` +
	`|(more|other|top|popular|recommended|trending)[-_](stories|articles|posts|news|reads|headlines)|recommended|recommendations|you[-_]?may[-_]?(also[-_]?)?like|also[-_]?read|most[-_]?(popular|read|viewed)` +
	`|comments|comments?[-_](area|list|section|wrapper|container|block)|commentlist|disqus[-_]thread|respond|comment[-_]respond` +
	`|newsletter([-_].+)?|.+[-_]newsletter|subscribe[-_](box|form|widget)|(email[-_]?)?opt[-_]?in[a-z]*` +
	`|(.+[-_])?breadcrumbs?|breadcrumbs?[-_](trail|list|nav|wrapper|container)` +
	`)$`)

// isHeadedSection: an element whose id is the slug of the heading it starts with is a section
// of a document ("Sharing with a single developer", "Comments" in a language reference), as
// documentation generators write them, not a sharing bar or a comment thread.
func isHeadedSection(n *html.Node, id string) bool {
	if id == "" {
		return false
	}
	first := n.FirstChild
	for first != nil && first.Type != html.ElementNode {
		first = first.NextSibling
	}
	if first == nil || len(first.Data) != 2 || first.Data[0] != 'h' || first.Data[1] < '1' || first.Data[1] > '6' {
		return false
	}
	return strings.Contains(letters(textContent(first)), letters(id))
}

// letters is s lower-cased with everything but letters and digits left out.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

func isAside(id, class string) bool {
	if id != "" && rxAside.MatchString(id) {
		return true
	}
	for _, c := range strings.Fields(class) {
		if rxAside.MatchString(c) {
			return true
		}
	}
	return false
}

// chromeNames are the ids and classes sites give their furniture when they do not use the
// elements for it.
var chromeNames = map[string]bool{
	"header": true, "site-header": true, "page-header": true, "global-header": true, "masthead": true, "topbar": true,
	"footer": true, "site-footer": true, "page-footer": true, "global-footer": true,
	"nav": true, "navbar": true, "navigation": true, "menu": true, "main-menu": true, "global-nav": true, "primary-nav": true,
	"breadcrumb": true, "breadcrumbs": true, "sidebar": true, "skip-link": true, "skip-links": true,
}

func isChromeName(id, class string) bool {
	if chromeNames[strings.ToLower(id)] {
		return true
	}
	for _, c := range strings.Fields(class) {
		if chromeNames[strings.ToLower(c)] {
			return true
		}
	}
	return false
}

func isAd(id, class string) bool {
	if id != "" && rxAd.MatchString(id) {
		return true
	}
	for _, c := range strings.Fields(class) {
		if rxAd.MatchString(c) {
			return true
		}
	}
	return false
}

// keptAttrs are the attributes the cleaned HTML keeps, by element ("*" for all): what carries
// meaning (links, image sources and alt text, table spans, list numbering, dates, language),
// never presentation, ids, event handlers or data-*.
var keptAttrs = map[string][]string{
	"*":          {"lang", "dir"},
	"a":          {"href", "title"},
	"img":        {"src", "alt", "title", "srcset"},
	"source":     {"src", "srcset", "type", "media"},
	"video":      {"src", "poster"},
	"audio":      {"src"},
	"td":         {"colspan", "rowspan"},
	"th":         {"colspan", "rowspan", "scope"},
	"ol":         {"start", "reversed", "type"},
	"li":         {"value"},
	"time":       {"datetime"},
	"blockquote": {"cite"},
	"q":          {"cite"},
	"del":        {"cite", "datetime"},
	"ins":        {"cite", "datetime"},
	"abbr":       {"title"},
	"data":       {"value"},
}

// cleanAttrs strips every attribute keptAttrs does not name; code and pre keep the class that
// names their language (language-go, lang-go, or a data-lang turned into one), which the
// markdown's fenced blocks carry.
func cleanAttrs(root *html.Node) {
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		lang := ""
		if n.Data == "code" || n.Data == "pre" {
			lang = codeLanguage(n)
		}
		kept := n.Attr[:0]
		for _, a := range n.Attr {
			if a.Namespace == "" && (keeps(n.Data, a.Key) || keeps("*", a.Key)) {
				kept = append(kept, a)
			}
		}
		n.Attr = kept
		if lang != "" {
			n.Attr = append(n.Attr, html.Attribute{Key: "class", Val: "language-" + lang})
		}
		return true
	})
}

func keeps(tag, key string) bool {
	for _, k := range keptAttrs[tag] {
		if k == key {
			return true
		}
	}
	return false
}

var rxLang = regexp.MustCompile(`^[A-Za-z0-9_+#.-]{1,32}$`)

func codeLanguage(n *html.Node) string {
	class, _ := attr(n, "class")
	for _, c := range strings.Fields(class) {
		for _, prefix := range []string{"language-", "lang-", "highlight-source-"} {
			if l, ok := strings.CutPrefix(c, prefix); ok && rxLang.MatchString(l) {
				return strings.ToLower(l)
			}
		}
	}
	for _, k := range []string{"data-lang", "data-language"} {
		if l, ok := attr(n, k); ok && rxLang.MatchString(l) {
			return strings.ToLower(l)
		}
	}
	return ""
}
