package fetcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

// page is a fetched upstream response.
type page struct {
	Status int
	Body   []byte
}

// attemptError is one failed attempt; retryable says whether another attempt may help.
type attemptError struct {
	err        error
	retryable  bool
	retryAfter time.Duration
	status     int
}

func (e *attemptError) Error() string { return e.err.Error() }

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 0, // bounded by the attempt's context
		ForceAttemptHTTP2:     true,
	}
}

// attempt sends one request and reads at most maxBytes of its body.
func attempt(ctx context.Context, c *http.Client, r *engines.Request, maxBytes int64) (*page, *attemptError) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, &attemptError{err: err}
	}
	req.Header = r.Header.Clone()
	resp, err := c.Do(req)
	if err != nil {
		return nil, &attemptError{err: err, retryable: true}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("reading body: %w", err), retryable: true, status: resp.StatusCode}
	}
	if int64(len(b)) > maxBytes {
		return nil, &attemptError{err: fmt.Errorf("page larger than %d bytes", maxBytes), status: resp.StatusCode}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return &page{Status: resp.StatusCode, Body: b}, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, &attemptError{
			err:        fmt.Errorf("upstream status %d", resp.StatusCode),
			retryable:  true,
			retryAfter: retryAfter(resp.Header.Get("Retry-After")),
			status:     resp.StatusCode,
		}
	}
	return nil, &attemptError{err: fmt.Errorf("upstream status %d", resp.StatusCode), status: resp.StatusCode}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return time.Until(t)
	}
	return 0
}

// typed turns the last attempt's failure into the error the requester sees.
func typed(engine string, ae *attemptError, ctxErr error) *schemas.Error {
	var e *schemas.Error
	switch {
	case errors.Is(ctxErr, context.DeadlineExceeded):
		e = schemas.NewError(schemas.TypeTimeout, "the engine did not answer within the request's deadline")
	case ae == nil:
		e = schemas.NewError(schemas.TypeUpstream, "no attempt was made")
	default:
		e = schemas.NewError(schemas.TypeUpstream, ae.err.Error())
	}
	e.Engine = engine
	return e
}
