package engines

import (
	"github.com/trawl-dev/trawl/schemas"
)

// Classifier is an engine that can tell what kind of page it holds more cheaply than by
// parsing it. The fetcher only needs the kind (results or no-results, blocked, unrecognised)
// to decide whether to retry on another route; the parser stage parses the page anyway.
type Classifier interface {
	// Classify answers as Parse would: nil for results or a genuine no-results page, a
	// *schemas.Error of kind TypeBlocked or TypeUnrecognised otherwise. When unsure it must
	// fall back to Parse, so the two never disagree.
	Classify(page []byte, r *schemas.SearchRequest) error
}

// Classify reports the kind of page with the named engine: its Classifier when it has one,
// else its full Parse.
func (r *Registry) Classify(name string, page []byte, req *schemas.SearchRequest) error {
	e, ok := r.engines[name]
	if !ok {
		return schemas.Errorf(schemas.TypeValidation, "unknown engine %q", name)
	}
	if c, ok := e.(Classifier); ok {
		return asInterstitial(name, page, c.Classify(page, req))
	}
	_, err := e.Parse(page, req)
	return asInterstitial(name, page, err)
}

// asInterstitial turns an engine's unrecognised_page into blocked when the page is one of the
// bot walls CDNs put in front of any site (Cloudflare's "Just a moment...", DataDome,
// PerimeterX, Akamai's "Access Denied"): the engine never saw the request, so the fetcher
// should try another route, as for the engine's own CAPTCHA. Only a page the engine did not
// recognise is looked at, so no result page is ever taken for one.
func asInterstitial(engine string, page []byte, err error) error {
	if se := schemas.AsError(err); se == nil || se.Kind != schemas.TypeUnrecognised {
		return err
	}
	for _, w := range interstitials {
		if containsAny(page, w.markers...) {
			return Blocked(engine, w.what)
		}
	}
	return err
}

var interstitials = []struct {
	what    string
	markers []string
}{
	// Not challenges.cloudflare.com or the bot-detection script (/cdn-cgi/challenge-platform/
	// scripts/): ordinary pages name them too (Bing's lists the host among its allowed ones).
	{"Cloudflare challenge page", []string{"<title>Just a moment...</title>", "/cdn-cgi/challenge-platform/h/", "cf_chl_opt", "Attention Required! | Cloudflare", "cf-browser-verification"}},
	{"DataDome challenge page", []string{"captcha-delivery.com"}},
	{"PerimeterX challenge page", []string{"px-captcha", "_pxCaptcha"}},
	{"Akamai access-denied page", []string{"errors.edgesuite.net"}},
}
