package engines

import (
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// clean collapses whitespace runs (NBSP included) to one space and trims, the comparison form
// the corpus expectations use.
func clean(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\f', '\v', '\u00a0', '\u2002', '\u2003', '\u2009', '\u200b':
			return true
		}
		return false
	}), " ")
}

// text is the cleaned text content of a selection.
func text(s *goquery.Selection) string { return clean(s.Text()) }

// absURL resolves href against the page's base and reports whether the result is an
// absolute http(s) URL.
func absURL(base, href string) (string, bool) {
	href = strings.TrimSpace(href)
	if href == "" {
		return "", false
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
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false
	}
	return u.String(), true
}
