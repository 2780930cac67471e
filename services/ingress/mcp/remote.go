package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
)

// Remote is a running trawl's native HTTP API as a dialect.Backend: what `trawl mcp` asks.
// Key is sent on every request; the Auth of a call is not used (stdio carries no key).
type Remote struct {
	URL    string
	Key    string
	Client *http.Client
}

var _ dialect.Backend = (*Remote)(nil)

func (r *Remote) do(ctx context.Context, method, path string, body any) ([]byte, *schemas.Error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(r.URL, "/")+path, rd)
	if err != nil {
		return nil, schemas.Errorf(schemas.TypeInternal, "request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Key != "" {
		req.Header.Set("Authorization", "Bearer "+r.Key)
	}
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		e := schemas.Errorf(schemas.TypeUnavailable, "trawl at %s: %v", r.URL, err)
		return nil, e
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, schemas.Errorf(schemas.TypeUnavailable, "trawl at %s: %v", r.URL, err)
	}
	if resp.StatusCode >= 300 {
		return nil, schemas.DecodeError(resp.Status[:3], resp.Status, b)
	}
	return b, nil
}

func (r *Remote) Search(ctx context.Context, _ dialect.Auth, q *schemas.SearchRequest) ([]byte, *schemas.Error) {
	return r.do(ctx, http.MethodPost, "/v1/search", q)
}

func (r *Remote) Submit(ctx context.Context, _ dialect.Auth, q *schemas.SearchRequest) ([]byte, *schemas.Error) {
	return r.do(ctx, http.MethodPost, "/v1/search?async=true", q)
}

func (r *Remote) Scrape(ctx context.Context, _ dialect.Auth, q *schemas.ScrapeRequest) ([]byte, *schemas.Error) {
	return r.do(ctx, http.MethodPost, "/v1/scrape", q)
}

func (r *Remote) Get(ctx context.Context, _ dialect.Auth, id string, html bool) ([]byte, *schemas.Error) {
	p := "/v1/searches/" + url.PathEscape(id)
	if html {
		p += "?output=html"
	}
	return r.do(ctx, http.MethodGet, p, nil)
}

func (r *Remote) Account(ctx context.Context, _ dialect.Auth) ([]byte, *schemas.Error) {
	return r.do(ctx, http.MethodGet, "/v1/account", nil)
}
