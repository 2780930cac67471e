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

// realPages are pages nobody working on trawl wrote (testdata/real/SOURCES.md): real sites'
// markup. Those from mozilla/readability's corpus come with what Readability.js keeps of each
// (expected.html); those from the article extraction benchmark with the article's text as
// people marked it (article.txt).
var realPages = []struct {
	name, url string
	// article is text of the article that must reach the markdown, besides the first and last
	// paragraphs of expected.html.
	article []string
	// chrome is text of the page's furniture (navigation, footer, sharing, related stories)
	// that is not in expected.html either and must not reach the markdown.
	chrome []string
	// kept is furniture Readability.js keeps (comments, newsletter boxes) and trawl drops: in
	// expected.html, not in the markdown. A page with any has its last paragraph checked only
	// through article.
	kept []string
}{
	{name: "ars-1", url: "https://arstechnica.com/information-technology/2015/04/just-released-minecraft-exploit-makes-it-easy-to-crash-game-servers/", chrome: []string{"Privacy Policy", "Subscribe", "Forum"}},
	{name: "bbc-1", url: "http://www.bbc.com/news/world-us-canada-33646704", chrome: []string{"Top Stories", "BBC News Services", "About the BBC", "More on this story"}},
	{name: "lemonde-1", url: "http://www.lemonde.fr/pixels/article/2015/05/04/que-contient-la-loi-sur-le-renseignement_4627068_4408996.html", chrome: []string{"S'abonner", "Découvrez"}},
	{name: "v8-blog", url: "https://v8.dev/blog/emscripten-standalone-wasm", chrome: []string{"Edit this page on GitHub", "Branding"}},
	{name: "qq", url: "http://tech.qq.com/a/20161014/003637.htm", chrome: []string{"腾讯首页", "关于腾讯", "客服中心"}},
	// The whole page sits in <div id="ad-portal">, a hook for its ad scripts.
	{name: "liberation-1", url: "http://www.liberation.fr/monde/2015/04/30/un-troisieme-francais-mort-dans-le-seisme-au-nepal_1278483",
		article: []string{"Un troisième Français a été tué dans le tremblement de terre samedi au Népal"},
		chrome:  []string{"Se connecter", "Le club abonnés", "Sur le même sujet", "La bibliothèque"}},
	// WordPress with Jetpack: sharing and like buttons, related posts, a comment form.
	{name: "wordpress", url: "https://wptavern.com/stack-overflow-jobs-data-shows-reactjs-skills-in-high-demand-wordpress-market-oversaturated-with-developers",
		chrome: []string{"Stack Overflow Documentation is Now in Beta", "Share this:", "Like this:", "Related"}},
	// docutils: every section's id is its heading's slug ("sharing-with-a-single-developer"),
	// every heading a link back to the table of contents.
	{name: "mercurial", url: "https://www.mercurial-scm.org/doc/evolve/sharing.html",
		article: []string{"## Sharing with a single developer", "## Evolve: Shared Mutable History"}},
	{name: "firefox-nightly-blog", url: "https://blog.nightly.mozilla.org/2020/12/18/these-weeks-in-firefox-issue-85/",
		article: []string{"Work continued on the weather QuickSuggest experiment, but its release has been moved to January."},
		chrome:  []string{"Mozilla Foundation"},
		kept:    []string{"comments on", "Are there plans to provide", "Post a comment"}},
	// The whole page sits in <div class="ad_body">, and the site's furniture is a layout table.
	{name: "panarmenian", url: "http://www.panarmenian.net/eng/news/275221/",
		article: []string{"Verified video footage, eyewitness testimony from people on the ground", "snipers have also shot into crowds of people from rooftops"},
		chrome:  []string{"Weather in Armenia", "Exchange rates", "Most popular in the section", "Latest news", "Advertise with us", "Terms of service"}},
	// schema.org microdata (<meta itemprop>) among the paragraphs: readability's scoring needs
	// them where they are, or it takes the author box for the article.
	{name: "comoeducar", url: "http://comoeducarseusfilhos.com.br/blog/a-fantastica-loja-dos-materiais-educativos/",
		article: []string{"O prof. Carlos Nadalim apresenta, neste vídeo, uma loja incrível nos EUA", "Espero que você tenha gostado de conhecer alguns dos materiais desta loja"},
		chrome:  []string{"Pai de Francesco e Teresa", "Artigos populares", "Alternar navegação", "Santa Teresinha do Menino Jesus"}},
}

// TestGoldenRealPages converts real pages and checks both the goldens and, independently of
// them, that the article survives (the first and last paragraphs of Readability.js's own
// result or of the marked article, and the sentences listed) while the chrome does not.
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

			md := normalizeSpace(unmarkdown(out.Markdown))
			want := pg.article
			expected, err := os.ReadFile(filepath.Join(dir, "expected.html"))
			switch {
			case err == nil:
				firstP, lastP := firstAndLastParagraph(t, expected)
				want = append(want, sentence(firstP))
				if len(pg.kept) == 0 {
					want = append(want, sentence(lastP))
				}
			case os.IsNotExist(err):
				if _, err := os.Stat(filepath.Join(dir, "article.txt")); err != nil {
					t.Fatal("neither expected.html nor article.txt")
				}
				expected, _ = os.ReadFile(filepath.Join(dir, "article.txt"))
			default:
				t.Fatal(err)
			}
			for _, w := range want {
				if !strings.Contains(md, w) {
					t.Errorf("markdown lost the article's %q", w)
				}
			}
			for _, c := range pg.chrome {
				if !bytes.Contains(src, []byte(c)) {
					t.Fatalf("chrome marker %q is not in source.html: fix the test", c)
				}
				if bytes.Contains(expected, []byte(c)) {
					t.Fatalf("chrome marker %q is in the expected article: fix the test", c)
				}
				if strings.Contains(out.Markdown, c) {
					t.Errorf("markdown keeps the page chrome %q", c)
				}
			}
			for _, c := range pg.kept {
				if !bytes.Contains(expected, []byte(c)) {
					t.Fatalf("marker %q is not in expected.html: fix the test", c)
				}
				if strings.Contains(out.Markdown, c) {
					t.Errorf("markdown keeps the page chrome %q", c)
				}
			}
		})
	}
}
