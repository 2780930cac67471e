package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// convertBench is the scrape converter's own speed, from scrape's BenchmarkConvert: each
// sub-benchmark converts one page (a simulated or a captured real one) on one goroutine.
type convertBench struct {
	Command string `json:"command"`
	// Output is the benchmark lines as go test printed them, or why there are none.
	Output string          `json:"output"`
	Pages  []convertFigure `json:"pages,omitempty"`
	Err    string          `json:"error,omitempty"`
}

// convertFigure is one sub-benchmark's line. PagesPerSec is the benchmark's own pages/s
// metric, or 1e9 / ns/op when it reports none; MBPerSec is 0 when it does not call SetBytes.
type convertFigure struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	PagesPerSec float64 `json:"pages_per_s"`
	MBPerSec    float64 `json:"mb_per_s,omitempty"`
	BytesPerOp  float64 `json:"bytes_per_op,omitempty"`
	AllocsPerOp float64 `json:"allocs_per_op,omitempty"`
}

var rxConvertBench = regexp.MustCompile(`func BenchmarkConvert\(`)

// convertBench runs scrape's BenchmarkConvert when the package has one.
func (e *env) convertBench() *convertBench {
	files, _ := filepath.Glob(filepath.Join(e.root, "scrape", "*_test.go"))
	found := false
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && rxConvertBench.Match(b) {
			found = true
			break
		}
	}
	if !found {
		return &convertBench{Command: "(none)", Output: "no BenchmarkConvert in scrape"}
	}
	args := []string{"test", "-run", "^$", "-bench", "BenchmarkConvert", "-benchtime", "2s", "./scrape"}
	fmt.Printf("\n== go %s\n", strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir = e.root
	out, err := cmd.CombinedOutput()
	cb := &convertBench{Command: "go " + strings.Join(args, " ")}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "FAIL") ||
			strings.HasPrefix(l, "cpu:") || (err != nil && l != "") {
			keep = append(keep, l)
		}
		if f, ok := parseConvertLine(l); ok {
			cb.Pages = append(cb.Pages, f)
		}
	}
	cb.Output = strings.Join(keep, "\n")
	if err != nil {
		cb.Err = err.Error()
	}
	fmt.Println(cb.Output)
	return cb
}

// parseConvertLine reads one benchmark result line:
//
//	BenchmarkConvert/article/default-2  1234  1620000 ns/op  6.47 MB/s  617.3 pages/s  316317 B/op  4411 allocs/op
//
// The name loses its "BenchmarkConvert/" prefix and its -GOMAXPROCS suffix.
func parseConvertLine(l string) (convertFigure, bool) {
	f := strings.Fields(l)
	if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkConvert") {
		return convertFigure{}, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return convertFigure{}, false
	}
	name := strings.TrimPrefix(strings.TrimPrefix(f[0], "BenchmarkConvert"), "/")
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	if name == "" {
		name = "(all)"
	}
	fig := convertFigure{Name: name}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return convertFigure{}, false
		}
		switch f[i+1] {
		case "ns/op":
			fig.NsPerOp = v
		case "pages/s":
			fig.PagesPerSec = v
		case "MB/s":
			fig.MBPerSec = v
		case "B/op":
			fig.BytesPerOp = v
		case "allocs/op":
			fig.AllocsPerOp = v
		}
	}
	if fig.NsPerOp <= 0 {
		return convertFigure{}, false
	}
	if fig.PagesPerSec == 0 {
		fig.PagesPerSec = round(1e9/fig.NsPerOp, 1)
	}
	return fig, true
}

// markdown writes the conversion table.
func (c *convertBench) markdown(b *bytes.Buffer) {
	b.WriteString("\nConversion, one goroutine per page (`" + c.Command + "`):\n\n")
	if len(c.Pages) == 0 {
		b.WriteString("```\n" + c.Output + "\n```\n")
		return
	}
	b.WriteString("| page | pages/s | MB/s | µs/page | allocs/page | kB allocated/page |\n|---|---:|---:|---:|---:|---:|\n")
	for _, p := range c.Pages {
		mb := "n/a"
		if p.MBPerSec > 0 {
			mb = fmt.Sprintf("%.2f", p.MBPerSec)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %.0f | %.0f | %.1f |\n", p.Name, fmtNum(p.PagesPerSec), mb, p.NsPerOp/1e3, p.AllocsPerOp, p.BytesPerOp/1e3)
	}
	if c.Err != "" {
		b.WriteString("\nThe benchmark failed: " + c.Err + "\n```\n" + c.Output + "\n```\n")
	}
}
