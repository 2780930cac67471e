package scrape

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// golang.org/x/net/html refuses any document whose stack of open elements passes 512, so a page
// of 600 unclosed <font> tags (old forums are full of them) would not parse at all, and deep trees
// make every recursive walk after it (readability, html-to-markdown, html.Render) slower and
// deeper. flatten rewrites the token stream so that no element opens below maxDepth: a start tag
// that would go deeper is dropped with its end tag and its content joins the parent. It keeps an
// approximate stack, modelling the implied end tags the parser adds (an open <p> closed by a
// block, <li> by the next <li>, table cells by the next cell) and the formatting elements the
// parser reopens after a block ends, so ordinary pages (a thousand unclosed <li>) come through
// untouched. It is an estimate, not the parser; parseBounded retries with a tighter bound when
// the parser still disagrees.
//
// Attribute values over maxAttrBytes are dropped with the attribute: a 10 MiB class or data: URI
// would be scanned by readability's regular expressions and pasted into the markdown whole.
const (
	defaultMaxDepth = 256
	maxAttrBytes    = 32 << 10
)

// parseBounded parses src with flatten's bound, tightening it when the parser still finds the
// tree too deep, and as a last resort keeps the text only, so Convert always has a document.
// xhtml closes self-closed elements ("<div/>"), as the XML parser a browser uses for XHTML
// does; the HTML parser would leave them open around the rest of the page.
func parseBounded(src []byte, xhtml bool) *html.Node {
	for _, depth := range []int{defaultMaxDepth, 64} {
		doc, err := html.Parse(bytes.NewReader(flatten(src, depth, xhtml)))
		if err == nil {
			return doc
		}
	}
	doc, _ := html.Parse(strings.NewReader("<pre>" + html.EscapeString(textOnly(src)) + "</pre>"))
	return doc
}

// textOnly is every text token of src, for a page no bound could make parseable.
func textOnly(src []byte) string {
	z := html.NewTokenizer(bytes.NewReader(src))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

type openElem struct {
	a    atom.Atom
	name string
}

type flattener struct {
	stack   []openElem
	open    map[string]int // name → how many of stack carry it
	dropped map[string]int // name → start tags dropped and not yet matched by an end tag
	// reopen counts formatting elements an implied end tag closed: the parser keeps them in its
	// list of active formatting elements and opens them again inside the next block.
	reopen   map[string]int
	reopened int
	foreign  int // open <svg> and <math>, where "/>" closes an element
}

func flatten(src []byte, maxDepth int, xhtml bool) []byte {
	f := &flattener{open: map[string]int{}, dropped: map[string]int{}, reopen: map[string]int{}}
	out := bytes.NewBuffer(make([]byte, 0, len(src)))
	z := html.NewTokenizer(bytes.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				out.Write(z.Raw())
			}
			return out.Bytes()
		}
		raw := z.Raw()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			n := string(name)
			if a != 0 {
				n = a.String()
			}
			if hasAttr && len(raw) > maxAttrBytes {
				raw = shortenAttrs(z, n, tt)
			}
			if xhtml && tt == html.SelfClosingTagToken && !isVoid(a) && f.foreign == 0 && a != atom.Svg && a != atom.Math {
				out.Write(raw)
				out.WriteString("</" + n + ">")
				continue
			}
			if !f.start(a, n, tt == html.SelfClosingTagToken, maxDepth) {
				continue
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			n := string(name)
			if a != 0 {
				n = a.String()
			}
			if !f.end(a, n) {
				continue
			}
		}
		out.Write(raw)
	}
}

// shortenAttrs is the current tag without its oversized attributes.
func shortenAttrs(z *html.Tokenizer, name string, tt html.TokenType) []byte {
	t := html.Token{Type: tt, Data: name}
	for {
		k, v, more := z.TagAttr()
		if len(v) <= maxAttrBytes {
			t.Attr = append(t.Attr, html.Attribute{Key: string(k), Val: string(v)})
		}
		if !more {
			break
		}
	}
	return []byte(t.String())
}

// start reports whether a start tag is kept.
func (f *flattener) start(a atom.Atom, name string, selfClosing bool, maxDepth int) bool {
	switch a {
	case atom.Html, atom.Head, atom.Body, atom.Frameset:
		return true // the parser merges these into the ones it made
	}
	if isVoid(a) || (selfClosing && (f.foreign > 0 || a == atom.Svg || a == atom.Math)) {
		return true
	}
	f.implyEnds(a)
	if len(f.stack)+f.reopened >= maxDepth && !isRawText(a) {
		f.dropped[name]++
		return false
	}
	f.push(a, name)
	return true
}

// end reports whether an end tag is kept.
func (f *flattener) end(a atom.Atom, name string) bool {
	if f.dropped[name] > 0 {
		f.dropped[name]--
		return false
	}
	switch a {
	case atom.Html, atom.Body, atom.Head:
		return true
	}
	if f.open[name] == 0 {
		if f.reopen[name] > 0 {
			if f.reopen[name] <= noahsArk {
				f.reopened--
			}
			f.reopen[name]--
		}
		return true
	}
	for len(f.stack) > 0 {
		top := f.pop()
		if top.name == name {
			break
		}
		f.implied(top)
	}
	return true
}

func (f *flattener) push(a atom.Atom, name string) {
	f.stack = append(f.stack, openElem{a, name})
	f.open[name]++
	if a == atom.Svg || a == atom.Math {
		f.foreign++
	}
}

func (f *flattener) pop() openElem {
	top := f.stack[len(f.stack)-1]
	f.stack = f.stack[:len(f.stack)-1]
	f.open[top.name]--
	if top.a == atom.Svg || top.a == atom.Math {
		f.foreign--
	}
	return top
}

// noahsArk is how many identical formatting elements the parser keeps active; sloppy pages
// repeat the same unclosed <b> or <font> in every paragraph, and the parser reopens three.
const noahsArk = 3

// implied records an element closed by another's end tag: a formatting element stays active.
func (f *flattener) implied(e openElem) {
	if isFormatting(e.a) {
		if f.reopen[e.name] < noahsArk {
			f.reopened++
		}
		f.reopen[e.name]++
	}
}

// implyEnds pops what the parser closes when a start tag of kind a arrives. Only the top few
// entries are searched, so a pathological stack costs a constant per tag.
func (f *flattener) implyEnds(a atom.Atom) {
	var targets, stops []atom.Atom
	switch a {
	case atom.Li:
		targets, stops = []atom.Atom{atom.Li}, []atom.Atom{atom.Ul, atom.Ol, atom.Menu}
	case atom.Dt, atom.Dd:
		targets, stops = []atom.Atom{atom.Dt, atom.Dd}, []atom.Atom{atom.Dl}
	case atom.Option:
		targets, stops = []atom.Atom{atom.Option}, []atom.Atom{atom.Select, atom.Datalist}
	case atom.Optgroup:
		targets, stops = []atom.Atom{atom.Option, atom.Optgroup}, []atom.Atom{atom.Select}
	case atom.Tr:
		targets, stops = []atom.Atom{atom.Tr}, []atom.Atom{atom.Table}
	case atom.Td, atom.Th:
		targets, stops = []atom.Atom{atom.Td, atom.Th}, []atom.Atom{atom.Tr, atom.Table}
	case atom.Thead, atom.Tbody, atom.Tfoot:
		targets, stops = []atom.Atom{atom.Thead, atom.Tbody, atom.Tfoot}, []atom.Atom{atom.Table}
	}
	if closesP(a) && f.open["p"] > 0 {
		f.popTo([]atom.Atom{atom.P}, []atom.Atom{atom.Button, atom.Table, atom.Td, atom.Th, atom.Caption, atom.Object, atom.Template})
	}
	if targets != nil {
		f.popTo(targets, stops)
	}
}

func (f *flattener) popTo(targets, stops []atom.Atom) {
	const window = 16
	for i := len(f.stack) - 1; i >= 0 && i >= len(f.stack)-window; i-- {
		e := f.stack[i].a
		if contains(stops, e) {
			return
		}
		if contains(targets, e) {
			for len(f.stack) > i {
				top := f.pop()
				if len(f.stack) > i {
					f.implied(top)
				}
			}
			return
		}
	}
}

func contains(list []atom.Atom, a atom.Atom) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

func isRawText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp, atom.Iframe,
		atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext:
		return true
	}
	return false
}

func isFormatting(a atom.Atom) bool {
	switch a {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S,
		atom.Small, atom.Strike, atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

// closesP lists the start tags that close an open <p> (HTML's "in body" insertion mode).
func closesP(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Header, atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P,
		atom.Search, atom.Section, atom.Summary, atom.Ul, atom.H1, atom.H2, atom.H3, atom.H4,
		atom.H5, atom.H6, atom.Pre, atom.Listing, atom.Form, atom.Hr, atom.Li, atom.Dd, atom.Dt,
		atom.Plaintext, atom.Xmp, atom.Table:
		return true
	}
	return false
}
