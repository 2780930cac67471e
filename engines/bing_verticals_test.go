package engines

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// TestBingNewsHasNext: the scroll endpoint has no pager, so only a page holding as many cards
// as were asked for may have a next one; the last, short page has none.
func TestBingNewsHasNext(t *testing.T) {
	cards := func(n int) []byte {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `<div class="news-card newsitem cardcommon" url="https://news.example.com/%d" data-title="Story %d" data-author="Example">`+
				`<a class="title" href="https://news.example.com/%d">Story %d</a><div class="snippet">About story %d.</div>`+
				`<div class="source"><span aria-label="%d hours ago">%dh</span></div></div>`, i, i, i, i, i, i+1, i+1)
		}
		return []byte(b.String())
	}
	for _, tc := range []struct {
		cards, num int
		want       bool
	}{
		{10, 0, true},   // a full page of the default 10
		{9, 0, false},   // the last page
		{10, 20, false}, // num=20 asked for more than came
		{20, 20, true},
	} {
		serp, err := Bing{}.Parse(cards(tc.cards), &schemas.SearchRequest{Engine: "bing", Page: 1, Num: tc.num, Type: schemas.VerticalNews})
		if err != nil {
			t.Fatal(err)
		}
		if len(serp.NewsResults) != tc.cards || serp.HasNext != tc.want {
			t.Errorf("%d cards, num %d: %d results, has_next %v; want has_next %v", tc.cards, tc.num, len(serp.NewsResults), serp.HasNext, tc.want)
		}
	}
}
