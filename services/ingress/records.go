package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// The archive's routes. An answer is read back by its id:
//
//	GET /v1/searches/{id}                the JSON as it was answered (or Processing, or Error)
//	GET /v1/searches/{id}?output=html    the raw page it came from (engine=… for a metasearch)
//	GET /v1/searches/{id}?reparse=true   that page parsed again with today's parser
//
// and the same under /v1/scrapes/{id}. POST to /v1/searches or /v1/scrapes is a batch
// (batch.go), read back at /v1/batches/{id}. An id is readable only by the tenant that made
// it: to anyone else it does not exist (404, as for an id never made). Reading costs no rate
// limit or quota: polling must not use up what the searches need.
const (
	searchesPrefix = "/v1/searches/"
	scrapesPrefix  = "/v1/scrapes/"
	batchesPrefix  = "/v1/batches/"
)

// records routes the archive's paths; it reports false for a path that is none of them.
func (s *Server) records(c *fasthttp.RequestCtx, reqID string, start time.Time) bool {
	path := string(c.Path())
	switch path {
	case "/v1/searches":
		s.batch(c, reqID, start, schemas.KindSearch)
		return true
	case "/v1/scrapes":
		s.batch(c, reqID, start, schemas.KindScrape)
		return true
	}
	var kind string
	var id string
	switch {
	case strings.HasPrefix(path, searchesPrefix):
		kind, id = schemas.KindSearch, path[len(searchesPrefix):]
	case strings.HasPrefix(path, scrapesPrefix):
		kind, id = schemas.KindScrape, path[len(scrapesPrefix):]
	case strings.HasPrefix(path, batchesPrefix):
		kind, id = "batch", path[len(batchesPrefix):]
	default:
		return false
	}
	if !c.IsGet() && !c.IsHead() {
		c.Response.Header.Set("Allow", "GET, HEAD")
		s.problem(c, schemas.Errorf(schemas.TypeMethodNotAllowed, "%s is not allowed here", c.Method()), reqID)
		return true
	}
	if !schemas.ValidID(id) {
		// Before anything reaches NATS: a "*", ">" or "." would be a wildcard or another subject.
		s.problem(c, schemas.ValidationError([]schemas.FieldError{{Field: "id", Message: "is not a trawl id (16 to 64 letters and digits)"}}), reqID)
		return true
	}
	t, e := s.authenticateReq(c)
	if e != nil {
		s.problem(c, e, reqID)
		return true
	}
	if kind == "batch" {
		s.getBatch(c, t, id, reqID)
		return true
	}
	s.getAnswer(c, t, kind, id, reqID)
	return true
}

// notFound is the answer for an id that does not exist for the asker.
func (s *Server) notFound(what, id string) *schemas.Error {
	return schemas.Errorf(schemas.TypeNotFound, "no %s %s (answers are kept for %s)", what, id, s.archiveTTL)
}

// archiveError is the typed error of a failed archive read.
func archiveError(err error) *schemas.Error {
	// A record that was read but is unreadable says so itself; retrying would not help.
	var se *schemas.Error
	if errors.As(err, &se) {
		return se
	}
	e := schemas.Errorf(schemas.TypeUnavailable, "archive: %v", err)
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, nats.ErrNoResponders) {
		e.Detail = "the archive is not available yet"
	}
	e.RetryAfterMS = 1000
	return e
}

// owned reports whether record m, of kind, is t's.
func owned(m *record, t *tenant, kind string) bool {
	return m.Header.Get(schemas.HeaderTenant) == t.nameOrEmpty() && (kind == "" || m.Header.Get(schemas.HeaderArchiveKind) == kind)
}

func (s *Server) getAnswer(c *fasthttp.RequestCtx, t *tenant, kind, id, reqID string) {
	args := c.QueryArgs()
	var form []schemas.FieldError
	for k := range args.All() {
		switch string(k) {
		case "output", "reparse", "engine":
		default:
			form = append(form, schemas.FieldError{Field: string(k), Message: "unknown parameter"})
		}
	}
	output := string(args.Peek("output"))
	if output != "" && output != "json" && output != "html" {
		form = append(form, schemas.FieldError{Field: "output", Message: "must be json or html"})
	}
	reparse := string(args.Peek("reparse"))
	if reparse != "" && reparse != "true" && reparse != "false" {
		form = append(form, schemas.FieldError{Field: "reparse", Message: "must be true or false"})
	}
	if len(form) > 0 {
		s.problem(c, schemas.ValidationError(form), reqID)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, e := s.findAnswer(ctx, t, kind, id)
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	if output != "html" && reparse != "true" {
		c.SetContentType("application/json")
		c.SetBody(s.withWebhook(ctx, t, id, m.Data))
		return
	}
	pageID, e := s.pageIDOf(m, kind, id, string(args.Peek("engine")))
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	if reparse == "true" {
		s.reparse(c, t, pageID, id, reqID)
		return
	}
	html, ct, e := s.rawPage(ctx, t, kind, pageID)
	if e != nil {
		s.problem(c, e, reqID)
		return
	}
	c.SetContentType(ct)
	// The page is the engine's or the site's, not trawl's: never let a browser run it in
	// trawl's origin, nor guess another type for it.
	c.Response.Header.Set("Content-Security-Policy", "sandbox")
	c.Response.Header.Set("X-Content-Type-Options", "nosniff")
	c.SetBody(html)
}

// findAnswer reads t's archived answer of kind by id (a 404 for anyone else's).
func (s *Server) findAnswer(ctx context.Context, t *tenant, kind, id string) (*record, *schemas.Error) {
	m, err := s.archive.get(ctx, schemas.ArchiveAnswer, id)
	switch {
	case errors.Is(err, errNoRecord) || (err == nil && !owned(m, t, kind)):
		return nil, s.notFound(kind, id)
	case err != nil:
		return nil, archiveError(err)
	}
	return m, nil
}

// pageIDOf is the page an archived answer came from, for output=html and reparse.
func (s *Server) pageIDOf(m *record, kind, id, engine string) (string, *schemas.Error) {
	if m.Header.Get(schemas.HeaderArchiveStatus) == schemas.StatusProcessing {
		return "", schemas.Errorf(schemas.TypeNotFound, "%s %s is still Processing: it has no page yet", kind, id)
	}
	return pageOf(m, engine)
}

// pageOf finds the page an archived answer came from: its page_id, or for a metasearch the
// page_id of the named engine's part.
func pageOf(m *record, engine string) (string, *schemas.Error) {
	if id := m.Header.Get(schemas.HeaderPageID); id != "" {
		return id, nil
	}
	var doc struct {
		Search *struct {
			PageID  string `json:"page_id"`
			Engines map[string]struct {
				PageID string `json:"page_id"`
			} `json:"engines"`
		} `json:"search_metadata"`
		Scrape *struct {
			PageID string `json:"page_id"`
		} `json:"scrape_metadata"`
	}
	if err := json.Unmarshal(m.Data, &doc); err != nil {
		return "", schemas.Errorf(schemas.TypeInternal, "archived answer unreadable: %v", err)
	}
	switch {
	case doc.Scrape != nil && doc.Scrape.PageID != "":
		return doc.Scrape.PageID, nil
	case doc.Search == nil:
	case doc.Search.Engines != nil:
		if engine == "" {
			return "", schemas.ValidationError([]schemas.FieldError{{Field: "engine", Message: "a metasearch answer has a page per engine: name one"}})
		}
		if p := doc.Search.Engines[engine].PageID; p != "" {
			return p, nil
		}
		return "", schemas.Errorf(schemas.TypeNotFound, "no page of engine %q in this answer", engine)
	case doc.Search.PageID != "":
		return doc.Search.PageID, nil
	}
	return "", schemas.NewError(schemas.TypeNotFound, "this answer came from no fetched page")
}

// rawPage is the archived page itself, as it was fetched, and the type it came with.
func (s *Server) rawPage(ctx context.Context, t *tenant, kind, pageID string) ([]byte, string, *schemas.Error) {
	m, err := s.archive.get(ctx, schemas.ArchivePage, pageID)
	if errors.Is(err, errNoRecord) {
		return nil, "", s.notFound("page", pageID)
	}
	if err != nil {
		return nil, "", archiveError(err)
	}
	page, err := schemas.DecodePage(m.Header, m.Data)
	if err != nil || page.Job.Tenant != t.nameOrEmpty() {
		return nil, "", s.notFound("page", pageID)
	}
	html, err := page.Decompress(nil)
	if err != nil {
		return nil, "", schemas.Errorf(schemas.TypeInternal, "archived page unreadable: %v", err)
	}
	ct := "text/html; charset=utf-8"
	if kind == schemas.KindScrape {
		ct = m.Header.Get(schemas.HeaderPageType)
		if ct == "" {
			ct = "application/octet-stream"
		}
	}
	return html, ct, nil
}

// reparse asks the parse stage to parse an archived page again.
func (s *Server) reparse(c *fasthttp.RequestCtx, t *tenant, pageID, id, reqID string) {
	req, _ := json.Marshal(map[string]string{"page_id": pageID, "answer_id": id, "tenant": t.nameOrEmpty()})
	reply, err := s.nc.Request(schemas.SubjectPageReparse, req, 5*time.Second)
	if err != nil {
		e := schemas.Errorf(schemas.TypeUnavailable, "parser: %v", err)
		if errors.Is(err, nats.ErrNoResponders) {
			e.Detail = "no parser is running"
		}
		e.RetryAfterMS = 1000
		s.problem(c, e, reqID)
		return
	}
	if code := reply.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		s.problem(c, schemas.DecodeError(code, reply.Header.Get(schemas.HeaderServiceError), reply.Data), reqID)
		return
	}
	c.SetContentType("application/json")
	c.SetBody(reply.Data)
}

// withWebhook adds to an archived answer the record of its webhook's delivery, when it has
// one, as a last member "webhook".
func (s *Server) withWebhook(ctx context.Context, t *tenant, id string, doc []byte) []byte {
	w, err := s.archive.get(ctx, schemas.ArchiveWebhook, id)
	if err != nil || !owned(w, t, "") || len(doc) < 2 || doc[len(doc)-1] != '}' {
		return doc
	}
	out := make([]byte, 0, len(doc)+len(w.Data)+12)
	out = append(out, doc[:len(doc)-1]...)
	out = append(out, `,"webhook":`...)
	out = append(out, w.Data...)
	return append(out, '}')
}
