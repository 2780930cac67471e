package engines

import (
	"bytes"
	"html"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

var _ Classifier = DuckDuckGo{}

// Classify recognises the html endpoint's ordinary results page, the one the fetcher sees on
// nearly every miss, from its bytes; anything else (a challenge, lite, the older layouts,
// no-results, an ads-only page, markup the byte check cannot vouch for) goes through Parse.
func (d DuckDuckGo) Classify(page []byte, r *schemas.SearchRequest) error {
	if ddgSurelyResults(page) {
		return nil
	}
	_, err := d.Parse(page, r)
	return err
}

// ddgSurelyResults reports a page on which Parse is certain to find an organic result by the
// html-endpoint route: no challenge marker Parse checks first (each of its selectors and
// markers names "anomaly" or "challenge"), not lite (read instead when a.result-link is
// present), and a well-formed <div class="result …"> outside any comment or raw-text element
// that is not an ad, no-result or more block, whose first link, inside it, is a.result__a with
// a URL and a title Parse would keep. A false answer only means "ask Parse".
func ddgSurelyResults(page []byte) bool {
	if containsAny(page, "anomaly", "challenge", "result-link", "results--ads", "\x00") {
		return false
	}
	low := asciiLower(page)
	// Every class attribute spelled as the html endpoint spells it, and no other kind of
	// result block: so each div.result on the page is one this scan sees.
	if bytes.Count(low, []byte("class=")) != bytes.Count(page, []byte(`class="`))+bytes.Count(page, []byte(`class='`)) ||
		containsAny(low, "<plaintext", "data-testid", "<article", `class="result"`, "web-result-sponsored") {
		return false
	}
	firstDiv := -1
	const div = `<div class="result `
	for off := 0; ; {
		i := bytes.Index(page[off:], []byte(div))
		if i < 0 {
			return false
		}
		start := off + i
		off = start + len(div)
		end := bytes.IndexByte(page[off:], '"')
		if end < 0 {
			return false
		}
		classes := page[off : off+end]
		body := off + end + 1
		if body >= len(page) || page[body] != '>' {
			continue // more attributes, or a broken tag: Parse knows better
		}
		body++
		next := len(page)
		if n := bytes.Index(page[body:], []byte(div)); n >= 0 {
			next = body + n
		}
		if firstDiv < 0 {
			if !ddgBlocksPlain(page) {
				return false
			}
			firstDiv = start
		}
		// No link left open before the block: the parser would reopen it inside the block,
		// ahead of the result's own link.
		pre := low[:start]
		if bytes.Count(pre, []byte("<a "))+bytes.Count(pre, []byte("<a>"))+bytes.Count(pre, []byte("<a\n"))+
			bytes.Count(pre, []byte("<a\t"))+bytes.Count(pre, []byte("<a/")) != bytes.Count(pre, []byte("</a>")) ||
			bytes.Count(pre, []byte("<a")) != bytes.Count(pre, []byte("<a "))+bytes.Count(pre, []byte("<a>"))+
				bytes.Count(pre, []byte("<a\n"))+bytes.Count(pre, []byte("<a\t"))+bytes.Count(pre, []byte("<a/"))+
				bytes.Count(pre, []byte("<abbr"))+bytes.Count(pre, []byte("<aside"))+bytes.Count(pre, []byte("<address")) {
			return false
		}
		// Every block before this one closed: this one is nobody's descendant.
		if bytes.Count(low[firstDiv:start], []byte("<div")) != bytes.Count(low[firstDiv:start], []byte("</div")) {
			return false
		}
		if containsAny(classes, "result--ad", "result--no-result", "result--more", "web-result-sponsored") ||
			containsAny(page[body:next], "badge--ad", "ad-badge", "data-testid", "data-layout") ||
			!tagAt(low, start) || inRawText(low, start) {
			continue
		}
		if a := bytes.Index(low[body:next], []byte("<a ")); a >= 0 && tagAt(low, body+a) &&
			ddgOrganicLink(page[body:next], low[body:next]) {
			return true
		}
	}
}

// ddgBlocksPlain reports whether every element with a result-block class (result,
// web-result) is written <div class="result …">, the form ddgSurelyResults scans.
func ddgBlocksPlain(page []byte) bool {
	const attr = `class=`
	for off := 0; ; {
		i := bytes.Index(page[off:], []byte(attr))
		if i < 0 {
			return true
		}
		v := off + i + len(attr) + 1 // past the quote, which the caller has checked is there
		if v > len(page) {
			return false
		}
		q := bytes.IndexByte(page[v:], page[v-1])
		if q < 0 {
			return false
		}
		off = v + q
		for _, c := range strings.Fields(string(page[v:off])) {
			if c == "result" || c == "web-result" {
				if v < len(`<div class="`) || string(page[v-len(`<div class="`):v]) != `<div class="` ||
					!bytes.HasPrefix(page[v:], []byte("result ")) {
					return false
				}
				break
			}
		}
	}
}

// ddgOrganicLink reports whether the block's first link, still inside the block's div, is
// a.result__a with a URL and a title Parse would keep. low is block in ASCII lower case.
func ddgOrganicLink(block, low []byte) bool {
	a := bytes.Index(low, []byte("<a "))
	if a < 0 || bytes.Index(low, []byte("<a")) != a {
		return false
	}
	closeA := bytes.Index(low[a:], []byte("</a>"))
	if closeA < 0 {
		return false
	}
	closeA += a
	// Up to the link's end: no div closed (the link might be outside the block), nothing that
	// makes text out of markup or markup out of text.
	if containsAny(low[:closeA], "</div", "<!", "<script", "<style", "<textarea", "<title", "<noscript",
		"<template", "<xmp", "<iframe", "<noembed", "<noframes", "<svg", "<math", "<select", "<table") {
		return false
	}
	name, attrs, rest, ok := ddgTag(block[a+1 : closeA])
	if !ok || name != "a" || bytes.Contains(low[a+2:closeA], []byte("<a")) {
		return false
	}
	var href, class string
	seen := map[string]bool{}
	for _, kv := range attrs {
		if seen[kv[0]] {
			return false // the parser keeps the first of a repeated attribute; leave it to it
		}
		seen[kv[0]] = true
		switch kv[0] {
		case "href":
			href = kv[1]
		case "class":
			class = kv[1]
		}
	}
	if class != "result__a" || href == "" {
		return false
	}
	// Attribute values decode entities by a rule of their own (no legacy entities before
	// '=' or a letter); only &amp; is common in these links, anything else goes to Parse.
	href = strings.ReplaceAll(href, "&amp;", "&")
	if strings.Contains(href, "&") && strings.Contains(strings.ReplaceAll(href, "&amp;", ""), "&#") ||
		strings.Contains(href, ";") {
		return false
	}
	if u, ok := ddgTarget(href); !ok || !isHTTPURL(u) {
		return false
	}
	title, ok := stripTags(rest)
	return ok && clean(html.UnescapeString(string(title))) != ""
}

// ddgTag reads `name attr="value" …>` strictly (lower-case names, double-quoted values) and
// returns the text after the tag; anything looser is reported as not ok.
func ddgTag(b []byte) (name string, attrs [][2]string, rest []byte, ok bool) {
	word := func() string {
		i := 0
		for i < len(b) && (b[i] >= 'a' && b[i] <= 'z' || b[i] == '-' || b[i] == '_') {
			i++
		}
		w := string(b[:i])
		b = b[i:]
		return w
	}
	if name = word(); name == "" {
		return "", nil, nil, false
	}
	for {
		if len(b) == 0 {
			return "", nil, nil, false
		}
		switch b[0] {
		case '>':
			return name, attrs, b[1:], true
		case ' ':
			b = b[1:]
			continue
		}
		k := word()
		if k == "" || len(b) < 2 || b[0] != '=' || b[1] != '"' {
			return "", nil, nil, false
		}
		b = b[2:]
		q := bytes.IndexByte(b, '"')
		if q < 0 {
			return "", nil, nil, false
		}
		attrs = append(attrs, [2]string{k, string(b[:q])})
		b = b[q+1:]
		if len(b) > 0 && b[0] != ' ' && b[0] != '>' {
			return "", nil, nil, false
		}
	}
}

// rawTextOpeners are the elements (and comments) whose content the HTML parser does not read
// as markup: a result div inside one is no result.
var rawTextOpeners = [][2]string{{"<!--", "-->"}, {"<script", "</script"}, {"<style", "</style"},
	{"<textarea", "</textarea"}, {"<title", "</title"}, {"<noscript", "</noscript"}, {"<template", "</template"},
	{"<xmp", "</xmp"}, {"<iframe", "</iframe"}, {"<noembed", "</noembed"}, {"<noframes", "</noframes"},
	{"<svg", "</svg"}, {"<math", "</math"}, {"<select", "</select"}, {"<table", "</table"}, {"<frameset", "</frameset"}}

// rawTextTags are the elements whose content the tokenizer reads as text up to their end tag.
var rawTextTags = map[string]bool{"script": true, "style": true, "textarea": true, "title": true, "xmp": true,
	"iframe": true, "noembed": true, "noframes": true, "noscript": true}

// tagAt reports whether the HTML tokenizer, reading low (lower-cased) from the start, opens a
// tag at pos: pos is not inside a comment, a tag's attributes or a raw-text element. It
// follows the tokenizer's states loosely and errs towards no.
func tagAt(low []byte, pos int) bool {
	if bytes.Contains(low, []byte("--!>")) || bytes.Contains(low, []byte("<plaintext")) {
		return false // comment and plaintext endings this scan does not follow
	}
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	skipTo := func(from int, m string) int {
		if e := bytes.Index(low[from:], []byte(m)); e >= 0 {
			return from + e + len(m)
		}
		return -1
	}
	i := 0
	for i < pos {
		if low[i] != '<' || i+1 >= len(low) {
			i++
			continue
		}
		n := low[i+1]
		switch {
		case bytes.HasPrefix(low[i:], []byte("<!--")):
			i = skipTo(i+2, "-->") // from i+2 so that <!--> and <!---> close as the tokenizer closes them
		case n == '!' || n == '?' || n == '/' && i+2 < len(low) && !isLetter(low[i+2]) && low[i+2] != '>':
			i = skipTo(i+1, ">") // bogus comment
		case n == '/' && i+2 < len(low) && low[i+2] == '>':
			i += 3
		case isLetter(n) || n == '/' && i+2 < len(low):
			j := i + 1
			if n == '/' {
				j++
			}
			ns := j
			for j < len(low) && !bytes.ContainsRune([]byte(" \t\n\f\r/>"), rune(low[j])) {
				j++
			}
			name := string(low[ns:j])
			j = tagEnd(low, j)
			if j < 0 {
				return false
			}
			i = j
			if n != '/' && rawTextTags[name] {
				e := bytes.Index(low[i:], []byte("</"+name))
				if e < 0 {
					return false
				}
				if name == "script" && bytes.Contains(low[i:i+e], []byte("<!--")) {
					return false // script data's escaped states
				}
				after := i + e + 2 + len(name)
				if after >= len(low) || !bytes.ContainsRune([]byte(" \t\n\f\r/>"), rune(low[after])) {
					return false
				}
				i += e
			}
		default:
			i++
		}
		if i < 0 || i > pos {
			return false
		}
	}
	return i == pos
}

// tagEnd is the index after the '>' that ends the tag whose attributes start at j, skipping
// quoted attribute values; -1 at the end of input.
func tagEnd(low []byte, j int) int {
	for j < len(low) {
		switch low[j] {
		case '>':
			return j + 1
		case '=':
			j++
			for j < len(low) && bytes.ContainsRune([]byte(" \t\n\f\r"), rune(low[j])) {
				j++
			}
			if j < len(low) && (low[j] == '"' || low[j] == '\'') {
				q := bytes.IndexByte(low[j+1:], low[j])
				if q < 0 {
					return -1
				}
				j += q + 2
			}
		default:
			j++
		}
	}
	return -1
}

// inRawText reports whether pos may lie inside a comment or raw-text element: the last opener
// before it has no closer between. It errs towards yes.
func inRawText(low []byte, pos int) bool {
	before := low[:pos]
	for _, oc := range rawTextOpeners {
		o := bytes.LastIndex(before, []byte(oc[0]))
		if o >= 0 && !bytes.Contains(before[o+len(oc[0]):], []byte(oc[1])) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, so offsets in the copy are offsets in b.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// stripTags drops <…> runs, leaving the text between them; a quote inside a tag (where a '>'
// need not end it) is not ok.
func stripTags(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	in := false
	for _, c := range b {
		switch {
		case c == '<':
			in = true
		case in && (c == '"' || c == '\''):
			return nil, false
		case c == '>' && in:
			in = false
		case !in:
			out = append(out, c)
		}
	}
	return out, !in
}
