package params

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestScrapeParams(t *testing.T) {
	for _, c := range []struct {
		query  string
		fields []string // fields with errors, in order
	}{
		{"url=https://example.com/", nil},
		{"url=https://example.com/&formats=text,links&main_content=false&include_selectors=main,%20article&include_selectors=.x&max_age=0&no_cache=true&timeout_ms=900", nil},
		{`url=https://example.com/&extract={"t":{"selector":"h1","type":"number","required":true}}`, nil},
		{"", []string{"url"}},
		{"url=https://example.com/&url=https://example.org/", []string{"url"}},
		{"url=https://example.com/&formats=pdf", []string{"formats"}},
		{"url=https://example.com/&extract=[1]", []string{"extract"}},
		{`url=https://example.com/&extract={"t":{"selector":"h1","kind":"x"}}`, []string{"extract"}},
		{`url=https://example.com/&extract={"t":{"selector":"","type":"float"}}`, []string{"extract.t.selector", "extract.t.type"}},
		{"url=https://example.com/&main_content=maybe&timeout_ms=0&q=x", []string{"main_content", "timeout_ms", "q"}},
		{"url=/relative", []string{"url"}},
	} {
		var args fasthttp.Args
		args.Parse(c.query)
		r, form := ParseScrapeQuery(&args)
		errs := ValidateScrape(r, form, 60000)
		var got []string
		for _, e := range errs {
			got = append(got, e.Field)
		}
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s: errors on %v, want %v (%+v)", c.query, got, c.fields, errs)
		}
	}
	// A selector may hold commas: each include_selectors parameter is one selector.
	var args fasthttp.Args
	args.Parse("url=https://example.com/&include_selectors=main,%20article")
	if r, _ := ParseScrapeQuery(&args); len(r.IncludeSelectors) != 1 || r.IncludeSelectors[0] != "main, article" {
		t.Errorf("selectors %q", r.IncludeSelectors)
	}
}

func TestDecodeScrapeBody(t *testing.T) {
	for _, c := range []struct {
		body  string
		field string // the first error's field, "" for none
	}{
		{`{"url":"https://example.com/","formats":["markdown","links"],"main_content":false}`, ""},
		{`{"url":"https://example.com/","extract":{"price":{"selector":".p","type":"number"}}}`, ""},
		{``, "body"},
		{`[]`, "body"},
		{`{"url":"https://example.com/"} {}`, "body"},
		{`{"url":"https://example.com/","color":"red"}`, "color"},
		{`{"url":5}`, "url"},
		{`{"url":"https://example.com/","formats":"markdown"}`, "formats"},
		{`{"url":"https://example.com/","timeout_ms":0}`, "timeout_ms"},
		{"{\"url\":\"\xff\"}", "body"},
	} {
		r, errs := DecodeScrapeBody([]byte(c.body))
		if r != nil {
			errs = ValidateScrape(r, errs, 60000)
		}
		got := ""
		if len(errs) > 0 {
			got = errs[0].Field
		}
		if got != c.field {
			t.Errorf("%s: first error on %q, want %q (%+v)", c.body, got, c.field, errs)
		}
	}
}

// FuzzDecodeScrapeBody: decoding never panics, every error has a message, and a valid body
// re-encodes and decodes to the same request.
func FuzzDecodeScrapeBody(f *testing.F) {
	for _, s := range []string{
		`{"url":"https://example.com/"}`, `{"url":"https://x/","formats":["text"],"include_selectors":["a, b"],"extract":{"n":{"selector":"p","type":"list"}}}`,
		``, `{`, `null`, `{"url":null}`, `{"url":"a","url":"b"}`, `{"extract":{"":{"selector":"["}}}`, `{"max_age":-1,"timeout_ms":1e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, errs := DecodeScrapeBody(body)
		if r == nil {
			if len(errs) == 0 {
				t.Fatal("no request and no error")
			}
			return
		}
		errs = ValidateScrape(r, errs, 60000)
		for _, e := range errs {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("error without field or message: %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		// Compared encoded: an empty list and a missing one are the same request.
		b, _ := json.Marshal(r)
		back, berrs := DecodeScrapeBody(b)
		again, _ := json.Marshal(back)
		if len(berrs) > 0 || string(again) != string(b) {
			t.Fatalf("round trip: %s → %s %+v", b, again, berrs)
		}
	})
}

// FuzzParseScrapeQuery: parsing never panics and every error names its field.
func FuzzParseScrapeQuery(f *testing.F) {
	for _, s := range []string{"url=https://example.com/", "url=&formats=,,", "extract=%7B", "include_selectors=a&include_selectors=b&url=x", "=&=&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var args fasthttp.Args
		args.Parse(raw)
		r, form := ParseScrapeQuery(&args)
		if r == nil {
			t.Fatal("nil request")
		}
		for _, e := range ValidateScrape(r, form, 60000) {
			if e.Message == "" {
				t.Fatalf("error without message: %+v", e)
			}
		}
	})
}

// TestScrapeBodyErrorPaths: an error inside an extract field names the field, and a selector
// the converter cannot run is refused with the request, before anything is fetched.
func TestScrapeBodyErrorPaths(t *testing.T) {
	for _, c := range []struct{ body, field string }{
		{`{"url":"https://example.com/","extract":{"t":{"selector":"h1","kind":"x"}}}`, "extract.t.kind"},
		{`{"url":"https://example.com/","extract":{"a":{"selector":"h1"},"t":{"selector":"h1","required":"yes"}}}`, "extract.t.required"},
		{`{"url":"https://example.com/","extract":{"t":{"selector":"h1","type":5}}}`, "extract.t.type"},
		{`{"url":"https://example.com/","extract":{"t":"h1"}}`, "extract"},
		{`{"url":"https://example.com/","color":"red"}`, "color"},
		{`{"url":"https://example.com/","include_selectors":["main["]}`, "include_selectors"},
		{`{"url":"https://example.com/","exclude_selectors":["div:has(p:has(a))"]}`, "exclude_selectors"},
		{`{"url":"https://example.com/","extract":{"price":{"selector":"..p","type":"number"}}}`, "extract.price.selector"},
	} {
		r, errs := DecodeScrapeBody([]byte(c.body))
		if r != nil {
			errs = ValidateScrape(r, errs, 60000)
		}
		if len(errs) != 1 || errs[0].Field != c.field || errs[0].Message == "" {
			t.Errorf("%s: errors %+v, want one on %q", c.body, errs, c.field)
		}
	}
	var args fasthttp.Args
	args.Parse(`url=https://example.com/&include_selectors=main[&extract={"p":{"selector":"..p"}}`)
	r, form := ParseScrapeQuery(&args)
	if errs := ValidateScrape(r, form, 60000); len(errs) != 2 || errs[0].Field != "include_selectors" || errs[1].Field != "extract.p.selector" {
		t.Errorf("GET: errors %+v, want include_selectors and extract.p.selector", errs)
	}
}

// TestScrapeBodyExactMembers: a body is held to what a query is: member names as documented,
// each once.
func TestScrapeBodyExactMembers(t *testing.T) {
	for _, c := range []struct{ body, field string }{
		{`{"URL":"https://example.com/"}`, "URL"},
		{`{"url":"https://example.com/","Formats":["text"]}`, "Formats"},
		{`{"url":"https://example.com/","url":"http://127.0.0.1/"}`, "url"},
		{`{"url":"https://example.com/","extract":{"t":{"Selector":"h1"}}}`, "extract.t.Selector"},
	} {
		r, errs := DecodeScrapeBody([]byte(c.body))
		if r != nil || len(errs) != 1 || errs[0].Field != c.field {
			t.Errorf("%s: request %v, errors %+v, want one on %q", c.body, r, errs, c.field)
		}
	}
	if r, errs := DecodeScrapeBody([]byte(`{"url":"https://example.com/","extract":{"t":{"selector":"h1","attr":"href","type":"string","required":true}},"formats":["links"]}`)); r == nil || errs != nil {
		t.Errorf("a valid body: %+v", errs)
	}
}
