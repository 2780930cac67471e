package scrape

import (
	"fmt"
	"strings"
	"testing"
)

// Ordinary markup, however sloppy, passes through flatten byte for byte: only trees deeper
// than the bound lose tags.
func TestFlattenKeepsOrdinaryPages(t *testing.T) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>t</title></head><body><ul>")
	for i := range 3000 {
		fmt.Fprintf(&b, "<li>item %d", i) // unclosed, as hand-written pages have them
	}
	b.WriteString("</ul><dl>")
	for i := range 1000 {
		fmt.Fprintf(&b, "<dt>term %d<dd>definition", i)
	}
	b.WriteString("</dl><table>")
	for i := range 2000 {
		fmt.Fprintf(&b, "<tr><td>%d<td>cell", i)
	}
	b.WriteString("</table><select>")
	for i := range 1000 {
		fmt.Fprintf(&b, "<option>%d", i)
	}
	b.WriteString("</select>")
	for i := range 2000 {
		fmt.Fprintf(&b, "<p>para %d <font color=red>red <b>bold", i) // the same unclosed tags in every paragraph
	}
	b.WriteString(`<svg><path d="M0 0"/><circle r="1"/></svg><br/><img src=x><div title="` + strings.Repeat("t", 1000) + `">`)
	for range 60 {
		b.WriteString("<div><section><span>")
	}
	b.WriteString("180 levels deep</body></html>")
	page := b.String()
	if got := string(flatten([]byte(page), defaultMaxDepth, false)); got != page {
		i := 0
		for i < len(got) && i < len(page) && got[i] == page[i] {
			i++
		}
		t.Fatalf("flatten changed an ordinary page at byte %d: %.80q became %.80q", i, page[i:], got[i:])
	}
}

func TestFlattenBoundsDepth(t *testing.T) {
	page := strings.Repeat("<div>", 1000) + "x" + strings.Repeat("</div>", 1000) + "<p>after</p>"
	got := string(flatten([]byte(page), 64, false))
	if strings.Count(got, "<div>") != 64 || strings.Count(got, "</div>") != 64 || !strings.HasSuffix(got, "x"+strings.Repeat("</div>", 64)+"<p>after</p>") {
		t.Errorf("flatten(1000 divs, 64) = %.200q…", got)
	}
	huge := `<img alt="ok" src="data:` + strings.Repeat("A", maxAttrBytes+1) + `">`
	if got := string(flatten([]byte(huge), 64, false)); got != `<img alt="ok">` {
		t.Errorf("oversized attribute kept: %.80q", got)
	}
}

func TestFlattenClosesXHTMLSelfClosed(t *testing.T) {
	page := `<p><a id="top"/>Text<div/><br/><svg><path d="M0"/></svg></p>`
	want := `<p><a id="top"/></a>Text<div/></div><br/><svg><path d="M0"/></svg></p>`
	if got := string(flatten([]byte(page), defaultMaxDepth, true)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := string(flatten([]byte(page), defaultMaxDepth, false)); got != page {
		t.Errorf("html changed: %s", got)
	}
}
