// Package htmltree builds the html.Node tree of a well-formed page faster than html.Parse, and
// declines every page where the two could differ.
//
// html.Parse runs the HTML5 tree-construction algorithm (a dozen insertion modes, implied
// elements, the active formatting list, foster parenting) on the tokens of x/net/html's
// Tokenizer, which copies every tag name, attribute and text it hands over. Result pages mostly
// need none of it: they are machine-written, every element is closed where it opened, and the
// tree is the nesting of the tags. This package reads such a page in place (lex.go) and builds
// the tree with a stack, its strings in one arena per page and its nodes in chunks. On the
// simulator's DuckDuckGo page it takes 30-38 µs and 17-19 allocations where html.Parse takes
// 170-200 µs and 1,748 (BenchmarkParse, go1.26, 2 shared vCPUs, 2026-12-04); it was written
// for that gap, which no maintained Go HTML parser closes while keeping html.Parse's tree.
//
// A token is accepted only where the HTML5 algorithm would do nothing but push, pop or append
// it. Anything else (an end tag that does not close the current element, a table, a <p> a
// block would close implicitly, a second <a> inside an <a>, foreign content, text outside the
// body, a NUL or CR, markup the lexer leaves to the Tokenizer) makes Parse return ok=false, and
// the caller falls back to html.Parse. TestSameTreeAsParse (every engine page in testdata) and
// FuzzSameTreeAsParse hold every accepted page to html.Parse's tree, node for node.
package htmltree

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/net/html"
	a "golang.org/x/net/html/atom"
)

// maxDepth is below html.Parse's 512-element nesting limit, past which it returns an error.
const maxDepth = 500

type mode int

const (
	beforeHTML mode = iota
	beforeHead
	inHead
	afterHead
	inBody
	afterBody
	afterAfterBody
)

type builder struct {
	z     lexer
	doc   *html.Node
	stack []*html.Node
	mode  mode
	arena []byte
	nodes []html.Node
	attrs []html.Attribute
	// mem, when set, hands out the node and attribute chunks (ParseRecycled).
	mem *memory
}

// Parse returns page's tree as html.Parse would build it, or ok=false when the page is outside
// the subset this builder reproduces exactly.
func Parse(page []byte) (doc *html.Node, ok bool) {
	tags := bytes.Count(page, []byte{'<'})
	b := builder{
		z: lexer{p: page},
		// A page has at most a node per tag and a text node after each; most tags are end tags.
		nodes: make([]html.Node, 0, min(tags+8, 256)),
		attrs: make([]html.Attribute, 0, min(tags+8, 256)),
	}
	return b.parse()
}

// Tree is a tree built by ParseRecycled. Release hands its nodes and attribute slices back for
// the next page: nothing may hold a node, or a node's Attr, past it. The strings the tree holds
// (tag names, text, attribute values) are not recycled and may be kept.
type Tree struct {
	Doc *html.Node
	mem *memory
}

// Release recycles the tree's nodes; the zero Tree's is a no-op.
func (t Tree) Release() {
	if t.mem != nil {
		t.mem.release()
	}
}

// ParseRecycled is Parse with the nodes and attributes in recycled chunks. On the miss path a
// page's nodes and attributes were a fifth of the bytes trawl allocated per miss (scripts/bench
// miss-aio's allocation profile: 39 of 201 kB), and once the caches are full the collector's
// share of the CPU grows with the allocation rate.
func ParseRecycled(page []byte) (Tree, bool) {
	m := memPool.Get().(*memory)
	b := builder{z: lexer{p: page}, mem: m, nodes: m.nodeChunk(), attrs: m.attrChunk(0)}
	doc, ok := b.parse()
	if !ok {
		m.release()
		return Tree{}, false
	}
	return Tree{Doc: doc, mem: m}, true
}

// chunkLen is the length of a recycled chunk of nodes or attributes.
const chunkLen = 256

// maxKeptChunks bounds what a released tree keeps of each kind: a huge page's tree is left to
// the collector rather than held for the next.
const maxKeptChunks = 64

// memory is one tree's chunks: nodes[:n] and attrs[:a] are in use, the rest wait for reuse.
type memory struct {
	nodes [][]html.Node
	attrs [][]html.Attribute
	n, a  int
}

var memPool = sync.Pool{New: func() any { return new(memory) }}

func (m *memory) nodeChunk() []html.Node { return nextChunk(&m.nodes, &m.n, chunkLen) }

// attrChunk is a chunk that holds at least need attributes more than the element's so far.
func (m *memory) attrChunk(need int) []html.Attribute {
	if need > chunkLen/2 {
		return make([]html.Attribute, 0, 2*need) // an element with hundreds of attributes
	}
	return nextChunk(&m.attrs, &m.a, chunkLen)
}

// nextChunk hands out the next of chunks after the used ones, empty, made when there is none
// (and kept for reuse while there are fewer than maxKeptChunks).
func nextChunk[T any](chunks *[][]T, used *int, size int) []T {
	if *used < len(*chunks) {
		*used++
		return (*chunks)[*used-1][:0]
	}
	c := make([]T, 0, size)
	if len(*chunks) < maxKeptChunks {
		*chunks = append(*chunks, c)
		*used++
	}
	return c
}

// release zeroes the chunks in use (no string or node stays reachable through them) and
// returns m to the pool.
func (m *memory) release() {
	for _, c := range m.nodes[:m.n] {
		clear(c[:cap(c)])
	}
	for _, c := range m.attrs[:m.a] {
		clear(c[:cap(c)])
	}
	m.n, m.a = 0, 0
	memPool.Put(m)
}

func (b *builder) parse() (doc *html.Node, ok bool) {
	page := b.z.p
	b.arena = make([]byte, 0, min(len(page), arenaChunk))
	b.doc = b.node()
	b.doc.Type = html.DocumentNode
	// The Tokenizer turns CR LF into LF and NUL into U+FFFD, and the parser drops NULs: the
	// lexer leaves both to it. Markup the builder declines anyway is looked for first, at a
	// fraction of the cost of building half the tree before meeting it.
	if bytes.IndexByte(page, '\r') >= 0 || bytes.IndexByte(page, 0) >= 0 {
		return nil, false
	}
	if hasDeclinedEarly(page) {
		return nil, false
	}
	for {
		if !b.z.next() {
			return nil, false
		}
		if b.z.tt == html.ErrorToken {
			// The end of the page before the body would imply elements.
			return b.doc, b.mode >= inBody
		}
		if !b.token(b.z.tt) {
			return nil, false
		}
	}
}

func (b *builder) top() *html.Node { return b.stack[len(b.stack)-1] }

// node hands out the next node of the current chunk; chunks are never grown in place, so
// pointers into them stay valid.
func (b *builder) node() *html.Node {
	if len(b.nodes) == cap(b.nodes) {
		if b.mem != nil {
			b.nodes = b.mem.nodeChunk()
		} else {
			b.nodes = make([]html.Node, 0, chunkLen)
		}
	}
	b.nodes = b.nodes[:len(b.nodes)+1]
	return &b.nodes[len(b.nodes)-1]
}

// arenaChunk bounds one arena allocation: a page declined half-way (a large Google page often
// is) wastes at most what it had filled.
const arenaChunk = 64 << 10

// str returns s as a string in the page's arena. A full arena is followed by a new one (the
// strings already handed out keep pointing into the old); a long string gets its own.
func (b *builder) str(s []byte) string {
	if len(s) == 0 {
		return ""
	}
	if len(b.arena)+len(s) > cap(b.arena) {
		if len(s) > arenaChunk/4 {
			return string(s)
		}
		// What is left of the page bounds what it still decodes to (give or take an entity).
		b.arena = make([]byte, 0, max(min(len(b.z.p)-b.z.i, arenaChunk), len(s)))
	}
	start := len(b.arena)
	b.arena = append(b.arena, s...)
	return unsafe.String(&b.arena[start], len(s))
}

// attrVal is at's value as a string in the page's arena, its references decoded into it.
func (b *builder) attrVal(at attr) string {
	if !at.esc {
		return b.str(at.val)
	}
	// A reference decodes to at most 1.25 times its length ("&ac;" is 5 bytes of UTF-8);
	// twice leaves room for any value. Were the arena outgrown anyway, append moves it, and
	// the strings already handed out keep the old one.
	need := 2 * len(at.val)
	if len(b.arena)+need > cap(b.arena) {
		if need > arenaChunk/4 {
			return string(appendUnescapeAttr(nil, at.val))
		}
		b.arena = make([]byte, 0, max(min(len(b.z.p)-b.z.i, arenaChunk), need))
	}
	start := len(b.arena)
	b.arena = appendUnescapeAttr(b.arena, at.val)
	if len(b.arena) == start {
		return ""
	}
	return unsafe.String(&b.arena[start], len(b.arena)-start)
}

func appendChild(p, n *html.Node) {
	n.Parent = p
	if l := p.LastChild; l != nil {
		l.NextSibling = n
		n.PrevSibling = l
	} else {
		p.FirstChild = n
	}
	p.LastChild = n
}

// text appends text to p, joined to a text node that ends p's children as html.Parse does.
func (b *builder) text(p *html.Node, s []byte) {
	if len(s) == 0 {
		return
	}
	if l := p.LastChild; l != nil && l.Type == html.TextNode {
		l.Data += string(s)
		return
	}
	n := b.node()
	n.Type, n.Data = html.TextNode, b.str(s)
	appendChild(p, n)
}

func (b *builder) comment(p *html.Node) {
	n := b.node()
	n.Type, n.Data = html.CommentNode, b.str(b.z.data)
	appendChild(p, n)
}

// element reads the current tag token into a new element under p.
func (b *builder) element(p *html.Node, name []byte) *html.Node {
	n := b.node()
	n.Type = html.ElementNode
	if at := a.Lookup(name); at != 0 {
		n.DataAtom, n.Data = at, at.String()
	} else {
		n.Data = b.str(name)
	}
	start := len(b.attrs)
	for _, at := range b.z.attrs {
		if len(b.attrs) == cap(b.attrs) {
			// A new chunk: this element's attributes so far move with it.
			var grown []html.Attribute
			if b.mem != nil {
				grown = b.mem.attrChunk(len(b.attrs) - start)[:len(b.attrs)-start]
			} else {
				grown = make([]html.Attribute, len(b.attrs)-start, max(chunkLen, 2*(len(b.attrs)-start)))
			}
			copy(grown, b.attrs[start:])
			b.attrs, start = grown, 0
		}
		b.attrs = append(b.attrs, html.Attribute{Key: a.String(at.key), Val: b.attrVal(at)})
	}
	if len(b.attrs) > start {
		n.Attr = b.attrs[start:len(b.attrs):len(b.attrs)]
	}
	appendChild(p, n)
	return n
}

// isSpace reports whether s is only HTML whitespace, which the modes around the head and
// body keep or drop where other text would imply elements.
func isSpace(s []byte) bool {
	for _, c := range s {
		switch c {
		case ' ', '\t', '\r', '\n', '\f':
		default:
			return false
		}
	}
	return true
}

// token applies one token, reporting false where html.Parse could build something else.
func (b *builder) token(tt html.TokenType) bool {
	switch b.mode {
	case beforeHTML:
		switch tt {
		case html.DoctypeToken:
			if b.doc.FirstChild != nil {
				return false
			}
			appendChild(b.doc, doctype(string(b.z.data)))
			return true
		case html.CommentToken:
			b.comment(b.doc)
			return true
		case html.TextToken:
			return isSpace(b.z.data)
		case html.StartTagToken:
			name := b.z.data
			if string(name) != "html" {
				return false
			}
			b.stack = append(b.stack, b.element(b.doc, name))
			b.mode = beforeHead
			return true
		}
		return false
	case beforeHead:
		switch tt {
		case html.CommentToken:
			b.comment(b.top())
			return true
		case html.TextToken:
			return isSpace(b.z.data)
		case html.StartTagToken:
			name := b.z.data
			if string(name) != "head" {
				return false
			}
			b.stack = append(b.stack, b.element(b.top(), name))
			b.mode = inHead
			return true
		}
		return false
	case inHead:
		return b.head(tt)
	case afterHead:
		switch tt {
		case html.CommentToken:
			b.comment(b.top())
			return true
		case html.TextToken:
			t := b.z.data
			if !isSpace(t) {
				return false
			}
			b.text(b.top(), t)
			return true
		case html.StartTagToken:
			name := b.z.data
			if string(name) != "body" {
				return false
			}
			b.stack = append(b.stack, b.element(b.top(), name))
			b.mode = inBody
			return true
		}
		return false
	case inBody:
		return b.body(tt)
	case afterBody, afterAfterBody:
		// html.Parse keeps the body on its stack after </body>: whitespace still goes there.
		switch tt {
		case html.TextToken:
			t := b.z.data
			if !isSpace(t) {
				return false
			}
			b.text(b.top(), t)
			return true
		case html.EndTagToken:
			name := b.z.data
			if b.mode == afterBody && string(name) == "html" {
				b.mode = afterAfterBody
				return true
			}
		case html.CommentToken:
			if b.mode == afterBody {
				b.comment(b.stack[0])
			} else {
				b.comment(b.doc)
			}
			return true
		}
		return false
	}
	return false
}

// headElements are what the head holds without ending it: the void ones, and the raw-text
// ones whose only child is their text.
var headElements = map[a.Atom]bool{
	a.Meta: true, a.Link: true, a.Base: true, a.Basefont: true, a.Bgsound: true,
	a.Title: true, a.Style: true, a.Script: true, a.Noscript: true, a.Noframes: true,
}

func (b *builder) head(tt html.TokenType) bool {
	head := len(b.stack) == 2 // not inside a raw-text element
	switch tt {
	case html.CommentToken:
		b.comment(b.top())
		return true
	case html.TextToken:
		t := b.z.data
		if head && !isSpace(t) || bytes.IndexByte(t, 0) >= 0 {
			return false
		}
		b.text(b.top(), t)
		return true
	case html.StartTagToken, html.SelfClosingTagToken:
		if !head {
			return false
		}
		name := b.z.data
		k := atomKinds[a.Lookup(name)]
		if k&kHeadElement == 0 {
			return false
		}
		n := b.element(b.top(), name)
		if k&kVoid == 0 {
			b.stack = append(b.stack, n)
		}
		return true
	case html.EndTagToken:
		name := b.z.data
		if string(name) != b.top().Data {
			return false
		}
		b.stack = b.stack[:len(b.stack)-1]
		if head {
			b.mode = afterHead
		}
		return true
	}
	return false
}

// declinedEarly are the declined start tags real result pages carry, as they are usually
// spelled (without the '<').
var declinedEarly = []string{"table", "svg", "math", "template", "select", "textarea", "iframe"}

// hasDeclinedEarly reports whether page holds "<" and one of declinedEarly. One pass over the
// page's '<'s: a bytes.Contains per tag stepped through every '<' seven times, a fifth of the
// tree's cost on DuckDuckGo's page.
func hasDeclinedEarly(page []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(page[i:], '<')
		if j < 0 {
			return false
		}
		i += j + 1
		if i >= len(page) {
			return false
		}
		switch page[i] {
		case 't', 's', 'm', 'i':
			rest := page[i:]
			for _, tag := range declinedEarly {
				if len(rest) >= len(tag) && string(rest[:len(tag)]) == tag {
					return true
				}
			}
		}
	}
}

// void elements have no end tag and no children.
var void = map[a.Atom]bool{
	a.Area: true, a.Base: true, a.Basefont: true, a.Bgsound: true, a.Br: true, a.Embed: true,
	a.Hr: true, a.Img: true, a.Input: true, a.Keygen: true, a.Link: true, a.Meta: true,
	a.Param: true, a.Source: true, a.Track: true, a.Wbr: true,
}

// declined start tags: each has an insertion mode, implied elements, a rewrite or a scope rule
// of its own in the body, which this builder does not reproduce.
var declined = map[a.Atom]bool{
	a.Html: true, a.Head: true, a.Body: true, a.Frameset: true, a.Frame: true, a.Template: true,
	a.Table: true, a.Caption: true, a.Colgroup: true, a.Col: true, a.Tbody: true, a.Thead: true,
	a.Tfoot: true, a.Tr: true, a.Td: true, a.Th: true, a.Select: true, a.Option: true,
	a.Optgroup: true, a.Textarea: true, a.Pre: true, a.Listing: true, a.Plaintext: true,
	a.Xmp: true, a.Iframe: true, a.Noembed: true, a.Math: true, a.Svg: true, a.Image: true,
	a.Marquee: true, a.Applet: true, a.Object: true, a.Rb: true, a.Rp: true, a.Rt: true,
	a.Rtc: true, a.Dd: true, a.Dt: true, a.Isindex: true, a.Menuitem: true,
}

// closesP are the start tags that close an open <p> first (html.Parse's popUntil(buttonScope, p)).
var closesP = map[a.Atom]bool{
	a.Address: true, a.Article: true, a.Aside: true, a.Blockquote: true, a.Center: true,
	a.Details: true, a.Dialog: true, a.Dir: true, a.Div: true, a.Dl: true, a.Fieldset: true,
	a.Figcaption: true, a.Figure: true, a.Footer: true, a.Header: true, a.Hgroup: true,
	a.Main: true, a.Menu: true, a.Nav: true, a.Ol: true, a.P: true, a.Search: true,
	a.Section: true, a.Summary: true, a.Ul: true, a.H1: true, a.H2: true, a.H3: true, a.H4: true,
	a.H5: true, a.H6: true, a.Form: true, a.Li: true, a.Hr: true,
}

// once are the elements html.Parse never nests in themselves: a second start closes the first
// (or, for form, is dropped).
var once = map[a.Atom]bool{a.A: true, a.Button: true, a.Nobr: true, a.Form: true, a.Li: true}

// formatting elements go on html.Parse's list of active formatting elements.
var formatting = map[a.Atom]bool{
	a.A: true, a.B: true, a.Big: true, a.Code: true, a.Em: true, a.Font: true, a.I: true,
	a.Nobr: true, a.S: true, a.Small: true, a.Strike: true, a.Strong: true, a.Tt: true, a.U: true,
}

// listScope ends the search for an open <li> (the special elements other than address, div, p).
var listScope = map[a.Atom]bool{a.Ul: true, a.Ol: true, a.Menu: true, a.Dir: true}

// kind is what the maps above say of an element, as bits: the builder looks each start tag up
// once (atomKinds) rather than in each map, and in each again for every open element it walks
// past, which was a tenth of building DuckDuckGo's tree.
type kind uint8

const (
	kDeclined kind = 1 << iota
	kClosesP
	kOnce
	kFormatting
	kVoid
	kHeadElement
)

var atomKinds = func() map[a.Atom]kind {
	m := map[a.Atom]kind{}
	for bit, set := range map[kind]map[a.Atom]bool{
		kDeclined: declined, kClosesP: closesP, kOnce: once, kFormatting: formatting, kVoid: void, kHeadElement: headElements,
	} {
		for at := range set {
			m[at] |= bit
		}
	}
	return m
}()

func heading(at a.Atom) bool {
	return at == a.H1 || at == a.H2 || at == a.H3 || at == a.H4 || at == a.H5 || at == a.H6
}

func (b *builder) body(tt html.TokenType) bool {
	switch tt {
	case html.TextToken:
		t := b.z.data
		if bytes.IndexByte(t, 0) >= 0 {
			return false
		}
		b.text(b.top(), t)
		return true
	case html.CommentToken:
		b.comment(b.top())
		return true
	case html.StartTagToken, html.SelfClosingTagToken:
		name := b.z.data
		at := a.Lookup(name)
		k := atomKinds[at]
		if k&kDeclined != 0 || len(b.stack) >= maxDepth {
			return false
		}
		if h := heading(at); k&(kClosesP|kOnce) != 0 || h {
			for i := len(b.stack) - 1; i >= 2; i-- {
				n := b.stack[i].DataAtom
				switch {
				case n == a.P && k&kClosesP != 0, n == at && k&kOnce != 0,
					h && heading(n) && i == len(b.stack)-1:
					return false
				case at == a.Li && listScope[n]:
					// An <li> in a nested list does not close the outer one.
					i = 0
				}
			}
		}
		n := b.element(b.top(), name)
		if k&kFormatting != 0 {
			// html.Parse sorts a formatting element's attributes (x/net/html's
			// addFormattingElement, for its Noah's Ark comparisons); the tree shows it.
			slices.SortFunc(n.Attr, func(x, y html.Attribute) int {
				return cmp.Or(cmp.Compare(x.Namespace, y.Namespace), cmp.Compare(x.Key, y.Key), cmp.Compare(x.Val, y.Val))
			})
		}
		if k&kVoid == 0 {
			b.stack = append(b.stack, n)
		}
		return true
	case html.EndTagToken:
		name := b.z.data
		top := b.top()
		if len(b.stack) == 2 && (string(name) == "body" || string(name) == "html") {
			b.mode = afterBody
			if string(name) == "html" {
				b.mode = afterAfterBody
			}
			return true
		}
		if len(b.stack) <= 2 || string(name) != top.Data {
			return false
		}
		b.stack = b.stack[:len(b.stack)-1]
		return true
	}
	return false
}

// doctype is x/net/html's parseDoctype (BSD licence, The Go Authors) without the quirks-mode
// answer: the builder declines every element whose parse depends on it (tables).
func doctype(s string) *html.Node {
	const whitespace = " \t\r\n\f"
	n := &html.Node{Type: html.DoctypeNode}
	space := strings.IndexAny(s, whitespace)
	if space == -1 {
		space = len(s)
	}
	n.Data = strings.ToLower(s[:space])
	s = strings.TrimLeft(s[space:], whitespace)
	if len(s) < 6 {
		return n
	}
	key := strings.ToLower(s[:6])
	s = s[6:]
	for key == "public" || key == "system" {
		s = strings.TrimLeft(s, whitespace)
		if s == "" {
			break
		}
		quote := s[0]
		if quote != '"' && quote != '\'' {
			break
		}
		s = s[1:]
		q := strings.IndexRune(s, rune(quote))
		var id string
		if q == -1 {
			id, s = s, ""
		} else {
			id, s = s[:q], s[q+1:]
		}
		n.Attr = append(n.Attr, html.Attribute{Key: key, Val: id})
		if key == "public" {
			key = "system"
		} else {
			key = ""
		}
	}
	return n
}
