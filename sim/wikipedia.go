package sim

import (
	"encoding/json"
	"strings"
)

// wikipedia is the MediaWiki Action API (/w/api.php) as Wikipedia answers the request trawl
// sends (generator=search with extracts, short descriptions and URLs, formatversion 2): the
// pages in a list ranked by index, and continue.gsroffset while more remain. A search
// without hits has no query member; the block answer is the API's ratelimited error.
var wikipedia = &engine{
	name:    "wikipedia",
	paths:   []string{"/w/api.php"},
	query:   "gsrsearch",
	salt:    9,
	window:  offsetWindow("gsroffset", "gsrlimit", 0),
	results: wikipediaResults,
	empty:   func(string) string { return `{"batchcomplete":true}` },
	captcha: `{"error":{"code":"ratelimited","info":"You have exceeded your rate limit. Please wait some time and try again.","docref":"See https://en.wikipedia.org/w/api.php for API usage."},"servedby":"sim"}`,
	title:   func(q string) string { return q + " - Search results - Wikipedia" },
}

func wikipediaResults(p *serp) string {
	type page struct {
		PageID      int    `json:"pageid"`
		NS          int    `json:"ns"`
		Title       string `json:"title"`
		Index       int    `json:"index"`
		Extract     string `json:"extract"`
		Description string `json:"description"`
		FullURL     string `json:"fullurl"`
	}
	out := map[string]any{"batchcomplete": true}
	var pages []page
	for i, r := range p.results {
		pages = append(pages, page{PageID: 1000 + r.Rank, Title: r.Title, Index: i + 1,
			Extract:     "The " + p.word(r) + " about " + displayQuery(p.q) + ", result " + itoa(r.Rank) + " of this simulated engine.",
			Description: "Simulated article", FullURL: r.URL})
	}
	// The API lists generator pages by page id, not by rank: index carries the rank.
	for i, j := 0, len(pages)-1; i < j; i, j = i+1, j-1 {
		pages[i], pages[j] = pages[j], pages[i]
	}
	out["query"] = map[string]any{"pages": pages}
	if p.hasNext() {
		out["continue"] = map[string]any{"gsroffset": p.offset + p.size, "continue": "gsroffset||"}
	}
	b, _ := json.Marshal(out)
	return strings.TrimSpace(string(b))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
