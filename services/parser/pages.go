package parser

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
)

// A page no parser recognises is the first sign of an engine's layout change. Its raw HTML is
// kept in a KV bucket (bounded by bytes, with a TTL), keyed by search id, so it can be looked at
// and re-parsed with a fixed parser without fetching it again.

const (
	pageKeySuffix = ".html"
	jobKeySuffix  = ".job"
)

func (s *Service) openPages(ctx context.Context, js jetstream.JetStream) error {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:       schemas.BucketPages,
		Description:  "raw HTML of unrecognised result pages, by search id",
		TTL:          s.cfg.KeepTTL,
		MaxBytes:     s.cfg.KeepMaxBytes,
		MaxValueSize: 8 << 20,
		Storage:      jetstream.FileStorage,
		Replicas:     max(s.streams.Replicas, 1),
	})
	if err != nil {
		return err
	}
	s.pagesKV = kv
	return nil
}

// keepPage stores the page (s2-compressed, as it travelled) and its job.
func (s *Service) keepPage(job *schemas.FetchJob, compressed, jobJSON []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.pagesKV.Put(ctx, job.ID+pageKeySuffix, compressed); err != nil {
		s.log.Warn("keeping unrecognised page failed", "job", job.ID, "err", err)
		return
	}
	s.pagesKV.Put(ctx, job.ID+jobKeySuffix, jobJSON)
}

type pageRequest struct {
	ID string `json:"id"`
	// Tenant is the asker's tenant (set by the ingress from the API key).
	Tenant string `json:"tenant,omitempty"`
}

// loadPage reads a kept page and its job.
func (s *Service) loadPage(ctx context.Context, data []byte) (*schemas.FetchJob, []byte, *schemas.Error) {
	var pr pageRequest
	if err := json.Unmarshal(data, &pr); err != nil || pr.ID == "" || !validID(pr.ID) {
		return nil, nil, schemas.ValidationError([]schemas.FieldError{{Field: "id", Message: "a search id is required"}})
	}
	page, err := s.pagesKV.Get(ctx, pr.ID+pageKeySuffix)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil, schemas.Errorf(schemas.TypeNotFound, "no page kept for search %s (only unrecognised pages are kept, for %s)", pr.ID, s.cfg.KeepTTL)
	}
	if err != nil {
		return nil, nil, schemas.Errorf(schemas.TypeUnavailable, "page store: %v", err)
	}
	jobEntry, err := s.pagesKV.Get(ctx, pr.ID+jobKeySuffix)
	if err != nil {
		return nil, nil, schemas.Errorf(schemas.TypeNotFound, "no job kept for search %s", pr.ID)
	}
	job, jerr := schemas.DecodeFetchJob(jobEntry.Value())
	if jerr != nil {
		return nil, nil, schemas.AsError(jerr)
	}
	if job.Tenant != pr.Tenant {
		// Another tenant's search: it does not exist for this one (404, not 403, so an id
		// tells nothing about other tenants).
		return nil, nil, schemas.Errorf(schemas.TypeNotFound, "no page kept for search %s (only unrecognised pages are kept, for %s)", pr.ID, s.cfg.KeepTTL)
	}
	html, err := s2.Decode(nil, page.Value())
	if err != nil {
		return nil, nil, schemas.Errorf(schemas.TypeInternal, "kept page unreadable: %v", err)
	}
	return job, html, nil
}

// validID accepts the characters of a search id (schemas.NewID: letters and digits).
func validID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// onPageGet answers trawl.v1.pages.get with the raw HTML.
func (s *Service) onPageGet(req micro.Request) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	job, html, perr := s.loadPage(ctx, req.Data())
	if perr != nil {
		replyError(req, perr)
		return
	}
	req.Respond(html, micro.WithHeaders(micro.Headers{
		schemas.HeaderContentType: {"text/html; charset=utf-8"},
		schemas.HeaderJob:         {job.ID},
		schemas.HeaderEngine:      {job.Request.Engine},
	}))
}

// onPageReparse parses a kept page with today's parser and answers a SearchResponse, or the
// parser's typed error if it still does not recognise it.
func (s *Service) onPageReparse(req micro.Request) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	job, html, perr := s.loadPage(ctx, req.Data())
	if perr != nil {
		replyError(req, perr)
		return
	}
	serp, err := s.parse(job.Request.Engine, html, &job.Request)
	if err != nil {
		e := schemas.AsError(err)
		e.SearchID = job.ID
		replyError(req, e)
		return
	}
	body, err := Body(&job.Request, serp)
	if err != nil {
		replyError(req, schemas.AsError(err))
		return
	}
	meta := &schemas.SearchMetadata{ID: job.ID, Status: "Success", Engine: job.Request.Engine, Cache: "reparsed", CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	req.Respond(schemas.ComposeResponse(meta, body))
}

func replyError(req micro.Request, e *schemas.Error) { schemas.RespondError(req, e) }
