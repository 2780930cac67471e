package firecrawl

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Handler serves Firecrawl's routes.
type Handler struct {
	B dialect.Backend
	O dialect.Options
	// Memo keeps the rewriting of search answers seen (nil: none).
	Memo *dialect.Memo
	// MaxBody bounds a request body, as --max-body-bytes does the native ones (0: no bound).
	MaxBody int
}

// searchScrapes bounds the scrapes one search with scrapeOptions runs at once.
const searchScrapes = 4

// Serve answers path below /firecrawl.
func (h *Handler) Serve(c *fasthttp.RequestCtx, path string) {
	var v2, search bool
	switch path {
	case "/v1/scrape":
	case "/v2/scrape":
		v2 = true
	case "/v1/search":
		search = true
	case "/v2/search":
		v2, search = true, true
	default:
		writeError(c, schemas.Errorf(schemas.TypeNotFound, "no route /firecrawl%s", path))
		return
	}
	if !c.IsPost() {
		c.Response.Header.Set("Allow", "POST")
		writeError(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here", c.Method()))
		return
	}
	body := c.PostBody()
	if h.MaxBody > 0 && len(body) > h.MaxBody {
		writeError(c, schemas.Errorf(schemas.TypeTooLarge, "body is %d bytes; the limit is %d", len(body), h.MaxBody))
		return
	}
	if search {
		h.search(c, body, v2)
		return
	}
	h.scrape(c, body)
}

func (h *Handler) scrape(c *fasthttp.RequestCtx, body []byte) {
	s, err := DecodeScrape(body, h.O)
	if err != nil {
		writeError(c, schemas.NewError(schemas.TypeValidation, err.Error()))
		return
	}
	native, e := h.B.Scrape(c, dialect.HeaderAuth(c), &s.Native)
	if e != nil {
		writeError(c, e)
		return
	}
	d, err := ConvertScrape(native, s.Formats)
	if err != nil {
		writeError(c, schemas.Errorf(schemas.TypeInternal, "answer not readable: %v", err))
		return
	}
	write(c, struct {
		Success bool      `json:"success"`
		Data    *Document `json:"data"`
	}{true, d})
}

func (h *Handler) search(c *fasthttp.RequestCtx, body []byte, v2 bool) {
	s, err := DecodeSearch(body, h.O)
	if err != nil {
		writeError(c, schemas.NewError(schemas.TypeValidation, err.Error()))
		return
	}
	a := dialect.HeaderAuth(c)
	ans, e := dialect.Search(c, h.B, a, &s.Native)
	if e != nil {
		writeError(c, e)
		return
	}
	// Without scrapes, the answer is the native answer's body rewritten: kept in the memo.
	var kb [64]byte
	var key []byte
	if s.Scrape == nil && h.Memo != nil && ans.Rest != nil {
		key = append(kb[:0], "firecrawl\x00"...)
		key = strconv.AppendInt(append(strconv.AppendBool(key, v2), 0), int64(s.Limit), 10)
		if b, ok := h.Memo.Get(key, ans); ok {
			writeBytes(c, b)
			return
		}
	}
	results, err := ConvertSearch(ans.Native(), s.Limit)
	if err != nil {
		writeError(c, schemas.Errorf(schemas.TypeInternal, "answer not readable: %v", err))
		return
	}
	if s.Scrape != nil {
		h.scrapeResults(a, s.Scrape, results)
	}
	var b []byte
	if v2 {
		var out struct {
			Success bool `json:"success"`
			Data    struct {
				Web []WebResult `json:"web"`
			} `json:"data"`
		}
		out.Success, out.Data.Web = true, results
		b, _ = json.Marshal(out)
	} else {
		b, _ = json.Marshal(struct {
			Success bool        `json:"success"`
			Data    []WebResult `json:"data"`
		}{true, results})
	}
	if key != nil {
		h.Memo.Set(key, ans, b)
	}
	writeBytes(c, b)
}

// scrapeResults scrapes each result as Firecrawl's search does with scrapeOptions, a few at
// once, each a scrape of its own (admitted and counted as one). A result whose scrape fails
// keeps its title and description only, as Firecrawl's does.
func (h *Handler) scrapeResults(a dialect.Auth, opts *ScrapeBody, results []WebResult) {
	sem := make(chan struct{}, searchScrapes)
	var wg sync.WaitGroup
	for i := range results {
		o := *opts
		o.URL = results[i].URL
		s, err := o.native(h.O)
		if err != nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			// Not the request's context: its response headers are not for concurrent writers.
			native, e := h.B.Scrape(context.Background(), a, &s.Native)
			if e != nil {
				return
			}
			if d, err := ConvertScrape(native, s.Formats); err == nil {
				results[i].Document = d
			}
		}()
	}
	wg.Wait()
}

func write(c *fasthttp.RequestCtx, v any) {
	b, _ := json.Marshal(v)
	writeBytes(c, b)
}

func writeBytes(c *fasthttp.RequestCtx, b []byte) {
	c.SetStatusCode(fasthttp.StatusOK)
	c.SetContentType("application/json; charset=utf-8")
	c.SetBody(b)
}

// writeError answers e as Firecrawl does: {"success": false, "error": "…"}, with Firecrawl's
// 408 for a scrape that ran out of time.
func writeError(c *fasthttp.RequestCtx, e *schemas.Error) {
	dialect.SetRetryAfter(&c.Response.Header, e)
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	status := e.Status
	switch e.Kind {
	case schemas.TypeTimeout:
		status = fasthttp.StatusRequestTimeout
	case schemas.TypeUnauthorized:
		msg = "Unauthorized: " + msg
	}
	b, _ := json.Marshal(struct {
		Success bool                 `json:"success"`
		Error   string               `json:"error"`
		Code    string               `json:"code"`
		Details []schemas.FieldError `json:"details,omitempty"`
	}{false, msg, e.Kind, e.Errors})
	c.SetStatusCode(status)
	c.SetContentType("application/json; charset=utf-8")
	c.SetBody(b)
}
