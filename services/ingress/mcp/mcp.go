// Package mcp is trawl's Model Context Protocol server for agents: the tools search, scrape
// and get_search, each a native request through a dialect.Backend (the ingress itself at
// /mcp, or a running trawl over HTTP for `trawl mcp` on stdio), answered with the native JSON
// as structured content and a readable text rendering. It is built on the official Go SDK.
package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/trawl-dev/trawl/kit/version"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// SearchInput is the search tool's input.
type SearchInput struct {
	Q       string `json:"q" jsonschema:"the query, 1 to 2048 bytes"`
	Engine  string `json:"engine,omitempty" jsonschema:"duckduckgo (default), bing, google, yandex, baidu or ecosia; several comma-separated for a metasearch"`
	Page    int    `json:"page,omitempty" jsonschema:"result page, 1 to 50"`
	Num     int    `json:"num,omitempty" jsonschema:"results per page asked of the engine, 1 to 100"`
	HL      string `json:"hl,omitempty" jsonschema:"interface language, such as en or en-GB"`
	GL      string `json:"gl,omitempty" jsonschema:"country, such as us"`
	Safe    string `json:"safe,omitempty" jsonschema:"off, moderate (default) or strict"`
	MaxAge  *int   `json:"max_age,omitempty" jsonschema:"accept a cached answer only if younger than this many seconds"`
	NoCache bool   `json:"no_cache,omitempty" jsonschema:"always fetch afresh"`
	Type    string `json:"type,omitempty" jsonschema:"web (default), news or images, for the engines that have them"`
}

// ScrapeInput is the scrape tool's input.
type ScrapeInput struct {
	URL              string   `json:"url" jsonschema:"the page, http or https"`
	Formats          []string `json:"formats,omitempty" jsonschema:"any of markdown, html, raw_html, text, links, metadata; default markdown and metadata"`
	MainContent      *bool    `json:"main_content,omitempty" jsonschema:"keep only the main content (default true)"`
	IncludeSelectors []string `json:"include_selectors,omitempty" jsonschema:"CSS selectors: keep only what they match"`
	ExcludeSelectors []string `json:"exclude_selectors,omitempty" jsonschema:"CSS selectors: drop what they match"`
	MaxAge           *int     `json:"max_age,omitempty" jsonschema:"accept a cached page only if younger than this many seconds"`
	NoCache          bool     `json:"no_cache,omitempty" jsonschema:"always fetch afresh"`
}

// GetInput is the get_search tool's input.
type GetInput struct {
	ID string `json:"id" jsonschema:"the search's id (search_metadata.id of a search answer)"`
}

// Output is a tool's structured result: the native answer's JSON object.
type Output = map[string]any

// NewServer is the MCP server with trawl's tools, each asking b.
func NewServer(b dialect.Backend, o dialect.Options) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "trawl", Title: "trawl search and scrape", Version: version.Get().Version}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "search", Title: "Web search",
		Description: "Search the web through trawl (DuckDuckGo by default; Bing, Google, Yandex, Baidu, Ecosia, or several at once). Returns ranked organic results with title, url and snippet, plus ads, answer box and related searches where the engine shows them."},
		func(ctx context.Context, req *sdk.CallToolRequest, in SearchInput) (*sdk.CallToolResult, Output, error) {
			r := searchRequest(in)
			body, e := b.Search(ctx, auth(ctx, req), &r)
			return answer(body, e, renderSearch)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "scrape", Title: "Scrape a page",
		Description: "Fetch one web page through trawl and return its main content as markdown (or html, raw_html, text, links) with its metadata."},
		func(ctx context.Context, req *sdk.CallToolRequest, in ScrapeInput) (*sdk.CallToolResult, Output, error) {
			r := schemas.ScrapeRequest{URL: in.URL, Formats: in.Formats, MainContent: in.MainContent,
				IncludeSelectors: in.IncludeSelectors, ExcludeSelectors: in.ExcludeSelectors, MaxAge: in.MaxAge, NoCache: in.NoCache}
			body, e := b.Scrape(ctx, auth(ctx, req), &r)
			return answer(body, e, renderScrape)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "get_search", Title: "Get a stored search",
		Description: "Read a search trawl answered before, by its id (search_metadata.id), as it was answered."},
		func(ctx context.Context, req *sdk.CallToolRequest, in GetInput) (*sdk.CallToolResult, Output, error) {
			if strings.TrimSpace(in.ID) == "" || strings.Contains(in.ID, "/") {
				return answer(nil, schemas.ValidationError([]schemas.FieldError{{Field: "id", Message: "is required, a search id"}}), nil)
			}
			body, e := b.Get(ctx, auth(ctx, req), in.ID, false)
			return answer(body, e, renderSearch)
		})
	return s
}

type ipKey struct{}

// auth reads the key of a tool call made over HTTP: the native headers of the request that
// carried it (over stdio there are none; `trawl mcp`'s backend carries its own key).
func auth(ctx context.Context, req *sdk.CallToolRequest) dialect.Auth {
	var a dialect.Auth
	a.IP, _ = ctx.Value(ipKey{}).(net.IP)
	if req == nil || req.Extra == nil || req.Extra.Header == nil {
		return a
	}
	h := req.Extra.Header
	if v := h.Get("Authorization"); v != "" {
		const scheme = "bearer "
		if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
			a.BadScheme = true
			return a
		}
		a.Key = []byte(strings.TrimSpace(v[len(scheme):]))
		return a
	}
	a.Key = []byte(h.Get("X-API-Key"))
	return a
}

// answer is a tool's result: the native JSON as structured content and render's text, or the
// typed error as a tool error the model can read (not a protocol error: the call was valid).
func answer(body []byte, e *schemas.Error, render func(Output) string) (*sdk.CallToolResult, Output, error) {
	if e != nil {
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: errorText(e)}}}, nil, nil
	}
	var out Output
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, nil, fmt.Errorf("answer not readable: %w", err)
	}
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: render(out)}}}, out, nil
}

// errorText is a typed error as a model reads it.
func errorText(e *schemas.Error) string {
	text := fmt.Sprintf("trawl answered %d %s: %s", e.Status, e.Kind, e.Detail)
	for _, f := range e.Errors {
		text += fmt.Sprintf("\n- %s: %s", f.Field, f.Message)
	}
	return text
}

// renderSearch is a search answer as numbered results a model reads easily, then its id.
func renderSearch(o Output) string {
	md, _ := o["search_metadata"].(map[string]any)
	return renderResults(o) + idLine(str(md["id"]))
}

// idLine closes a search's text with its id (for get_search); "" when it has none.
func idLine(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf("\n(search id %s)\n", id)
}

// renderResults is the part of a search's text its body makes, whatever its metadata.
func renderResults(o Output) string {
	var b strings.Builder
	if p, ok := o["search_parameters"].(map[string]any); ok {
		fmt.Fprintf(&b, "Search %q on %v, page %v\n", p["q"], p["engine"], p["page"])
	}
	if a, ok := o["answer_box"].(map[string]any); ok {
		fmt.Fprintf(&b, "\nAnswer: %v %v\n", str(a["answer"]), str(a["snippet"]))
	}
	rs, _ := o["organic_results"].([]any)
	for _, vertical := range []string{"news_results", "images_results"} {
		if vs, _ := o[vertical].([]any); len(vs) > 0 {
			rs = vs // a news or images search: their results, read the same way
		}
	}
	if len(rs) == 0 {
		b.WriteString("\nNo results.\n")
	}
	for _, r := range rs {
		m, _ := r.(map[string]any)
		fmt.Fprintf(&b, "\n%v. %s\n   %s\n", m["position"], str(m["title"]), str(m["url"]))
		if s := str(m["snippet"]); s != "" {
			fmt.Fprintf(&b, "   %s\n", s)
		}
	}
	return b.String()
}

// renderScrape is a scraped page: its title and URL, then its markdown (or text, or HTML).
func renderScrape(o Output) string {
	var b strings.Builder
	if md, ok := o["metadata"].(map[string]any); ok && str(md["title"]) != "" {
		fmt.Fprintf(&b, "# %s\n", str(md["title"]))
	}
	if sm, ok := o["scrape_metadata"].(map[string]any); ok {
		fmt.Fprintf(&b, "Source: %s (HTTP %v)\n\n", str(sm["final_url"]), sm["http_status"])
	}
	for _, f := range []string{"markdown", "text", "html", "raw_html"} {
		if s := str(o[f]); s != "" {
			b.WriteString(s)
			return b.String()
		}
	}
	if ls, ok := o["links"].([]any); ok {
		for _, l := range ls {
			m, _ := l.(map[string]any)
			fmt.Fprintf(&b, "- %s %s\n", str(m["url"]), str(m["text"]))
		}
	}
	return b.String()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Handler is the streamable HTTP transport of s. It is stateless, and answers every POST
// with application/json rather than an event stream: each tool call is one request and one
// answer, which the fasthttp adaptor carries as net/http would; a GET for a server-to-client
// stream is a 405, which clients accept. localOnly, when it reports true (trawl under open
// access), turns on the SDK's DNS-rebinding check (a request reaching a loopback address must
// name a loopback host), which needs the local address net/http would put in the context.
func Handler(s *sdk.Server, localOnly func() bool) http.Handler {
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s },
		&sdk.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			if ip := net.ParseIP(host); ip != nil {
				ctx = context.WithValue(ctx, ipKey{}, ip)
			}
		}
		if fc, ok := r.Context().(*fasthttp.RequestCtx); ok && localOnly != nil && localOnly() {
			ctx = context.WithValue(ctx, http.LocalAddrContextKey, fc.LocalAddr())
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// FastHTTPHandler is Handler on fasthttp, for the ingress's /mcp, with search calls answered
// by fastSearch (through b, its text kept in memo) and everything else by the SDK.
func FastHTTPHandler(s *sdk.Server, b dialect.Backend, memo *dialect.Memo, localOnly func() bool) fasthttp.RequestHandler {
	slow := fasthttpadaptor.NewFastHTTPHandler(Handler(s, localOnly))
	if b == nil {
		return slow
	}
	f := &fastSearch{b: b, memo: memo, localOnly: localOnly}
	return func(c *fasthttp.RequestCtx) {
		if !f.serve(c) {
			slow(c)
		}
	}
}
