package scrape

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
	"golang.org/x/net/html"
)

// convertHTML fills the asked formats of an HTML or XHTML page (XHTML goes through the HTML
// parser, as browsers do with text/html: the HTML parser copes with XHTML markup, and a strict
// XML parse would reject the many pages served as XHTML that are not well-formed).
func convertHTML(out *schemas.ScrapeBody, src []byte, page *url.URL, r *schemas.ScrapeRequest, xhtml bool) error {
	include, errs := compileSelectors("include_selectors", r.IncludeSelectors)
	exclude, errs2 := compileSelectors("exclude_selectors", r.ExcludeSelectors)
	if errs = append(errs, errs2...); len(errs) > 0 {
		return schemas.ValidationError(errs)
	}
	doc := parseBounded(src, xhtml)
	base := baseURL(doc, page)
	unlazyImages(doc)
	absolutize(doc, base, page)

	// Links, metadata and extract read the whole page, before any of it is dropped.
	if r.Wants(schemas.FormatLinks) {
		out.Links = links(doc, page)
	}
	if r.Wants(schemas.FormatMetadata) {
		out.Metadata = metadata(doc, base)
	}
	if len(r.Extract) > 0 {
		out.Extract, out.ExtractErrors = extract(doc, r.Extract)
	}

	if !r.Wants(schemas.FormatMarkdown) && !r.Wants(schemas.FormatHTML) && !r.Wants(schemas.FormatText) {
		return nil
	}
	content := selectContent(doc, base, r.WantsMainContent(), include, exclude)
	unlinkHeadings(content, page)
	joinSplitLinks(content)
	if r.Wants(schemas.FormatHTML) {
		out.HTML = renderInner(content)
	}
	if r.Wants(schemas.FormatText) {
		out.Text = plainText(content)
	}
	if r.Wants(schemas.FormatMarkdown) {
		// Last: the converter rewrites the tree it is given.
		out.Markdown = markdown(content, base)
	}
	return nil
}

// unlinkHeadings unwraps a heading's only link when it points into the page itself: the
// back-links to the table of contents documentation generators (docutils, Sphinx) wrap every
// heading in, which would make each markdown heading a link to "#id4".
func unlinkHeadings(content *html.Node, page *url.URL) {
	if page == nil {
		return
	}
	here := *page
	here.Fragment, here.RawFragment = "", ""
	prefix := here.String() + "#"
	walk(content, func(n *html.Node) bool {
		if n.Type != html.ElementNode || len(n.Data) != 2 || n.Data[0] != 'h' || n.Data[1] < '1' || n.Data[1] > '6' {
			return true
		}
		var only *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
			case c.Type == html.ElementNode && c.Data == "a" && only == nil:
				only = c
			default:
				return false
			}
		}
		if only == nil {
			return false
		}
		if href, _ := attr(only, "href"); strings.HasPrefix(href, prefix) {
			for c := only.FirstChild; c != nil; {
				next := c.NextSibling
				only.RemoveChild(c)
				n.InsertBefore(c, only)
				c = next
			}
			n.RemoveChild(only)
		}
		return false
	})
}

// joinSplitLinks makes one link of adjacent links to the same place: editors split a link
// where a word's formatting changed ("[Arte](u)[mis m](u)[oon program](u)" on Space.com),
// which the markdown would show as three links in a row.
func joinSplitLinks(content *html.Node) {
	walk(content, func(n *html.Node) bool {
		if n.Type != html.ElementNode || n.Data != "a" {
			return true
		}
		href, ok := attr(n, "href")
		if !ok {
			return false
		}
		for next := n.NextSibling; next != nil && next.Type == html.ElementNode && next.Data == "a"; next = n.NextSibling {
			if h, _ := attr(next, "href"); h != href {
				break
			}
			for c := next.FirstChild; c != nil; c = next.FirstChild {
				next.RemoveChild(c)
				n.AppendChild(c)
			}
			n.Parent.RemoveChild(next)
		}
		return false
	})
}

// baseURL is the page URL, or the document's <base href> resolved against it.
func baseURL(doc *html.Node, page *url.URL) *url.URL {
	var href string
	found := false
	walk(doc, func(n *html.Node) bool {
		if found {
			return false
		}
		if n.Type == html.ElementNode && n.Data == "base" {
			if v, ok := attr(n, "href"); ok && strings.TrimSpace(v) != "" {
				href, found = strings.TrimSpace(v), true
			}
		}
		return n.Data != "body"
	})
	if !found {
		return page
	}
	u, err := url.Parse(href)
	if err != nil {
		return page
	}
	if page != nil {
		u = page.ResolveReference(u)
	}
	if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		return page
	}
	return u
}

// lazySrc are the attributes lazy-loading scripts keep an image's real source in, most used
// first (WordPress plugins, lazysizes, Jetpack, jQuery lazyload); lazySrcset the same for srcset.
var (
	lazySrc    = []string{"data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src", "data-normal"}
	lazySrcset = []string{"data-srcset", "data-lazy-srcset"}
	// rxPlaceholder: the image a lazy loader shows until its script runs.
	rxPlaceholder = regexp.MustCompile(`(?i)placeholder|blank\.(gif|png)|spacer\.gif|pixel\.(gif|png)|transparent\.(gif|png)|lazy|loading|grey\.gif|1x1`)
)

// unlazyImages puts the real source back on images a lazy-loading script would have swapped
// in: without the script the page shows its placeholder (a grey square, a data: pixel) and the
// markdown would too. The source moves when the image has none, a data: one, or one that names
// itself a placeholder.
func unlazyImages(doc *html.Node) {
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode || (n.Data != "img" && n.Data != "source") {
			return true
		}
		src, _ := attr(n, "src")
		src = strings.TrimSpace(src)
		if src != "" && !isScheme(src, "data") && !rxPlaceholder.MatchString(src) {
			return false
		}
		if real := firstAttr(n, lazySrc); real != "" && !isScheme(real, "data") {
			setAttr(n, "src", real)
		}
		if set := firstAttr(n, lazySrcset); set != "" {
			setAttr(n, "srcset", set)
		}
		if src, _ := attr(n, "src"); n.Data == "img" && (strings.TrimSpace(src) == "" || isScheme(src, "data")) {
			// Only a srcset (on the image, or on its <picture>'s sources): markdown has room
			// for one source, the largest.
			set, _ := attr(n, "srcset")
			if set == "" && n.Parent != nil && n.Parent.Data == "picture" {
				for c := n.Parent.FirstChild; c != nil && set == ""; c = c.NextSibling {
					if c.Type == html.ElementNode && c.Data == "source" {
						set = firstAttr(c, append([]string{"srcset"}, lazySrcset...))
					}
				}
			}
			if best := largestCandidate(set); best != "" {
				setAttr(n, "src", best)
			}
		}
		return false
	})
}

// largestCandidate is the URL of the widest (or densest) image in a srcset, or the last one
// when they give no sizes.
func largestCandidate(srcset string) string {
	best, bestSize := "", -1.0
	for cand := range strings.SplitSeq(srcset, ",") {
		f := strings.Fields(cand)
		if len(f) == 0 || isScheme(f[0], "data") {
			continue
		}
		size := 0.0
		if len(f) > 1 {
			d := f[1]
			if n, err := strconv.ParseFloat(d[:len(d)-1], 64); err == nil && (strings.HasSuffix(d, "w") || strings.HasSuffix(d, "x")) {
				size = n
			}
		}
		if size >= bestSize {
			best, bestSize = f[0], size
		}
	}
	return best
}

func firstAttr(n *html.Node, keys []string) string {
	for _, k := range keys {
		if v, ok := attr(n, k); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key && n.Attr[i].Namespace == "" {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// urlAttrs are the attributes holding one URL, by element.
var urlAttrs = map[string][]string{
	"a": {"href"}, "area": {"href"}, "img": {"src"}, "source": {"src"}, "video": {"src", "poster"},
	"audio": {"src"}, "track": {"src"}, "embed": {"src"}, "iframe": {"src"}, "link": {"href"},
	"blockquote": {"cite"}, "q": {"cite"}, "del": {"cite"}, "ins": {"cite"}, "form": {"action"},
	"object": {"data"}, "input": {"src"},
}

// absolutize resolves every URL in the document against base, once, so that every format and
// the extract fields see absolute URLs. A link to a fragment alone ("#section") resolves
// against the page, not a <base href>: HTML says otherwise, but every such link on a real page
// means "here", and documentation sites are where <base> and tables of contents meet. A
// javascript: link loses its href: it cannot work once scripts are gone, and its text is kept.
func absolutize(doc *html.Node, base, page *url.URL) {
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		for i := range n.Attr {
			a := &n.Attr[i]
			if a.Namespace != "" {
				continue
			}
			switch {
			case a.Key == "srcset" && (n.Data == "img" || n.Data == "source"):
				a.Val = resolveSrcset(base, a.Val)
			case isURLAttr(n.Data, a.Key):
				if n.Data == "a" && a.Key == "href" && isScheme(a.Val, "javascript") {
					a.Key = "data-trawl-removed" // dropped by cleanAttrs, never rendered
					continue
				}
				if strings.HasPrefix(strings.TrimSpace(a.Val), "#") && page != nil {
					a.Val = resolve(page, a.Val)
				} else {
					a.Val = resolve(base, a.Val)
				}
			}
		}
		return true
	})
}

func isURLAttr(tag, key string) bool {
	for _, k := range urlAttrs[tag] {
		if k == key {
			return true
		}
	}
	return false
}

func isScheme(raw, scheme string) bool {
	raw = strings.TrimLeft(raw, " \t\r\n\f")
	return len(raw) > len(scheme) && strings.EqualFold(raw[:len(scheme)], scheme) && raw[len(scheme)] == ':'
}

// resolve makes raw absolute against base; what does not parse is returned as it was.
func resolve(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || base == nil {
		return raw
	}
	for _, s := range []string{"data", "mailto", "tel", "javascript", "about", "blob"} {
		if isScheme(raw, s) {
			return raw
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return base.ResolveReference(u).String()
}

func resolveSrcset(base *url.URL, v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		fields := strings.Fields(p)
		if len(fields) == 0 {
			continue
		}
		fields[0] = resolve(base, fields[0])
		parts[i] = strings.Join(fields, " ")
	}
	return strings.Join(parts, ", ")
}

// walk visits n and its descendants in document order; fn returning false skips the children.
// It is iterative: the tree may be a few hundred levels deep, and the visitor must not care.
func walk(n *html.Node, fn func(*html.Node) bool) {
	if n == nil {
		return
	}
	c := n
	for {
		if fn(c) && c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != n && c.NextSibling == nil {
			c = c.Parent
		}
		if c == n {
			return
		}
		c = c.NextSibling
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func findFirst(n *html.Node, tag string) *html.Node {
	var found *html.Node
	walk(n, func(c *html.Node) bool {
		if found != nil {
			return false
		}
		if c.Type == html.ElementNode && c.Data == tag {
			found = c
			return false
		}
		return true
	})
	return found
}

// collapse is s with every run of white space made one space, trimmed.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// textContent is the collapsed text of n, leaving out scripts and styles below it. Text of
// inline elements runs together as on screen ("−2°<span>/</span>−6°" is "−2°/−6°"); blocks,
// cells and line breaks are apart by a space.
func textContent(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
		case html.ElementNode:
			if c != n && (c.Data == "script" || c.Data == "style" || c.Data == "template") {
				return false
			}
			if c.Data == "br" || c.Data == "td" || c.Data == "th" || paragraphTags[c.Data] || lineTags[c.Data] {
				b.WriteByte(' ')
			}
		}
		return true
	})
	return collapse(b.String())
}

func renderInner(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			break
		}
	}
	return strings.TrimSpace(b.String())
}
