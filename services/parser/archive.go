package parser

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
)

// Every page the parser handles is archived (schemas.StreamArchive) under its job id, the
// page_id of the answers it gave: a client can read the page an answer came from, and have it
// re-parsed with today's parser without fetching it again (the first thing to do after a
// layout change).

// archiveMaxPending bounds the page writes awaiting the server's ack. Past it a page is not
// archived (counted): the archive must never hold up an answer.
const archiveMaxPending = 1024

// openArchive binds the parser to the archive stream, which the keeper has ensured.
func (s *Service) openArchive(ctx context.Context) error {
	var err error
	s.js, err = jetstream.New(s.nc,
		jetstream.WithPublishAsyncMaxPending(archiveMaxPending),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
			s.archived.WithLabelValues("failed").Inc()
			s.log.Warn("archiving a page failed", "subject", m.Subject, "err", err)
		}))
	if err != nil {
		return err
	}
	s.archive, err = s.js.Stream(ctx, schemas.StreamArchive)
	return err
}

// archivePage writes the page of job to the archive without waiting for it: compressed as it
// travelled when it came compressed, else compressed here. The write is dropped (and counted)
// when too many are in flight.
func (s *Service) archivePage(page *schemas.PageMsg, html []byte, suspect string) {
	if s.js == nil || !schemas.ValidID(page.Job.ID) {
		return
	}
	if s.js.PublishAsyncPending() >= archiveMaxPending-1 {
		s.archived.WithLabelValues("dropped").Inc()
		return
	}
	data := page.Data
	if !page.Compressed() {
		data = s2.Encode(nil, html)
	}
	h := nats.Header{
		schemas.HeaderJob:      []string{string(page.JobJSON)},
		schemas.HeaderEncoding: []string{schemas.EncodingS2},
		schemas.HeaderEngine:   []string{page.Job.Route()},
	}
	if page.ContentType != "" {
		h[schemas.HeaderPageType] = []string{page.ContentType}
	}
	if page.FinalURL != "" {
		h[schemas.HeaderFinalURL] = []string{page.FinalURL}
	}
	if suspect != "" {
		h[schemas.HeaderSuspect] = []string{suspect}
	}
	if page.HTTPStatus != 0 {
		h[schemas.HeaderHTTPStatus] = []string{strconv.Itoa(page.HTTPStatus)}
	}
	h[schemas.HeaderPageID] = []string{page.Job.ID}
	m := &nats.Msg{Subject: schemas.ArchivePageSubject(page.Job.ID), Header: h, Data: data}
	if _, err := s.js.PublishMsgAsync(m); err != nil {
		s.archived.WithLabelValues("failed").Inc()
		s.log.Warn("archiving a page failed", "job", page.Job.ID, "err", err)
		return
	}
	s.archived.WithLabelValues("written").Inc()
}

// ReparseRequest is the body of schemas.SubjectPageReparse: the archived page to parse again
// (a job id), for the tenant that asks (set by the ingress from the API key), and the id of
// the answer the new parse stands for.
type ReparseRequest struct {
	PageID   string `json:"page_id"`
	AnswerID string `json:"answer_id"`
	Tenant   string `json:"tenant,omitempty"`
}

// loadPage reads an archived page: its job, its facts and the page itself.
func (s *Service) loadPage(ctx context.Context, pr *ReparseRequest) (*schemas.PageMsg, []byte, *schemas.Error) {
	notFound := schemas.Errorf(schemas.TypeNotFound, "no page archived as %s (pages are kept for the archive's TTL)", pr.PageID)
	if s.archive == nil || !schemas.ValidID(pr.PageID) {
		return nil, nil, notFound
	}
	m, err := schemas.ReadArchivedPage(ctx, s.archive, pr.PageID)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, schemas.Errorf(schemas.TypeUnavailable, "archive: %v", err)
	}
	page, err := schemas.DecodePage(m.Header, m.Data)
	if err != nil {
		return nil, nil, schemas.AsError(err)
	}
	if page.Job.Tenant != pr.Tenant {
		// Another tenant's page does not exist for this one (404, not 403: an id tells nothing
		// about other tenants).
		return nil, nil, notFound
	}
	html, err := page.Decompress(nil)
	if err != nil {
		return nil, nil, schemas.Errorf(schemas.TypeInternal, "archived page unreadable: %v", err)
	}
	if st := m.Header.Get(schemas.HeaderHTTPStatus); st != "" {
		page.HTTPStatus, _ = strconv.Atoi(st)
	}
	page.FinalURL, page.ContentType = m.Header.Get(schemas.HeaderFinalURL), m.Header.Get(schemas.HeaderPageType)
	return &page, html, nil
}

// onPageReparse parses an archived page with today's parser (or converts a scraped one again)
// and answers the response it makes now, or the typed error if it still fails.
func (s *Service) onPageReparse(req micro.Request) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var pr ReparseRequest
	if err := json.Unmarshal(req.Data(), &pr); err != nil || !schemas.ValidID(pr.AnswerID) {
		replyError(req, schemas.ValidationError([]schemas.FieldError{{Field: "page_id", Message: "a page id and an answer id are required"}}))
		return
	}
	page, html, perr := s.loadPage(ctx, &pr)
	if perr != nil {
		replyError(req, perr)
		return
	}
	job := page.Job
	now := time.Now().UTC().Truncate(time.Millisecond)
	if job.Scrape != nil {
		out, err := s.scrape(scrapePage(page, html), job.Scrape)
		if err != nil {
			e := schemas.AsError(err)
			e.SearchID = pr.AnswerID
			replyError(req, e)
			return
		}
		meta := &schemas.ScrapeMetadata{ID: pr.AnswerID, PageID: job.ID, Status: schemas.StatusSuccess, Cache: "reparsed", CreatedAt: now, URL: job.Scrape.URL}
		resp, err := schemas.ComposeScrapeResponse(meta, schemas.EncodeScrapeBody(out))
		if err != nil {
			replyError(req, schemas.AsError(err))
			return
		}
		req.Respond(resp)
		return
	}
	serp, err := s.parse(job.Request.Engine, html, &job.Request)
	if err != nil {
		e := schemas.AsError(err)
		e.SearchID = pr.AnswerID
		replyError(req, e)
		return
	}
	body, err := Body(&job.Request, serp)
	if err != nil {
		replyError(req, schemas.AsError(err))
		return
	}
	meta := &schemas.SearchMetadata{ID: pr.AnswerID, PageID: job.ID, Status: schemas.StatusSuccess, Engine: job.Request.Engine, Cache: "reparsed", CreatedAt: now}
	req.Respond(schemas.ComposeResponse(meta, body))
}

func replyError(req micro.Request, e *schemas.Error) { schemas.RespondError(req, e) }
