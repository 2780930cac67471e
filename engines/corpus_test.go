package engines

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// corpusDir finds shared/corpus/serp: TRAWL_CORPUS_DIR, else its place in the checkout
// relative to this package. It returns "" when neither exists.
func corpusDir() string {
	for _, d := range []string{os.Getenv("TRAWL_CORPUS_DIR"), filepath.Join("..", "..", "shared", "corpus", "serp")} {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

// requireCorpus returns the corpus directory, skipping without it except under CI, where the
// corpus is always provisioned and a skip would hide a broken checkout.
func requireCorpus(t *testing.T) string {
	t.Helper()
	d := corpusDir()
	if d == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("SERP corpus not found (set TRAWL_CORPUS_DIR); it must be present under CI")
		}
		t.Skip("SERP corpus not found (shared/corpus/serp or TRAWL_CORPUS_DIR); skipping corpus conformance")
	}
	return d
}

type corpusPage struct {
	Engine string
	Name   string
	HTML   string
	Expect string
}

// corpusPages lists every page with an expectation, grouped under engine directories named
// like the engines.
func corpusPages(dir string) ([]corpusPage, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*", "*.expect.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	out := make([]corpusPage, 0, len(matches))
	for _, m := range matches {
		name := strings.TrimSuffix(filepath.Base(m), ".expect.json")
		out = append(out, corpusPage{
			Engine: filepath.Base(filepath.Dir(m)),
			Name:   name,
			HTML:   filepath.Join(filepath.Dir(m), name+".html"),
			Expect: m,
		})
	}
	return out, nil
}

type expectation struct {
	Engine       string       `json:"engine"`
	Variant      string       `json:"variant"`
	Kind         string       `json:"kind"`
	MinOrganic   int          `json:"min_organic"`
	OrganicCount *int         `json:"organic_count"`
	First        *expectFirst `json:"first"`
	Checks       []check      `json:"checks"`
}

type expectFirst struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

type check struct {
	Type         string          `json:"type"`
	Rank         int             `json:"rank"`
	Title        string          `json:"title"`
	URL          string          `json:"url"`
	Snippet      string          `json:"snippet"`
	SnippetMatch string          `json:"snippet_match"`
	What         string          `json:"what"`
	Value        json.RawMessage `json:"value"`
	First        *expectFirst    `json:"first"`
}

func TestCorpus(t *testing.T) {
	dir := requireCorpus(t)
	pages, err := corpusPages(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatalf("no *.expect.json under %s", dir)
	}
	reg := Default()
	for _, p := range pages {
		t.Run(p.Engine+"/"+p.Name, func(t *testing.T) {
			t.Parallel()
			eng, ok := reg.Get(p.Engine)
			if !ok {
				t.Fatalf("corpus has pages for engine %q, which all.go does not list", p.Engine)
			}
			var exp expectation
			raw, err := os.ReadFile(p.Expect)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatalf("%s: %v", p.Expect, err)
			}
			page, err := os.ReadFile(p.HTML)
			if err != nil {
				t.Fatal(err)
			}
			serp, err := eng.Parse(page, &schemas.SearchRequest{Engine: p.Engine, Page: 1})
			checkExpectation(t, &exp, serp, err)
		})
	}
}

func checkExpectation(t *testing.T, exp *expectation, serp *schemas.SERP, err error) {
	t.Helper()
	switch exp.Kind {
	case "captcha", "blocked":
		var se *schemas.Error
		if !errors.As(err, &se) || se.Kind != schemas.TypeBlocked {
			t.Fatalf("kind %s: want a %s error, got serp=%v err=%v", exp.Kind, schemas.TypeBlocked, summary(serp), err)
		}
		return
	case "no_results":
		if err != nil {
			t.Fatalf("no_results page: unexpected error %v", err)
		}
		if n := len(serp.OrganicResults); n != 0 {
			t.Fatalf("no_results page: got %d organic results, first %q", n, serp.OrganicResults[0].Title)
		}
		return
	case "results":
		if err != nil {
			t.Fatalf("results page: unexpected error %v", err)
		}
	default:
		t.Fatalf("unknown kind %q in expectation", exp.Kind)
	}
	org := serp.OrganicResults
	if len(org) < exp.MinOrganic {
		t.Errorf("organic: got %d, want at least %d", len(org), exp.MinOrganic)
	}
	if exp.OrganicCount != nil && len(org) != *exp.OrganicCount {
		t.Errorf("organic: got %d, want exactly %d; titles: %s", len(org), *exp.OrganicCount, titles(org))
	}
	for i, r := range org {
		if r.Position != i+1 {
			t.Errorf("organic[%d] has position %d", i, r.Position)
		}
	}
	if exp.First != nil {
		if len(org) == 0 {
			t.Fatalf("first: no organic results")
		}
		expectText(t, "first title", org[0].Title, exp.First.Title, "exact")
		expectText(t, "first url", org[0].URL, exp.First.URL, "exact")
	}
	for _, c := range exp.Checks {
		switch c.Type {
		case "organic":
			if c.Rank < 1 || c.Rank > len(org) {
				t.Errorf("check organic rank %d: only %d organic results", c.Rank, len(org))
				continue
			}
			r := org[c.Rank-1]
			expectText(t, "rank "+itoa(c.Rank)+" title", r.Title, c.Title, "exact")
			expectText(t, "rank "+itoa(c.Rank)+" url", r.URL, c.URL, "exact")
			expectText(t, "rank "+itoa(c.Rank)+" snippet", r.Snippet, c.Snippet, c.SnippetMatch)
		case "not_organic":
			for _, r := range org {
				if clean(r.Title) == clean(c.Title) {
					t.Errorf("not_organic %q found at organic position %d", c.Title, r.Position)
				}
			}
		case "fact":
			checkFact(t, c, serp)
		}
	}
}

// checkFact verifies the facts that map onto SERP fields with a clear value; facts about
// modules trawl does not model (videos, image grids, raw markers) are documentation only.
func checkFact(t *testing.T, c check, serp *schemas.SERP) {
	t.Helper()
	org := serp.OrganicResults
	var n int64
	isNum := json.Unmarshal(c.Value, &n) == nil
	switch c.What {
	case "ads":
		if isNum && int64(len(serp.Ads)) != n {
			t.Errorf("fact ads: got %d ads, want %d", len(serp.Ads), n)
		}
	case "top_ads":
		top := 0
		for _, a := range serp.Ads {
			if a.Block == "top" {
				top++
			}
		}
		if isNum && int64(top) != n {
			t.Errorf("fact top_ads: got %d, want %d", top, n)
		}
	case "top_ad_1":
		var want struct{ Title, URL, Snippet string }
		_ = json.Unmarshal(c.Value, &want)
		if len(serp.Ads) == 0 || serp.Ads[0].Block != "top" {
			t.Errorf("fact top_ad_1: no top ad")
			return
		}
		expectText(t, "top ad 1 title", serp.Ads[0].Title, want.Title, "exact")
		expectText(t, "top ad 1 url", serp.Ads[0].URL, want.URL, "exact")
		expectText(t, "top ad 1 snippet", serp.Ads[0].Snippet, want.Snippet, "exact")
	case "related_searches":
		if isNum && int64(len(serp.RelatedSearches)) != n {
			t.Errorf("fact related_searches: got %d, want %d", len(serp.RelatedSearches), n)
		}
	case "total_results":
		if isNum && serp.TotalResults != n {
			t.Errorf("fact total_results: got %d, want %d", serp.TotalResults, n)
		}
	case "features":
		var feats []string
		_ = json.Unmarshal(c.Value, &feats)
		for _, f := range feats {
			switch f {
			case "related_searches":
				if len(serp.RelatedSearches) == 0 {
					t.Errorf("fact features: no related searches")
				}
			case "ai_summary":
				if serp.AnswerBox == nil {
					t.Errorf("fact features: no answer box for ai_summary")
				}
			}
		}
	case "ai_summary", "neuro_answer":
		if isNum && n > 0 && serp.AnswerBox == nil {
			t.Errorf("fact %s: no answer box", c.What)
		}
	case "rank1_sitelink_0", "rank1_sitelink_1_href", "rank1_sitelinks":
		if len(org) == 0 {
			t.Errorf("fact %s: no organic results", c.What)
			return
		}
		sl := org[0].Sitelinks
		switch c.What {
		case "rank1_sitelink_0":
			var want struct{ Title, Href string }
			_ = json.Unmarshal(c.Value, &want)
			if len(sl) < 1 {
				t.Errorf("fact %s: rank 1 has no sitelinks", c.What)
				return
			}
			expectText(t, "rank 1 sitelink 0 title", sl[0].Title, want.Title, "exact")
			expectText(t, "rank 1 sitelink 0 url", sl[0].URL, want.Href, "exact")
		case "rank1_sitelink_1_href":
			var want string
			_ = json.Unmarshal(c.Value, &want)
			if len(sl) < 2 {
				t.Errorf("fact %s: rank 1 has %d sitelinks", c.What, len(sl))
				return
			}
			expectText(t, "rank 1 sitelink 1 url", sl[1].URL, want, "exact")
		case "rank1_sitelinks":
			if isNum && int64(len(sl)) != n {
				t.Errorf("fact rank1_sitelinks: got %d, want %d (%v)", len(sl), n, sl)
			}
			if c.First != nil && len(sl) > 0 {
				expectText(t, "rank 1 sitelink 0 title", sl[0].Title, c.First.Title, "exact")
			}
		}
	case "www_index_results":
		if c.First != nil {
			found := false
			for _, r := range org {
				found = found || clean(r.Title) == clean(c.First.Title)
			}
			if !found {
				t.Errorf("fact www_index_results: no organic result titled %q; titles: %s", c.First.Title, titles(org))
			}
		}
	}
}

// expectText compares in the corpus's text form (SOURCES.md): whitespace runs, NBSP included,
// collapsed and trimmed. An empty want means "not asserted".
func expectText(t *testing.T, what, got, want, match string) {
	t.Helper()
	if want == "" {
		return
	}
	g, w := clean(got), clean(want)
	if match == "contains" {
		if !strings.Contains(g, w) {
			t.Errorf("%s: %q does not contain %q", what, g, w)
		}
		return
	}
	if g != w {
		t.Errorf("%s: got %q, want %q", what, g, w)
	}
}

func titles(org []schemas.OrganicResult) string {
	var b strings.Builder
	for _, r := range org {
		b.WriteString("\n  ")
		b.WriteString(itoa(r.Position))
		b.WriteString(". ")
		b.WriteString(r.Title)
		b.WriteString(" <")
		b.WriteString(r.URL)
		b.WriteString(">")
	}
	return b.String()
}

func summary(s *schemas.SERP) string {
	if s == nil {
		return "nil"
	}
	return itoa(len(s.OrganicResults)) + " organic"
}
