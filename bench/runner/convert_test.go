package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseConvertLine(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   convertFigure
		wantOK bool
	}{
		{"every metric",
			"BenchmarkConvert/article/default-2   \t    1234\t   1620000 ns/op\t   6.47 MB/s\t   617.3 pages/s\t  316317 B/op\t    4411 allocs/op",
			convertFigure{Name: "article/default", NsPerOp: 1620000, PagesPerSec: 617.3, MBPerSec: 6.47, BytesPerOp: 316317, AllocsPerOp: 4411}, true},
		{"no pages/s or MB/s: pages/s from ns/op",
			"BenchmarkConvert/real-go-dev/all-8  100  2500000 ns/op",
			convertFigure{Name: "real-go-dev/all", NsPerOp: 2500000, PagesPerSec: 400}, true},
		{"a name with a dash and no GOMAXPROCS suffix",
			"BenchmarkConvert/huge-4/default  3  400000000 ns/op  10.49 MB/s  2.5 pages/s",
			convertFigure{Name: "huge-4/default", NsPerOp: 4e8, PagesPerSec: 2.5, MBPerSec: 10.49}, true},
		{"one benchmark, no sub-benchmarks", "BenchmarkConvert-2  50  1000000 ns/op",
			convertFigure{Name: "(all)", NsPerOp: 1e6, PagesPerSec: 1000}, true},
		{"the parent's name line", "BenchmarkConvert/article/default-2", convertFigure{}, false},
		{"another benchmark", "BenchmarkChallenge-2  100  1000 ns/op", convertFigure{}, false},
		{"a failure", "--- FAIL: BenchmarkConvert/article/default", convertFigure{}, false},
		{"a summary line", "ok  \tgithub.com/trawl-dev/trawl/scrape\t61.2s", convertFigure{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseConvertLine(tc.line)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("parseConvertLine(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestConvertMarkdown(t *testing.T) {
	c := &convertBench{Command: "go test -bench BenchmarkConvert ./scrape", Pages: []convertFigure{
		{Name: "article/default", NsPerOp: 1620000, PagesPerSec: 617.3, MBPerSec: 6.47, BytesPerOp: 316317, AllocsPerOp: 4411},
		{Name: "json/default", NsPerOp: 20000, PagesPerSec: 50000},
	}}
	var b bytes.Buffer
	c.markdown(&b)
	for _, want := range []string{
		"| page | pages/s | MB/s |",
		"| article/default | 617 | 6.47 | 1620 | 4411 | 316.3 |",
		"| json/default | 50000 | n/a | 20 | 0 | 0.0 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	(&convertBench{Command: "(none)", Output: "no BenchmarkConvert in scrape"}).markdown(&b)
	if !strings.Contains(b.String(), "no BenchmarkConvert in scrape") {
		t.Errorf("markdown without a benchmark:\n%s", b.String())
	}
}
