package engines

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/trawl-dev/trawl/schemas"
)

// Yahoo's result pages of 1999-2002, when its search was first a search of its directory,
// have no h3 titles: every hit is a list item opening with its title link, then " - " and
// the description, then (from 2000) the site's URL in a coloured font or a cite, then
// "More sites about:" or "search within this site" links. The sections ("Category
// Matches", "Site Matches", "Web Matches"/"Web Pages") all hold ranked hits: a matching
// directory category is as much an answer to the query as a site is on a directory's
// search, and on many pages (a query that names a topic) the categories are all there is,
// so they are read as organic results in page order. Sponsor matches are table rows
// linking through Overture, never list items, and are read as ads.

// yahooDirectoryEra reports a page of the directory era by what only those carry: a section
// heading or the srd.yahoo.com click redirect. Any list of links would otherwise read as
// results, which would hide a redesign of today's page (the engine-health alarm counts on
// an unknown layout being unrecognised, not quietly read).
func yahooDirectoryEra(page []byte) bool {
	return containsAny(page, "Category Matches", "Site Matches", "Web Matches", "Web Pages", "Sponsor Matches", "srd.yahoo.com")
}

// yahooDirectory reads the directory-era page into b; it reports whether it found any hit.
func yahooDirectory(b *builder, doc *goquery.Document, base string) bool {
	found := false
	doc.FindMatcher(yahooSelLegacyAd).Each(func(_ int, a *goquery.Selection) {
		href, ok := yahooTarget(base, a.AttrOr("href", ""))
		if !ok {
			return
		}
		item := a.Closest("td")
		ad := schemas.Ad{Block: "top", Title: text(a), URL: href}
		if item.Length() > 0 {
			ad.Snippet = yahooLegacySnippet(item.Get(0), a.Get(0))
			ad.DisplayedURL = yahooLegacyURL(item.Get(0))
		}
		if b.ad(ad) {
			found = true
		}
	})
	doc.FindMatcher(yahooSelLegacyItem).Each(func(_ int, li *goquery.Selection) {
		a := yahooLegacyTitle(li.Get(0))
		if a == nil {
			return
		}
		sa := goquery.NewDocumentFromNode(a).Selection
		raw := sa.AttrOr("href", "")
		if strings.Contains(raw, "/overture/") {
			return
		}
		href, ok := yahooTarget(base, raw)
		if !ok {
			return
		}
		res := schemas.OrganicResult{
			Title:        text(sa),
			URL:          href,
			DisplayedURL: yahooLegacyURL(li.Get(0)),
			Snippet:      yahooLegacySnippet(li.Get(0), a),
		}
		if b.organic(res) {
			found = true
		}
	})
	return found
}

// yahooLegacyTitle is the link a list item opens with, or nil when text comes first (a
// list of prose, not of hits).
func yahooLegacyTitle(li *html.Node) *html.Node {
	var a *html.Node
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				if strings.TrimSpace(strings.ReplaceAll(c.Data, "\u00a0", " ")) != "" {
					return true
				}
			case c.Type != html.ElementNode:
			case c.Data == "a":
				if _, ok := attr(c, "href"); ok {
					a = c
				}
				return true
			case c.Data == "li" || c.Data == "dt" || c.Data == "dd" || c.Data == "table":
				return true
			default:
				if walk(c) {
					return true
				}
			}
		}
		return false
	}
	walk(li)
	return a
}

// yahooLegacySnippet is the description after the title: the text from the end of the
// title link to the first break, paragraph, link or URL line, without the " - " it opens
// with.
func yahooLegacySnippet(item, title *html.Node) string {
	var b strings.Builder
	passed, done := false, false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !done; c = c.NextSibling {
			if c == title {
				passed = true
				continue
			}
			switch c.Type {
			case html.TextNode:
				if passed {
					b.WriteString(c.Data)
				}
				continue
			case html.ElementNode:
			default:
				continue
			}
			if passed {
				switch c.Data {
				case "br", "p", "dt", "dd", "dl", "li", "ul", "ol", "table", "cite", "a", "div":
					done = true
					return
				case "font":
					if _, ok := attr(c, "color"); ok {
						t := clean(nodeText(c))
						if looksLikeURL(t) {
							done = true
							return
						}
						if strings.HasPrefix(t, "(") {
							continue // a file type's label, "(PDF)", beside the title
						}
					}
				}
			}
			walk(c)
		}
	}
	walk(item)
	s := clean(b.String())
	s = strings.TrimSpace(strings.TrimPrefix(s, "-"))
	return s
}

// yahooLegacyURL is the hit's URL line: a cite, or the coloured font Yahoo printed it in,
// whichever comes first in the item and not in a nested one.
func yahooLegacyURL(item *html.Node) string {
	var out string
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.Data {
			case "li", "dt", "dd":
				return true
			case "cite", "font":
				if _, ok := attr(c, "color"); ok || c.Data == "cite" {
					t := clean(nodeText(c))
					if looksLikeURL(t) {
						// "search within this site" sits in the same font on 2002 pages.
						out = strings.TrimSpace(strings.Fields(t)[0])
						return true
					}
				}
			}
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(item)
	return out
}

func looksLikeURL(s string) bool {
	f := strings.Fields(s)
	if len(f) == 0 {
		return false
	}
	w := f[0]
	return strings.HasPrefix(w, "http") || strings.HasPrefix(w, "www.") || strings.Count(w, ".") >= 1 && !strings.ContainsAny(w, ",;")
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

var (
	yahooSelLegacyItem = cascadia.MustCompile("li")
	// Overture's sponsored listings, linked through Yahoo's srd redirect.
	yahooSelLegacyAd = cascadia.MustCompile("a[href*='/search/overture/']")
)
