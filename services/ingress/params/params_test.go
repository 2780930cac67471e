package params

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/valyala/fasthttp"
)

// querySeeds are real and broken query strings.
var querySeeds = []string{
	"q=golang", "q=golang&engine=duckduckgo&page=2&num=10&hl=en&gl=us&safe=off&max_age=60&no_cache=true&timeout_ms=5000",
	"q=", "q=%ff", "q=a&q=b", "page=-0", "page=999999999999", "x=1&&y", "q=go&engine=a,,b", "=&=&",
	"q=%E4%BD%A0%E5%A5%BD&hl=zh_CN", "no_cache=1&max_age=-1",
}

// FuzzParseQuery: parsing never panics, every error names a field, and a query that passes
// validation survives a round trip through the JSON body form unchanged.
func FuzzParseQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	known := func(n string) bool { return n == "duckduckgo" || n == "bing" }
	f.Fuzz(func(t *testing.T, raw string) {
		var args fasthttp.Args
		args.Parse(raw)
		r, form := ParseQuery(&args)
		if r == nil {
			t.Fatal("nil request")
		}
		errs := Validate(r, form, known, nil, 60000)
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("error without field or message: %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, berrs := DecodeBody(b)
		if len(berrs) > 0 || !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip: %+v → %s → %+v %+v", r, b, back, berrs)
		}
	})
}

// FuzzDecodeBody: decoding never panics; a body that is not one JSON object gives exactly one
// error about the body; a valid body re-encodes and decodes to the same request.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"q":"golang"}`, `{"q":"go","engine":"bing","page":3,"num":20,"hl":"en","gl":"us","safe":"strict","max_age":0,"no_cache":true,"timeout_ms":1500}`,
		``, `{`, `[]`, `null`, `{"q":null}`, `{"q":"a","q":"b"}`, `{"q":1e3}`, `{"page":1.0}`, `{"q":"go"} {}`, `{"x":{"y":[1,2,{}]}}`,
		`{"q":"\ud800"}`, `{"max_age":-9223372036854775809}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, errs := DecodeBody(body)
		if r == nil {
			if len(errs) != 1 || errs[0].Field != "body" {
				t.Fatalf("undecodable body: errors %+v", errs)
			}
			return
		}
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("error without message: %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		b, _ := json.Marshal(r)
		back, berrs := DecodeBody(b)
		if len(berrs) > 0 || !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip: %+v → %s → %+v %+v", r, b, back, berrs)
		}
	})
}
