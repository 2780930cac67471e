package schemas

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// A body is spliced into replies as it is: only a well-formed SearchBody encoding passes.
func TestValidBody(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"search_parameters":{"q":"x"},"organic_results":[],"pagination":{"current":1}}`, true},
		{`{"search_parameters":{"q":"x"},"organic_results":[}`, false}, // first and last byte right, inside broken
		{`{"poison":true}`, false},                          // JSON, but not a result
		{`{"search_parameters":{"q":"x"}} trailing`, false}, // garbage after
		{"{\"search_parameters\":{\"q\":\"\xff\"}}", false}, // invalid UTF-8
		{``, false},
	}
	for _, tc := range tests {
		if got := ValidBody([]byte(tc.body)); got != tc.want {
			t.Errorf("ValidBody(%q) = %v, want %v", tc.body, got, tc.want)
		}
	}
}

// FuzzValidJSON holds the one-pass check to what it replaced, utf8.Valid and json.Valid.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{
		`{"search_parameters":{"q":"x"},"organic_results":[{"position":1,"title":"a\u00e9\"b","n":-0.5e+10}],"x":[true,false,null,{},[]]}`,
		`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `[1,]`, `{"a":1,}`, `{,}`, `{"a" 1}`, `"\u12"`, `"\x"`,
		"\"\x01\"", "\"\xff\"", "\"\xed\xa0\x80\"", ` [ ] `, `{"a":{"b":[1,2,{"c":"d"}]}}`, `tru`, `nul`, `1 2`, ``, `  `,
		`[[[[[[[[[[]]]]]]]]]]`, `{"a":"b"}}`, `0`, `-0`, `1E+2`, `"é"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), utf8.Valid(b) && json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, utf8.Valid && json.Valid = %v", b, got, want)
		}
	})
}

// The nesting limit is encoding/json's, to the container.
func TestValidJSONDepth(t *testing.T) {
	for _, depth := range []int{maxJSONDepth, maxJSONDepth + 1} {
		for _, inner := range []string{"", "1"} {
			b := []byte(strings.Repeat("[", depth) + inner + strings.Repeat("]", depth))
			if got, want := validJSON(b), json.Valid(b); got != want {
				t.Errorf("depth %d %q: validJSON %v, json.Valid %v", depth, inner, got, want)
			}
		}
	}
}

func BenchmarkValidJSON(b *testing.B) {
	body := []byte(`{"search_parameters":{"q":"golang generics","engine":"duckduckgo","page":1},"organic_results":[`)
	for i := range 10 {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"position":1,"title":"Generics in Go — an introduction","link":"https://example.com/a/b?c=d&e=f","displayed_link":"example.com › a › b","snippet":"Go 1.18 added type parameters: functions and types that work with any type satisfying a constraint. \u00e9 This tutorial shows how."}`...)
	}
	body = append(body, `],"pagination":{"current":1,"next":2}}`...)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !validJSON(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("utf8+encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !utf8.Valid(body) || !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
}
