package scrape_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/trawl-dev/trawl/scrape"
	"golang.org/x/net/html"
)

// TestCorpusScore scores the main-content markdown on whole public corpora, which are too big
// to keep here, against what people (or Readability.js) took for the article: word recall (how
// much of the article the markdown keeps) and precision (how much of the markdown is article).
// It runs when told where the corpora are:
//
//	TRAWL_READABILITY_CORPUS   mozilla/readability's test/test-pages (source.html, expected.html)
//	TRAWL_AEB_CORPUS           scrapinghub/article-extraction-benchmark (html/*.html, ground-truth.json)
//	TRAWL_CORPUS_OUT           a directory to write each page's markdown to (optional)
//
// The worst pages print first; the means print last.
func TestCorpusScore(t *testing.T) {
	if dir := os.Getenv("TRAWL_READABILITY_CORPUS"); dir != "" {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var pages []scoredPage
		for _, e := range ents {
			src, err := os.ReadFile(filepath.Join(dir, e.Name(), "source.html"))
			if err != nil {
				continue
			}
			exp, err := os.ReadFile(filepath.Join(dir, e.Name(), "expected.html"))
			if err != nil {
				continue
			}
			pages = append(pages, scoredPage{name: e.Name(), url: "http://fakehost/test/page.html", src: src, article: htmlText(exp)})
		}
		scoreCorpus(t, "readability", pages)
	}
	if dir := os.Getenv("TRAWL_AEB_CORPUS"); dir != "" {
		var truth map[string]struct {
			ArticleBody string `json:"articleBody"`
			URL         string `json:"url"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
		if err == nil {
			err = json.Unmarshal(b, &truth)
		}
		if err != nil {
			t.Fatal(err)
		}
		var pages []scoredPage
		for k, g := range truth {
			src, err := os.ReadFile(filepath.Join(dir, "html", k+".html"))
			if err != nil {
				continue
			}
			pages = append(pages, scoredPage{name: k[:8] + " " + g.URL, url: g.URL, src: src, article: g.ArticleBody, noCharset: true})
		}
		scoreCorpus(t, "aeb", pages)
	}
}

type scoredPage struct {
	name, url string
	src       []byte
	article   string
	noCharset bool // the bytes as crawled: the charset is the page's to say
}

func scoreCorpus(t *testing.T, corpus string, pages []scoredPage) {
	type row struct {
		name            string
		recall, precise float64
	}
	var rows []row
	var sumR, sumP float64
	out := os.Getenv("TRAWL_CORPUS_OUT")
	for _, pg := range pages {
		ct := "text/html; charset=utf-8"
		if pg.noCharset {
			ct = "text/html"
		}
		res, err := scrape.Convert(scrape.Page{Body: pg.src, URL: pg.url, ContentType: ct, HTTPStatus: 200}, allFormats())
		if err != nil {
			t.Errorf("%s: %v", pg.name, err)
			continue
		}
		if out != "" {
			name := corpus + "-" + strings.Fields(pg.name)[0] + ".md"
			if err := os.WriteFile(filepath.Join(out, name), []byte(res.Markdown), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		common, inArticle, inText := overlap(words(pg.article), words(res.Text))
		r := row{pg.name, float64(common) / float64(max(inArticle, 1)), float64(common) / float64(max(inText, 1))}
		rows = append(rows, r)
		sumR, sumP = sumR+r.recall, sumP+r.precise
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].recall*rows[i].precise < rows[j].recall*rows[j].precise })
	for _, r := range rows {
		t.Logf("%-90.90s recall %.2f precision %.2f", r.name, r.recall, r.precise)
	}
	if len(rows) > 0 {
		t.Logf("%s: mean recall %.3f, mean precision %.3f over %d pages", corpus, sumR/float64(len(rows)), sumP/float64(len(rows)), len(rows))
	}
}

// words is the bag of lower-cased words of s.
func words(s string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		m[w]++
	}
	return m
}

// overlap is how many words the bags share, and the size of each.
func overlap(a, b map[string]int) (common, na, nb int) {
	for w, n := range a {
		na += n
		common += min(n, b[w])
	}
	for _, n := range b {
		nb += n
	}
	return common, na, nb
}

func htmlText(src []byte) string {
	doc, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data + " ")
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style"):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return b.String()
}
