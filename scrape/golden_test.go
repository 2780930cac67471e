package scrape_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
	"github.com/trawl-dev/trawl/sim"
)

var update = flag.Bool("update", false, "rewrite golden files")

// simHost is where the simulated pages are converted "at": the simulator listens on a random
// port, and the goldens must not depend on it.
const simHost = "http://sim.test"

// startSim runs the simulator on a free loopback port.
func startSim(t testing.TB) *sim.Server {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Addr, cfg.Latency = "127.0.0.1:0", 0
	srv := sim.New(cfg, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// fetchPage GETs a simulated page over HTTP, as the fetcher would, and hands it over as
// fetched at simHost.
func fetchPage(t testing.TB, srv *sim.Server, path string) (scrape.Page, http.Header) {
	t.Helper()
	resp, err := http.Get(srv.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return scrape.Page{Body: body, URL: simHost + path, ContentType: resp.Header.Get("Content-Type"), HTTPStatus: resp.StatusCode}, resp.Header
}

func allFormats() *schemas.ScrapeRequest {
	r := &schemas.ScrapeRequest{URL: "http://sim.test/", Formats: schemas.ScrapeFormats}
	r.Normalize()
	return r
}

func defaultRequest() *schemas.ScrapeRequest {
	r := &schemas.ScrapeRequest{URL: "http://sim.test/"}
	r.Normalize()
	return r
}

func convert(t *testing.T, p scrape.Page, r *schemas.ScrapeRequest) *schemas.ScrapeBody {
	t.Helper()
	out, err := scrape.Convert(p, r)
	if err != nil {
		t.Fatalf("Convert(%s): %v", p.URL, err)
	}
	return out
}

// checkGolden compares got with the golden file, or writes it under -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scrape -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./scrape -update rewrites it):\n%s", path, diff(string(want), string(got)))
	}
}

// goldenJSON is the stored form of a conversion minus the markdown (in its own file) and the
// raw HTML (the page itself).
func goldenJSON(t *testing.T, out *schemas.ScrapeBody) []byte {
	t.Helper()
	// The page facts stay out of ScrapeBody's JSON (they go in scrape_metadata): beside it here.
	env := struct {
		FinalURL    string             `json:"final_url"`
		HTTPStatus  int                `json:"http_status"`
		ContentType string             `json:"content_type"`
		Charset     string             `json:"charset,omitempty"`
		Body        schemas.ScrapeBody `json:"body"`
	}{out.FinalURL, out.HTTPStatus, out.ContentType, out.Charset, *out}
	env.Body.Markdown, env.Body.RawHTML = "", ""
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the goldens are read by people: keep < and & as they are
	enc.SetIndent("", "  ")
	if err := enc.Encode(env); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGoldenSimPages converts every simulated content page with every format and compares
// with testdata/<page>.golden.md and .golden.json; the default request must give the same
// markdown and metadata, and nothing else.
func TestGoldenSimPages(t *testing.T) {
	srv := startSim(t)
	for _, path := range sim.ScrapePages() {
		name := strings.TrimPrefix(path, "/pages/")
		t.Run(name, func(t *testing.T) {
			p, _ := fetchPage(t, srv, path)
			all := convert(t, p, allFormats())
			checkOutput(t, all)
			checkGolden(t, filepath.Join("testdata", name+".golden.md"), []byte(all.Markdown+"\n"))
			checkGolden(t, filepath.Join("testdata", name+".golden.json"), goldenJSON(t, all))

			def := convert(t, p, defaultRequest())
			if def.Markdown != all.Markdown {
				t.Errorf("default request's markdown differs from the all-formats one")
			}
			if def.HTML != "" || def.RawHTML != "" || def.Text != "" || def.Links != nil || def.Metadata == nil {
				t.Errorf("default request filled formats it did not ask for (or left out metadata): %+v", def)
			}
			if def.Charset != all.Charset || def.ContentType != all.ContentType || def.HTTPStatus != 200 || def.FinalURL != p.URL {
				t.Errorf("page facts: %q %q %d %q", def.Charset, def.ContentType, def.HTTPStatus, def.FinalURL)
			}
		})
	}
}

// checkOutput asserts what every conversion must satisfy, golden or not.
func checkOutput(t *testing.T, out *schemas.ScrapeBody) {
	t.Helper()
	for name, s := range map[string]string{"markdown": out.Markdown, "html": out.HTML, "raw_html": out.RawHTML, "text": out.Text} {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8", name)
		}
	}
	for _, bad := range []string{"<script", "<style", "<iframe", "<noscript", `type="hidden"`, "gtag(", "csrf_token"} {
		for name, s := range map[string]string{"markdown": out.Markdown, "html": out.HTML, "text": out.Text} {
			if strings.Contains(s, bad) {
				t.Errorf("%s keeps %q", name, bad)
			}
		}
	}
	for _, l := range out.Links {
		if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
			t.Errorf("link %q is not absolute http(s)", l.URL)
		}
	}
}

// realPages are pages from mozilla/readability's test corpus (testdata/real/SOURCES.md): real
// sites' markup, with what Readability.js keeps of each in expected.html.
var realPages = []struct {
	name, url string
	// chrome is text of the page's furniture (navigation, footer, sharing) that is not in
	// expected.html and must not reach the markdown.
	chrome []string
}{
	{"ars-1", "https://arstechnica.com/information-technology/2015/04/just-released-minecraft-exploit-makes-it-easy-to-crash-game-servers/", []string{"Privacy Policy", "Subscribe", "Forum"}},
	{"bbc-1", "http://www.bbc.com/news/world-us-canada-33646704", []string{"Top Stories", "BBC News Services", "About the BBC", "More on this story"}},
	{"lemonde-1", "http://www.lemonde.fr/pixels/article/2015/05/04/que-contient-la-loi-sur-le-renseignement_4627068_4408996.html", []string{"S'abonner", "Découvrez"}},
	{"v8-blog", "https://v8.dev/blog/emscripten-standalone-wasm", []string{"Edit this page on GitHub", "Branding"}},
	{"qq", "http://tech.qq.com/a/20161014/003637.htm", []string{"腾讯首页", "关于腾讯", "客服中心"}},
}

// TestGoldenRealPages converts real pages and checks both the goldens and, independently of
// them, that the article survives (the first and last paragraphs of Readability.js's own
// result) while the chrome does not.
func TestGoldenRealPages(t *testing.T) {
	for _, pg := range realPages {
		t.Run(pg.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "real", pg.name)
			src, err := os.ReadFile(filepath.Join(dir, "source.html"))
			if err != nil {
				t.Fatal(err)
			}
			// The corpus stores every page as UTF-8 (whatever its <meta> says), as a server of
			// these files would declare.
			p := scrape.Page{Body: src, URL: pg.url, ContentType: "text/html; charset=utf-8", HTTPStatus: 200}
			out := convert(t, p, allFormats())
			checkOutput(t, out)
			checkGolden(t, filepath.Join("testdata", "real", pg.name+".golden.md"), []byte(out.Markdown+"\n"))
			checkGolden(t, filepath.Join("testdata", "real", pg.name+".golden.json"), goldenJSON(t, out))

			expected, err := os.ReadFile(filepath.Join(dir, "expected.html"))
			if err != nil {
				t.Fatal(err)
			}
			firstP, lastP := firstAndLastParagraph(t, expected)
			md := normalizeSpace(unmarkdown(out.Markdown))
			for _, want := range []string{firstP, lastP} {
				if !strings.Contains(md, sentence(want)) {
					t.Errorf("markdown lost the article's paragraph %q", sentence(want))
				}
			}
			for _, c := range pg.chrome {
				if !bytes.Contains(src, []byte(c)) {
					t.Fatalf("chrome marker %q is not in source.html: fix the test", c)
				}
				if bytes.Contains(expected, []byte(c)) {
					t.Fatalf("chrome marker %q is in expected.html: fix the test", c)
				}
				if strings.Contains(out.Markdown, c) {
					t.Errorf("markdown keeps the page chrome %q", c)
				}
			}
		})
	}
}
