package serpapi

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
	"github.com/trawl-dev/trawl/services/ingress/dialect/dialecttest"
	"github.com/valyala/fasthttp"
)

func TestRender(t *testing.T) {
	for _, name := range dialecttest.Searches {
		t.Run(name, func(t *testing.T) {
			out, err := Render(dialecttest.Native(t, name), "http://trawl.test/serpapi")
			if err != nil {
				t.Fatal(err)
			}
			dialecttest.Golden(t, filepath.Join("testdata", "render", name+".golden.json"), out)
		})
	}
}

func TestRenderNothingFound(t *testing.T) {
	out, _ := Render(dialecttest.Native(t, "empty"), "http://x")
	var r map[string]any
	json.Unmarshal(out, &r)
	if _, ok := r["organic_results"]; ok || r["error"] != nil {
		t.Fatalf("nothing found must be Success without organic_results nor error: %s", out)
	}
	if r["search_metadata"].(map[string]any)["status"] != "Success" {
		t.Fatalf("status: %s", out)
	}
}

// requests are SerpApi searches as its clients send them.
var requests = []string{
	"engine=google&q=coffee&tbm=nws&start=10",
	"engine=google&q=coffee&tbm=isch",
	"engine=google&q=coffee&tbm=vid",
	"engine=google&q=coffee",
	"q=coffee", // LangChain's tool sends no engine: SerpApi's default is google
	"engine=google&q=coffee&start=20&num=20&hl=en&gl=us&safe=active&no_cache=true",
	"engine=google&q=coffee&api_key=secret&source=nodejs&output=json&device=desktop",
	"engine=google&q=coffee&output=html",
	"engine=google&q=coffee&async=true",
	"engine=bing&q=coffee&first=11&count=10&mkt=en-GB",
	"engine=bing&q=coffee&cc=de",
	"engine=duckduckgo&q=coffee&kl=us-en&safe=-2",
	"engine=duckduckgo&q=coffee&kl=wt-wt",
	"engine=yandex&text=coffee&p=2&lang=ru",
	"engine=baidu&q=coffee&pn=10&rn=10",
	"engine=ecosia&q=coffee&start=10",
	"engine=google",
	"engine=google&q=%20%20",
	"engine=youtube&q=coffee",
	"engine=google&q=coffee&start=abc",
	"engine=google&q=coffee&num=500",
	"engine=google&q=coffee&start=5000",
	"engine=google&q=coffee&safe=maybe",
	"engine=google&q=coffee&no_cache=perhaps",
	"engine=google&q=coffee&output=xml",
}

func TestParseRequest(t *testing.T) {
	type row struct {
		Query  string                 `json:"query"`
		Native *schemas.SearchRequest `json:"native,omitempty"`
		Async  bool                   `json:"async,omitempty"`
		HTML   bool                   `json:"html,omitempty"`
		Error  string                 `json:"error,omitempty"`
		Status int                    `json:"status,omitempty"`
	}
	var rows []row
	for _, q := range requests {
		r, e := ParseRequest(dialecttest.Args(q))
		if e != nil {
			rows = append(rows, row{Query: q, Error: e.Detail, Status: e.Status})
			continue
		}
		rows = append(rows, row{Query: q, Native: &r.Native, Async: r.Async, HTML: r.HTML})
	}
	out, _ := json.Marshal(rows)
	dialecttest.Golden(t, filepath.Join("testdata", "requests.golden.json"), out)
}

// FuzzParseRequest: any query string either fails with a 400 or reads into a search within
// trawl's bounds, which SerpApi's own search_parameters for it read back into unchanged.
func FuzzParseRequest(f *testing.F) {
	for _, q := range requests {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r, e := ParseRequest(dialecttest.Args(query))
		if e != nil {
			if e.Status != 400 {
				t.Fatalf("%q: status %d", query, e.Status)
			}
			return
		}
		n := r.Native
		if n.Page < 0 || n.Page > schemas.MaxPage || n.Num < 0 || n.Num > schemas.MaxNum || supported[n.Engine] != n.Engine {
			t.Fatalf("%q: out of bounds: %+v", query, n)
		}
		v := url.Values{}
		for k, s := range Parameters(&n) {
			v.Set(k, s)
		}
		again, e := ParseRequest(dialecttest.Args(v.Encode()))
		if e != nil {
			t.Fatalf("%q: its parameters %q do not read back: %v", query, v.Encode(), e)
		}
		if !reflect.DeepEqual(again.Native, n) {
			t.Fatalf("%q: read back %+v, want %+v", query, again.Native, n)
		}
	})
}

func TestRenderAccount(t *testing.T) {
	out, err := RenderAccount([]byte(`{"tenant":"acme","searches":{"this_hour":3,"last_hour":5,"today":9,"this_month":120},
		"quota":{"daily":1000,"used_today":9,"left_today":991,"renews_at":"2026-01-02T00:00:00Z"},
		"rate_limit":{"per_second":5,"burst":5,"per_hour":18000}}`))
	if err != nil {
		t.Fatal(err)
	}
	dialecttest.Golden(t, filepath.Join("testdata", "account.golden.json"), out)
}

func TestMemo(t *testing.T) {
	dialecttest.SameWithMemo(t, func(b dialect.Backend, memo *dialect.Memo) (int, []byte) {
		h := &Handler{B: b, Memo: memo}
		return dialecttest.Serve(func(c *fasthttp.RequestCtx) { h.Serve(c, "", string(c.Path())) }, "GET", "/search.json?q=golang", "")
	})
}
