package sim

import (
	"fmt"
	"regexp"
	"strings"
)

// Layout drift (Config.Drift): what an engine's pages turn into after a redesign or behind a
// soft block, the failures that answer 200 and are no error to any status code. The engine's
// own no-results and CAPTCHA pages, and the "noresults" and "newlayout" queries, are left as
// they are: a genuine no-results page must stay one.
const (
	// DriftClasses renames the result markup: the page is the engine's in every other way but
	// no parser finds a result on it (results vanish).
	DriftClasses = "classes"
	// DriftSnippets drops every organic result's snippet.
	DriftSnippets = "snippets"
	// DriftSoftBlock serves the engine's results page with no results on it and no
	// no-results notice, as an engine quietly refusing a client does.
	DriftSoftBlock = "softblock"
)

// DriftKinds lists the drifts, for --sim-drift.
var DriftKinds = []string{DriftClasses, DriftSnippets, DriftSoftBlock}

func validDrift(kind string) error {
	if kind == "" {
		return nil
	}
	for _, k := range DriftKinds {
		if k == kind {
			return nil
		}
	}
	return fmt.Errorf("%q, want one of %s", kind, strings.Join(DriftKinds, ", "))
}

// snippetText matches the organic snippets every simulated engine writes ("The guide about
// <b>q</b>, result 3 of this simulated engine."), in HTML and in JSON alike.
var snippetText = regexp.MustCompile(`The (?:` + strings.Join(words, "|") + `) about .*?, result \d+ of this simulated engine\.`)

// resultMarkup matches the class and attribute names result markup is found by: renaming
// them all is what a redesign does to a parser.
var resultMarkup = regexp.MustCompile(`(class|data-[a-z-]+|id|role|aria-level)=("[^"]*"|'[^']*')`)

// drifted renders the engine's page for one slice of its ranking as drift kind makes it.
func (e *engine) drifted(kind, q string, offset, size, total int) string {
	switch kind {
	case DriftSnippets:
		return snippetText.ReplaceAllString(e.page(q, offset, size, total), "")
	case DriftSoftBlock:
		// A results page (a later page's, so no ads or answer module quote a result) with
		// nothing on it.
		return e.results(&serp{q: q, offset: size, size: size, total: total + size, seed: querySeed(q)})
	case DriftClasses:
		page := e.page(q, offset, size, total)
		if strings.HasPrefix(strings.TrimSpace(page), "{") {
			// An API engine's reply: its result lists renamed.
			return strings.NewReplacer(`"items"`, `"entries_v2"`, `"search"`, `"search_v2"`, `"pages"`, `"pages_v2"`, `"result"`, `"result_v2"`).Replace(page)
		}
		return resultMarkup.ReplaceAllString(strings.ReplaceAll(page, "<h3", "<h4"), `$1="v2"`)
	}
	return e.page(q, offset, size, total)
}

// DriftedPage is the page engine answers q's page (1-based) with under drift kind, with
// perPage results a page and pages pages: for tests of the parsers and the alarm.
func DriftedPage(engineName, kind, q string, page, perPage, pages int) []byte {
	e := engineNamed(engineName)
	if e == nil {
		return nil
	}
	size := e.size(clampSize(perPage))
	return []byte(e.drifted(kind, q, (max(page, 1)-1)*size, size, size*pages))
}
