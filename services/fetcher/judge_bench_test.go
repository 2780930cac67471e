package fetcher

import (
	"testing"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
)

// BenchmarkJudge is the cost of block detection: the engine's full parse of every 200 page,
// paid in the fetcher on top of the parser's own.
func BenchmarkJudge(b *testing.B) {
	s := &Service{engines: engines.Default()}
	req := schemas.SearchRequest{Q: "golang", Engine: "duckduckgo"}
	req.Normalize()
	body := sim.ResultsPage("golang", 1, 10, 5)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if r := s.judge("duckduckgo", body, &req, result{}); r.outcome != outOK {
			b.Fatal(r.err)
		}
	}
}
