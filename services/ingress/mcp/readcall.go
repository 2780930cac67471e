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
	var (
		seen       [4]bool
		paramsSeen [2]bool
		argsSeen   [10]bool
		wrong      bool // a jsonrpc, method or name other than this path serves
	)
	okObj := s.object(func(key []byte) bool {
		switch string(key) {
		case "jsonrpc":
			return once(&seen[0]) && s.is("2.0", &wrong)
		case "id":
			if !once(&seen[1]) {
				return false
			}
			id = s.rawID()
			return id != nil
		case "method":
			return once(&seen[2]) && s.is("tools/call", &wrong)
		case "params":
			return once(&seen[3]) && s.object(func(key []byte) bool {
				switch string(key) {
				case "name":
					return once(&paramsSeen[0]) && s.is("search", &wrong)
				case "arguments":
					return once(&paramsSeen[1]) && s.object(func(key []byte) bool {
						return s.argument(key, &in, &argsSeen)
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
	if wrong || !seen[0] || !seen[2] || !paramsSeen[0] || !paramsSeen[1] || !argsSeen[0] || !plainID(id) {
		return nil, in, false
	}
	return id, in, true
}

// argument reads one member of the search tool's arguments into in.
func (s *scanner) argument(key []byte, in *SearchInput, seen *[10]bool) bool {
	switch string(key) {
	case "q":
		return once(&seen[0]) && s.str(&in.Q)
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
	if p, ok := s.plain(); ok {
		*v = string(p)
		return true
	}
	t, ok := s.escaped()
	*v = t
	return ok
}

// is reads a string value and sets wrong unless it is want; a plain one is compared where it
// lies, without a copy.
func (s *scanner) is(want string, wrong *bool) bool {
	s.space()
	if p, plain := s.plain(); plain {
		*wrong = *wrong || string(p) != want
		return true
	}
	t, read := s.escaped()
	*wrong = *wrong || t != want
	return read
}

// escaped reads a string value with escapes, decoded by encoding/json. It is a function of
// its own so that only a string with escapes pays for the value json.Unmarshal keeps.
func (s *scanner) escaped() (string, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	end := s.i + 1
	for end < len(s.b) && s.b[end] != '"' {
		if s.b[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(s.b) {
		return "", false
	}
	var v string
	if json.Unmarshal(s.b[s.i:end+1], &v) != nil {
		return "", false
	}
	s.i = end + 1
	return v, true
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
