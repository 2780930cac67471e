package htmltree

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/sim"
	"golang.org/x/net/html"
)

// pages are every engine page in the engines' testdata and a few of the simulator's.
func pages(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	files, _ := filepath.Glob("../../testdata/*/*.html*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(f, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(f, err)
			}
		}
		out[f] = b
	}
	if len(files) < 20 {
		t.Fatalf("found %d testdata pages, the engines have more", len(files))
	}
	out["sim duckduckgo p1"] = sim.ResultsPage("golang generics", 1, 10, 3)
	out["sim duckduckgo p3"] = sim.ResultsPage("golang generics", 3, 10, 3)
	out["sim duckduckgo no results"] = sim.ResultsPage("noresults here", 1, 10, 3)
	return out
}

// same reports the first difference between two trees, "" when they are equal.
func same(x, y *html.Node, path string) string {
	if x.Type != y.Type || x.DataAtom != y.DataAtom || x.Data != y.Data || x.Namespace != y.Namespace {
		return fmt.Sprintf("%s: node %d %q / %d %q", path, x.Type, x.Data, y.Type, y.Data)
	}
	if len(x.Attr) != len(y.Attr) {
		return fmt.Sprintf("%s: %d attributes / %d", path, len(x.Attr), len(y.Attr))
	}
	for i := range x.Attr {
		if x.Attr[i] != y.Attr[i] {
			return fmt.Sprintf("%s: attribute %v / %v", path, x.Attr[i], y.Attr[i])
		}
	}
	xc, yc := x.FirstChild, y.FirstChild
	for i := 0; xc != nil || yc != nil; i++ {
		if xc == nil || yc == nil {
			return fmt.Sprintf("%s/%s: children differ in number", path, x.Data)
		}
		if xc.Parent != x || yc.Parent != y {
			return fmt.Sprintf("%s/%s[%d]: wrong parent", path, x.Data, i)
		}
		if d := same(xc, yc, fmt.Sprintf("%s/%s[%d]", path, x.Data, i)); d != "" {
			return d
		}
		xc, yc = xc.NextSibling, yc.NextSibling
	}
	return ""
}

// check holds an accepted page to html.Parse's tree.
func check(t *testing.T, name string, page []byte) bool {
	got, ok := Parse(page)
	if !ok {
		return false
	}
	want, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("%s: accepted a page html.Parse refuses: %v", name, err)
	}
	if d := same(got, want, ""); d != "" {
		t.Fatalf("%s: the tree differs from html.Parse's at %s", name, d)
	}
	// The recycled build, twice on the same memory: the second tree may not keep anything
	// of the first, which Release zeroed.
	for i := range 2 {
		tr, ok := ParseRecycled(page)
		if !ok {
			t.Fatalf("%s: ParseRecycled declined a page Parse accepts", name)
		}
		if d := same(tr.Doc, want, ""); d != "" {
			t.Fatalf("%s: ParseRecycled's tree (build %d) differs from html.Parse's at %s", name, i+1, d)
		}
		tr.Release()
	}
	return true
}

func TestSameTreeAsParse(t *testing.T) {
	accepted := 0
	ps := pages(t)
	for name, page := range ps {
		if check(t, name, page) {
			accepted++
			t.Logf("accepted %s", name)
		}
	}
	t.Logf("%d of %d pages built without html.Parse", accepted, len(ps))
	// The simulator's pages are the hot path's: they must take the fast way.
	for _, name := range []string{"sim duckduckgo p1", "sim duckduckgo p3", "sim duckduckgo no results"} {
		if _, ok := Parse(ps[name]); !ok {
			t.Errorf("%s was declined", name)
		}
	}
}

func TestDeclines(t *testing.T) {
	for name, page := range map[string]string{
		"misnested":          `<html><head></head><body><b><i>x</b></i></body></html>`,
		"implied p end":      `<html><head></head><body><p>a<div>b</div></p></body></html>`,
		"table":              `<html><head></head><body><table><tr><td>x</td></tr></table></body></html>`,
		"nested a":           `<html><head></head><body><a href=1><a href=2>x</a></a></body></html>`,
		"no html element":    `<!DOCTYPE html><body>x</body>`,
		"text in head":       `<html><head>x</head><body></body></html>`,
		"no body":            `<html><head></head></html>`,
		"svg":                `<html><head></head><body><svg><path/></svg></body></html>`,
		"nul":                "<html><head></head><body>a\x00b</body></html>",
		"li closes li":       `<html><head></head><body><ul><li>a<li>b</ul></body></html>`,
		"heading in heading": `<html><head></head><body><h1><h2>x</h2></h1></body></html>`,
		"stray end tag":      `<html><head></head><body></span></body></html>`,
	} {
		if _, ok := Parse([]byte(page)); ok {
			t.Errorf("%s: accepted %q", name, page)
		}
	}
	// What it accepts it builds right, including the cases next to the declined ones.
	for name, page := range map[string]string{
		"nested lists":     `<html><head><title>t</title></head><body><ul><li>a<ul><li>b</li></ul></li></ul></body></html>`,
		"whitespace after": "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=utf-8>\n</head>\n<body><p>x</p></body>\n</html>\n",
		"self-closing div": `<html><head></head><body><div/>x</div><br/><img src="a.png"/></body></html>`,
		"entities":         `<html><head></head><body title="a&amp;b&nGt;">&lt;&#x10000;&copy</body></html>`,
		"comments":         `<!-- a --><html><!-- b --><head><!-- c --></head><!-- d --><body><!-- e --></body><!-- f --></html><!-- g -->`,
		"raw text":         `<html><head><script>if (a < b) {}</script><style>p>a{}</style></head><body><script>x="</div>"</script><noscript><img src=x></noscript></body></html>`,
	} {
		if !check(t, name, []byte(page)) {
			t.Errorf("%s: declined %q", name, page)
		}
	}
}

func FuzzSameTreeAsParse(f *testing.F) {
	for _, page := range pages(f) {
		f.Add(page)
	}
	f.Add([]byte(`<html><head></head><body><a href="?a=1&copy=2&amp;b&notit;&lt&ltx&#65x"><b>x</b></a><br/><p a=/>y</p></body></html>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		check(t, "fuzz input", page)
	})
}

func BenchmarkParse(b *testing.B) {
	page := sim.ResultsPage("golang generics", 1, 10, 3)
	b.Run("htmltree", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := Parse(page); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("recycled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t, ok := ParseRecycled(page)
			if !ok {
				b.Fatal("declined")
			}
			t.Release()
		}
	})
	b.Run("html.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := html.Parse(bytes.NewReader(page)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzDeclinedEarly holds the one-pass check to what it replaced: a bytes.Contains per tag.
func FuzzDeclinedEarly(f *testing.F) {
	for _, s := range []string{"<table>", "<p><svg", "<tabl", "<<iframe", "x<", "<templat", "<TABLE>", "<div><math>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		want := false
		for _, tag := range declinedEarly {
			want = want || bytes.Contains(page, []byte("<"+tag))
		}
		if got := hasDeclinedEarly(page); got != want {
			t.Fatalf("hasDeclinedEarly(%q) = %v, want %v", page, got, want)
		}
	})
}
