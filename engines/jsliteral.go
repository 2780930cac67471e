package engines

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// jsLiteralJSON rewrites the JavaScript array or object literal that starts at src[0] as JSON,
// and returns it with the length of src it spans. SvelteKit pages (Brave's) hand their data to
// the page as such a literal: keys unquoted, void 0 for undefined, JavaScript's string
// escapes. Our own code, since what it must accept is narrow: a JSON5 library refuses void 0,
// and a JavaScript engine to evaluate one data literal per page would cost far more than this
// single pass. Anything outside that subset (a function, a template string, new Date(...))
// is an error, never a guess.
func jsLiteralJSON(src []byte) ([]byte, int, error) {
	if len(src) == 0 || (src[0] != '[' && src[0] != '{') {
		return nil, 0, errJSLiteral
	}
	out := make([]byte, 0, len(src)/2)
	// stack holds the open brackets; keyNext is true where an object expects a key.
	var stack []byte
	keyNext := false
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '{' || c == '[':
			if len(stack) >= 256 {
				return nil, 0, errJSLiteral // deeper than any page's data: not data
			}
			stack = append(stack, c)
			out = append(out, c)
			keyNext = c == '{'
			i++
		case c == '}' || c == ']':
			if len(stack) == 0 || (c == '}') != (stack[len(stack)-1] == '{') {
				return nil, 0, errJSLiteral
			}
			stack = stack[:len(stack)-1]
			out = append(out, c)
			i++
			if len(stack) == 0 {
				// The pass above rewrites tokens without checking their order ({0}, [a:1]);
				// what it made must still be JSON.
				if !json.Valid(out) {
					return nil, 0, errJSLiteral
				}
				return out, i, nil
			}
			keyNext = false
		case c == ',':
			out = append(out, c)
			keyNext = len(stack) > 0 && stack[len(stack)-1] == '{'
			i++
		case c == ':':
			out = append(out, c)
			keyNext = false
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			n, s, err := jsString(src[i:])
			if err != nil {
				return nil, 0, err
			}
			out = strconv.AppendQuote(out, s)
			i += n
			keyNext = false
		case keyNext && jsIdentStart(c):
			j := i + 1
			for j < len(src) && jsIdentPart(src[j]) {
				j++
			}
			out = strconv.AppendQuote(out, string(src[i:j]))
			i = j
			keyNext = false
		case c == '-' || ('0' <= c && c <= '9'):
			j := i + 1
			for j < len(src) && bytes.IndexByte([]byte("0123456789.eE+-"), src[j]) >= 0 {
				j++
			}
			if _, err := strconv.ParseFloat(string(src[i:j]), 64); err != nil {
				return nil, 0, errJSLiteral
			}
			out = append(out, src[i:j]...)
			i = j
		default:
			word, n := jsWord(src[i:])
			switch word {
			case "null", "true", "false":
				out = append(out, word...)
			case "undefined", "NaN", "Infinity":
				out = append(out, "null"...)
			case "void":
				// void 0, SvelteKit's undefined.
				rest := bytes.TrimLeft(src[i+n:], " ")
				if len(rest) == 0 || rest[0] != '0' {
					return nil, 0, errJSLiteral
				}
				n = len(src[i:]) - len(rest) + 1
				out = append(out, "null"...)
			default:
				return nil, 0, errJSLiteral
			}
			i += n
		}
	}
	return nil, 0, errJSLiteral // the literal never closed
}

var errJSLiteral = errors.New("not a JavaScript data literal")

// jsString reads the quoted string at s[0] and returns its length in s and its value.
func jsString(s []byte) (int, string, error) {
	q := s[0]
	var b []byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return i + 1, string(b), nil
		case c == '\n':
			return 0, "", errJSLiteral
		case c != '\\':
			b = append(b, c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch e := s[i]; e {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'v':
			b = append(b, '\v')
		case '0':
			b = append(b, 0)
		case 'x', 'u':
			width := 2
			if e == 'u' {
				width = 4
			}
			if i+width >= len(s) {
				return 0, "", errJSLiteral
			}
			v, err := strconv.ParseUint(string(s[i+1:i+1+width]), 16, 32)
			if err != nil {
				return 0, "", errJSLiteral
			}
			i += width
			r := rune(v)
			// A surrogate pair (\ud83d\ude00) is one character.
			if 0xD800 <= r && r < 0xDC00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := strconv.ParseUint(string(s[i+3:i+7]), 16, 32); err == nil && 0xDC00 <= lo && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (rune(lo) - 0xDC00)
					i += 6
				}
			}
			b = append(b, string(r)...)
		default:
			b = append(b, e) // \" \' \\ \/ and JavaScript's identity escapes
		}
	}
	return 0, "", errJSLiteral
}

func jsWord(s []byte) (string, int) {
	j := 0
	for j < len(s) && jsIdentPart(s[j]) {
		j++
	}
	return string(s[:j]), j
}

func jsIdentStart(c byte) bool {
	return c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func jsIdentPart(c byte) bool { return jsIdentStart(c) || '0' <= c && c <= '9' }
