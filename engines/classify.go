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
		return c.Classify(page, req)
	}
	_, err := e.Parse(page, req)
	return err
}
