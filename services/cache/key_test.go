package cache

import (
	"testing"
)

// Equivalent requests share one cache entry; requests that could get a different page from the
// engine never do. Each body goes through the same decode, validation and normalisation as a
// live request.
func TestCacheKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		// Equivalent.
		{"member order", `{"q":"golang","page":2,"hl":"en"}`, `{"hl":"en","page":2,"q":"golang"}`, true},
		{"default engine", `{"q":"golang"}`, `{"q":"golang","engine":"duckduckgo"}`, true},
		{"default page", `{"q":"golang"}`, `{"q":"golang","page":1}`, true},
		{"default safe", `{"q":"golang"}`, `{"q":"golang","safe":"moderate"}`, true},
		{"empty locale", `{"q":"golang"}`, `{"q":"golang","hl":"","gl":""}`, true},
		{"surrounding space", `{"q":"golang"}`, `{"q":"  golang\t\n"}`, true},
		{"inner space", `{"q":"go lang tutorial"}`, `{"q":"go   lang\u00a0\ttutorial"}`, true},
		{"query case", `{"q":"GoLang Tutorial"}`, `{"q":"golang tutorial"}`, true},
		{"non-ASCII case", `{"q":"ÉCOLE Ürün"}`, `{"q":"école ürün"}`, true},
		{"engine name space", `{"q":"golang","engine":"bing"}`, `{"q":"golang","engine":" bing "}`, true},
		{"hl case and separator", `{"q":"golang","hl":"en-GB"}`, `{"q":"golang","hl":"en_gb"}`, true},
		{"gl case", `{"q":"golang","gl":"US"}`, `{"q":"golang","gl":"us"}`, true},
		{"max_age", `{"q":"golang"}`, `{"q":"golang","max_age":60}`, true},
		{"no_cache", `{"q":"golang"}`, `{"q":"golang","no_cache":true}`, true},
		{"timeout_ms", `{"q":"golang"}`, `{"q":"golang","timeout_ms":3000}`, true},

		// Different.
		{"engine", `{"q":"golang","engine":"bing"}`, `{"q":"golang","engine":"google"}`, false},
		{"page", `{"q":"golang","page":1}`, `{"q":"golang","page":2}`, false},
		{"num", `{"q":"golang"}`, `{"q":"golang","num":20}`, false},
		{"hl", `{"q":"golang","hl":"en"}`, `{"q":"golang","hl":"de"}`, false},
		{"hl region", `{"q":"golang","hl":"en-us"}`, `{"q":"golang","hl":"en-gb"}`, false},
		{"hl set or not", `{"q":"golang"}`, `{"q":"golang","hl":"en"}`, false},
		{"gl", `{"q":"golang","gl":"us"}`, `{"q":"golang","gl":"de"}`, false},
		{"safe off", `{"q":"golang"}`, `{"q":"golang","safe":"off"}`, false},
		{"safe strict", `{"q":"golang","safe":"off"}`, `{"q":"golang","safe":"strict"}`, false},
		{"query words", `{"q":"golang"}`, `{"q":"go lang"}`, false},
		{"query punctuation", `{"q":"c++"}`, `{"q":"c"}`, false},
		{"query quotes", `{"q":"\"exact phrase\""}`, `{"q":"exact phrase"}`, false},
		{"no field bleeds into another", `{"q":"golang","hl":"eng","gl":"us"}`, `{"q":"golang","hl":"en","gl":"gus"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := keyOf(t, tc.a), keyOf(t, tc.b)
			if (ka == kb) != tc.same {
				t.Fatalf("keys %s and %s: same = %v, want %v", ka, kb, ka == kb, tc.same)
			}
			if len(ka) != 32 {
				t.Fatalf("key %q: want 32 hex characters (a NATS subject token and a Redis key)", ka)
			}
		})
	}
}
