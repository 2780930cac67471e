package engines

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// clean collapses whitespace runs (NBSP included) to one space and trims, the comparison form
// the corpus expectations use. Most texts (titles, URLs) are clean already and come back as
// they are, without a copy.
func clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start := -1 // start of the field being read, -1 between fields
	for i, r := range s {
		switch {
		case !cleanSpace(r):
			if start < 0 {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				start = i
			}
		case start >= 0:
			b.WriteString(s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		b.WriteString(s[start:])
	}
	return b.String()
}

// cleanSpace is the whitespace clean collapses.
func cleanSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', '\u00a0', '\u2002', '\u2003', '\u2009', '\u200b':
		return true
	}
	return false
}

// isClean reports whether clean(s) == s: no whitespace but single spaces between words. The
// multi-byte spaces are found by their bytes, which no other UTF-8 sequence contains.
func isClean(s string) bool {
	space := true // as if a space preceded s, so a leading one fails
	for i := 0; i < len(s); i++ {
		switch cleanByte[s[i]] {
		case 0:
			space = false
		case ' ':
			if space {
				return false
			}
			space = true
		case '\t':
			return false
		default: // the lead byte of a multi-byte space, or of another character
			if r, _ := utf8.DecodeRuneInString(s[i:]); cleanSpace(r) {
				return false
			}
			space = false
		}
	}
	return !space || s == ""
}

// cleanByte sorts bytes for isClean: ' ', other ASCII whitespace ('\t'), the lead bytes of
// the multi-byte spaces (0xc2, 0xe2), anything else (0).
var cleanByte = [256]byte{' ': ' ', '\t': '\t', '\n': '\t', '\r': '\t', '\f': '\t', '\v': '\t', 0xc2: 0xc2, 0xe2: 0xe2}

// text is the cleaned text content of a selection.
func text(s *goquery.Selection) string {
	if len(s.Nodes) == 1 {
		return clean(nodeText(s.Nodes[0]))
	}
	return clean(s.Text())
}

// nodeText is goquery's Text of one node: its text nodes' data, in document order. An element
// holding a single text node (a title, a URL) is answered without a copy.
func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data
	}
	var b strings.Builder
	appendText(&b, n, nil)
	return b.String()
}

// appendText writes the text nodes under n to b, leaving out the subtrees of descendants
// for which skip (when set) is true.
func appendText(b *strings.Builder, n *html.Node, skip func(*html.Node) bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode:
			b.WriteString(c.Data)
		case c.FirstChild == nil:
		case skip == nil || !skip(c):
			appendText(b, c, skip)
		}
	}
}

// absURL resolves href against the page's base and reports whether the result is an
// absolute http(s) URL.
func absURL(base, href string) (string, bool) {
	href = strings.TrimSpace(href)
	if href == "" {
		return "", false
	}
	if plainHTTPURL(href) {
		return href, true
	}
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	if !u.IsAbs() {
		b, err := url.Parse(base)
		if err != nil {
			return "", false
		}
		u = b.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false // "https:" alone, or "http:///x", names no site
	}
	return u.String(), true
}

// appendBlockText is appendText that also separates block elements (a list's items, a
// table's cells, stacked divs) with a space, as a browser lays them out: their text nodes
// touch in the markup ("1. Louvre</div><div>2. Orsay") but never on the screen.
func appendBlockText(b *strings.Builder, n *html.Node, skip func(*html.Node) bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode:
			b.WriteString(c.Data)
		case c.Type == html.ElementNode && c.Data == "br":
			b.WriteByte(' ')
		case c.FirstChild == nil:
		case skip == nil || !skip(c):
			block := c.Type == html.ElementNode && blockElement[c.Data]
			if block {
				b.WriteByte(' ')
			}
			appendBlockText(b, c, skip)
			if block {
				b.WriteByte(' ')
			}
		}
	}
}

var blockElement = map[string]bool{"div": true, "p": true, "li": true, "ul": true, "ol": true, "td": true, "th": true, "tr": true, "table": true, "h1": true, "h2": true, "h3": true, "h4": true, "section": true, "article": true}

// markupText reads a JSON API's text field that may carry markup: it drops the highlights
// (<b>) and decodes the entities ("&amp;") that Qwant's and DuckDuckGo's replies hold.
func markupText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return clean(s)
	}
	return wikiSnippetText(s)
}

// plainHTTPURL reports an absolute http(s) URL that url.Parse reads without error, with a
// host, and that URL.String writes back byte for byte: a lower-case scheme, a host of
// lower-case letters, digits, dots and dashes with an optional numeric port, and after it only
// bytes that neither side rewrites, each '%' starting an escape. A result link is nearly
// always one; parsing it and writing it back (absURL), then parsing it again (isHTTPURL) was a
// tenth of reading DuckDuckGo's page. false says nothing: the caller asks url.Parse.
// FuzzPlainHTTPURL holds it to url.Parse.
func plainHTTPURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	i, port := 0, -1
	for ; i < len(rest); i++ {
		c := rest[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.' || c == '-':
			if port >= 0 && !('0' <= c && c <= '9') {
				return false
			}
		case c == ':' && port < 0:
			port = i
		case c == '/' || c == '?':
			goto path
		default:
			return false
		}
	}
path:
	if host := rest[:i]; host == "" || port == 0 || port == len(host)-1 && port > 0 {
		return false
	}
	for ; i < len(rest); i++ {
		c := rest[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~/?&=:+,;!*", c) >= 0:
		case c == '%':
			if i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hasAttr reports whether n carries the attribute key.
func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// nodeMatcher is a goquery.Matcher written in Go, for a test on an element that a CSS
// selector cascadia reads cannot say (a child selector inside :has).
type nodeMatcher func(*html.Node) bool

func (m nodeMatcher) Match(n *html.Node) bool { return m(n) }

// MatchAll returns n and its descendants that match, in document order, as cascadia does.
func (m nodeMatcher) MatchAll(n *html.Node) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && m(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func (m nodeMatcher) Filter(nodes []*html.Node) []*html.Node {
	var out []*html.Node
	for _, n := range nodes {
		if m(n) {
			out = append(out, n)
		}
	}
	return out
}
