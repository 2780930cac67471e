// Package firecrawl is Firecrawl's dialect under /firecrawl/ (a client's apiUrl): POST
// /v1/scrape and /v2/scrape onto trawl's scrape, POST /v1/search and /v2/search onto its
// search, answered {success, data} or {success: false, error} as Firecrawl's SDKs read them.
package firecrawl

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// ScrapeBody is Firecrawl's scrape request, as much of it as trawl reads. Members Firecrawl
// has and trawl cannot honour by its nature (waitFor, mobile, proxy, blockAds, location,
// headers, origin, integration…) are ignored; ones whose answer would be missing (actions,
// an unsupported format) are refused.
type ScrapeBody struct {
	URL             string            `json:"url"`
	Formats         []json.RawMessage `json:"formats"`
	OnlyMainContent *bool             `json:"onlyMainContent"`
	IncludeTags     []string          `json:"includeTags"`
	ExcludeTags     []string          `json:"excludeTags"`
	Timeout         *int              `json:"timeout"`
	MaxAge          *int64            `json:"maxAge"`
	StoreInCache    *bool             `json:"storeInCache"`
	Actions         []json.RawMessage `json:"actions"`
}

// formats maps Firecrawl's formats onto trawl's.
var formats = map[string]string{"markdown": schemas.FormatMarkdown, "html": schemas.FormatHTML,
	"rawHtml": schemas.FormatRawHTML, "links": schemas.FormatLinks}

// Scrape is a decoded scrape: the native request and the Firecrawl formats asked.
type Scrape struct {
	Native  schemas.ScrapeRequest
	Formats []string
}

// DecodeScrape reads a Firecrawl scrape body.
func DecodeScrape(body []byte, o dialect.Options) (*Scrape, error) {
	var b ScrapeBody
	if err := decode(body, &b); err != nil {
		return nil, err
	}
	return b.native(o)
}

func (b *ScrapeBody) native(o dialect.Options) (*Scrape, error) {
	if strings.TrimSpace(b.URL) == "" {
		return nil, errors.New("url: Required")
	}
	if len(b.Actions) > 0 {
		return nil, errors.New("actions: not supported by trawl (it fetches pages without a browser)")
	}
	s := &Scrape{Native: schemas.ScrapeRequest{URL: strings.TrimSpace(b.URL), MainContent: b.OnlyMainContent,
		IncludeSelectors: b.IncludeTags, ExcludeSelectors: b.ExcludeTags}}
	fs, err := readFormats(b.Formats)
	if err != nil {
		return nil, err
	}
	s.Formats = fs
	// metadata always: Firecrawl's answer always has it.
	s.Native.Formats = []string{schemas.FormatMetadata}
	for _, f := range fs {
		s.Native.Formats = append(s.Native.Formats, formats[f])
	}
	if b.Timeout != nil {
		s.Native.TimeoutMS = o.ClampTimeout(*b.Timeout)
	}
	if b.MaxAge != nil {
		age := int(min(max(*b.MaxAge, 0)/1000, 1<<30))
		s.Native.MaxAge = &age
	}
	if b.StoreInCache != nil && !*b.StoreInCache {
		s.Native.NoCache = true
	}
	return s, nil
}

// readFormats reads formats given as names (v1, v2) or as {"type": name} objects (v2).
func readFormats(raw []json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return []string{"markdown"}, nil
	}
	var out []string
	for _, r := range raw {
		var name string
		if json.Unmarshal(r, &name) != nil {
			var obj struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(r, &obj) != nil || obj.Type == "" {
				return nil, errors.New("formats: each format is a name or an object with a type")
			}
			name = obj.Type
		}
		if _, ok := formats[name]; !ok {
			return nil, errors.New("formats: " + strconv.Quote(name) + " is not supported by trawl; use markdown, html, rawHtml or links")
		}
		if !contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decode reads one JSON object into v, ignoring members v does not have.
func decode(body []byte, v any) error {
	if !utf8.Valid(body) {
		return errors.New("body: must be valid UTF-8")
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return errors.New("body: must be a JSON object")
	}
	// json.Unmarshal, not a Decoder: its buffer was a tenth of a search hit through this dialect.
	if err := json.Unmarshal(t, v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return errors.New(te.Field + ": Expected " + te.Type.String() + ", received " + te.Value)
		case errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value"):
			return errors.New("body: must hold exactly one JSON object")
		}
		return errors.New("body: malformed JSON: " + err.Error())
	}
	return nil
}

// Document is Firecrawl's scraped page.
type Document struct {
	Markdown string    `json:"markdown,omitempty"`
	HTML     string    `json:"html,omitempty"`
	RawHTML  string    `json:"rawHtml,omitempty"`
	Links    *[]string `json:"links,omitempty"`
	Metadata Metadata  `json:"metadata"`
}

// Metadata is Firecrawl's document metadata.
type Metadata struct {
	Title         string `json:"title,omitempty"`
	Description   string `json:"description,omitempty"`
	Language      string `json:"language,omitempty"`
	Author        string `json:"author,omitempty"`
	PublishedTime string `json:"publishedTime,omitempty"`
	OGTitle       string `json:"ogTitle,omitempty"`
	OGDescription string `json:"ogDescription,omitempty"`
	OGImage       string `json:"ogImage,omitempty"`
	OGSiteName    string `json:"ogSiteName,omitempty"`
	OGURL         string `json:"ogUrl,omitempty"`
	Canonical     string `json:"canonical,omitempty"`
	SourceURL     string `json:"sourceURL"`
	URL           string `json:"url"`
	StatusCode    int    `json:"statusCode"`
	ContentType   string `json:"contentType,omitempty"`
	ScrapeID      string `json:"scrapeId,omitempty"`
	CacheState    string `json:"cacheState,omitempty"`
	CachedAt      string `json:"cachedAt,omitempty"`
	ProxyUsed     string `json:"proxyUsed"`
}

// ConvertScrape rewrites a native scrape answer (schemas.ScrapeResponse JSON) as Firecrawl's
// document, with the formats asked (Firecrawl's names).
func ConvertScrape(native []byte, asked []string) (*Document, error) {
	var n schemas.ScrapeResponse
	if err := json.Unmarshal(native, &n); err != nil {
		return nil, err
	}
	m := n.ScrapeMetadata
	d := &Document{Markdown: n.Markdown, HTML: n.HTML, RawHTML: n.RawHTML, Metadata: Metadata{
		SourceURL: m.URL, URL: or(m.FinalURL, m.URL), StatusCode: m.HTTPStatus, ContentType: m.ContentType,
		ScrapeID: m.ID, CacheState: cacheState(m.Cache), ProxyUsed: "basic",
	}}
	if m.AgeSeconds > 0 {
		d.Metadata.CachedAt = m.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if pm := n.Metadata; pm != nil {
		d.Metadata.Title, d.Metadata.Description, d.Metadata.Language = pm.Title, pm.Description, pm.Language
		d.Metadata.Author, d.Metadata.PublishedTime, d.Metadata.Canonical = pm.Author, pm.Published, pm.Canonical
		d.Metadata.OGSiteName, d.Metadata.OGImage = pm.SiteName, pm.Image
		d.Metadata.OGTitle, d.Metadata.OGDescription, d.Metadata.OGURL = pm.OpenGraph["og:title"], pm.OpenGraph["og:description"], pm.OpenGraph["og:url"]
	}
	if contains(asked, "links") {
		links := make([]string, 0, len(n.Links))
		for _, l := range n.Links {
			links = append(links, l.URL)
		}
		d.Links = &links
	}
	return d, nil
}

func cacheState(c string) string {
	if c == "miss" || c == "" {
		return "miss"
	}
	return "hit"
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// SearchBody is Firecrawl's search request, as much of it as trawl reads (tbs, location,
// sources, categories and the domain filters are ignored: trawl's engines take none of them).
type SearchBody struct {
	Query         string      `json:"query"`
	Limit         *int        `json:"limit"`
	Lang          string      `json:"lang"`
	Country       string      `json:"country"`
	Timeout       *int        `json:"timeout"`
	ScrapeOptions *ScrapeBody `json:"scrapeOptions"`
}

// Search is a decoded search: the native request, how many results, and the scrape of each
// result when formats were asked (nil: none).
type Search struct {
	Native schemas.SearchRequest
	Limit  int
	Scrape *ScrapeBody
}

// DecodeSearch reads a Firecrawl search body.
func DecodeSearch(body []byte, o dialect.Options) (*Search, error) {
	var b SearchBody
	if err := decode(body, &b); err != nil {
		return nil, err
	}
	if strings.TrimSpace(b.Query) == "" {
		return nil, errors.New("query: Required")
	}
	s := &Search{Native: schemas.SearchRequest{Q: b.Query}, Limit: 5}
	if b.Limit != nil {
		if *b.Limit < 1 || *b.Limit > schemas.MaxNum {
			return nil, errors.New("limit: must be between 1 and " + strconv.Itoa(schemas.MaxNum))
		}
		s.Limit = *b.Limit
	}
	if s.Limit > 10 {
		s.Native.Num = s.Limit
	}
	if b.Lang != "" {
		s.Native.HL = b.Lang
	}
	if b.Country != "" {
		s.Native.GL = b.Country
	}
	if b.Timeout != nil {
		s.Native.TimeoutMS = o.ClampTimeout(*b.Timeout)
	}
	if so := b.ScrapeOptions; so != nil && len(so.Formats) > 0 {
		if _, err := readFormats(so.Formats); err != nil {
			return nil, errors.New("scrapeOptions." + err.Error())
		}
		s.Scrape = so
	}
	return s, nil
}

// WebResult is one of Firecrawl's search results, with the scraped document's members when
// the search asked for them.
type WebResult struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Position    int    `json:"position,omitempty"`
	Category    string `json:"category,omitempty"`
	*Document
}

// ConvertSearch rewrites a native search answer as Firecrawl's results, at most limit.
func ConvertSearch(native []byte, limit int) ([]WebResult, error) {
	var n schemas.SearchResponse
	if err := json.Unmarshal(native, &n); err != nil {
		return nil, err
	}
	out := make([]WebResult, 0, min(limit, len(n.OrganicResults)))
	for _, o := range n.OrganicResults {
		if len(out) == limit {
			break
		}
		if u, err := url.Parse(o.URL); err != nil || u.Host == "" {
			continue
		}
		out = append(out, WebResult{URL: o.URL, Title: o.Title, Description: o.Snippet, Position: len(out) + 1})
	}
	return out, nil
}
