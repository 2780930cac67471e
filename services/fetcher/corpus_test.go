package fetcher

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusDir holds real result pages captured from the engines (shared/ beside the repository).
const corpusDir = "../../../shared/corpus/serp"

type corpusPage struct {
	engine, name, kind string
	body               []byte
}

// corpusPages lists the corpus's captcha, blocked and no-results pages. Without the corpus the
// test is skipped, except under CI, where it is always present.
func corpusPages(t *testing.T) []corpusPage {
	t.Helper()
	expects, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.expect.json"))
	if len(expects) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus %s missing under CI", corpusDir)
		}
		t.Skipf("corpus %s not present", corpusDir)
	}
	sort.Strings(expects)
	var out []corpusPage
	for _, ex := range expects {
		raw, err := os.ReadFile(ex)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("%s: %v", ex, err)
		}
		switch e.Kind {
		case "captcha", "blocked", "no_results":
		default:
			continue
		}
		html := strings.TrimSuffix(ex, ".expect.json") + ".html"
		body, err := os.ReadFile(html)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusPage{engine: filepath.Base(filepath.Dir(ex)), name: filepath.Base(strings.TrimSuffix(ex, ".expect.json")), kind: e.Kind, body: body})
	}
	return out
}
