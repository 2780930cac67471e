package schemas

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scrape formats (ScrapeRequest.Formats).
const (
	FormatMarkdown = "markdown"
	FormatHTML     = "html" // cleaned: the main content (or the selection), scripts and styles gone
	FormatRawHTML  = "raw_html"
	FormatText     = "text"
	FormatLinks    = "links"
	FormatMetadata = "metadata"
)

// ScrapeFormats lists every format, in the order the response carries them.
var ScrapeFormats = []string{FormatMarkdown, FormatHTML, FormatRawHTML, FormatText, FormatLinks, FormatMetadata}

// Extract field types (ExtractField.Type).
const (
	ExtractString  = "string"
	ExtractNumber  = "number"
	ExtractInteger = "integer"
	ExtractBoolean = "boolean"
	ExtractList    = "list"
)

// Limits on a scrape request.
const (
	MaxScrapeURLBytes = 4096
	MaxSelectors      = 32
	MaxSelectorBytes  = 512
	MaxExtractFields  = 64
)

// ScrapeRequest asks for one page's content, over HTTP (GET query or POST JSON on /v1/scrape)
// or over NATS on SubjectScrape. Zero values mean "the default"; Normalize fills them in.
type ScrapeRequest struct {
	URL string `json:"url"`
	// Formats: any of ScrapeFormats; default markdown and metadata.
	Formats []string `json:"formats,omitempty"`
	// MainContent keeps only the page's main content (readability): navigation, headers,
	// footers, cookie banners and ads dropped. Default true.
	MainContent *bool `json:"main_content,omitempty"`
	// IncludeSelectors keeps only what they match; ExcludeSelectors drops what they match.
	IncludeSelectors []string `json:"include_selectors,omitempty"`
	ExcludeSelectors []string `json:"exclude_selectors,omitempty"`
	// Extract maps a field name to how to read it from the page, giving typed JSON fields.
	Extract map[string]ExtractField `json:"extract,omitempty"`
	// MaxAge, NoCache and TimeoutMS work as for a search.
	MaxAge    *int `json:"max_age,omitempty"`
	NoCache   bool `json:"no_cache,omitempty"`
	TimeoutMS int  `json:"timeout_ms,omitempty"`
	// Async and WebhookURL work as for a search (GET /v1/scrapes/{id}).
	Async      bool   `json:"async,omitempty"`
	WebhookURL string `json:"webhook_url,omitempty"`
	// Tenant is who asked (HeaderTenant, from the API key; never from the body).
	Tenant string `json:"-"`
}

// ExtractField reads one typed value from the page: the text (or attribute Attr) of the first
// element Selector matches, or of every element for a list.
type ExtractField struct {
	Selector string `json:"selector"`
	Attr     string `json:"attr,omitempty"`
	Type     string `json:"type,omitempty"` // default string
	Required bool   `json:"required,omitempty"`
}

// TargetError refuses, before anything is fetched, a URL whose scheme trawl never fetches
// (file, gopher, ftp, data…) or that carries credentials: 400 forbidden_target, as for an
// address inside the network. Credentials are a target's matter, not a field's form: they are
// the userinfo trick (http://trusted.example@127.0.0.1/ goes to 127.0.0.1), and a scrape has
// no business sending a password to a site. The fetcher checks the address itself, at dial
// time.
func (r *ScrapeRequest) TargetError() *Error {
	u, err := url.Parse(r.URL)
	switch {
	case err != nil:
		return nil
	case u.Scheme != "http" && u.Scheme != "https":
		return Errorf(TypeForbiddenTarget, "scheme %q: a scrape fetches http and https URLs only", u.Scheme)
	case u.User != nil:
		return Errorf(TypeForbiddenTarget, "URL with credentials (user info before the host): a scrape sends none, and the host is what follows the @")
	}
	return nil
}

// WantsMainContent reports the main_content switch with its default.
func (r *ScrapeRequest) WantsMainContent() bool { return r.MainContent == nil || *r.MainContent }

// Wants reports whether format was asked for (r normalised).
func (r *ScrapeRequest) Wants(format string) bool { return slices.Contains(r.Formats, format) }

// Validate checks every field and returns all the problems at once (nil when valid). It checks
// the URL's form only; whether trawl may connect to it is the fetcher's to decide, at dial time.
func (r *ScrapeRequest) Validate(maxTimeoutMS int) []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	switch u, err := url.Parse(r.URL); {
	case r.URL == "":
		add("url", "is required")
	case len(r.URL) > MaxScrapeURLBytes:
		add("url", "must be at most "+strconv.Itoa(MaxScrapeURLBytes)+" bytes")
	case err != nil:
		add("url", "is not a URL: "+err.Error())
	case u.Scheme == "":
		add("url", "must be an absolute http or https URL")
	case u.Scheme != "http" && u.Scheme != "https":
		// Refused as a target, not as a malformed field: see TargetError.
	case u.Host == "" || u.Hostname() == "":
		add("url", "must name a host")
		// Credentials are refused as a target: see TargetError.
	}
	seen := map[string]bool{}
	for _, f := range r.Formats {
		switch {
		case !slices.Contains(ScrapeFormats, strings.ToLower(strings.TrimSpace(f))):
			add("formats", "unknown format "+strconv.Quote(f)+"; want "+strings.Join(ScrapeFormats, ", "))
		case seen[f]:
			add("formats", "format "+strconv.Quote(f)+" named twice")
		}
		seen[f] = true
	}
	for name, list := range map[string][]string{"include_selectors": r.IncludeSelectors, "exclude_selectors": r.ExcludeSelectors} {
		if len(list) > MaxSelectors {
			add(name, "at most "+strconv.Itoa(MaxSelectors)+" selectors")
			continue
		}
		for _, s := range list {
			if strings.TrimSpace(s) == "" || len(s) > MaxSelectorBytes {
				add(name, "each selector must be 1 to "+strconv.Itoa(MaxSelectorBytes)+" bytes")
			}
		}
	}
	if len(r.Extract) > MaxExtractFields {
		add("extract", "at most "+strconv.Itoa(MaxExtractFields)+" fields")
	} else {
		for _, name := range slices.Sorted(maps.Keys(r.Extract)) {
			f := r.Extract[name]
			field := "extract." + name
			if name == "" || len(name) > 128 {
				add("extract", "field names must be 1 to 128 bytes")
			}
			if strings.TrimSpace(f.Selector) == "" || len(f.Selector) > MaxSelectorBytes {
				add(field+".selector", "is required, at most "+strconv.Itoa(MaxSelectorBytes)+" bytes")
			}
			switch f.Type {
			case "", ExtractString, ExtractNumber, ExtractInteger, ExtractBoolean, ExtractList:
			default:
				add(field+".type", "must be string, number, integer, boolean or list")
			}
		}
	}
	if r.MaxAge != nil && *r.MaxAge < 0 {
		add("max_age", "must be zero or more seconds")
	}
	if r.TimeoutMS < 0 || (maxTimeoutMS > 0 && r.TimeoutMS > maxTimeoutMS) {
		add("timeout_ms", "must be between 1 and "+strconv.Itoa(maxTimeoutMS))
	}
	return errs
}

// Normalize fills defaults and canonical forms so that equivalent requests compare equal: the
// formats lower-cased, de-duplicated and in ScrapeFormats order (default markdown, metadata),
// the URL's scheme and host lower-cased, its default port and fragment dropped.
func (r *ScrapeRequest) Normalize() {
	if len(r.Formats) == 0 {
		r.Formats = []string{FormatMarkdown, FormatMetadata}
	}
	var fs []string
	for _, f := range ScrapeFormats {
		for _, g := range r.Formats {
			if strings.ToLower(strings.TrimSpace(g)) == f {
				fs = append(fs, f)
				break
			}
		}
	}
	r.Formats = fs
	r.URL = NormalizeURL(r.URL)
	for name, f := range r.Extract {
		if f.Type == "" {
			f.Type = ExtractString
		}
		f.Selector = strings.TrimSpace(f.Selector)
		r.Extract[name] = f
	}
	if r.MainContent != nil && *r.MainContent {
		r.MainContent = nil
	}
}

// NormalizeURL is the canonical form of an http(s) URL for cache keys: scheme and host in
// lower case, the scheme's default port and the fragment dropped, an empty path made "/".
// Query order is kept: servers may read it.
func NormalizeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String()
}

// CacheKey is the key every equivalent scrape shares: the normalised URL and every option that
// changes the answer (formats, main_content, selectors, extract), not the per-request controls
// (max_age, no_cache, timeout_ms). r must be normalised. "scrape/v1" changes with these rules.
func (r *ScrapeRequest) CacheKey() string {
	opts, _ := json.Marshal(struct {
		F []string                `json:"f"`
		M bool                    `json:"m"`
		I []string                `json:"i,omitempty"`
		X []string                `json:"x,omitempty"`
		E map[string]ExtractField `json:"e,omitempty"` // encoding/json sorts map keys
	}{r.Formats, r.WantsMainContent(), r.IncludeSelectors, r.ExcludeSelectors, r.Extract})
	sum := sha256.Sum256([]byte("scrape/v1\x00" + r.URL + "\x00" + string(opts)))
	return hex.EncodeToString(sum[:16])
}

// ScrapeResponse is the answer to a scrape: scrape_metadata first, then the ScrapeBody.
type ScrapeResponse struct {
	ScrapeMetadata ScrapeMetadata `json:"scrape_metadata"`
	ScrapeBody
}

// ScrapeMetadata describes how this answer was produced; the cache does not store it.
type ScrapeMetadata struct {
	// ID is this answer's own id; PageID the fetched page it came from (GET
	// /v1/scrapes/{id}?output=html).
	ID        string    `json:"id"`
	PageID    string    `json:"page_id,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Status    string    `json:"status"`
	Cache     string    `json:"cache"`
	CreatedAt time.Time `json:"created_at"`
	// AgeSeconds is how old the page is (0 for a fresh fetch).
	AgeSeconds int64   `json:"age_seconds"`
	TimingsMS  Timings `json:"timings_ms"`
	// URL is what was asked (normalised); FinalURL where redirects ended.
	URL         string `json:"url"`
	FinalURL    string `json:"final_url"`
	HTTPStatus  int    `json:"http_status"`
	ContentType string `json:"content_type"`
	Charset     string `json:"charset,omitempty"`
}

// ScrapeBody is what is stored for a scraped page and key: the page facts and the asked formats.
type ScrapeBody struct {
	FinalURL    string `json:"-"`
	HTTPStatus  int    `json:"-"`
	ContentType string `json:"-"`
	Charset     string `json:"-"`

	Markdown string        `json:"markdown,omitempty"`
	HTML     string        `json:"html,omitempty"`
	RawHTML  string        `json:"raw_html,omitempty"`
	Text     string        `json:"text,omitempty"`
	Links    []PageLink    `json:"links,omitempty"`
	Metadata *PageMetadata `json:"metadata,omitempty"`
	// Extract holds the typed fields asked for; a field that matched nothing is absent (null
	// for a list is never used: an empty list is []).
	Extract map[string]any `json:"extract,omitempty"`
	// ExtractErrors names each required field that matched nothing or would not convert.
	ExtractErrors []FieldError `json:"extract_errors,omitempty"`
}

// PageLink is one link of the page, made absolute.
type PageLink struct {
	URL  string `json:"url"`
	Text string `json:"text,omitempty"`
}

// PageMetadata is what the page says about itself.
type PageMetadata struct {
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Language    string            `json:"language,omitempty"`
	Canonical   string            `json:"canonical,omitempty"`
	Author      string            `json:"author,omitempty"`
	Published   string            `json:"published_time,omitempty"`
	SiteName    string            `json:"site_name,omitempty"`
	Image       string            `json:"image,omitempty"`
	OpenGraph   map[string]string `json:"open_graph,omitempty"`
	Twitter     map[string]string `json:"twitter,omitempty"`
	// JSONLD holds each <script type="application/ld+json"> block that parses, as parsed.
	JSONLD []json.RawMessage `json:"json_ld,omitempty"`
}

// scrapeResponsePrefix opens every scrape answer: scrape_metadata is its first member.
const scrapeResponsePrefix = `{"scrape_metadata":`

// scrapePrefix opens a stored scrape body: the page facts come first, so the cache can move
// them into scrape_metadata without decoding the (possibly large) rest.
const scrapePrefix = `{"page":`

type pageFacts struct {
	FinalURL    string `json:"final_url"`
	HTTPStatus  int    `json:"http_status"`
	ContentType string `json:"content_type"`
	Charset     string `json:"charset,omitempty"`
}

// EncodeScrapeBody is the parse stage's encoding of b for the cache:
// {"page":{final_url,http_status,content_type,charset}, …b's members}.
func EncodeScrapeBody(b *ScrapeBody) []byte {
	facts, _ := json.Marshal(pageFacts{b.FinalURL, b.HTTPStatus, b.ContentType, b.Charset})
	body, _ := json.Marshal(b)
	out := make([]byte, 0, len(scrapePrefix)+len(facts)+len(body)+1)
	out = append(out, scrapePrefix...)
	out = append(out, facts...)
	if len(body) > 2 {
		out = append(out, ',')
		return append(out, body[1:]...)
	}
	return append(out, '}')
}

// ComposeScrapeResponse joins meta and a body stored by EncodeScrapeBody into one
// ScrapeResponse document: the page facts move into meta, the rest is copied as it is.
func ComposeScrapeResponse(meta *ScrapeMetadata, stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, []byte(scrapePrefix)) {
		return nil, NewError(TypeInternal, "stored scrape body is not in its form")
	}
	rest := stored[len(scrapePrefix):]
	n := objectEnd(rest)
	var f pageFacts
	if n < 0 || json.Unmarshal(rest[:n], &f) != nil {
		return nil, NewError(TypeInternal, "stored scrape body is not in its form")
	}
	meta.FinalURL, meta.HTTPStatus, meta.ContentType, meta.Charset = f.FinalURL, f.HTTPStatus, f.ContentType, f.Charset
	m, _ := json.Marshal(meta)
	rest = rest[n:]
	out := make([]byte, 0, len(scrapeResponsePrefix)+len(m)+len(rest))
	out = append(out, scrapeResponsePrefix...)
	out = append(out, m...)
	return append(out, rest...), nil
}
