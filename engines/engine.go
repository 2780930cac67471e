// Package engines holds one file per search engine: how to ask it for a page (Request) and how
// to read the page it answers with (Parse). all.go lists every engine; adding an engine means
// adding its file and one line there, and touches no other stage.
package engines

import (
	"net/http"
	"net/url"

	"github.com/trawl-dev/trawl/schemas"
)

// Engine is one search engine.
type Engine interface {
	// Name is the engine's identifier in requests (engine=NAME) and metrics.
	Name() string
	// BaseURL is the engine's own scheme and host, e.g. https://html.duckduckgo.com. Configuration
	// may replace it (TRAWL_ENGINE_URLS); the engine keeps its own path and parameters.
	BaseURL() string
	// Request builds the upstream request for r (normalised, single engine) against base.
	Request(base *url.URL, r *schemas.SearchRequest) (*Request, error)
	// Parse reads one result page. A block or CAPTCHA page is a *schemas.Error of kind
	// TypeBlocked; a page that is neither results, no-results nor a known block page is
	// TypeUnrecognised; a genuine no-results page is a SERP with zero organic results.
	Parse(page []byte, r *schemas.SearchRequest) (*schemas.SERP, error)
}

// Request is an upstream HTTP request as an engine wants it sent.
type Request struct {
	Method string
	URL    string
	Header http.Header
	// Body is the form body of a POST, nil for GET.
	Body []byte
}

// Blocked reports a block, CAPTCHA or consent page.
func Blocked(engine, why string) error {
	e := schemas.NewError(schemas.TypeBlocked, engine+": "+why)
	e.Engine = engine
	return e
}

// Unrecognised reports a page the parser does not know.
func Unrecognised(engine, why string) error {
	e := schemas.NewError(schemas.TypeUnrecognised, engine+": "+why)
	e.Engine = engine
	return e
}

// browserHeaders are sent with every upstream request: what a current desktop browser sends,
// so engines serve their ordinary layout.
func browserHeaders(lang string) http.Header {
	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if lang == "" {
		lang = "en-US,en;q=0.9"
	}
	h.Set("Accept-Language", lang)
	return h
}
