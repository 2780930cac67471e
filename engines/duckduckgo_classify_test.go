package engines

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// TestDDGSurelyResultsReadsTags holds the byte check to pages whose tag-like text in an
// attribute fooled its byte counts (found by FuzzClassifyDuckDuckGo): a link left open before
// the block, which the parser closes around the block's own link.
func TestDDGSurelyResultsReadsTags(t *testing.T) {
	for name, page := range map[string]string{
		"end tag as attribute":   `<A </A><div class="result "><h2 ><a class="result__a" href="0">0</A>`,
		"end tag in a value":     `<a title="</a>"><div class="result "><h2><a class="result__a" href="https://a.example/">a</a></h2></div>`,
		"div end tag in a value": `<div class="result x"><span title="</div>"></span><div class="result y"><h2><a class="result__a" href="https://a.example/">a</a></h2></div>`,
	} {
		if ddgSurelyResults([]byte(page)) {
			t.Errorf("%s: took the fast path", name)
		}
		req := &schemas.SearchRequest{Engine: "duckduckgo", Page: 1}
		_, perr := DuckDuckGo{}.Parse([]byte(page), req)
		if got, want := kindOf(t, DuckDuckGo{}.Classify([]byte(page), req)), kindOf(t, perr); got != want {
			t.Errorf("%s: Classify says %s, Parse says %s", name, got, want)
		}
	}
}
