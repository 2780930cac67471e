package sim

import (
	"fmt"
	"html"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// engine is one simulated engine: the routes its requests arrive on (under /NAME, the path
// prefix EngineURLs gives it), how those requests name the query and the page, and how its
// pages look. The markup of each engine follows captured real pages (engines/testdata and
// shared/corpus/serp), so the engines' own parsers read it as they would read the engine.
type engine struct {
	name string
	// paths are the engine's routes below its prefix, as its Request builds them.
	paths []string
	// query is the parameter holding the query.
	query string
	// salt rotates the result hosts, so engines agree on the ranking but not on every host.
	salt uint64
	// window reads the requested slice of the ranking from the request: the 0-based offset
	// of its first result and the page size (perPage unless the request sets one).
	window func(f url.Values, perPage int) (offset, size int)
	// pageSize, when set, is the page size the engine fixes whatever is asked (Brave's 20);
	// otherwise a page holds the simulator's PerPage.
	pageSize int
	// results renders a page of results; empty the engine's no-results page; captcha its
	// block page.
	results func(p *serp) string
	empty   func(q string) string
	captcha string
	// title is the page title the engine gives a query, also used on the unknown layout.
	title func(q string) string
	// verticals are the engine's news and images pages, by the path they are asked on, or by
	// what verticalKey makes of the request when the engine asks for them on its web path.
	verticals map[string]vertical
	// verticalKey, when set, names the vertical of a request on the engine's own paths
	// (Google's tbm=nws), "" for web.
	verticalKey func(f url.Values) string
}

// vertical renders one vertical's pages (a path of the engine's other than its web search).
type vertical struct {
	results func(p *serp) string
	empty   func(q string) string
	// window, when set, replaces the engine's for this vertical (Google's images pages of 100).
	window func(f url.Values, perPage int) (offset, size int)
	// refuse, when set, says a request is to be answered 403 (DuckDuckGo's JSON endpoints
	// asked without the query's token).
	refuse func(f url.Values) bool
}

// verticalPage is page for a vertical: the same ranking, drawn as the vertical's results.
func (e *engine) verticalPage(v vertical, q string, offset, size, total int) string {
	switch {
	case special(q) == "newlayout":
		return newLayoutPage(e.title(q), q)
	case special(q) == "noresults" || offset >= total:
		return v.empty(q)
	}
	return v.results(&serp{q: q, offset: offset, size: size, total: total, seed: querySeed(q), results: e.slice(q, offset, size, total)})
}

// imageOf is the image a result's page shows in the images vertical, and its size.
func imageOf(r Result) string  { return strings.SplitN(r.URL, "?", 2)[0] + "/picture.jpg" }
func imageWidth(r Result) int  { return 640 + 32*(r.Rank%10) }
func imageHeight(r Result) int { return 480 + 24*(r.Rank%10) }

// engines lists every simulated engine, in name order.
var engines = []*engine{baidu, bing, brave, duckduckgo, ecosia, google, mojeek, qwant, startpage, wikipedia, yahoo, yandex}

func engineNamed(name string) *engine {
	for _, e := range engines {
		if e.name == name {
			return e
		}
	}
	return nil
}

// Engines lists the simulated engines in name order; each is served under /NAME.
func Engines() []string {
	out := make([]string, len(engines))
	for i, e := range engines {
		out[i] = e.name
	}
	sort.Strings(out)
	return out
}

// Result is one organic result as the simulator ranks it. Every engine ranks the same
// results for a query (the hosts rotate per engine), so a test can hold any engine's parser
// to the list.
type Result struct {
	// Rank is 1-based over the whole query, across pages.
	Rank  int
	Title string
	URL   string
}

// Organic lists the organic results an engine's page holds, as Parse should read them:
// page is 1-based, perPage and pages are the simulator's Config.PerPage and Config.Pages.
// It is empty for an unknown engine, past the last page, and for the "noresults" and
// "newlayout" queries.
func Organic(engineName, q string, page, perPage, pages int) []Result {
	e := engineNamed(engineName)
	if e == nil || page < 1 || perPage < 1 || special(q) != "" {
		return nil
	}
	size := e.size(perPage)
	return e.slice(q, (page-1)*size, size, perPage*pages)
}

// Ranked is results offset+1 .. offset+size of the engine's ranking of q, when the whole
// ranking holds total (Config.PerPage × Config.Pages): what a vertical's page of that window
// draws (Bing's images pages hold 35, not PerPage).
func Ranked(engineName, q string, offset, size, total int) []Result {
	e := engineNamed(engineName)
	if e == nil || special(q) != "" {
		return nil
	}
	return e.slice(q, offset, size, total)
}

// PageSize is the number of results a page of the engine holds when the simulator's PerPage
// is perPage (and the request names no size).
func PageSize(engineName string, perPage int) int {
	if e := engineNamed(engineName); e != nil {
		return e.size(perPage)
	}
	return perPage
}

func (e *engine) size(perPage int) int {
	if e.pageSize > 0 {
		return e.pageSize
	}
	return perPage
}

// special names the query keywords that change the page kind.
func special(q string) string {
	lq := strings.ToLower(q)
	switch {
	case strings.Contains(lq, "newlayout"):
		return "newlayout"
	case strings.Contains(lq, "noresults"):
		return "noresults"
	}
	return ""
}

var words = []string{"guide", "reference", "tutorial", "news", "forum", "docs", "wiki", "blog", "review", "handbook", "examples", "course"}
var hosts = []string{"example.com", "example.org", "example.net", "docs.example.dev", "wiki.example.edu", "news.example.io"}

// slice ranks results offset+1 .. offset+size of a query that has total results.
func (e *engine) slice(q string, offset, size, total int) []Result {
	seed := querySeed(q)
	var out []Result
	for n := offset + 1; n <= offset+size && n <= total; n++ {
		host := hosts[(seed+uint64(n)+e.salt)%uint64(len(hosts))]
		word := words[(seed/7+uint64(n))%uint64(len(words))]
		out = append(out, Result{Rank: n,
			Title: fmt.Sprintf("%s %s #%d", displayQuery(q), word, n),
			URL:   fmt.Sprintf("https://%s/%s/%d?q=%s", host, word, n, url.QueryEscape(q))})
	}
	return out
}

// page renders what the engine answers a query with for one slice of its ranking.
func (e *engine) page(q string, offset, size, total int) string {
	switch {
	case special(q) == "newlayout":
		return newLayoutPage(e.title(q), q)
	case special(q) == "noresults" || offset >= total:
		return e.empty(q)
	}
	return e.results(&serp{q: q, offset: offset, size: size, total: total, seed: querySeed(q), results: e.slice(q, offset, size, total)})
}

// serp is one page of results being rendered.
type serp struct {
	q            string
	offset, size int
	total        int
	seed         uint64
	results      []Result
}

// pageNo is the 1-based page number.
func (p *serp) pageNo() int { return p.offset/p.size + 1 }

// first reports the first page, the one with the ads and the answer module.
func (p *serp) first() bool { return p.offset == 0 }

func (p *serp) hasNext() bool { return p.offset+p.size < p.total }

// eq is the query escaped for markup.
func (p *serp) eq() string { return html.EscapeString(p.q) }

// hits is the result count an engine claims for the query: large, and stable per query.
func (p *serp) hits() int64 { return 100_000 + int64(p.seed%90_000_000) }

// related are the suggested queries every engine shows below its results.
func (p *serp) related() []string {
	var out []string
	for i := range 4 {
		out = append(out, displayQuery(p.q)+" "+words[(p.seed+uint64(i)*5)%uint64(len(words))])
	}
	return out
}

// suffix is what a related query adds to the query, which engines print in bold.
func suffix(related, q string) string {
	return strings.TrimSpace(strings.TrimPrefix(related, displayQuery(q)))
}

// word is the topic word of a result, the one its title and URL carry.
func (p *serp) word(r Result) string {
	return words[(p.seed/7+uint64(r.Rank))%uint64(len(words))]
}

// host is a result URL's host.
func host(r Result) string {
	u, _ := url.Parse(r.URL)
	return u.Host
}

// displayQuery is the query as a page shows it: its whitespace collapsed, as HTML renders it.
func displayQuery(q string) string { return strings.Join(strings.Fields(q), " ") }

func esc(s string) string { return html.EscapeString(s) }

// commas writes n with thousands separators ("1,234,567").
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// newLayoutPage is a page in a layout no parser knows, as after an engine's redesign.
func newLayoutPage(title, q string) string {
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + esc(title) + `</title></head><body>` +
		`<main class="serp-v2"><article data-v2-result="1"><h3>` + esc(q) + `</h3><p>Results moved to a layout of tomorrow.</p></article></main></body></html>`
}

// The per-engine windows, each the inverse of its engine's Request.

// offsetWindow reads a 0-based result offset (and the page size, when the engine sends one).
func offsetWindow(offsetParam, sizeParam string, base int) func(url.Values, int) (int, int) {
	return func(f url.Values, perPage int) (int, int) {
		size := atoi(f.Get(sizeParam), perPage)
		return max(0, atoi(f.Get(offsetParam), base)-base), clampSize(size)
	}
}

// pageWindow reads a 0-based page number.
func pageWindow(pageParam, sizeParam string) func(url.Values, int) (int, int) {
	return func(f url.Values, perPage int) (int, int) {
		size := clampSize(perPage)
		if sizeParam != "" {
			size = clampSize(atoi(f.Get(sizeParam), perPage))
		}
		return max(0, atoi(f.Get(pageParam), 0)) * size, size
	}
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

func clampSize(n int) int { return min(max(n, 1), 100) }
