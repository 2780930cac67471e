package firecrawl

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
	"github.com/trawl-dev/trawl/services/ingress/dialect/dialecttest"
	"github.com/valyala/fasthttp"
)

var opts = dialect.Options{MaxTimeoutMS: 60000}

func TestConvertScrape(t *testing.T) {
	for _, asked := range [][]string{{"markdown"}, {"markdown", "html", "rawHtml", "links"}} {
		d, err := ConvertScrape(dialecttest.Native(t, "scrape-article"), asked)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(map[string]any{"success": true, "data": d})
		dialecttest.Golden(t, filepath.Join("testdata", "scrape-"+asked[len(asked)-1]+".golden.json"), out)
	}
}

func TestConvertSearch(t *testing.T) {
	for _, name := range []string{"rich", "empty", "metasearch"} {
		res, err := ConvertSearch(dialecttest.Native(t, name), 3)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(res)
		dialecttest.Golden(t, filepath.Join("testdata", "search-"+name+".golden.json"), out)
	}
}

var scrapes = []string{
	`{"url":"https://example.com/a"}`,
	`{"url":"https://example.com/a","formats":["markdown","html","rawHtml","links"],"onlyMainContent":false,"includeTags":["article"],"excludeTags":[".ad","#nav"],"timeout":90000,"maxAge":172800000,"origin":"js-sdk@4.42.0"}`,
	`{"url":"https://example.com/a","formats":[{"type":"markdown"},{"type":"links"}],"storeInCache":false,"waitFor":1000,"mobile":true}`,
	`{"url":"https://example.com/a","formats":["screenshot"]}`,
	`{"url":"https://example.com/a","formats":[{"type":"json","prompt":"x"}]}`,
	`{"url":"https://example.com/a","actions":[{"type":"click","selector":"a"}]}`,
	`{"url":""}`,
	`{"url":42}`,
	`{"url":"https://example.com/a"} {}`,
	`[]`,
	``,
}

var searches = []string{
	`{"query":"golang"}`,
	`{"query":"golang","limit":20,"lang":"en","country":"us","timeout":60000,"scrapeOptions":{"formats":[]},"origin":"js-sdk@4.42.0"}`,
	`{"query":"golang","limit":3,"scrapeOptions":{"formats":["markdown"]}}`,
	`{"query":"golang","scrapeOptions":{"formats":["summary"]}}`,
	`{"query":" "}`,
	`{"query":"golang","limit":0}`,
	`{"query":"golang","limit":"ten"}`,
}

func TestDecode(t *testing.T) {
	type row struct {
		Body   string                 `json:"body"`
		Scrape *schemas.ScrapeRequest `json:"scrape,omitempty"`
		Search *schemas.SearchRequest `json:"search,omitempty"`
		Limit  int                    `json:"limit,omitempty"`
		Asked  []string               `json:"formats,omitempty"`
		Error  string                 `json:"error,omitempty"`
	}
	var rows []row
	for _, b := range scrapes {
		s, err := DecodeScrape([]byte(b), opts)
		if err != nil {
			rows = append(rows, row{Body: b, Error: err.Error()})
			continue
		}
		rows = append(rows, row{Body: b, Scrape: &s.Native, Asked: s.Formats})
	}
	for _, b := range searches {
		s, err := DecodeSearch([]byte(b), opts)
		if err != nil {
			rows = append(rows, row{Body: b, Error: err.Error()})
			continue
		}
		r := row{Body: b, Search: &s.Native, Limit: s.Limit}
		if s.Scrape != nil {
			r.Asked, _ = readFormats(s.Scrape.Formats)
		}
		rows = append(rows, r)
	}
	out, _ := json.Marshal(rows)
	dialecttest.Golden(t, filepath.Join("testdata", "requests.golden.json"), out)
}

// FuzzDecodeScrape: any body either is refused or reads into a scrape with a URL, trawl's
// formats (metadata always) and a timeout within the cap.
func FuzzDecodeScrape(f *testing.F) {
	for _, b := range scrapes {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := DecodeScrape(body, opts)
		if err != nil {
			return
		}
		n := s.Native
		if n.URL == "" || len(n.Formats) == 0 || n.Formats[0] != schemas.FormatMetadata || n.TimeoutMS < 0 || n.TimeoutMS > opts.MaxTimeoutMS {
			t.Fatalf("%q: %+v", body, n)
		}
		for _, f := range n.Formats {
			if !contains(schemas.ScrapeFormats, f) {
				t.Fatalf("%q: format %q", body, f)
			}
		}
		if n.MaxAge != nil && *n.MaxAge < 0 {
			t.Fatalf("%q: max_age %d", body, *n.MaxAge)
		}
	})
}

// FuzzDecodeSearch: any body either is refused or reads into a search with a query and a
// limit in range.
func FuzzDecodeSearch(f *testing.F) {
	for _, b := range searches {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := DecodeSearch(body, opts)
		if err != nil {
			return
		}
		if s.Native.Q == "" || s.Limit < 1 || s.Limit > schemas.MaxNum || s.Native.TimeoutMS > opts.MaxTimeoutMS {
			t.Fatalf("%q: %+v", body, s)
		}
	})
}

func TestMemo(t *testing.T) {
	for _, v := range []string{"/v1/search", "/v2/search"} {
		dialecttest.SameWithMemo(t, func(b dialect.Backend, memo *dialect.Memo) (int, []byte) {
			h := &Handler{B: b, O: opts, Memo: memo}
			return dialecttest.Serve(func(c *fasthttp.RequestCtx) { h.Serve(c, v) }, "POST", v, `{"query":"golang","limit":3}`)
		})
	}
}
