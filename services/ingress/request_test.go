package ingress

import (
	"net/url"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestValidationErrors drives every validation error through HTTP: each case names the fields
// that must be reported, all in one problem document.
func TestValidationErrors(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{})
	long := strings.Repeat("a", schemas.MaxQueryBytes+1)

	tests := []struct {
		name   string
		method string
		query  string // raw query string (GET) or appended to a POST
		body   string
		// want maps each reported field to a fragment of its message; nothing else may be reported.
		want map[string]string
	}{
		{name: "q missing", method: "GET", query: "engine=duckduckgo", want: map[string]string{"q": "required"}},
		{name: "q empty", method: "GET", query: "q=", want: map[string]string{"q": "empty"}},
		{name: "q blank", method: "GET", query: "q=%20%20", want: map[string]string{"q": "blank"}},
		{name: "q too long", method: "GET", query: "q=" + long, want: map[string]string{"q": "at most 2048 bytes"}},
		{name: "q not UTF-8", method: "GET", query: "q=%ff%fe", want: map[string]string{"q": "UTF-8"}},
		{name: "unknown parameter", method: "GET", query: "q=go&engnie=bing", want: map[string]string{"engnie": "unknown parameter"}},
		{name: "repeated parameter", method: "GET", query: "q=go&q=rust", want: map[string]string{"q": "more than once"}},
		{name: "unknown engine", method: "GET", query: "q=go&engine=altavista", want: map[string]string{"engine": "unknown engine"}},
		{name: "engine empty name", method: "GET", query: "q=go&engine=duckduckgo,", want: map[string]string{"engine": "empty engine name"}},
		{name: "engine twice", method: "GET", query: "q=go&engine=duckduckgo,duckduckgo", want: map[string]string{"engine": "named twice"}},
		{name: "too many engines", method: "GET", query: "q=go&engine=a,b,c,d,e,f,g,h,i,j,k,l,m", want: map[string]string{"engine": "at most 12"}},
		{name: "page zero", method: "GET", query: "q=go&page=0", want: map[string]string{"page": "between 1 and 50"}},
		{name: "page too big", method: "GET", query: "q=go&page=51", want: map[string]string{"page": "between 1 and 50"}},
		{name: "page negative", method: "GET", query: "q=go&page=-1", want: map[string]string{"page": "between 1 and 50"}},
		{name: "page not a number", method: "GET", query: "q=go&page=two", want: map[string]string{"page": "integer"}},
		{name: "page with plus sign", method: "GET", query: "q=go&page=%2B2", want: map[string]string{"page": "integer"}},
		{name: "num zero", method: "GET", query: "q=go&num=0", want: map[string]string{"num": "between 1 and 100"}},
		{name: "num too big", method: "GET", query: "q=go&num=101", want: map[string]string{"num": "between 1 and 100"}},
		{name: "hl malformed", method: "GET", query: "q=go&hl=english!", want: map[string]string{"hl": "language code"}},
		{name: "gl malformed", method: "GET", query: "q=go&gl=u", want: map[string]string{"gl": "country code"}},
		{name: "safe unknown", method: "GET", query: "q=go&safe=maybe", want: map[string]string{"safe": "off, moderate or strict"}},
		{name: "max_age negative", method: "GET", query: "q=go&max_age=-5", want: map[string]string{"max_age": "zero or more"}},
		{name: "max_age not a number", method: "GET", query: "q=go&max_age=1h", want: map[string]string{"max_age": "integer"}},
		{name: "no_cache not a bool", method: "GET", query: "q=go&no_cache=yes", want: map[string]string{"no_cache": "true or false"}},
		{name: "timeout_ms zero", method: "GET", query: "q=go&timeout_ms=0", want: map[string]string{"timeout_ms": "at least 1"}},
		{name: "timeout_ms over the maximum", method: "GET", query: "q=go&timeout_ms=60001", want: map[string]string{"timeout_ms": "between 1 and 60000"}},
		{name: "timeout_ms huge", method: "GET", query: "q=go&timeout_ms=99999999999", want: map[string]string{"timeout_ms": "too large"}},
		{name: "engine empty value", method: "GET", query: "q=go&engine=", want: map[string]string{"engine": "empty"}},
		{
			name: "every field at once", method: "GET",
			query: "q=&engine=nope&page=0&num=500&hl=1&gl=2&safe=x&max_age=-1&no_cache=2&timeout_ms=-3&extra=1",
			want: map[string]string{"q": "empty", "engine": "unknown engine", "page": "between", "num": "between", "hl": "language",
				"gl": "country", "safe": "off, moderate", "max_age": "zero or more", "no_cache": "true or false", "timeout_ms": "between", "extra": "unknown"},
		},

		{name: "body empty", method: "POST", body: "", want: map[string]string{"body": "empty"}},
		{name: "body not JSON", method: "POST", body: "q=golang", want: map[string]string{"body": "malformed JSON"}},
		{name: "body truncated", method: "POST", body: `{"q":"go"`, want: map[string]string{"body": "malformed JSON"}},
		{name: "body an array", method: "POST", body: `["go"]`, want: map[string]string{"body": "JSON object"}},
		{name: "body two objects", method: "POST", body: `{"q":"go"}{"q":"rust"}`, want: map[string]string{"body": "exactly one"}},
		{name: "body unknown field", method: "POST", body: `{"q":"go","colour":"blue"}`, want: map[string]string{"colour": "unknown field"}},
		{name: "body repeated field", method: "POST", body: `{"q":"go","q":"rust"}`, want: map[string]string{"q": "more than once"}},
		{name: "body null field", method: "POST", body: `{"q":null}`, want: map[string]string{"q": "null"}},
		{name: "body q not a string", method: "POST", body: `{"q":42}`, want: map[string]string{"q": "string"}},
		{name: "body page fractional", method: "POST", body: `{"q":"go","page":1.5}`, want: map[string]string{"page": "integer"}},
		{name: "body page as string", method: "POST", body: `{"q":"go","page":"2"}`, want: map[string]string{"page": "integer"}},
		{name: "body page zero", method: "POST", body: `{"q":"go","page":0}`, want: map[string]string{"page": "between 1 and 50"}},
		{name: "body no_cache as string", method: "POST", body: `{"q":"go","no_cache":"true"}`, want: map[string]string{"no_cache": "true or false"}},
		{name: "body with query parameters", method: "POST", query: "q=go", body: `{"q":"go"}`, want: map[string]string{"query": "JSON body only"}},
		{
			name: "body every problem at once", method: "POST",
			body: `{"q":"","engine":"nope","page":99,"num":"x","safe":"x","max_age":-1,"timeout_ms":0,"a":1,"b":2}`,
			want: map[string]string{"q": "required", "engine": "unknown engine", "page": "between", "num": "integer", "safe": "off, moderate",
				"max_age": "zero or more", "timeout_ms": "at least 1", "a": "unknown field", "b": "unknown field"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := in.url + "/v1/search"
			if tc.query != "" {
				u += "?" + tc.query
			}
			var body []byte
			if tc.method == "POST" {
				body = []byte(tc.body)
			}
			resp, b := send(t, tc.method, u, body, nil)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			e := problemOf(t, resp, b)
			if e.Kind != schemas.TypeValidation {
				t.Fatalf("kind %q", e.Kind)
			}
			got := map[string]string{}
			for _, fe := range e.Errors {
				got[fe.Field] += fe.Message + "; "
			}
			for field, frag := range tc.want {
				if !strings.Contains(got[field], frag) {
					t.Errorf("field %q: message %q, want it to mention %q (all: %+v)", field, got[field], frag, e.Errors)
				}
			}
			for field := range got {
				if _, ok := tc.want[field]; !ok {
					t.Errorf("unexpected error for %q: %q", field, got[field])
				}
			}
		})
	}
}

// TestValidRequestsPass checks the limits are inclusive: the largest valid values are admitted.
func TestValidRequestsPass(t *testing.T) {
	ns := testkit.StartNATS(t)
	startFakeCache(t, ns, respondHit)
	in := startIngress(t, ns, ingressOpts{})
	q := strings.Repeat("é", schemas.MaxQueryBytes/2) // 2048 bytes, 6 KiB percent-encoded
	for _, query := range []string{
		"q=" + url.QueryEscape(q),
		"q=go&engine=duckduckgo&page=50&num=100&hl=en-GB&gl=us&safe=strict&max_age=0&no_cache=true&timeout_ms=60000",
	} {
		if resp, b := send(t, "GET", in.url+"/v1/search?"+query, nil, nil); resp.StatusCode != 200 {
			t.Errorf("%.60s…: status %d: %s", query, resp.StatusCode, b)
		}
	}
	if resp, b := send(t, "POST", in.url+"/v1/search", []byte(`{"q":"go","page":50,"num":100,"max_age":0,"no_cache":false,"timeout_ms":60000}`), nil); resp.StatusCode != 200 {
		t.Errorf("POST: status %d: %s", resp.StatusCode, b)
	}
}
