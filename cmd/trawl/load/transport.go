package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// outcome is what one request came to.
type outcome struct {
	ok bool
	// status is the HTTP status, or the micro error code of a NATS reply; 0 when no answer
	// came (the request failed in transport).
	status int
	// kind is the problem kind of a failed answer, or the transport failure's kind.
	kind string
	// cache is how the cache answered (X-Cache / Trawl-Cache), lower case.
	cache string
	bytes int
	// err is the transport failure, when no answer came.
	err error
}

// cause says why a failed request failed, for a person.
func (o outcome) cause() string {
	if o.err != nil {
		return o.err.Error()
	}
	return fmt.Sprintf("answered with status %d, kind %s", o.status, o.kind)
}

// transport sends requests; each worker sends through its own sender.
type transport interface {
	sender() func(q string) outcome
	close()
}

func newTransport(cfg Config) (transport, error) {
	kind, u, err := cfg.parseTarget()
	if err != nil {
		return nil, err
	}
	if kind == "nats" {
		return newNATSTransport(cfg, u)
	}
	return newHTTPTransport(cfg, u), nil
}

type httpTransport struct {
	cfg  Config
	hc   *fasthttp.HostClient
	base string
	// base ends in "q=" (a search) or "url=" (a scrape); suffix follows the query or page
	// URL in every request URI.
	suffix string
	auth   string
	// body is --body: requests are POSTs of it to base (the target as given).
	body string
}

func newHTTPTransport(cfg Config, u *url.URL) *httpTransport {
	t := &httpTransport{
		cfg: cfg,
		hc: &fasthttp.HostClient{
			Addr:     u.Host,
			MaxConns: cfg.Concurrency,
			// Wait for a connection rather than fail: in open loop a due request waits its turn.
			MaxConnWaitTimeout:       cfg.Timeout,
			ReadTimeout:              cfg.Timeout,
			WriteTimeout:             cfg.Timeout,
			MaxIdleConnDuration:      time.Minute,
			NoDefaultUserAgentHeader: true,
			// fasthttp's default of 4 KiB read an answer just over it in two reads (strace: 48,538
			// reads for 20,000 SearXNG answers of 4.2 kB against 25,704 for 20,000 native ones of
			// 3.2 kB), a cost of the meter that a path with a larger answer paid as its own.
			// wrk reads 8 KiB at a time, Node's sockets 64 KiB.
			ReadBufferSize: 32 << 10,
		},
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	sep := "?"
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
		sep = "&"
	}
	switch {
	case cfg.Body != "":
		t.base, t.body = "http://"+u.Host+path, cfg.Body
	case cfg.ScrapeURL != "":
		t.base = "http://" + u.Host + path + sep + "url="
		if cfg.ScrapeFormats != "" {
			t.suffix = "&formats=" + url.QueryEscape(cfg.ScrapeFormats)
		}
	default:
		t.base = "http://" + u.Host + path + sep + "q="
		if cfg.Engine != "" {
			t.suffix = "&engine=" + url.QueryEscape(cfg.Engine)
		}
	}
	if cfg.APIKey != "" {
		t.auth = "Bearer " + cfg.APIKey
	}
	return t
}

func (t *httpTransport) sender() func(q string) outcome {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	var lastQ string
	return func(q string) outcome {
		// A hot key builds its request once; fasthttp keeps the URI between uses.
		if q != lastQ || lastQ == "" {
			req.Reset()
			if t.body != "" {
				req.SetRequestURI(t.base)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				// MCP's streamable HTTP wants both; JSON APIs ignore the second.
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.SetBody(BodyFor(t.body, q))
			} else {
				req.SetRequestURI(t.base + url.QueryEscape(q) + t.suffix)
			}
			if t.auth != "" {
				req.Header.Set("Authorization", t.auth)
			}
			lastQ = q
		}
		resp.Reset()
		if err := t.hc.DoTimeout(req, resp, t.cfg.Timeout); err != nil {
			lastQ = "" // the request may have been changed by a failed send
			return outcome{kind: transportKind(err), err: err}
		}
		o := outcome{status: resp.StatusCode(), bytes: len(resp.Body())}
		o.cache = string(bytes.ToLower(resp.Header.Peek("X-Cache")))
		if o.status >= 200 && o.status < 300 {
			o.ok = true
			return o
		}
		o.kind = problemKind(resp.Body())
		return o
	}
}

func (t *httpTransport) close() { t.hc.CloseIdleConnections() }

type natsTransport struct {
	cfg     Config
	nc      *nats.Conn
	subject string
	formats []string
}

func newNATSTransport(cfg Config, u *url.URL) (*natsTransport, error) {
	nc, err := nats.Connect(u.String(), nats.Name("trawl-load"), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, err
	}
	t := &natsTransport{cfg: cfg, nc: nc, subject: schemas.SubjectSearch}
	if cfg.ScrapeURL != "" {
		t.subject = schemas.SubjectScrape
		for f := range strings.SplitSeq(cfg.ScrapeFormats, ",") {
			if f = strings.TrimSpace(f); f != "" {
				t.formats = append(t.formats, f)
			}
		}
	}
	return t, nil
}

// request is the JSON request for query (a scrape's page URL).
func (t *natsTransport) request(q string) []byte {
	var b []byte
	if t.subject == schemas.SubjectScrape {
		b, _ = json.Marshal(schemas.ScrapeRequest{URL: q, Formats: t.formats})
	} else {
		b, _ = json.Marshal(schemas.SearchRequest{Q: q, Engine: t.cfg.Engine})
	}
	return b
}

func (t *natsTransport) sender() func(q string) outcome {
	var lastQ string
	var body []byte
	return func(q string) outcome {
		if q != lastQ || body == nil {
			body = t.request(q)
			lastQ = q
		}
		m, err := t.nc.Request(t.subject, body, t.cfg.Timeout)
		if err != nil {
			return outcome{kind: transportKind(err), err: err}
		}
		o := outcome{bytes: len(m.Data), status: 200}
		if m.Header != nil {
			o.cache = m.Header.Get(schemas.HeaderCache)
			if code := m.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
				e := schemas.DecodeError(code, m.Header.Get(schemas.HeaderServiceError), m.Data)
				o.status, o.kind = e.Status, e.Kind
				if n, err := strconv.Atoi(code); err == nil {
					o.status = n
				}
				return o
			}
		}
		o.ok = true
		return o
	}
}

func (t *natsTransport) close() { t.nc.Close() }

// problemKind reads the kind of a problem+json body; an answer that is not one is
// "unclassified", so a proxy's or a bare server's error page still counts under its status.
func problemKind(body []byte) string {
	var p struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(body, &p) == nil && p.Kind != "" {
		return p.Kind
	}
	return "unclassified"
}

// Transport failure kinds: the request got no answer.
const (
	KindTimeout      = "timeout"
	KindRefused      = "connection_refused"
	KindReset        = "connection_reset"
	KindClosed       = "connection_closed"
	KindNoResponders = "no_responders"
	KindNoConn       = "no_free_connection"
	KindTransport    = "transport"
)

func transportKind(err error) string {
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, nats.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout),
		errors.As(err, &te) && te.Timeout():
		return KindTimeout
	case errors.Is(err, nats.ErrNoResponders):
		return KindNoResponders
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return KindNoConn
	case errors.Is(err, fasthttp.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionClosed):
		return KindClosed
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF):
		return KindReset
	}
	return KindTransport
}
