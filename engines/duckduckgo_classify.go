package engines

import (
	"bytes"
	"html"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/trawl-dev/trawl/schemas"
)

var _ Classifier = DuckDuckGo{}

// Classify recognises the html endpoint's ordinary results page, the one the fetcher sees on
// nearly every miss, from its bytes; anything else (a challenge, lite, the older layouts,
// no-results, an ads-only page, markup the byte check cannot vouch for) goes through Parse.
func (d DuckDuckGo) Classify(page []byte, r *schemas.SearchRequest) error {
	if ddgVerticalPath(r.Type) == "" && ddgSurelyResults(page) {
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
	// Markers that send the page to Parse, each looked for from one byte of it: bytes.Index
	// steps through every occurrence of a marker's first byte, and 'a', 'c', 'd' and 'r' are
	// everywhere. The anchors are rarer bytes, or '<' for the two tag names, which then
	// share one pass.
	if bytes.IndexByte(page, 0) >= 0 ||
		containsAround(page, 'y', []string{"anomaly"}, nil) ||
		containsAround(page, 'h', []string{"challenge"}, nil) ||
		// No other kind of result block, and no comment ending ("--!>") tagAt does not follow.
		containsAround(page, '-', []string{"result-link", "results--ads", "--!>"}, []string{"data-testid", "web-result-sponsored"}) ||
		containsAround(page, '<', nil, []string{"<plaintext", "<article"}) ||
		// Every class attribute spelled as the html endpoint spells it: so each div.result
		// on the page is one this scan sees.
		!ddgClassAttrsPlain(page) {
		return false
	}
	// low is page in ASCII lower case, as far as the scan has read: it stops at the first
	// result it can vouch for, usually the page's first block.
	buf := ddgLowBufs.Get().(*[]byte)
	defer ddgLowBufs.Put(buf)
	low := (*buf)[:0]
	defer func() {
		if cap(low) <= 1<<20 {
			*buf = low[:0]
		}
	}()
	firstDiv := -1
	const div = `<div class="result `
	// Each block read scans the page up to it, so after a few the page is left to Parse:
	// on the html endpoint the first organic result comes first or after an ad or two, and
	// a page of thousands of blocks none of which qualifies would cost quadratic time.
	const maxBlocks = 8
	read := 0
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
		if read++; read > maxBlocks {
			return false
		}
		if firstDiv < 0 {
			if !ddgBlocksPlain(page) {
				return false
			}
			firstDiv = start
		}
		low = appendLower(low, page[len(low):next])
		// No link left open before the block (the parser would reopen it inside the block,
		// ahead of the result's own link), and every block before this one closed (this one
		// is nobody's descendant).
		if !ddgClosedBefore(low[:start], firstDiv) {
			return false
		}
		if containsAny(classes, "result--ad", "result--no-result", "result--more", "web-result-sponsored") ||
			containsAny(page[body:next], "badge--ad", "ad-badge", "data-testid", "data-layout") ||
			inRawText(low, start) {
			continue
		}
		// The same two conditions as ddgClosedBefore's, read from the tags.
		if at, links, divs := tagAt(low, start, firstDiv); !at || links != 0 || divs != 0 {
			continue
		}
		if a := bytes.Index(low[body:next], []byte("<a ")); a >= 0 && ddgOrganicLink(page[body:next], low[body:next]) {
			if at, _, _ := tagAt(low, body+a, firstDiv); at {
				return true
			}
		}
	}
}

// ddgLowBufs recycles ddgSurelyResults' lower-case copies, one per fetched page.
var ddgLowBufs = sync.Pool{New: func() any { return new([]byte) }}

// ddgClassAttrsPlain reports whether every "class=" on the page, in any case, is a lower-case
// class= followed by a quote, and none reads class="result" (in any case).
func ddgClassAttrsPlain(page []byte) bool {
	for off := 0; ; {
		i := bytes.IndexByte(page[off:], '=')
		if i < 0 {
			return true
		}
		eq := off + i
		off = eq + 1
		if eq < len("class") || !equalFold(page[eq-len("class"):eq], "class") {
			continue
		}
		if string(page[eq-len("class"):eq]) != "class" || eq+1 >= len(page) || page[eq+1] != '"' && page[eq+1] != '\'' {
			return false
		}
		if v := page[eq+1:]; len(v) >= len(`"result"`) && equalFold(v[:len(`"result"`)], `"result"`) {
			return false
		}
	}
}

// containsAround reports whether page holds any of the markers (the fold ones, lower-case,
// in any ASCII case), each of which holds the byte anchor: it visits each anchor in the page
// once, and tries the markers around it.
func containsAround(page []byte, anchor byte, exact, fold []string) bool {
	var buf [8]int
	at := buf[:0] // where the anchor sits in each marker, exact ones first
	for _, m := range exact {
		at = append(at, strings.IndexByte(m, anchor))
	}
	for _, m := range fold {
		at = append(at, strings.IndexByte(m, anchor))
	}
	for off := 0; ; off++ {
		i := bytes.IndexByte(page[off:], anchor)
		if i < 0 {
			return false
		}
		off += i
		for k, m := range exact {
			if p := off - at[k]; p >= 0 && p+len(m) <= len(page) && string(page[p:p+len(m)]) == m {
				return true
			}
		}
		for k, m := range fold {
			if p := off - at[len(exact)+k]; p >= 0 && p+len(m) <= len(page) && equalFold(page[p:p+len(m)], m) {
				return true
			}
		}
	}
}

// ddgClosedBefore reports, of the page before a result block (pre, lower-cased), whether
// every <a> opened in it is closed and no other tag spelled "<a…" but <abbr>, <aside> and
// <address> occurs, and whether as many divs close as open from firstDiv on.
func ddgClosedBefore(pre []byte, firstDiv int) bool {
	links, divs := 0, 0
	for i := 0; ; i++ {
		j := bytes.IndexByte(pre[i:], '<')
		if j < 0 {
			return links == 0 && divs == 0
		}
		i += j
		rest := pre[i+1:]
		switch {
		case len(rest) > 0 && rest[0] == 'a':
			if len(rest) < 2 {
				return false
			}
			switch rest[1] {
			case ' ', '>', '\n', '\t', '/':
				links++
			default:
				if !bytes.HasPrefix(rest, []byte("abbr")) && !bytes.HasPrefix(rest, []byte("aside")) &&
					!bytes.HasPrefix(rest, []byte("address")) {
					return false
				}
			}
		case bytes.HasPrefix(rest, []byte("/a>")):
			links--
		case i >= firstDiv && bytes.HasPrefix(rest, []byte("div")):
			divs++
		case i >= firstDiv && bytes.HasPrefix(rest, []byte("/div")):
			divs--
		}
	}
}

// ddgBlocksPlain reports whether every element with a result-block class (result,
// web-result) is written <div class="result …">, the form ddgSurelyResults scans.
func ddgBlocksPlain(page []byte) bool {
	const attr = `class=`
	for off := 0; ; {
		i := indexClassEq(page, off)
		if i < 0 {
			return true
		}
		v := i + len(attr) + 1 // past the quote, which the caller has checked is there
		if v > len(page) {
			return false
		}
		q := bytes.IndexByte(page[v:], page[v-1])
		if q < 0 {
			return false
		}
		off = v + q
		if hasField(page[v:off], "result", "web-result") {
			if v < len(`<div class="`) || string(page[v-len(`<div class="`):v]) != `<div class="` ||
				!bytes.HasPrefix(page[v:], []byte("result ")) {
				return false
			}
		}
	}
}

// indexClassEq is the index of the first "class=" in page at or after off, -1 for none. It is
// found from its '=', which is rarer than 'c'.
func indexClassEq(page []byte, off int) int {
	for eq := off + len("class"); eq < len(page); eq++ {
		i := bytes.IndexByte(page[eq:], '=')
		if i < 0 {
			return -1
		}
		eq += i
		if string(page[eq-len("class"):eq]) == "class" {
			return eq - len("class")
		}
	}
	return -1
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
	for i, kv := range attrs {
		for _, prev := range attrs[:i] {
			if prev[0] == kv[0] {
				return false // the parser keeps the first of a repeated attribute; leave it to it
			}
		}
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
var rawTextOpeners = [...][2]string{{"<!--", "-->"}, {"<script", "</script"}, {"<style", "</style"},
	{"<textarea", "</textarea"}, {"<title", "</title"}, {"<noscript", "</noscript"}, {"<template", "</template"},
	{"<xmp", "</xmp"}, {"<iframe", "</iframe"}, {"<noembed", "</noembed"}, {"<noframes", "</noframes"},
	{"<svg", "</svg"}, {"<math", "</math"}, {"<select", "</select"}, {"<table", "</table"}, {"<frameset", "</frameset"}}

// rawTextTags are the elements whose content the tokenizer reads as text up to their end tag.
var rawTextTags = map[string]bool{"script": true, "style": true, "textarea": true, "title": true, "xmp": true,
	"iframe": true, "noembed": true, "noframes": true, "noscript": true}

// tagAt reports whether the HTML tokenizer, reading low (lower-cased) from the start, opens a
// tag at pos: pos is not inside a comment, a tag's attributes or a raw-text element. It
// follows the tokenizer's states loosely and errs towards no. On the way it counts the <a>
// start tags less the </a> end tags, and likewise the div tags from divsFrom on: the links
// and divs left open at pos, where byte counts are fooled by tag-like text in attributes. The caller has ruled out the
// comment and plaintext endings it does not follow ("--!>", "<plaintext"); low may end
// anywhere from pos+3 on without changing the answer, as every scan that runs past pos
// answers no.
func tagAt(low []byte, pos, divsFrom int) (at bool, links, divs int) {
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	skipTo := func(from int, m string) int {
		if e := bytes.Index(low[from:], []byte(m)); e >= 0 {
			return from + e + len(m)
		}
		return -1
	}
	i := 0
	for i < pos {
		lt := bytes.IndexByte(low[i:pos], '<')
		if lt < 0 {
			return true, links, divs // text up to pos
		}
		i += lt
		if i+1 >= len(low) {
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
			for j < len(low) && !tagNameEnd(low[j]) {
				j++
			}
			name := low[ns:j]
			open := 1
			if n == '/' {
				open = -1
			}
			switch {
			case string(name) == "a":
				links += open
			case string(name) == "div" && i >= divsFrom:
				divs += open
			}
			j = tagEnd(low, j)
			if j < 0 {
				return false, 0, 0
			}
			i = j
			if n != '/' && rawTextTags[string(name)] {
				e := indexEndTag(low[i:], name)
				if e < 0 {
					return false, 0, 0
				}
				if string(name) == "script" && bytes.Contains(low[i:i+e], []byte("<!--")) {
					return false, 0, 0 // script data's escaped states
				}
				after := i + e + 2 + len(name)
				if after >= len(low) || !tagNameEnd(low[after]) {
					return false, 0, 0
				}
				i += e
			}
		default:
			i++
		}
		if i < 0 || i > pos {
			return false, 0, 0
		}
	}
	return i == pos, links, divs
}

// tagNameEnd reports a byte that ends a tag name.
func tagNameEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\f', '\r', '/', '>':
		return true
	}
	return false
}

// indexEndTag is the index in b of "</" followed by name, -1 for none.
func indexEndTag(b, name []byte) int {
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("</"))
		if i < 0 {
			return -1
		}
		if bytes.HasPrefix(b[off+i+2:], name) {
			return off + i
		}
		off += i + 1
	}
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
	var last [len(rawTextOpeners)]int // where each opener last occurs, -1 for nowhere
	for k := range last {
		last[k] = -1
	}
	for i := 0; ; i++ {
		j := bytes.IndexByte(before[i:], '<')
		if j < 0 || i+j+1 >= len(before) {
			break
		}
		i += j
		for _, k := range rawTextBySecond[before[i+1]] {
			if bytes.HasPrefix(before[i:], []byte(rawTextOpeners[k][0])) {
				last[k] = i
			}
		}
	}
	for k, oc := range rawTextOpeners {
		if o := last[k]; o >= 0 && !bytes.Contains(before[o+len(oc[0]):], []byte(oc[1])) {
			return true
		}
	}
	return false
}

// rawTextBySecond lists the rawTextOpeners by their second byte, the one after '<'.
var rawTextBySecond = func() (by [256][]int) {
	for k, oc := range rawTextOpeners {
		by[oc[0][1]] = append(by[oc[0][1]], k)
	}
	return by
}()

// appendLower appends b to dst with ASCII letters lower-cased, so offsets in the copy are
// offsets in b.
func appendLower(dst, b []byte) []byte {
	n := len(dst)
	dst = append(dst, b...)
	for i, c := range dst[n:] {
		if c-'A' < 26 {
			dst[n+i] = c + 'a' - 'A'
		}
	}
	return dst
}

// equalFold reports whether b is lower, ignoring the case of ASCII letters in b (lower is
// lower-case).
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// hasField reports whether any of words is one of b's fields, split as strings.Fields splits.
func hasField(b []byte, words ...string) bool {
	start := -1 // of the field being read
	field := func(f []byte) bool {
		for _, w := range words {
			if string(f) == w {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(b); {
		c, size := b[i], 1
		space := asciiSpace[c] != 0
		if c >= utf8.RuneSelf {
			var r rune
			r, size = utf8.DecodeRune(b[i:])
			space = unicode.IsSpace(r)
		}
		switch {
		case !space:
			if start < 0 {
				start = i
			}
		case start >= 0:
			if field(b[start:i]) {
				return true
			}
			start = -1
		}
		i += size
	}
	return start >= 0 && field(b[start:])
}

// asciiSpace marks the ASCII bytes unicode.IsSpace is true of.
var asciiSpace = [256]uint8{'\t': 1, '\n': 1, '\v': 1, '\f': 1, '\r': 1, ' ': 1}

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
