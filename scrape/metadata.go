package scrape

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
	"golang.org/x/net/html"
)

// Bounds on the JSON-LD kept: blocks beyond them are skipped, not cut.
const (
	maxJSONLDBlocks = 16
	maxJSONLDBytes  = 256 << 10
)

// metadata is what the whole document says about itself: <head> meta tags, OpenGraph and
// Twitter cards, the canonical link and JSON-LD, with the first good source winning for each
// field (OpenGraph before <title>, since sites put the clean headline there and decorate the
// <title> with the site's name).
func metadata(doc *html.Node, base *url.URL) *schemas.PageMetadata {
	m := &schemas.PageMetadata{}
	named := map[string]string{} // meta name= and itemprop=, lower case, first value
	var title, canonical, itempropDate string
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		switch n.Data {
		case "svg", "math":
			return false // their <title> elements are captions, not the page's
		case "html":
			// xml:lang is XHTML's (and Drupal's, served as text/html): the parser keeps it
			// as an attribute of that name.
			for _, key := range []string{"lang", "xml:lang"} {
				if v, _ := attr(n, key); m.Language == "" && strings.TrimSpace(v) != "" {
					m.Language = strings.TrimSpace(v)
				}
			}
		case "title":
			if title == "" {
				title = textContent(n)
			}
		case "meta":
			content, ok := attr(n, "content")
			if !ok {
				return true
			}
			content = collapse(content)
			prop, _ := attr(n, "property")
			name, _ := attr(n, "name")
			for _, key := range []string{strings.ToLower(strings.TrimSpace(prop)), strings.ToLower(strings.TrimSpace(name))} {
				switch {
				case key == "":
				case strings.HasPrefix(key, "og:") || strings.HasPrefix(key, "article:"):
					setFirst(&m.OpenGraph, key, content)
				case strings.HasPrefix(key, "twitter:"):
					setFirst(&m.Twitter, key, content)
				default:
					if _, seen := named[key]; !seen {
						named[key] = content
					}
				}
			}
			if v, ok := attr(n, "itemprop"); ok {
				key := "itemprop:" + strings.ToLower(strings.TrimSpace(v))
				if _, seen := named[key]; !seen {
					named[key] = content
				}
			}
			if v, ok := attr(n, "http-equiv"); ok && strings.EqualFold(strings.TrimSpace(v), "content-language") {
				if _, seen := named["content-language"]; !seen {
					named["content-language"] = content
				}
			}
		case "link":
			rel, _ := attr(n, "rel")
			if canonical == "" && hasToken(rel, "canonical") {
				canonical, _ = attr(n, "href")
			}
		case "time":
			if v, _ := attr(n, "itemprop"); itempropDate == "" && strings.EqualFold(v, "datePublished") {
				itempropDate, _ = attr(n, "datetime")
			}
		case "script":
			if t, _ := attr(n, "type"); isJSONLD(t) && len(m.JSONLD) < maxJSONLDBlocks {
				if block := jsonLD(n); block != nil {
					m.JSONLD = append(m.JSONLD, block)
				}
			}
			return false
		}
		return true
	})
	ld := ldFacts(m.JSONLD)
	og := func(k string) string { return m.OpenGraph[k] }
	tw := func(k string) string { return m.Twitter[k] }
	m.Title = first(og("og:title"), title, tw("twitter:title"), ld.headline)
	m.Description = first(named["description"], og("og:description"), tw("twitter:description"), ld.description)
	if m.Language == "" {
		m.Language = first(named["content-language"], strings.ReplaceAll(og("og:locale"), "_", "-"), ld.language)
	}
	if canonical != "" {
		m.Canonical = resolve(base, canonical)
	}
	m.Author = first(named["author"], ld.author, named["article:author"], og("article:author"))
	m.Published = first(og("article:published_time"), ld.published, named["itemprop:datepublished"], itempropDate,
		named["date"], named["pubdate"], named["publish-date"], named["dc.date"], named["dcterms.created"])
	m.SiteName = first(og("og:site_name"), ld.publisher, named["application-name"])
	if img := first(og("og:image"), og("og:image:url"), og("og:image:secure_url"), tw("twitter:image"), tw("twitter:image:src"), ld.image); img != "" {
		m.Image = resolve(base, img)
	}
	return m
}

func setFirst(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	if _, seen := (*m)[k]; !seen {
		(*m)[k] = v
	}
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func isJSONLD(typ string) bool {
	mt, _ := parseContentType(typ)
	return mt == "application/ld+json"
}

// jsonLD is a <script type="application/ld+json"> block as compact JSON, or nil when it does
// not parse. Sites wrap these in HTML comments or CDATA sections, which are taken off first.
func jsonLD(n *html.Node) json.RawMessage {
	var raw []byte
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			raw = append(raw, c.Data...)
		}
	}
	if len(raw) > maxJSONLDBytes {
		return nil
	}
	raw = bytes.TrimSpace(raw)
	for _, wrap := range [][2]string{{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"//<![CDATA[", "//]]>"}} {
		if bytes.HasPrefix(raw, []byte(wrap[0])) && bytes.HasSuffix(raw, []byte(wrap[1])) {
			raw = bytes.TrimSpace(raw[len(wrap[0]) : len(raw)-len(wrap[1])])
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil
	}
	return json.RawMessage(buf.Bytes())
}

// ldInfo is what the metadata fields take from JSON-LD.
type ldInfo struct {
	headline, description, author, published, publisher, image, language string
}

// ldFacts reads the metadata fields from the JSON-LD blocks, from the first object that is an
// article (by its @type) or, failing that, the first object that has the field, searching
// @graph arrays and nested objects a few levels down.
func ldFacts(blocks []json.RawMessage) ldInfo {
	var objs []map[string]any
	for _, b := range blocks {
		var v any
		if json.Unmarshal(b, &v) == nil {
			collectObjects(v, 0, &objs)
		}
	}
	var articles, rest []map[string]any
	for _, o := range objs {
		if isArticleType(o["@type"]) {
			articles = append(articles, o)
		} else {
			rest = append(rest, o)
		}
	}
	ordered := append(articles, rest...)
	get := func(key string, read func(any) string) string {
		for _, o := range ordered {
			if v, ok := o[key]; ok {
				if s := read(v); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return ldInfo{
		headline:    get("headline", ldString),
		description: get("description", ldString),
		author:      get("author", ldName),
		published:   get("datePublished", ldString),
		publisher:   get("publisher", ldName),
		image:       get("image", ldURL),
		language:    get("inLanguage", ldString),
	}
}

func collectObjects(v any, depth int, out *[]map[string]any) {
	if depth > 4 || len(*out) > 256 {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			collectObjects(e, depth+1, out)
		}
	case map[string]any:
		*out = append(*out, t)
		if g, ok := t["@graph"]; ok {
			collectObjects(g, depth+1, out)
		}
	}
}

func isArticleType(t any) bool {
	switch v := t.(type) {
	case string:
		return strings.HasSuffix(v, "Article") || strings.HasSuffix(v, "Posting") || v == "Report"
	case []any:
		for _, e := range v {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

func ldString(v any) string {
	if s, ok := v.(string); ok {
		return collapse(s)
	}
	return ""
}

// ldName reads a person or organisation: a string, an object's name, or the first of a list.
func ldName(v any) string {
	switch t := v.(type) {
	case string:
		return collapse(t)
	case map[string]any:
		return ldString(t["name"])
	case []any:
		var names []string
		for _, e := range t {
			if n := ldName(e); n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}

// ldURL reads an image: a URL string, an ImageObject's url, or the first of a list.
func ldURL(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case map[string]any:
		return first(ldString(t["url"]), ldString(t["contentUrl"]))
	case []any:
		for _, e := range t {
			if u := ldURL(e); u != "" {
				return u
			}
		}
	}
	return ""
}
