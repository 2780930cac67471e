package scrape_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/scrape"
	"golang.org/x/net/html"
)

// pathological pages, each converted with every format within a time budget far below what
// quadratic work would take (the 10 MiB cases would run for hours), and each still giving its
// text. Measured without -race on a shared 2-core machine: 10 ms to 1.2 s a case.
func TestPathologicalPages(t *testing.T) {
	var distinct, paragraphs strings.Builder
	const k = 100_000 / shrink
	for i := range k {
		fmt.Fprintf(&distinct, "<p><b class=c%d>x</p>", i) // reopened formatting, all different
	}
	for i := range 20_000 / shrink {
		fmt.Fprintf(&paragraphs, "<div class=item><p>Paragraph %d with <a href=/l%d>a link</a>.</p></div>\n", i, i)
	}
	tests := []struct {
		name, body, text string
	}{
		{"10 MiB of unclosed divs", strings.Repeat("<div>", 2<<20/shrink) + "the end", "the end"},
		{"100k unclosed b", strings.Repeat("<b>x", k), "xxxx"},
		{"100k reopened formatting", distinct.String(), "xxxx"},
		{"100k nested tables", strings.Repeat("<table><tr><td>", k) + "deep", "deep"},
		{"100k nested links", strings.Repeat("<a href=/x>a", k), "aaaa"},
		{"100k unclosed list items", "<ul>" + strings.Repeat("<li>item", k), "- item"},
		{"100k unclosed paragraphs", strings.Repeat("<p>para", k), "para"},
		{"10 MiB attribute", `<div title="` + strings.Repeat("a", 10<<20/shrink) + `"><p>small</p></div>`, "small"},
		{"10 MiB data: image", `<p>pic <img src="data:image/png;base64,` + strings.Repeat("QUJD", 10<<18/shrink) + `"></p>`, "pic"},
		{"10 MiB of one word", "<p>" + strings.Repeat("w", 10<<20/shrink), "wwww"},
		{"100k attributes", "<p " + strings.Repeat("a=b ", k) + ">many</p>", "many"},
		{"unterminated comment", "<p>before</p><!--" + strings.Repeat("-", 1<<20), "before"},
		{"20k ordinary paragraphs", paragraphs.String(), fmt.Sprintf("Paragraph %d", 20_000/shrink-1)},
	}
	r := allFormats()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && len(tc.body) > 1<<20 {
				t.Skip("a page of megabytes: slow under -race; -short skips it")
			}
			start := time.Now()
			out, err := scrape.Convert(scrape.Page{Body: []byte(tc.body), URL: "https://example.com/", ContentType: "text/html"}, r)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if took > 20*time.Second*slowdown {
				t.Errorf("took %v", took)
			}
			if !strings.Contains(out.Text, tc.text) {
				t.Errorf("text lost %q: %.200q", tc.text, out.Text)
			}
			if len(out.Markdown) > len(tc.body) {
				t.Errorf("markdown (%d bytes) outgrew the page (%d)", len(out.Markdown), len(tc.body))
			}
			checkOutput(t, out)
			t.Logf("%v", took)
		})
	}
}

// A tree deeper than x/net/html accepts (512 open elements) still converts: html.Parse alone
// refuses it.
func TestDeepPageParses(t *testing.T) {
	body := strings.Repeat("<font color=red>", 600) + "deep text"
	if _, err := html.Parse(strings.NewReader(body)); err == nil {
		t.Fatal("x/net/html now parses 600 open elements: the depth bound may be needless")
	}
	out := convert(t, scrape.Page{Body: []byte(body), URL: "https://example.com/", ContentType: "text/html"}, allFormats())
	if out.Text != "deep text" {
		t.Errorf("text %q", out.Text)
	}
}
