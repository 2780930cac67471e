package engines

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
)

// BenchmarkDuckDuckGoSimPage measures the two things the miss path does with every page the
// simulated engine answers (the page the load benchmark sends on each miss): the fetcher's
// Classify and the parser's Parse, on the first page of a query with the simulator's defaults.
func BenchmarkDuckDuckGoSimPage(b *testing.B) {
	cfg := sim.DefaultConfig()
	page := sim.ResultsPage("golang generics tutorial", 1, cfg.PerPage, cfg.Pages)
	req := &schemas.SearchRequest{Engine: "duckduckgo", Q: "golang generics tutorial", Page: 1}
	// The figures only mean something on the path the miss load takes.
	serp, err := DuckDuckGo{}.Parse(page, req)
	if err != nil || len(serp.OrganicResults) != cfg.PerPage {
		b.Fatalf("sim page: %v, %d results", err, len(serp.OrganicResults))
	}
	if !ddgSurelyResults(page) {
		b.Fatal("sim page misses Classify's byte-level path")
	}
	// The HTML tree alone, which Parse builds first: the floor under Parse.
	b.Run("Tree", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			_, release, err := parseDoc("duckduckgo", page)
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (DuckDuckGo{}).Parse(page, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Classify", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			if err := (DuckDuckGo{}).Classify(page, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
