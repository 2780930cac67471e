package engines

import (
	"path/filepath"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// BenchmarkParse parses every corpus page of each engine (testdata when the corpus is
// absent) per iteration, reporting MB/s through SetBytes and pages/s as a custom metric.
func BenchmarkParse(b *testing.B) {
	dir := corpusDir()
	for _, e := range All() {
		var paths []string
		if dir != "" {
			paths, _ = filepath.Glob(filepath.Join(dir, e.Name(), "*.html"))
		}
		if len(paths) == 0 {
			paths = testdataPages(b, e.Name())
		}
		var pages [][]byte
		var size int64
		for _, p := range paths {
			page, err := readPage(p)
			if err != nil {
				b.Fatal(err)
			}
			pages = append(pages, page)
			size += int64(len(page))
		}
		b.Run(e.Name(), func(b *testing.B) {
			req := &schemas.SearchRequest{Engine: e.Name(), Page: 1}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range pages {
					_, _ = e.Parse(p, req)
				}
			}
			b.ReportMetric(float64(b.N*len(pages))/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
