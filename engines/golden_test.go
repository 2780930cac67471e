package engines

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenResult is what a golden file holds: the parsed SERP, or the kind of error.
type goldenResult struct {
	Error string        `json:"error,omitempty"`
	SERP  *schemas.SERP `json:"serp,omitempty"`
}

// testdataPages lists testdata/<engine>/*.html, *.html.gz, *.reply.json (the replies of
// engines that answer through an API) and *.reply.js (DuckDuckGo's d.js script), sorted. Real captures run to megabytes (inline
// scripts and images), so they are kept gzipped, byte for byte inside.
func testdataPages(t testing.TB, engine string) []string {
	t.Helper()
	var pages []string
	for _, pat := range []string{"*.html", "*.html.gz", "*.reply.json", "*.reply.js"} {
		m, err := filepath.Glob(filepath.Join("testdata", engine, pat))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, m...)
	}
	sort.Strings(pages)
	return pages
}

// readPage reads a testdata page, gunzipping a .gz one.
func readPage(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(path, ".gz") {
		return b, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// pageCase is a testdata page's name without its extensions, the stem its golden file shares.
func pageCase(path string) string {
	for _, ext := range []string{".reply.json", ".reply.js"} {
		if s, ok := strings.CutSuffix(path, ext); ok {
			return s
		}
	}
	return strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), ".html")
}

// pageVertical is the vertical a testdata page answers, by its name: news_* and images_*
// pages are those verticals' answers, the rest web pages.
func pageVertical(path string) string {
	base := filepath.Base(path)
	for _, v := range []string{schemas.VerticalNews, schemas.VerticalImages} {
		if strings.HasPrefix(base, v+"_") {
			return v
		}
	}
	return ""
}

func parseGolden(t *testing.T, e Engine, page []byte, vertical string) []byte {
	t.Helper()
	serp, err := e.Parse(page, &schemas.SearchRequest{Engine: e.Name(), Page: 1, Type: vertical})
	var g goldenResult
	if err != nil {
		var se *schemas.Error
		if !errors.As(err, &se) {
			t.Fatalf("Parse returned an untyped error: %v", err)
		}
		g.Error = se.Kind
	} else {
		g.SERP = serp
	}
	out, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestGolden(t *testing.T) {
	for _, e := range All() {
		pages := testdataPages(t, e.Name())
		for _, p := range pages {
			name := e.Name() + "/" + filepath.Base(pageCase(p))
			t.Run(name, func(t *testing.T) {
				page, err := readPage(p)
				if err != nil {
					t.Fatal(err)
				}
				got := parseGolden(t, e, page, pageVertical(p))
				golden := pageCase(p) + ".golden.json"
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the parser output (go test -update rewrites it):\n%s", golden, lineDiff(string(want), string(got)))
				}
			})
		}
	}
}

// lineDiff shows the lines that differ, enough to review a golden change without a diff tool.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(w), len(g))
	shown := 0
	for i := 0; i < n && shown < 40; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + itoa(i+1) + ":\n  - " + wl + "\n  + " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

// TestSERPsOutliveRecycledTrees parses every testdata page, then all of them again on four
// goroutines, and only then writes the first pass's answers out against their goldens: the
// trees' nodes went back to htmltree's pool (zeroed) and were rebuilt for other pages in the
// meantime, so an answer still reading a node it was built from would differ or panic here.
func TestSERPsOutliveRecycledTrees(t *testing.T) {
	type kept struct {
		golden string
		serp   *schemas.SERP
		kind   string
	}
	var all []kept
	var pages [][]byte
	var engs []Engine
	var verts []string
	for _, e := range All() {
		for _, p := range testdataPages(t, e.Name()) {
			page, err := readPage(p)
			if err != nil {
				t.Fatal(err)
			}
			serp, err := e.Parse(page, &schemas.SearchRequest{Engine: e.Name(), Page: 1, Type: pageVertical(p)})
			k := kept{golden: pageCase(p) + ".golden.json", serp: serp}
			var se *schemas.Error
			if errors.As(err, &se) {
				k.kind, k.serp = se.Kind, nil
			}
			all = append(all, k)
			pages, engs, verts = append(pages, page), append(engs, e), append(verts, pageVertical(p))
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(pages); i += 4 {
				_, _ = engs[i].Parse(pages[i], &schemas.SearchRequest{Engine: engs[i].Name(), Page: 1, Type: verts[i]})
			}
		})
	}
	wg.Wait()
	for _, k := range all {
		out, err := json.MarshalIndent(goldenResult{Error: k.kind, SERP: k.serp}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(k.golden)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(append(out, '\n')); got != string(want) {
			t.Errorf("%s: the answer changed after its tree was recycled:\n%s", k.golden, lineDiff(string(want), got))
		}
	}
}
