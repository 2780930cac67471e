package engines

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/trawl-dev/trawl/engines/internal/htmltree"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// parseDoc reads a page. The HTML5 parser accepts any byte string, so an error here means
// something stranger than bad markup; it is reported as an unrecognised page, never a panic.
// release hands the tree's nodes back for the next page: call it (deferred) once nothing
// holds a node of doc any more; the strings read from it may be kept.
func parseDoc(engine string, page []byte) (doc *goquery.Document, release func(), err error) {
	// Most result pages are well formed: htmltree builds their tree at a third of the cost,
	// and declines every page where html.Parse could build another.
	if t, ok := htmltree.ParseRecycled(page); ok {
		return goquery.NewDocumentFromNode(t.Doc), t.Release, nil
	}
	doc, err = goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return nil, noRelease, Unrecognised(engine, "unreadable HTML: "+err.Error())
	}
	return doc, noRelease, nil
}

func noRelease() {}

// builder accumulates one SERP. It owns position numbering so that a skipped or rejected
// block can never leave a gap, and it drops results a client could not use (no title, no
// absolute http(s) URL) instead of passing them on half-filled.
type builder struct {
	serp    *schemas.SERP
	related map[string]bool
}

func newBuilder() *builder {
	return &builder{serp: &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}, related: map[string]bool{}}
}

// expectOrganic makes room for n organic results before the first: growing the slice from
// empty by doubling allocated three times the room ten results take (DuckDuckGo's reader
// calls it with its count of result blocks).
func (b *builder) expectOrganic(n int) {
	if len(b.serp.OrganicResults) == 0 && cap(b.serp.OrganicResults) < n {
		b.serp.OrganicResults = make([]schemas.OrganicResult, 0, n)
	}
}

// organic appends r if it has a title and an absolute URL, and reports whether it did.
func (b *builder) organic(r schemas.OrganicResult) bool {
	r.Title = clean(r.Title)
	if r.Title == "" || !isHTTPURL(r.URL) {
		return false
	}
	r.Snippet = clean(r.Snippet)
	r.DisplayedURL = clean(r.DisplayedURL)
	r.Date = clean(r.Date)
	if len(r.Sitelinks) == 0 {
		r.Sitelinks = nil
	}
	r.Position = len(b.serp.OrganicResults) + 1
	b.serp.OrganicResults = append(b.serp.OrganicResults, r)
	return true
}

// ad appends a paid result; ads are numbered on their own.
func (b *builder) ad(a schemas.Ad) bool {
	a.Title = clean(a.Title)
	if a.Title == "" || !isHTTPURL(a.URL) {
		return false
	}
	a.Snippet = clean(a.Snippet)
	a.DisplayedURL = clean(a.DisplayedURL)
	a.Position = len(b.serp.Ads) + 1
	b.serp.Ads = append(b.serp.Ads, a)
	return true
}

// relatedSearch appends a suggested query once; engines often repeat the block (top and
// bottom, or a hidden copy for small screens).
func (b *builder) relatedSearch(query, href string) {
	query = clean(query)
	if query == "" || b.related[query] {
		return
	}
	b.related[query] = true
	b.serp.RelatedSearches = append(b.serp.RelatedSearches, schemas.RelatedSearch{Query: query, URL: href})
}

// sitelink builds a sitelink when it has a title and a usable URL.
func sitelink(title, href, snippet string) (schemas.Sitelink, bool) {
	title = clean(title)
	if title == "" || !isHTTPURL(href) {
		return schemas.Sitelink{}, false
	}
	return schemas.Sitelink{Title: title, URL: href, Snippet: clean(snippet)}, true
}

func isHTTPURL(s string) bool {
	if plainHTTPURL(s) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// parseCount reads an engine's result-count line ("About 25,150,000,000 results",
// "Ungefähr 114.000.000 Ergebnisse (0,25 Sek.)", "找到相关结果约100,000,000个"). Separators
// differ by locale and the line may also hold a timing or a page number, so the largest
// digit run (with its thousands separators dropped) is the count.
func parseCount(s string) (int64, bool) {
	var best int64
	found := false
	var cur []byte
	flush := func() {
		if len(cur) > 0 && len(cur) <= 18 {
			if n, err := strconv.ParseInt(string(cur), 10, 64); err == nil {
				if !found || n > best {
					best = n
				}
				found = true
			}
		}
		cur = cur[:0]
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r >= '0' && r <= '9':
			cur = append(cur, byte(r))
		case len(cur) > 0 && (r == ',' || r == '.' || r == '\'' || r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009') &&
			i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			// a thousands separator only when a digit follows
		default:
			flush()
		}
	}
	flush()
	return best, found
}

// queryParam returns a parameter of a (possibly relative) URL.
func queryParam(href, name string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	return u.Query().Get(name)
}

// googleTarget unwraps Google's click redirect (/url?q=<target>&sa=…, or url= on some
// layouts) and resolves anything else against base.
func googleTarget(base, href string) (string, bool) {
	href = strings.TrimSpace(href)
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	if u.Path == "/url" && (u.Host == "" || strings.Contains(u.Host, "google.")) {
		q := u.Query()
		for _, k := range []string{"q", "url"} {
			if t := q.Get(k); t != "" {
				return absURL("", t)
			}
		}
	}
	return absURL(base, href)
}

// bingTarget unwraps Bing's click tracker, /ck/a?…&u=a1<base64url of the target>&ntb=1. The
// "a1" prefix marks the encoding; anything that does not decode to an http(s) URL is kept
// as the tracker link itself, which still leads to the result.
func bingTarget(base, href string) (string, bool) {
	href = strings.TrimSpace(href)
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(u.Path, "/ck/a") && (u.Host == "" || strings.HasSuffix(u.Host, "bing.com")) {
		if enc := u.Query().Get("u"); strings.HasPrefix(enc, "a1") {
			raw := strings.TrimRight(enc[2:], "=")
			if dec, err := base64.RawURLEncoding.DecodeString(raw); err == nil {
				if t, ok := absURL("", string(dec)); ok {
					return t, true
				}
			}
			if dec, err := base64.RawStdEncoding.DecodeString(raw); err == nil {
				if t, ok := absURL("", string(dec)); ok {
					return t, true
				}
			}
		}
	}
	// Bing's cashback wrapper (/rebates/welcome?url=<target>) in front of a shop's result.
	if strings.HasPrefix(u.Path, "/rebates/") && (u.Host == "" || strings.HasSuffix(u.Host, "bing.com")) {
		if t, ok := absURL("", u.Query().Get("url")); ok {
			return t, true
		}
	}
	return absURL(base, href)
}

// firstText is the cleaned text of the first match of any selector, in selector order.
func firstText(s *goquery.Selection, selectors ...goquery.Matcher) string {
	for _, sel := range selectors {
		if t := text(s.FindMatcher(sel).First()); t != "" {
			return t
		}
	}
	return ""
}

// ownText is the text of s without the text of its descendants matching skip, used where a
// snippet container also holds a date or a label that is reported separately.
func ownText(s *goquery.Selection, skip goquery.Matcher) string {
	c := s.Clone()
	c.FindMatcher(skip).Remove()
	return text(c)
}

// containsAny reports whether page holds any of the markers.
func containsAny(page []byte, markers ...string) bool {
	for _, m := range markers {
		if bytes.Contains(page, []byte(m)) {
			return true
		}
	}
	return false
}

// acceptLanguage builds the Accept-Language a browser set to hl (and region gl) would send,
// so engines that localise by header agree with the explicit parameters.
func acceptLanguage(hl, gl string) string {
	lang, region, _ := strings.Cut(strings.ToLower(hl), "-")
	if lang == "" {
		return ""
	}
	if region == "" {
		region = strings.ToLower(gl)
	}
	if region == "" {
		return lang + "," + lang + ";q=0.9" + enFallback(lang)
	}
	return lang + "-" + strings.ToUpper(region) + "," + lang + ";q=0.9" + enFallback(lang)
}

func enFallback(lang string) string {
	if lang == "en" {
		return ""
	}
	return ",en;q=0.8"
}

func itoa(n int) string { return strconv.Itoa(n) }

// datePattern is a date as engines print it in front of a snippet: absolute in the usual
// orders ("Jan 5, 2024", "5 Jan 2024", "24/1/2013", "31.10.2025", "2024-01-05", "2024年1月5日")
// or relative ("3 days ago", "vor 2 Tagen", "3 дня назад", "il y a 2 jours", "hace 2 días").
const datePattern = `(?:\p{L}{3,9}\.? \d{1,2}, \d{4}|\d{1,2}\.? \p{L}{3,9}\.?,? \d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日|\d+ \p{L}+ ago|vor \d+ \p{L}+|\d+ \p{L}+ назад|il y a \d+ \p{L}+|hace \d+ \p{L}+)`

// leadingDate matches a snippet that opens with a date and a separator (—, –, ·, the "..."
// Ecosia uses, or a spaced hyphen as Google wrote it before 2020 and Brave still does),
// capturing the date.
// snippetSelHeading finds the headings of cards inside a result.
var snippetSelHeading = cascadia.MustCompile("h1, h2, h3, h4, [role=heading]")

var leadingDate = regexp.MustCompile(`^(` + datePattern + `)(?:\s*(?:—|–|·|\.\.\.|…)|\s+-\s)`)

// joinDateLead writes a snippet that opens with its date the way the page shows it,
// "date — text": captures often drop the spaces (or the NBSP) around the separator.
func joinDateLead(snippet, date string) string {
	if date == "" || !strings.HasPrefix(snippet, date) {
		return snippet
	}
	rest := strings.TrimLeft(snippet[len(date):], " \u00a0")
	for _, sep := range []string{"—", "–", "·", "...", "…", "-"} {
		if r, ok := strings.CutPrefix(rest, sep); ok {
			return date + " " + sep + " " + strings.TrimLeft(r, " \u00a0")
		}
	}
	// No separator in the markup (the page draws one with CSS): keep the two apart.
	return clean(date + " " + rest)
}

// snippetText is the text of a description block without its links, buttons and hidden
// parts, unless it is all links (some layouts draw the whole description as one link).
func snippetText(s *goquery.Selection) string {
	if s == nil || len(s.Nodes) == 0 {
		return ""
	}
	var b strings.Builder
	appendBlockText(&b, s.Nodes[0], skipInSnippet)
	if t := tidySeparators(b.String()); t != "" {
		return t
	}
	b.Reset()
	appendBlockText(&b, s.Nodes[0], nil)
	return clean(b.String())
}

// tidySeparators cleans a text whose links were left out: the marks that stood between
// them (direction marks, "·", "|") are dropped where no text remains between them.
func tidySeparators(s string) string {
	s = strings.NewReplacer("\u200e", "", "\u200f", "").Replace(s)
	words := strings.Fields(clean(s))
	out := words[:0]
	for _, w := range words {
		if isSeparator(w) && (len(out) == 0 || isSeparator(out[len(out)-1])) {
			continue
		}
		out = append(out, w)
	}
	for len(out) > 0 && isSeparator(out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	return strings.Join(out, " ")
}

func isSeparator(w string) bool {
	return w == "·" || w == "|" || w == "-" || w == "–" || w == "—" || w == "›"
}

// skipInSnippet leaves out what is not the description's own text.
func skipInSnippet(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.Data {
	case "a":
		// A "Jump to" link into the result's own page (Google's "Jump to Section ·"): its
		// text is part of the description the page shows.
		return !jumpLink(attrOr(n, "href", ""))
	case "script", "style", "cite", "button", "g-snackbar", "svg":
		return true
	}
	for _, a := range n.Attr {
		switch {
		case a.Key == "role" && (a.Val == "button" || a.Val == "menu" || a.Val == "heading"):
			return true
		case a.Key == "aria-hidden" && a.Val == "true":
			return true
		case a.Key == "style" && strings.Contains(strings.ReplaceAll(a.Val, " ", ""), "display:none"):
			return true
		}
	}
	return false
}

// jumpLink reports an absolute link to a named section of a page (".../page#Section", or
// Google's /url?q= form of one, "%23Section"), as "Jump to" links are.
func jumpLink(href string) bool {
	if !strings.HasPrefix(href, "http") && !strings.HasPrefix(href, "/url?") {
		return false
	}
	i := strings.LastIndex(href, "#")
	if i < 0 {
		if i = strings.LastIndex(href, "%23"); i < 0 {
			return false
		}
		i += 2
	}
	return i+1 < len(href)
}

// hasOwnText reports whether a block holds text outside its links.
func hasOwnText(s *goquery.Selection) bool {
	if len(s.Nodes) == 0 {
		return false
	}
	var b strings.Builder
	appendText(&b, s.Nodes[0], skipInSnippet)
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if cleanSpace(r) || r == '\u200e' || r == '·' {
			return ' '
		}
		return r
	}, b.String())) != ""
}

// snippetByStructure finds a description no marker names: among the blocks of the
// result outside its title link, the one with the most text of its own (links, buttons and
// the displayed URL left out), taking the innermost block that still holds nearly all of
// that text, so a wrapper that adds a sitelink row or a separator is not taken for it.
// Headed cards inside the result (sitelink cards: a heading and a line each) are not its
// description, and no block holding one is either.
func snippetByStructure(c, title *goquery.Selection) *goquery.Selection {
	if len(c.Nodes) == 0 || len(title.Nodes) == 0 {
		return nil
	}
	root, titleNode := c.Nodes[0], title.Nodes[0]
	cards := map[*html.Node]bool{}
	holdsCard := map[*html.Node]bool{}
	c.FindMatcher(snippetSelHeading).Each(func(_ int, h *goquery.Selection) {
		hn := h.Nodes[0]
		for n := hn; n != nil && n != root; n = n.Parent {
			if n == titleNode {
				return // the result's own title
			}
		}
		card := hn.Parent
		if card == nil || card == root {
			card = hn
		}
		for n := titleNode; n != nil && n != root; n = n.Parent {
			if n == card {
				return // a heading beside the title (the page's hidden "Web results"), not a card
			}
		}
		cards[card] = true
		for n := card.Parent; n != nil && n != root; n = n.Parent {
			holdsCard[n] = true
		}
	})
	type cand struct {
		n     *html.Node
		depth int
		size  int
	}
	var cands []cand
	best := 0
	titleText := clean(text(title))
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != html.ElementNode || ch == titleNode || cards[ch] || skipInSnippet(ch) {
				continue
			}
			if !holdsCard[ch] {
				var b strings.Builder
				appendText(&b, ch, func(x *html.Node) bool { return cards[x] || skipInSnippet(x) })
				t := clean(b.String())
				if t == "" || t == titleText {
					continue
				}
				size := len([]rune(t))
				cands = append(cands, cand{ch, depth, size})
				best = max(best, size)
			}
			walk(ch, depth+1)
		}
	}
	walk(root, 0)
	// A description is a sentence, not a label: short texts (a site name, a date, a rating)
	// are not taken for one.
	if best < 25 {
		return nil
	}
	var pick *cand
	for i := range cands {
		k := &cands[i]
		if k.size*10 >= best*9 && (pick == nil || k.depth > pick.depth) {
			pick = k
		}
	}
	if pick == nil {
		return nil
	}
	return goquery.NewDocumentFromNode(pick.n).Selection
}
