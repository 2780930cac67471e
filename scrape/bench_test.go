package scrape_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/scrape"
	"github.com/trawl-dev/trawl/sim"
)

// BenchmarkConvert converts each simulated and real page with the default request (markdown
// and metadata, main content) and with every format; MB/s is of the page as fetched.
func BenchmarkConvert(b *testing.B) {
	srv := startSim(b)
	var pages []scrape.Page
	var names []string
	for _, path := range append(sim.ScrapePages(), "/pages/huge?mb=4") {
		p, _ := fetchPage(b, srv, path)
		pages = append(pages, p)
		names = append(names, strings.NewReplacer("/pages/", "", "?mb=", "-", "=", "").Replace(path))
	}
	for _, pg := range realPages {
		body, err := os.ReadFile(filepath.Join("testdata", "real", pg.name, "source.html"))
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, scrape.Page{Body: body, URL: pg.url, ContentType: "text/html; charset=utf-8", HTTPStatus: 200})
		names = append(names, "real-"+pg.name)
	}
	for i, p := range pages {
		for _, formats := range []string{"default", "all"} {
			b.Run(names[i]+"/"+formats, func(b *testing.B) {
				r := defaultRequest()
				if formats == "all" {
					r = allFormats()
				}
				b.SetBytes(int64(len(p.Body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := scrape.Convert(p, r); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			})
		}
	}
}

func BenchmarkChallenge(b *testing.B) {
	srv := startSim(b)
	p, h := fetchPage(b, srv, "/pages/article")
	b.SetBytes(int64(len(p.Body)))
	for b.Loop() {
		scrape.Challenge(p.HTTPStatus, h, p.Body)
	}
}
