package scrape

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// prescanBytes bounds the search for a <meta> charset. The HTML standard looks at the first
// 1024 bytes; real pages (Japanese ones especially) often declare it after a long <head> of
// scripts and styles, so the head is read further, up to <body> or this many bytes.
const prescanBytes = 64 << 10

// decode returns body as UTF-8 and the canonical (WHATWG) name of the encoding it was in.
// The order is: a byte-order mark (it cannot be wrong, so it beats the header, as in every
// browser), the Content-Type charset, then for markup a <meta charset>, <meta http-equiv> or
// XML declaration, and last a guess: UTF-8 when the bytes are valid UTF-8, else what
// charset.DetermineEncoding sniffs (windows-1252 for Western text).
func decode(body []byte, headerCharset string, markup bool) ([]byte, string) {
	enc, name := encodingOf(body, headerCharset, markup)
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if utf8.Valid(body) {
			return body, name
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), name
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		// The x/text decoders replace bad input rather than fail; this is belt and braces.
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), "utf-8"
	}
	out = bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out, name
}

func encodingOf(body []byte, headerCharset string, markup bool) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		return lookup("utf-8")
	case bytes.HasPrefix(body, []byte("\xfe\xff")):
		return lookup("utf-16be")
	case bytes.HasPrefix(body, []byte("\xff\xfe")):
		return lookup("utf-16le")
	}
	if e, name := lookup(headerCharset); e != nil {
		return trustUTF8(body, e, name)
	}
	if markup {
		if label := declaredCharset(body); label != "" {
			if e, name := lookup(label); e != nil {
				// A page whose <meta> could be read as ASCII is not UTF-16, whatever it says.
				if strings.HasPrefix(name, "utf-16") {
					return lookup("utf-8")
				}
				return trustUTF8(body, e, name)
			}
		}
	}
	if utf8.Valid(body) {
		return lookup("utf-8")
	}
	e, name, _ := charset.DetermineEncoding(body, "")
	return e, name
}

// trustUTF8 overrules a declared legacy charset when the bytes are valid UTF-8 with at least
// one multi-byte character. Sites move to UTF-8 and keep the old <meta charset="gb2312">, and
// servers still stamp "charset=ISO-8859-1" on UTF-8 pages; text really in windows-1251,
// Shift_JIS, GBK or Latin-1 is almost never valid UTF-8 beyond a word or two, so the bytes are
// the better witness. A browser would show such a page garbled; a scraper has no reason to.
func trustUTF8(body []byte, e encoding.Encoding, name string) (encoding.Encoding, string) {
	if name == "utf-8" || strings.HasPrefix(name, "utf-16") || !utf8.Valid(body) || !hasMultibyte(body) {
		return e, name
	}
	return lookup("utf-8")
}

func hasMultibyte(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// lookup resolves a charset label to its encoding and canonical name; nil when unknown.
func lookup(label string) (encoding.Encoding, string) {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if label == "" {
		return nil, ""
	}
	e, name := charset.Lookup(label)
	if e == nil {
		return nil, ""
	}
	if name == "x-user-defined" {
		return charset.Lookup("windows-1252")
	}
	return e, name
}

// declaredCharset finds the charset a page declares in its markup: <meta charset>, <meta
// http-equiv="Content-Type" content="…; charset=…">, or an XML declaration's encoding.
func declaredCharset(body []byte) string {
	head := body[:min(len(body), prescanBytes)]
	if bytes.HasPrefix(head, []byte("<?xml")) {
		if end := bytes.Index(head, []byte("?>")); end > 0 {
			if enc := xmlEncoding(string(head[:end])); enc != "" {
				return enc
			}
		}
	}
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return ""
			case "meta":
				if !hasAttr {
					continue
				}
				var cs, httpEquiv, content string
				for more := true; more; {
					var k, v []byte
					k, v, more = z.TagAttr()
					switch strings.ToLower(string(k)) {
					case "charset":
						cs = string(v)
					case "http-equiv":
						httpEquiv = strings.ToLower(string(v))
					case "content":
						content = string(v)
					}
				}
				if cs != "" {
					return cs
				}
				if httpEquiv == "content-type" {
					if _, c := parseContentType(content); c != "" {
						return c
					}
				}
			}
		}
	}
}

func xmlEncoding(decl string) string {
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	end := strings.IndexByte(rest[1:], q)
	if end < 0 {
		return ""
	}
	return rest[1 : 1+end]
}

// parseContentType is a lenient Content-Type parser: the media type in lower case and the
// charset parameter. mime.ParseMediaType rejects too many headers seen in the wild (a trailing
// ";", a duplicate parameter, a bare token) to be used on them.
func parseContentType(v string) (mediaType, cs string) {
	parts := strings.Split(v, ";")
	mediaType = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			cs = strings.Trim(strings.TrimSpace(val), `"'`)
		}
	}
	return mediaType, cs
}
