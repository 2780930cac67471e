package htmltree

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// lexer splits a page into the tokens x/net/html's Tokenizer would give, for the common run
// of markup, and gives up (ok=false) where the Tokenizer has a rule of its own: text with a
// bare '<', script data holding "<!--", bogus comments, CDATA, an end tag with attributes, an
// unterminated tag or quote. The Tokenizer copies every tag name and attribute before handing
// it over (bytes.ReplaceAll of NUL, in x/net v0.62), and reads byte by byte; this lexer reads
// the page in place with bytes.IndexByte, which is most of htmltree's gain.
type lexer struct {
	p []byte
	i int
	// raw is the element whose raw text (script, style, title…) comes next.
	raw string

	// The current token: data is the decoded text, comment or doctype, or the tag name,
	// lower-cased; attrs the start tag's attributes, first of each key only.
	tt    html.TokenType
	data  []byte
	attrs []attr
}

type attr struct {
	key, val []byte
	// esc: val holds character references, which the builder decodes as it copies val
	// (appendUnescapeAttr).
	esc bool
}

// rawElements are those the Tokenizer reads as raw text up to their end tag.
var rawElements = map[string]bool{
	"iframe": true, "noembed": true, "noframes": true, "noscript": true, "plaintext": true,
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true,
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAlnum(c byte) bool { return isLetter(c) || '0' <= c && c <= '9' }

// toLower lower-cases ASCII b, copying it only when it has capitals.
func toLower(b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			// ASCII only, as the Tokenizer's lower: bytes.ToLower would rewrite invalid UTF-8.
			out := bytes.Clone(b)
			for i, c := range out {
				if 'A' <= c && c <= 'Z' {
					out[i] = c + 'a' - 'A'
				}
			}
			return out
		}
	}
	return b
}

// next reads the next token: ErrorToken at the end of the page, ok=false where the lexer
// gives up.
func (l *lexer) next() (ok bool) {
	p := l.p
	if l.raw != "" {
		name := l.raw
		l.raw = ""
		if end, ok := rawEnd(p[l.i:], name); !ok {
			return false
		} else if end > 0 {
			text := p[l.i : l.i+end]
			l.i += end
			if name == "script" && bytes.Contains(text, []byte("<!--")) {
				return false // the script data escape states
			}
			l.tt, l.data = html.TextToken, text
			if name == "title" || name == "textarea" {
				l.data = unescapeText(text)
			}
			return true
		}
	}
	if l.i >= len(p) {
		l.tt = html.ErrorToken
		return true
	}
	if p[l.i] != '<' {
		j := bytes.IndexByte(p[l.i:], '<')
		if j < 0 {
			j = len(p) - l.i
		}
		l.tt, l.data = html.TextToken, unescapeText(p[l.i:l.i+j])
		l.i += j
		return true
	}
	rest := p[l.i:]
	switch {
	case len(rest) > 1 && isLetter(rest[1]):
		return l.startTag()
	case len(rest) > 2 && rest[1] == '/' && isLetter(rest[2]):
		j := 2
		for j < len(rest) && !isSpaceByte(rest[j]) && rest[j] != '/' && rest[j] != '>' {
			j++
		}
		name := rest[2:j]
		for j < len(rest) && isSpaceByte(rest[j]) {
			j++
		}
		if j >= len(rest) || rest[j] != '>' {
			return false
		}
		l.tt, l.data = html.EndTagToken, toLower(name)
		l.i += j + 1
		return true
	case bytes.HasPrefix(rest, []byte("<!--")):
		body := rest[4:]
		k := bytes.Index(body, []byte("-->"))
		if k < 0 || bytes.HasPrefix(body, []byte(">")) || bytes.HasPrefix(body, []byte("->")) ||
			bytes.Contains(body[:k], []byte("--!")) {
			return false
		}
		l.tt, l.data = html.CommentToken, unescapeText(body[:k])
		l.i += 4 + k + 3
		return true
	case len(rest) > 9 && rest[1] == '!' && strings.EqualFold(string(rest[2:9]), "doctype"):
		j := 9
		for j < len(rest) && isSpaceByte(rest[j]) {
			j++
		}
		k := bytes.IndexByte(rest[j:], '>')
		if k < 0 || bytes.IndexByte(rest[j:j+k], '&') >= 0 {
			return false
		}
		l.tt, l.data = html.DoctypeToken, rest[j:j+k]
		l.i += j + k + 1
		return true
	}
	return false
}

// startTag reads "<name attr=val …>" as readTag and readStartTag do.
func (l *lexer) startTag() bool {
	p := l.p
	j := l.i + 1
	for j < len(p) && !isSpaceByte(p[j]) && p[j] != '/' && p[j] != '>' {
		j++
	}
	l.data = toLower(p[l.i+1 : j])
	l.attrs = l.attrs[:0]
	lastValEnd := -1
	for {
		for j < len(p) && isSpaceByte(p[j]) {
			j++
		}
		if j >= len(p) {
			return false
		}
		if p[j] == '>' {
			break
		}
		if p[j] == '/' || p[j] == '=' {
			// A '/' between attributes is skipped; '=' would start a key (WHATWG 13.2.5.32).
			if p[j] == '=' {
				return false
			}
			j++
			continue
		}
		k := j
		for k < len(p) && !isSpaceByte(p[k]) && p[k] != '/' && p[k] != '>' && p[k] != '=' {
			k++
		}
		key := p[j:k]
		j = k
		valStart, valEnd := j, j
		for j < len(p) && isSpaceByte(p[j]) {
			j++
		}
		if j < len(p) && p[j] == '/' {
			j++
		} else if j < len(p) && p[j] == '=' {
			j++
			for j < len(p) && isSpaceByte(p[j]) {
				j++
			}
			if j >= len(p) {
				return false
			}
			switch q := p[j]; q {
			case '>':
				valStart, valEnd = j, j
			case '"', '\'':
				e := bytes.IndexByte(p[j+1:], q)
				if e < 0 {
					return false
				}
				valStart, valEnd = j+1, j+1+e
				j = valEnd + 1
			default:
				valStart = j
				for j < len(p) && !isSpaceByte(p[j]) && p[j] != '>' {
					j++
				}
				valEnd = j
			}
		}
		key = toLower(key)
		if l.seen(key) {
			continue
		}
		val := p[valStart:valEnd]
		l.attrs = append(l.attrs, attr{key: key, val: val, esc: bytes.IndexByte(val, '&') >= 0})
		lastValEnd = valEnd
	}
	// j is at '>'. A '/' before it makes a self-closing tag unless it ends an unquoted value.
	l.tt = html.StartTagToken
	if p[j-1] == '/' && j-1 != lastValEnd-1 {
		l.tt = html.SelfClosingTagToken
	}
	l.i = j + 1
	if rawElements[string(l.data)] {
		l.raw = string(l.data)
	}
	return true
}

func (l *lexer) seen(key []byte) bool {
	for _, a := range l.attrs {
		if bytes.Equal(a.key, key) {
			return true
		}
	}
	return false
}

// rawEnd finds the end tag of raw-text element name in b, as readRawEndTag matches it.
func rawEnd(b []byte, name string) (int, bool) {
	for i := 0; ; {
		k := bytes.Index(b[i:], []byte("</"))
		if k < 0 {
			return 0, false
		}
		k += i
		e := k + 2 + len(name)
		if e < len(b) && strings.EqualFold(string(b[k+2:e]), name) {
			switch b[e] {
			case ' ', '\n', '\r', '\t', '\f', '/', '>':
				return k, true
			}
		}
		i = k + 2
	}
}

// unescapeText decodes character references as the Tokenizer does in text (html.UnescapeString
// is that same code).
func unescapeText(b []byte) []byte {
	if bytes.IndexByte(b, '&') < 0 {
		return b
	}
	return []byte(html.UnescapeString(string(b)))
}

// appendUnescapeAttr appends v to out with its character references decoded as the Tokenizer
// decodes them in an attribute value, where a named reference without ';' before '=' or a
// letter stays as it is. html.UnescapeString decodes text, so each reference is decoded alone
// and kept only where both modes agree. "&amp;", which every result link on a page carries
// several times, is decoded here: decoding it through html.UnescapeString, and the copy of
// the value it made, were 3% of the bytes `trawl serve` allocated per miss.
func appendUnescapeAttr(out, v []byte) []byte {
	for i := 0; i < len(v); {
		// The text up to the next reference is copied as a run.
		r := bytes.IndexByte(v[i:], '&')
		if r < 0 {
			return append(out, v[i:]...)
		}
		out = append(out, v[i:i+r]...)
		i += r
		if len(v)-i >= 5 && string(v[i+1:i+5]) == "amp;" {
			out = append(out, '&')
			i += 5
			continue
		}
		j := i + 1
		if j < len(v) && v[j] == '#' {
			// Numeric references read the same in both modes.
			k := j + 1
			if k < len(v) && (v[k] == 'x' || v[k] == 'X') {
				k++
			}
			for k < len(v) && isAlnum(v[k]) {
				k++
			}
			if k < len(v) && v[k] == ';' {
				k++
			}
			out = append(out, html.UnescapeString(string(v[i:k]))...)
			i = k
			continue
		}
		k := j
		for k < len(v) && isAlnum(v[k]) {
			k++
		}
		switch {
		case k == j:
			out = append(out, '&')
			i++
		case k < len(v) && v[k] == ';':
			ref := string(v[i : k+1])
			dec := html.UnescapeString(ref)
			// Only the whole name decoded counts; a prefix decoded ("&notit;" → "¬it;") is
			// text mode's rule, not the attribute's.
			if dec == ref || len(dec) > 1 && dec[len(dec)-1] == ';' {
				out = append(out, ref...)
			} else {
				out = append(out, dec...)
			}
			i = k + 1
		case k < len(v) && v[k] == '=':
			out = append(out, v[i:k]...)
			i = k
		default:
			ref := string(v[i:k])
			dec := html.UnescapeString(ref)
			if dec != ref && utf8.RuneCountInString(dec) == 1 {
				out = append(out, dec...) // a legacy name, whole, without ';'
			} else {
				out = append(out, ref...)
			}
			i = k
		}
	}
	return out
}
