package mcp

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// readCall decodes body as a search call this path serves, or reports false. It is our own
// scanner rather than encoding/json because it is measurably cheaper on the hot path: a call
// with every argument took 3.5 µs and 27 allocations through json.Decoder, half of what the
// fast path added to a hit, and takes 1.0 µs and 13 here (BenchmarkReadCall). It is also
// deliberately narrower: it accepts only what encoding/json, reading the message into rpcCall
// with unknown members refused (readcall_test.go), reads the same way, and sends everything
// else to the SDK. So no member named but by its exact name, no
// member twice, no null anywhere (encoding/json takes null for a string as absent, the SDK's
// schema refuses it; a query holding the word only costs the slower path), numbers only as
// plain integers. FuzzReadCall holds it to encoding/json's reading.
func readCall(body []byte) (id json.RawMessage, in SearchInput, ok bool) {
	if bytes.Contains(body, []byte("null")) {
		return nil, in, false
	}
	s := scanner{b: body}
	var m struct {
		jsonrpc, method, name string
		q                     *string
		seen                  [4]bool
	}
	var paramsSeen [2]bool
	var argsSeen [10]bool
	okObj := s.object(func(key []byte) bool {
		switch string(key) {
		case "jsonrpc":
			return once(&m.seen[0]) && s.str(&m.jsonrpc)
		case "id":
			if !once(&m.seen[1]) {
				return false
			}
			id = s.rawID()
			return id != nil
		case "method":
			return once(&m.seen[2]) && s.str(&m.method)
		case "params":
			return once(&m.seen[3]) && s.object(func(key []byte) bool {
				switch string(key) {
				case "name":
					return once(&paramsSeen[0]) && s.str(&m.name)
				case "arguments":
					return once(&paramsSeen[1]) && s.object(func(key []byte) bool {
						return s.argument(key, &in, &m.q, &argsSeen)
					})
				}
				return false
			})
		}
		return false
	})
	if !okObj || !s.end() {
		return nil, in, false
	}
	if m.jsonrpc != "2.0" || m.method != "tools/call" || m.name != "search" || !paramsSeen[1] || m.q == nil || !plainID(id) {
		return nil, in, false
	}
	in.Q = *m.q
	return id, in, true
}

// argument reads one member of the search tool's arguments into in.
func (s *scanner) argument(key []byte, in *SearchInput, q **string, seen *[10]bool) bool {
	switch string(key) {
	case "q":
		var v string
		if !once(&seen[0]) || !s.str(&v) {
			return false
		}
		*q = &v
		return true
	case "engine":
		return once(&seen[1]) && s.str(&in.Engine)
	case "page":
		return once(&seen[2]) && s.integer(&in.Page)
	case "num":
		return once(&seen[3]) && s.integer(&in.Num)
	case "hl":
		return once(&seen[4]) && s.str(&in.HL)
	case "gl":
		return once(&seen[5]) && s.str(&in.GL)
	case "safe":
		return once(&seen[6]) && s.str(&in.Safe)
	case "max_age":
		var v int
		if !once(&seen[7]) || !s.integer(&v) {
			return false
		}
		in.MaxAge = &v
		return true
	case "no_cache":
		return once(&seen[8]) && s.boolean(&in.NoCache)
	case "type":
		return once(&seen[9]) && s.str(&in.Type)
	}
	return false
}

// once marks a member seen, and is false the second time.
func once(seen *bool) bool {
	if *seen {
		return false
	}
	*seen = true
	return true
}

// scanner reads JSON values off b from i; every method reports false on anything it does not
// read exactly as encoding/json would, leaving the request to the SDK.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

func (s *scanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads an object, handing each member's name to member, which reads its value.
func (s *scanner) object(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		s.space()
		key, ok := s.plain()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if s.next(',') {
			continue
		}
		return s.next('}')
	}
}

// plain reads a string without escapes, valid UTF-8 and no control characters, and returns
// its contents (in b).
func (s *scanner) plain() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[start:j]
			if !utf8.Valid(v) {
				return nil, false
			}
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// str reads a string value. One with escapes is decoded by encoding/json, as the reference
// would (a quoted phrase in a query is common enough to keep on this path).
func (s *scanner) str(v *string) bool {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	if p, ok := s.plain(); ok {
		*v = string(p)
		return true
	}
	end := s.i + 1
	for end < len(s.b) && s.b[end] != '"' {
		if s.b[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(s.b) {
		return false
	}
	if json.Unmarshal(s.b[s.i:end+1], v) != nil {
		return false
	}
	s.i = end + 1
	return true
}

// integer reads a number written as a plain integer that fits an int.
func (s *scanner) integer(v *int) bool {
	s.space()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || s.b[digits] == '0' && s.i-digits > 1 {
		return false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil {
		return false
	}
	*v = n
	return true
}

func (s *scanner) boolean(v *bool) bool {
	s.space()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*v, s.i = true, s.i+4
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*v, s.i = false, s.i+5
	default:
		return false
	}
	return true
}

// rawID reads the id as its raw bytes: a string without escapes or a number; anything else
// (which plainID refuses anyway) is nil.
func (s *scanner) rawID() json.RawMessage {
	s.space()
	start := s.i
	if _, ok := s.plain(); ok {
		return json.RawMessage(s.b[start:s.i])
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if s.i == start || !json.Valid(s.b[start:s.i]) {
		return nil
	}
	return json.RawMessage(s.b[start:s.i])
}
