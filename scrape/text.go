package scrape

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Blocks that stand apart by a blank line, and blocks that only start a new line.
var (
	paragraphTags = map[string]bool{
		"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "pre": true,
		"blockquote": true, "ul": true, "ol": true, "dl": true, "table": true, "figure": true,
		"hr": true, "section": true, "article": true, "header": true, "footer": true, "aside": true,
		"nav": true, "main": true, "details": true, "address": true, "fieldset": true, "form": true,
	}
	lineTags = map[string]bool{
		"div": true, "li": true, "tr": true, "dt": true, "dd": true, "figcaption": true,
		"caption": true, "summary": true, "legend": true, "br": true, "option": true,
		"thead": true, "tbody": true, "tfoot": true, "center": true, "dialog": true, "menu": true,
	}
)

// textWriter builds plain text: white space collapsed as a browser does, a pending break (one
// newline or a blank line) written only before the next word, so blocks never leave runs of
// empty lines or trailing spaces.
type textWriter struct {
	b     strings.Builder
	brk   int // newlines owed before the next text: 0, 1 or 2
	space bool
}

func (w *textWriter) newline(n int) { w.brk = max(w.brk, n) }

func (w *textWriter) flush() {
	if w.b.Len() == 0 {
		w.brk, w.space = 0, false
		return
	}
	if w.brk > 0 {
		// Preformatted text may have ended its own line already.
		have := len(w.b.String()) - len(strings.TrimRight(w.b.String(), "\n"))
		if w.brk > have {
			w.b.WriteString("\n\n"[:w.brk-have])
		}
	} else if w.space {
		w.b.WriteByte(' ')
	}
	w.brk, w.space = 0, false
}

func (w *textWriter) text(s string) {
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		if unicode.IsSpace(r) {
			w.space = true
			s = s[size:]
			continue
		}
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			end = len(s)
		}
		w.flush()
		w.b.WriteString(s[:end])
		s = s[end:]
	}
}

// raw writes preformatted text as it is.
func (w *textWriter) raw(s string) {
	if strings.TrimSpace(s) == "" && !strings.Contains(s, "\n") {
		return
	}
	w.flush()
	w.b.WriteString(s)
}

// plainText is the readable text of n: block elements on their own lines (paragraphs,
// headings, lists and tables apart by a blank line), list items marked "- " or "1. ", table
// cells apart by a tab, <pre> kept as it is, all other white space collapsed.
func plainText(n *html.Node) string {
	w := &textWriter{}
	counters := map[*html.Node]int{} // <ol> → the number of its last item
	var visit func(n *html.Node, pre int)
	visit = func(n *html.Node, pre int) {
		switch n.Type {
		case html.TextNode:
			if pre > 0 {
				w.raw(n.Data)
			} else {
				w.text(n.Data)
			}
			return
		case html.ElementNode:
		case html.DocumentNode:
		default:
			return
		}
		tag := n.Data
		switch tag {
		case "script", "style", "noscript", "template", "head", "title":
			return
		case "br":
			w.newline(1)
			if pre > 0 {
				w.raw("\n")
			}
			return
		case "pre":
			pre++
		case "td", "th":
			if hasPrevElement(n) {
				w.space = false
				w.flush()
				w.b.WriteByte('\t')
			}
		}
		if paragraphTags[tag] {
			w.newline(2)
		} else if lineTags[tag] {
			w.newline(1)
		}
		if tag == "li" {
			w.text(listMarker(n, counters))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, pre)
		}
		if paragraphTags[tag] {
			w.newline(2)
		} else if lineTags[tag] {
			w.newline(1)
		}
		if tag == "pre" {
			w.space = false
		}
	}
	visit(n, 0)
	return strings.TrimSpace(w.b.String())
}

// The walk recurses, but parseBounded has already capped the depth at a few hundred.

func hasPrevElement(n *html.Node) bool {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode {
			return true
		}
	}
	return false
}

func listMarker(li *html.Node, counters map[*html.Node]int) string {
	ol := li.Parent
	if ol == nil || ol.Data != "ol" {
		return "- "
	}
	i, seen := counters[ol]
	if !seen {
		i = 0
		if s, ok := attr(ol, "start"); ok {
			if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				i = v - 1
			}
		}
	}
	i++
	counters[ol] = i
	return strconv.Itoa(i) + ". "
}
