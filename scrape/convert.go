package scrape

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

// MaxBodyBytes bounds what Convert accepts. The fetcher's --scrape-max-bytes is normally far
// smaller; this is the limit of the converter itself, whose cost grows with the page.
const MaxBodyBytes = 32 << 20

// Page is a fetched page, as the fetcher hands it over.
type Page struct {
	Body []byte
	// URL is the final URL, after redirects: relative links resolve against it.
	URL string
	// ContentType is the Content-Type header as received (empty when there was none).
	ContentType string
	HTTPStatus  int
}

type kind int

const (
	kindUnsupported kind = iota
	kindSniff            // no usable Content-Type: look at the bytes
	kindHTML
	kindXHTML
	kindText
	kindJSON
)

func classify(mediaType string) kind {
	switch mediaType {
	case "text/html":
		return kindHTML
	case "application/xhtml+xml", "application/xhtml":
		return kindXHTML
	case "text/plain", "text/markdown", "text/x-markdown":
		return kindText
	case "application/json", "text/json", "application/x-json":
		return kindJSON
	case "", "application/octet-stream", "binary/octet-stream", "application/unknown", "unknown/unknown", "application/x-unknown-content-type":
		return kindSniff
	}
	if strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, "+json") {
		return kindJSON
	}
	return kindUnsupported
}

// Accepts reports whether Convert can handle a response with this Content-Type header, so the
// fetcher can stop before downloading a PDF or a video. A missing or application/octet-stream
// type is accepted: only the bytes can tell.
func Accepts(contentType string) bool {
	mt, _ := parseContentType(contentType)
	return classify(mt) != kindUnsupported
}

// sniff decides what an untyped body is, from its bytes.
func sniff(body []byte) (kind, string) {
	mt, _ := parseContentType(http.DetectContentType(body))
	switch mt {
	case "text/html":
		return kindHTML, mt
	case "text/xml":
		head := bytes.ToLower(body[:min(len(body), 1024)])
		if bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("xhtml")) {
			return kindXHTML, "application/xhtml+xml"
		}
	case "text/plain":
		if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t) {
			return kindJSON, "application/json"
		}
		return kindText, mt
	}
	return kindUnsupported, mt
}

// Convert turns a fetched page into the formats r asks for (r normalised; nil is the default
// request). The page facts
// (final URL, status, content type and charset) are always set; each format only when asked.
// Errors are *schemas.Error: TypeUnsupportedContent for anything but HTML, XHTML, plain text
// and JSON, TypePageTooLarge over MaxBodyBytes, TypeValidation for an include or exclude
// selector that is not CSS.
func Convert(p Page, r *schemas.ScrapeRequest) (*schemas.ScrapeBody, error) {
	if r == nil {
		r = &schemas.ScrapeRequest{}
		r.Normalize()
	}
	if len(p.Body) > MaxBodyBytes {
		return nil, schemas.Errorf(schemas.TypePageTooLarge, "page is %d bytes; at most %d can be converted", len(p.Body), MaxBodyBytes)
	}
	mt, cs := parseContentType(p.ContentType)
	k := classify(mt)
	if k == kindSniff {
		k, mt = sniff(p.Body)
		cs = "" // a type guessed from the bytes carries no charset worth trusting
	}
	if k == kindUnsupported {
		return nil, unsupported(mt)
	}
	base, err := url.Parse(p.URL)
	if err != nil || !base.IsAbs() {
		base = nil
	}
	src, charsetName := decode(p.Body, cs, k == kindHTML || k == kindXHTML)
	out := &schemas.ScrapeBody{FinalURL: p.URL, HTTPStatus: p.HTTPStatus, ContentType: mt, Charset: charsetName}
	if r.Wants(schemas.FormatRawHTML) {
		out.RawHTML = string(src)
	}
	switch k {
	case kindHTML, kindXHTML:
		if err := convertHTML(out, src, base, r, k == kindXHTML); err != nil {
			return nil, err
		}
	case kindText:
		convertText(out, string(src), "", r)
	case kindJSON:
		convertJSON(out, src, r)
	}
	return out, nil
}

func unsupported(mt string) *schemas.Error {
	if mt == "" {
		mt = "unknown"
	}
	return schemas.Errorf(schemas.TypeUnsupportedContent, "content type %s is not supported: trawl converts HTML, XHTML, plain text and JSON", strconv.Quote(mt))
}

// convertText fills a text page's formats: its text is its markdown too (fenced in the given
// language when there is one). Selectors and extract fields find nothing in a page that is not
// markup, which is reported for each required field.
func convertText(out *schemas.ScrapeBody, text, lang string, r *schemas.ScrapeRequest) {
	if r.Wants(schemas.FormatText) {
		out.Text = text
	}
	if r.Wants(schemas.FormatMarkdown) {
		if lang == "" {
			out.Markdown = text
		} else {
			out.Markdown = fence(text, lang)
		}
	}
	if r.Wants(schemas.FormatMetadata) {
		out.Metadata = &schemas.PageMetadata{}
	}
	if len(r.Extract) > 0 {
		out.Extract, out.ExtractErrors = extractNone(r.Extract, "the page is "+out.ContentType+", not HTML")
	}
}

func convertJSON(out *schemas.ScrapeBody, src []byte, r *schemas.ScrapeRequest) {
	text := string(src)
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(src), "", "  "); err == nil {
		text = buf.String()
	}
	convertText(out, text, "json", r)
}

// fence wraps text in a code fence longer than any run of backticks inside it.
func fence(text, lang string) string {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + f
}
