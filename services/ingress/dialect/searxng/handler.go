package searxng

import (
	"encoding/json"
	"slices"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/kit/version"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Handler serves SearXNG's routes.
type Handler struct {
	B dialect.Backend
	O dialect.Options
	// Memo keeps the rewriting of answers seen (nil: none).
	Memo *dialect.Memo
}

// Wants reports whether a request to the bare /search is SearXNG's: its clients always send
// format (in the query, or as a form field), SerpApi's never do.
func Wants(c *fasthttp.RequestCtx) bool {
	_, ok := dialect.Args(c)("format")
	return ok
}

// Serve answers path under prefix: /search, / (and "") and /config.
func (h *Handler) Serve(c *fasthttp.RequestCtx, prefix, path string) {
	switch path {
	case "/search", "/", "":
		if !c.IsGet() && !c.IsPost() && !c.IsHead() {
			c.Response.Header.Set("Allow", "GET, POST")
			writeError(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here", c.Method()))
			return
		}
		h.search(c)
	case "/config":
		h.config(c)
	default:
		writeError(c, schemas.Errorf(schemas.TypeNotFound, "no route %s%s", prefix, path))
	}
}

func (h *Handler) search(c *fasthttp.RequestCtx) {
	r, e := ParseRequest(dialect.Args(c), h.O)
	if e != nil {
		writeError(c, e)
		return
	}
	var out *Response
	switch {
	case r.NoCategory != "":
		out = Empty(r.Native.Q)
		out.UnresponsiveEngines = append(out.UnresponsiveEngines, [2]string{"trawl", r.NoCategory})
	case r.Native.Engine == "":
		out = Empty(r.Native.Q)
	default:
		ans, e := dialect.Search(c, h.B, dialect.HeaderAuth(c), &r.Native)
		switch {
		case e != nil && EngineFailure(e):
			out = Failed(r, e)
		case e != nil:
			writeError(c, e)
			return
		default:
			b, err := h.encode(r, ans)
			if err != nil {
				writeError(c, schemas.Errorf(schemas.TypeInternal, "answer not readable: %v", err))
				return
			}
			h.write(c, r, b)
			return
		}
	}
	h.write(c, r, encodeWith(out, r))
}

func (h *Handler) write(c *fasthttp.RequestCtx, r *Request, b []byte) {
	c.SetStatusCode(fasthttp.StatusOK)
	c.SetContentType(ContentType(r.Format))
	c.SetBody(b)
}

// encodeWith is out in r's format, with the engines r named that trawl does not have.
func encodeWith(out *Response, r *Request) []byte {
	for _, n := range r.Unknown {
		out.UnresponsiveEngines = append(out.UnresponsiveEngines, [2]string{n, "unknown engine"})
	}
	return Encode(out, r.Format)
}

// encode rewrites a native answer for r, through the memo: the key is all the rewriting
// reads (r's format, query and unknown engines, each engine's outcome, the answer's body).
func (h *Handler) encode(r *Request, ans *dialect.Answer) ([]byte, error) {
	meta, tail := &ans.Meta, ans.Rest
	// Built on the stack: a hit reads the memo on every request.
	var kb [512]byte
	var key []byte
	if h.Memo != nil && tail != nil {
		key = append(kb[:0], "searxng\x00"...)
		key = append(append(key, r.Format...), 0)
		key = append(append(key, r.Native.Q...), 0)
		for i, n := range r.Unknown {
			if i > 0 {
				key = append(key, ',')
			}
			key = append(key, n...)
		}
		key = append(key, 0)
		var nb [16]string
		names := nb[:0]
		for name := range meta.Engines {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			key = append(append(append(append(key, name...), '='), meta.Engines[name].Status...), ',')
		}
		if b, ok := h.Memo.Get(key, ans); ok {
			return b, nil
		}
	}
	out, err := Convert(ans.Native(), r.Native.Q)
	if err != nil {
		return nil, err
	}
	b := encodeWith(out, r)
	if key != nil {
		h.Memo.Set(key, ans, b)
	}
	return b, nil
}

// writeError answers a request trawl refuses with its status and {"error": "…"}: SearXNG
// answers an unsupported format with a bare 403 and a bad parameter with an HTML page, which
// no client can read.
func writeError(c *fasthttp.RequestCtx, e *schemas.Error) {
	dialect.SetRetryAfter(&c.Response.Header, e)
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
		Kind  string `json:"kind"`
	}{msg, e.Kind})
	c.SetStatusCode(e.Status)
	c.SetContentType("application/json")
	c.SetBody(b)
}

// ConfigEngine is an engine as SearXNG's /config lists it.
type ConfigEngine struct {
	Name             string   `json:"name"`
	Categories       []string `json:"categories"`
	Shortcut         string   `json:"shortcut"`
	Enabled          bool     `json:"enabled"`
	Paging           bool     `json:"paging"`
	LanguageSupport  bool     `json:"language_support"`
	SafeSearch       bool     `json:"safesearch"`
	TimeRangeSupport bool     `json:"time_range_support"`
	Timeout          float64  `json:"timeout"`
}

// Config is SearXNG's /config, as far as trawl has its parts.
func Config(o dialect.Options) []byte {
	var out struct {
		InstanceName  string            `json:"instance_name"`
		Version       string            `json:"version"`
		Categories    []string          `json:"categories"`
		Engines       []ConfigEngine    `json:"engines"`
		Plugins       []any             `json:"plugins"`
		Locales       map[string]string `json:"locales"`
		DefaultLocale string            `json:"default_locale"`
		Autocomplete  string            `json:"autocomplete"`
		SafeSearch    int               `json:"safe_search"`
		DefaultTheme  string            `json:"default_theme"`
		Brand         map[string]string `json:"brand"`
	}
	out.InstanceName, out.Version, out.Categories = "trawl", version.Get().Version, []string{"general"}
	out.Plugins, out.Locales, out.Brand, out.SafeSearch = []any{}, map[string]string{}, map[string]string{}, 1
	for _, n := range o.Engines {
		out.Engines = append(out.Engines, ConfigEngine{Name: n, Categories: []string{"general"}, Shortcut: shortcut(n),
			Enabled: true, Paging: true, LanguageSupport: true, SafeSearch: true, Timeout: float64(o.MaxTimeoutMS) / 1000})
	}
	b, _ := json.Marshal(out)
	return b
}

// shortcut is SearXNG's shortcut for the engines it shares with trawl.
func shortcut(n string) string {
	if s, ok := map[string]string{"google": "go", "bing": "bi", "duckduckgo": "ddg", "yandex": "yn", "baidu": "bd", "ecosia": "eco"}[n]; ok {
		return s
	}
	return n
}

func (h *Handler) config(c *fasthttp.RequestCtx) {
	if !c.IsGet() && !c.IsHead() {
		c.Response.Header.Set("Allow", "GET")
		writeError(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here", c.Method()))
		return
	}
	c.SetContentType("application/json")
	c.SetBody(Config(h.O))
}
