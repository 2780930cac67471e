package engines

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// DuckDuckGo's verticals come from duckduckgo.com's JSON endpoints, as its own page loads them
// (and SearXNG's duckduckgo_extra reads them): /news.js and /i.js, asked with o=json, the
// query, the region (l), safe search (p), the offset (s, in steps of 100) and vqd, a token
// that duckduckgo.com's search page for the same query hands out (vqd="4-…" in its HTML) and
// that the endpoints check against the query and the User-Agent. Without it they answer 403.
// Hence two requests (Preluder): the search page, then the endpoint.
//
//   - news.js: {"results":[{"date":<unix>,"excerpt":"<b>…</b>","image":…,"relative_time":"2
//     hours ago","source":"Reuters","title":…,"url":…}],"next":"news.js?…"} (next while there
//     are more);
//   - i.js: {"results":[{"height":…,"width":…,"image":<original>,"thumbnail":…,"title":…,
//     "url":<page>,"source":"Bing"}],"next":"i.js?…"}; source names the provider, not the
//     site, so the site is the page's host.
const ddgVerticalPage = 100

// Verticals: DuckDuckGo answers news and images searches too.
func (DuckDuckGo) Verticals() []string {
	return []string{schemas.VerticalNews, schemas.VerticalImages}
}

var _ Preluder = DuckDuckGo{}

// ddgVerticalPath is the JSON endpoint of a vertical, "" for web.
func ddgVerticalPath(vertical string) string {
	switch vertical {
	case schemas.VerticalNews:
		return "/news.js"
	case schemas.VerticalImages:
		return "/i.js"
	}
	return ""
}

// ddgMainBase is where the verticals are asked: duckduckgo.com itself, whose search page
// hands out the token, rather than the html or lite endpoint the web search uses. A base
// configured elsewhere (a stand-in, the simulator) is kept as it is.
func ddgMainBase(base *url.URL) *url.URL {
	u := *base
	if u.Host == "html.duckduckgo.com" || u.Host == "lite.duckduckgo.com" {
		u.Host = "duckduckgo.com"
	}
	return &u
}

// Prelude is duckduckgo.com's search page for the query, which carries the vqd token; web
// searches need none.
func (DuckDuckGo) Prelude(base *url.URL, r *schemas.SearchRequest) (*Request, error) {
	if ddgVerticalPath(r.Type) == "" {
		return nil, nil
	}
	q := url.Values{}
	q.Set("q", r.Q)
	q.Set("t", "h_")
	q.Set("ia", r.Type)
	q.Set("iax", r.Type)
	q.Set("kl", ddgRegion(r.GL, r.HL))
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	return &Request{Method: "GET", URL: joinURL(ddgMainBase(base), "/", q), Header: h}, nil
}

// ddgVQDRes find the token as the search page has carried it, most trusted first: vqd="4-…"
// in an inline script (what SearXNG reads), "vqd":"…" in JSON, vqd='…' and a vqd=…
// parameter in older pages. Only the characters tokens are made of, whole up to the quote or
// the parameter's end, are taken, so a garbled value is no token at all.
var ddgVQDRes = []*regexp.Regexp{
	regexp.MustCompile(`vqd\s*=\s*"([0-9A-Za-z_-]{3,256})"`),
	regexp.MustCompile(`"vqd"\s*:\s*"([0-9A-Za-z_-]{3,256})"`),
	regexp.MustCompile(`vqd\s*=\s*'([0-9A-Za-z_-]{3,256})'`),
	regexp.MustCompile(`[?&;]vqd=([0-9A-Za-z_-]{3,256})(?:[&'"]|$)`),
}

// ddgVQD is the token on a search page, "" when there is none.
func ddgVQD(page []byte) string {
	for _, re := range ddgVQDRes {
		if m := re.FindSubmatch(page); m != nil {
			return string(m[1])
		}
	}
	return ""
}

// Follow reads the token from the search page and asks the vertical's endpoint with it. A page
// without one is the anomaly challenge (blocked) or a page nobody has shown us (unrecognised).
func (d DuckDuckGo) Follow(base *url.URL, r *schemas.SearchRequest, prelude []byte) (*Request, error) {
	path := ddgVerticalPath(r.Type)
	if path == "" {
		return nil, schemas.Errorf(schemas.TypeInternal, "duckduckgo: a web search has no prelude")
	}
	vqd := ddgVQD(prelude)
	if vqd == "" {
		web := *r
		web.Type = ""
		var se *schemas.Error
		if _, err := d.Parse(prelude, &web); errors.As(err, &se) && se.Kind == schemas.TypeBlocked {
			return nil, err
		}
		return nil, Unrecognised(d.Name(), "no vqd token on the search page the "+r.Type+" request needs it from")
	}
	q := url.Values{}
	q.Set("o", "json")
	q.Set("q", r.Q)
	q.Set("l", ddgRegion(r.GL, r.HL))
	q.Set("vqd", vqd)
	switch r.Safe {
	case schemas.SafeStrict:
		q.Set("p", "1")
	case schemas.SafeOff:
		q.Set("p", "-2")
	}
	if r.Page > 1 {
		q.Set("s", strconv.Itoa((r.Page-1)*ddgVerticalPage))
	}
	h := browserHeaders(acceptLanguage(r.HL, r.GL))
	h.Set("Accept", "application/json, text/javascript, */*; q=0.01")
	main := ddgMainBase(base)
	h.Set("Referer", main.Scheme+"://"+main.Host+"/")
	return &Request{Method: "GET", URL: joinURL(main, path, q), Header: h}, nil
}

// ddgVerticalReply is the envelope of both endpoints. Results stay raw so one odd item costs
// only itself.
type ddgVerticalReply struct {
	Results *[]json.RawMessage `json:"results"`
	Next    string             `json:"next"`
}

type ddgNewsItem struct {
	Date         int64  `json:"date"`
	Excerpt      string `json:"excerpt"`
	Image        string `json:"image"`
	RelativeTime string `json:"relative_time"`
	Source       string `json:"source"`
	Title        string `json:"title"`
	URL          string `json:"url"`
}

type ddgImageItem struct {
	Width     json.Number `json:"width"`
	Height    json.Number `json:"height"`
	Image     string      `json:"image"`
	Thumbnail string      `json:"thumbnail"`
	Title     string      `json:"title"`
	URL       string      `json:"url"`
}

// parseVertical reads a news.js or i.js reply.
func (d DuckDuckGo) parseVertical(page []byte, vertical string) (*schemas.SERP, error) {
	var reply ddgVerticalReply
	body := bytes.TrimSpace(page)
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &reply) != nil || reply.Results == nil {
		low := bytes.ToLower(page)
		if containsAny(low, "anomaly", "bots use duckduckgo too", "confirm this search was made by a human") {
			return nil, Blocked(d.Name(), "anomaly (bot challenge) page instead of the "+vertical+" reply")
		}
		return nil, Unrecognised(d.Name(), "not a "+vertical+" reply (JSON with results)")
	}
	serp := &schemas.SERP{OrganicResults: []schemas.OrganicResult{}}
	for _, raw := range *reply.Results {
		if vertical == schemas.VerticalNews {
			ddgNews(serp, raw)
		} else {
			ddgImage(serp, raw)
		}
	}
	if len(*reply.Results) == 0 {
		// The endpoints' own no-results answer: an empty list (the page shows "No results").
		serp.NoResults = true
		return serp, nil
	}
	if len(serp.NewsResults)+len(serp.ImagesResults) == 0 {
		return nil, Unrecognised(d.Name(), "a "+vertical+" reply whose results hold none this parser reads")
	}
	serp.HasNext = reply.Next != ""
	return serp, nil
}

func ddgNews(serp *schemas.SERP, raw json.RawMessage) {
	var it ddgNewsItem
	if json.Unmarshal(raw, &it) != nil {
		return
	}
	href, ok := absURL("", it.URL)
	title := markupText(it.Title)
	if !ok || title == "" {
		return
	}
	n := schemas.NewsResult{Title: title, URL: href, Source: markupText(it.Source),
		Snippet: markupText(it.Excerpt), Date: clean(it.RelativeTime)}
	if n.Date == "" && it.Date > 0 {
		n.Date = time.Unix(it.Date, 0).UTC().Format("Jan 2, 2006")
	}
	if th, ok := absURL("", it.Image); ok {
		n.Thumbnail = th
	}
	n.Position = len(serp.NewsResults) + 1
	serp.NewsResults = append(serp.NewsResults, n)
}

func ddgImage(serp *schemas.SERP, raw json.RawMessage) {
	var it ddgImageItem
	if json.Unmarshal(raw, &it) != nil {
		return
	}
	pageURL, ok1 := absURL("", it.URL)
	img, ok2 := absURL("", it.Image)
	title := markupText(it.Title)
	if !ok1 || !ok2 || title == "" {
		return
	}
	ir := schemas.ImageResult{Title: title, URL: pageURL, Original: img}
	if u, err := url.Parse(pageURL); err == nil {
		ir.Source = strings.TrimPrefix(u.Hostname(), "www.")
	}
	if th, ok := absURL("", it.Thumbnail); ok {
		ir.Thumbnail = th
	}
	w, errW := it.Width.Int64()
	h, errH := it.Height.Int64()
	if errW == nil && errH == nil && w > 0 && h > 0 && w < 1<<20 && h < 1<<20 {
		ir.Width, ir.Height = int(w), int(h)
	}
	ir.Position = len(serp.ImagesResults) + 1
	serp.ImagesResults = append(serp.ImagesResults, ir)
}
