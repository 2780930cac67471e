package sim

import (
	"encoding/json"
)

// qwant is Qwant's JSON API (/v3/search/web) as its web page calls it: the page's typed
// blocks in data.result.items.mainline, an ads block first on the first page, the ranked
// results in web blocks (split by a video block, as Qwant does), and the result total. The
// block answer is the API's error 24.
var qwant = &engine{
	name:    "qwant",
	paths:   []string{"/v3/search/web"},
	query:   "q",
	salt:    10,
	window:  offsetWindow("offset", "count", 0),
	results: qwantResults,
	empty: func(q string) string {
		return `{"status":"success","data":{"query":{"locale":"en_US","offset":0},"result":{"total":0,"items":{"mainline":[]}}}}`
	},
	captcha: `{"status":"error","data":{"error_code":24,"error_data":{"captchaUrl":"https://www.qwant.com/captcha"}}}`,
	title:   func(q string) string { return q + " - Qwant" },
}

func qwantResults(p *serp) string {
	type item struct {
		Title    string `json:"title"`
		URL      string `json:"url"`
		Source   string `json:"source"`
		Desc     string `json:"desc"`
		Position int    `json:"position"`
	}
	type block struct {
		Type  string `json:"type"`
		Items []item `json:"items"`
	}
	var mainline []block
	if p.first() {
		mainline = append(mainline, block{Type: "ads", Items: []item{{Title: "Buy " + p.q + " - Example Shop", URL: adTarget("qwant", p.q),
			Source: "https://shop.example.com", Desc: "An advertisement for <b>" + esc(p.q) + "</b>.", Position: 1}}})
	}
	web := block{Type: "web"}
	for i, r := range p.results {
		if i == len(p.results)/2 {
			mainline = append(mainline, web, block{Type: "videos", Items: []item{{Title: "Videos about " + esc(p.q), URL: "https://video.example.com/" + esc(p.q), Source: "Example Video", Position: 1}}})
			web = block{Type: "web"}
		}
		web.Items = append(web.Items, item{Title: esc(r.Title), URL: r.URL, Source: "https://" + host(r),
			Desc: "The " + p.word(r) + " about <b>" + esc(displayQuery(p.q)) + "</b>, result " + itoa(r.Rank) + " of this simulated engine.", Position: r.Rank})
	}
	mainline = append(mainline, web)
	out := map[string]any{"status": "success", "data": map[string]any{
		"query":  map[string]any{"locale": "en_US", "query": p.q, "offset": p.offset},
		"result": map[string]any{"total": p.total, "items": map[string]any{"mainline": mainline}},
	}}
	b, _ := json.Marshal(out)
	return string(b)
}
