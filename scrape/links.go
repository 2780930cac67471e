package scrape

import (
	"net/url"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
	"golang.org/x/net/html"
)

// MaxLinks bounds the links format: a page of a million anchors should not make a response of
// a hundred megabytes.
const MaxLinks = 5000

// links lists every <a href> of the document (its URLs already absolute), in document order,
// each URL once with the first non-empty text it had. Only http and https links are kept:
// the format is for following pages, so javascript:, mailto:, tel: and data: links are
// skipped, and so are links to a fragment of this same page (a table of contents, "skip to
// content"), which lead nowhere new.
func links(doc *html.Node, page *url.URL) []schemas.PageLink {
	var out []schemas.PageLink
	at := map[string]int{}
	self := ""
	if page != nil {
		p := *page
		p.Fragment, p.RawFragment = "", ""
		self = p.String()
	}
	walk(doc, func(n *html.Node) bool {
		if len(out) >= MaxLinks {
			return false
		}
		if n.Type != html.ElementNode || n.Data != "a" {
			return true
		}
		href, ok := attr(n, "href")
		if !ok {
			return true
		}
		u, err := url.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return true
		}
		if u.Fragment != "" {
			bare := *u
			bare.Fragment, bare.RawFragment = "", ""
			if bare.String() == self {
				return true
			}
		}
		link := u.String()
		text := linkText(n)
		if i, seen := at[link]; seen {
			if out[i].Text == "" {
				out[i].Text = text
			}
			return true
		}
		at[link] = len(out)
		out = append(out, schemas.PageLink{URL: link, Text: text})
		return true
	})
	return out
}

// linkText is what a reader sees of a link: its text, else its label or title, else the alt
// text of an image inside it.
func linkText(a *html.Node) string {
	if t := textContent(a); t != "" {
		return t
	}
	for _, k := range []string{"aria-label", "title"} {
		if v, ok := attr(a, k); ok && collapse(v) != "" {
			return collapse(v)
		}
	}
	if img := findFirst(a, "img"); img != nil {
		alt, _ := attr(img, "alt")
		return collapse(alt)
	}
	return ""
}
