package scrape_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// diff shows where two texts part: the first differing line with a little context.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			var b strings.Builder
			for j := max(0, i-2); j < i; j++ {
				fmt.Fprintf(&b, "  %4d   %s\n", j+1, w[j])
			}
			fmt.Fprintf(&b, "- %4d   %s\n+ %4d   %s\n", i+1, wl, i+1, gl)
			fmt.Fprintf(&b, "(%d lines want, %d got)", len(w), len(g))
			return b.String()
		}
	}
	return "(equal)"
}

// firstAndLastParagraph are the first and last <p> of Readability.js's expected output that
// say something (40 characters or more of their own text).
func firstAndLastParagraph(t *testing.T, page []byte) (string, string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var paras []string
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "p" {
			if s := ownText(n); len(s) >= 40 {
				paras = append(paras, s)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	if len(paras) == 0 {
		t.Fatal("expected.html has no paragraph")
	}
	return paras[0], paras[len(paras)-1]
}

// ownText is the longest text node directly in n: a run with no markup inside, so that the
// markdown holds it verbatim.
func ownText(n *html.Node) string {
	best := ""
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if s := normalizeSpace(c.Data); len(s) > len(best) {
				best = s
			}
		}
	}
	return best
}

// sentence is the start of a paragraph, up to 80 bytes on a word boundary.
func sentence(p string) string {
	if len(p) <= 80 {
		return p
	}
	cut := strings.LastIndexByte(p[:80], ' ')
	if cut < 20 {
		cut = 80
		for cut < len(p) && p[cut]&0xC0 == 0x80 {
			cut++
		}
	}
	return p[:cut]
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

var rxEscape = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!|<>~])`)

// unmarkdown takes off the backslash escapes the markdown puts before punctuation.
func unmarkdown(md string) string { return rxEscape.ReplaceAllString(md, "$1") }
