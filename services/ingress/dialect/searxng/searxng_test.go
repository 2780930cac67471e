package searxng

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
	"github.com/trawl-dev/trawl/services/ingress/dialect/dialecttest"
	"github.com/valyala/fasthttp"
)

var opts = dialect.Options{Engines: []string{"duckduckgo", "bing", "google", "yandex", "baidu", "ecosia"},
	MetaEngines: "duckduckgo,bing,google", MaxTimeoutMS: 60000}

func TestConvert(t *testing.T) {
	for _, name := range dialecttest.Searches {
		t.Run(name, func(t *testing.T) {
			r, err := Convert(dialecttest.Native(t, name), "golang")
			if err != nil {
				t.Fatal(err)
			}
			dialecttest.Golden(t, filepath.Join("testdata", "convert", name+".golden.json"), Encode(r, FormatJSON))
		})
	}
}

func TestEncodeCSVAndRSS(t *testing.T) {
	r, _ := Convert(dialecttest.Native(t, "rich"), "golang")
	dialecttest.Golden(t, filepath.Join("testdata", "rich.golden.csv"), Encode(r, FormatCSV))
	dialecttest.Golden(t, filepath.Join("testdata", "rich.golden.rss"), Encode(r, FormatRSS))
}

// TestFailedNamesEngines: an engine that failed is named with SearXNG's reason, in an answer
// whose lists are all present (clients index them without checking).
func TestFailedNamesEngines(t *testing.T) {
	r, _ := ParseRequest(dialecttest.Args("q=go&engines=google,bing"), opts)
	e := schemas.NewError(schemas.TypeBlocked, "captcha")
	out := Encode(Failed(r, e), FormatJSON)
	dialecttest.Golden(t, filepath.Join("testdata", "failed.golden.json"), out)
	e.Engine = "google"
	var got Response
	json.Unmarshal(Encode(Failed(r, e), FormatJSON), &got)
	if len(got.UnresponsiveEngines) != 1 || got.UnresponsiveEngines[0] != [2]string{"google", "CAPTCHA"} {
		t.Fatalf("unresponsive: %v", got.UnresponsiveEngines)
	}
}

var requests = []string{
	"q=golang&format=json",
	"q=golang", // format defaults to json on /searxng/search
	"q=golang&format=json&engines=google,bing&pageno=3&language=en-US&safesearch=2&time_range=week",
	"q=golang&format=json&numResults=10&pageNumber=1&imageProxy=true&safesearch=0", // LangChain's extras
	"q=golang&format=json&engines=Google,%20bing,google,wolframalpha",
	"q=golang&format=json&categories=general,images",
	"q=golang&format=json&categories=images",
	"q=golang&format=csv&language=all",
	"q=golang&format=rss",
	"q=golang&format=html",
	"format=json",
	"q=golang&format=json&pageno=0",
	"q=golang&format=json&safesearch=3",
	"q=golang&format=json&time_range=decade",
}

func TestParseRequest(t *testing.T) {
	type row struct {
		Query      string                 `json:"query"`
		Native     *schemas.SearchRequest `json:"native,omitempty"`
		Format     string                 `json:"format,omitempty"`
		Unknown    []string               `json:"unknown,omitempty"`
		NoCategory string                 `json:"no_category,omitempty"`
		Error      string                 `json:"error,omitempty"`
	}
	var rows []row
	for _, q := range requests {
		r, e := ParseRequest(dialecttest.Args(q), opts)
		if e != nil {
			rows = append(rows, row{Query: q, Error: e.Detail})
			continue
		}
		rows = append(rows, row{Query: q, Native: &r.Native, Format: r.Format, Unknown: r.Unknown, NoCategory: r.NoCategory})
	}
	out, _ := json.Marshal(rows)
	dialecttest.Golden(t, filepath.Join("testdata", "requests.golden.json"), out)
}

func TestConfigListsEngines(t *testing.T) {
	var c struct {
		Categories []string
		Engines    []ConfigEngine
	}
	if err := json.Unmarshal(Config(opts), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Engines) != len(opts.Engines) || c.Engines[2].Name != "google" || c.Engines[2].Shortcut != "go" || c.Categories[0] != "general" {
		t.Fatalf("config: %+v", c)
	}
}

// FuzzParseRequest: any parameters either fail with a 400 or read into a search trawl can
// run: known engines only, each once, at most MaxEngines, a page in range, a known format.
func FuzzParseRequest(f *testing.F) {
	for _, q := range requests {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r, e := ParseRequest(dialecttest.Args(query), opts)
		if e != nil {
			if e.Status != 400 {
				t.Fatalf("%q: status %d", query, e.Status)
			}
			return
		}
		if r.Format != FormatJSON && r.Format != FormatCSV && r.Format != FormatRSS {
			t.Fatalf("%q: format %q", query, r.Format)
		}
		if r.Native.Page < 0 || r.Native.Page > schemas.MaxPage || strings.TrimSpace(r.Native.Q) == "" {
			t.Fatalf("%q: %+v", query, r.Native)
		}
		if r.Native.Engine != "" {
			names := r.Native.Engines()
			seen := map[string]bool{}
			for _, n := range names {
				if !opts.Known(n) || seen[n] {
					t.Fatalf("%q: engines %q", query, r.Native.Engine)
				}
				seen[n] = true
			}
			if len(names) > schemas.MaxEngines {
				t.Fatalf("%q: %d engines", query, len(names))
			}
		}
	})
}

func TestMemo(t *testing.T) {
	dialecttest.SameWithMemo(t, func(b dialect.Backend, memo *dialect.Memo) (int, []byte) {
		h := &Handler{B: b, O: opts, Memo: memo}
		return dialecttest.Serve(func(c *fasthttp.RequestCtx) { h.Serve(c, "", "/search") }, "GET", "/search?q=golang&format=json&engines=google,nothere", "")
	})
}
