package engines

import (
	"bytes"
	"encoding/json"

	"github.com/trawl-dev/trawl/schemas"
)

// DuckDuckGo's JavaScript front end (duckduckgo.com) fetches its results as a script from
// links.duckduckgo.com/d.js: calls such as DDG.pageLayout.load('d', [...]) whose arguments
// are JSON. The html endpoint trawl asks is another page, but a proxy, a stand-in or a client
// scraping the way duck-duck-scrape does may hand the parser this reply instead, and a page
// full of results must not come back as unrecognised_page.
var (
	ddgDJSResults = []byte("DDG.pageLayout.load('d',")
	ddgDJSAds     = []byte("DDG.pageLayout.load('a',")
)

// ddgDJSItem is one entry of the results call: a result, or the closing {"n": next page}.
type ddgDJSItem struct {
	Title   string `json:"t"`
	URL     string `json:"u"`
	Snippet string `json:"a"`
	Display string `json:"d"`
	// E is the result's date when Bing gave one ("2022-04-27T00:00:00.0000000").
	E    string `json:"e"`
	Next string `json:"n"`
}

// ddgDJS reads a d.js reply; ok is false when page is not one (an HTML page: its first byte
// is '<', so the check costs nothing on the pages trawl asks for).
func ddgDJS(name string, page []byte) (serp *schemas.SERP, ok bool, err error) {
	body := bytes.TrimLeft(page, " \t\r\n\ufeff")
	if len(body) == 0 || body[0] == '<' {
		return nil, false, nil
	}
	i := bytes.Index(body, ddgDJSResults)
	if i < 0 {
		return nil, false, nil
	}
	var items []json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(body[i+len(ddgDJSResults):])).Decode(&items); err != nil {
		return nil, true, Unrecognised(name, "a d.js reply whose results call does not hold a JSON list")
	}
	b := newBuilder()
	eof := false
	for _, raw := range items {
		var it ddgDJSItem
		if json.Unmarshal(raw, &it) != nil {
			continue
		}
		if it.Next != "" {
			b.serp.HasNext = true
			continue
		}
		// The reply of a query without results holds one entry, "EOF", linking to a Google
		// search for the query.
		if it.Title == "EOF" {
			eof = true
			continue
		}
		href, ok := absURL("", it.URL)
		title := markupText(it.Title)
		if !ok || title == "" {
			continue
		}
		res := schemas.OrganicResult{Title: title, URL: href, DisplayedURL: markupText(it.Display), Snippet: markupText(it.Snippet)}
		if len(it.E) >= 10 && ddgDateRe.MatchString(it.E[:10]) {
			res.Date = it.E[:10]
		}
		b.organic(res)
	}
	if j := bytes.Index(body, ddgDJSAds); j >= 0 {
		var ads []ddgDJSItem
		if json.NewDecoder(bytes.NewReader(body[j+len(ddgDJSAds):])).Decode(&ads) == nil {
			for _, a := range ads {
				if href, ok := absURL("", a.URL); ok && a.Title != "" {
					b.ad(schemas.Ad{Block: "top", Title: markupText(a.Title), URL: href, DisplayedURL: markupText(a.Display), Snippet: markupText(a.Snippet)})
				}
			}
		}
	}
	if len(b.serp.OrganicResults) == 0 {
		if eof || len(items) == 0 {
			b.serp.NoResults = true
			return b.serp, true, nil
		}
		return nil, true, Unrecognised(name, "a d.js reply whose results hold none this parser reads")
	}
	return b.serp, true, nil
}
