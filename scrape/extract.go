package scrape

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/trawl-dev/trawl/schemas"
	"golang.org/x/net/html"
)

// maxScanning bounds the pseudo-classes that scan a whole subtree for every element they test
// (:has, :contains, :matches). One costs the document's size times its depth; nested, they
// cost that again per level, which a 512-byte selector can turn into hours on a large page.
const maxScanning = 1

// compileSelector parses a CSS selector group, refusing ones too costly to run.
func compileSelector(s string) (sel cascadia.SelectorGroup, err error) {
	defer func() {
		if r := recover(); r != nil { // a parser bug must not take the scrape down
			sel, err = nil, fmt.Errorf("cannot parse: %v", r)
		}
	}()
	lower := strings.ToLower(s)
	n := 0
	// ":containsown(" and ":matchesown(" read only the element's own text: they are cheap.
	for _, p := range []string{":has(", ":contains(", ":matches("} {
		n += strings.Count(lower, p)
	}
	if n > maxScanning {
		return nil, fmt.Errorf("too costly: at most %d of :has(), :contains() and :matches() per selector", maxScanning)
	}
	return cascadia.ParseGroup(s)
}

// CheckSelectors reports every CSS selector in r (include_selectors, exclude_selectors, the
// extract fields') that Convert would refuse, so that the request is refused before the page
// is fetched rather than after: same errors, no fetch spent on a request that cannot succeed.
func CheckSelectors(r *schemas.ScrapeRequest) []schemas.FieldError {
	_, errs := compileSelectors("include_selectors", r.IncludeSelectors)
	_, exc := compileSelectors("exclude_selectors", r.ExcludeSelectors)
	errs = append(errs, exc...)
	for _, name := range slices.Sorted(maps.Keys(r.Extract)) {
		f := r.Extract[name]
		if strings.TrimSpace(f.Selector) == "" {
			continue // Validate says it is required
		}
		if _, err := compileSelector(f.Selector); err != nil {
			errs = append(errs, schemas.FieldError{Field: "extract." + name + ".selector", Message: "invalid CSS selector " + strconv.Quote(f.Selector) + ": " + err.Error()})
		}
	}
	return errs
}

// compileSelectors compiles include or exclude selectors, naming each one that fails.
func compileSelectors(field string, list []string) ([]cascadia.SelectorGroup, []schemas.FieldError) {
	var out []cascadia.SelectorGroup
	var errs []schemas.FieldError
	for _, s := range list {
		sel, err := compileSelector(s)
		if err != nil {
			errs = append(errs, schemas.FieldError{Field: field, Message: "invalid CSS selector " + strconv.Quote(s) + ": " + err.Error()})
			continue
		}
		out = append(out, sel)
	}
	return out, errs
}

// extract reads every field from the whole document (its URLs already absolute), in name
// order so that the errors come out in a stable order.
func extract(doc *html.Node, fields map[string]schemas.ExtractField) (map[string]any, []schemas.FieldError) {
	values := map[string]any{}
	var errs []schemas.FieldError
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		f := fields[name]
		fail := func(msg string) { errs = append(errs, schemas.FieldError{Field: "extract." + name, Message: msg}) }
		sel, err := compileSelector(f.Selector)
		if err != nil {
			fail("invalid CSS selector " + strconv.Quote(f.Selector) + ": " + err.Error())
			continue
		}
		found := readField(doc, sel, f)
		if f.Type == schemas.ExtractList {
			values[name] = found
			if len(found) == 0 && f.Required {
				fail(nothingMatched(f))
			}
			continue
		}
		if len(found) == 0 {
			if f.Required {
				fail(nothingMatched(f))
			}
			continue
		}
		v, err := convertValue(found[0], f.Type)
		if err != nil {
			fail(err.Error())
			continue
		}
		values[name] = v
	}
	if len(values) == 0 {
		values = nil
	}
	return values, errs
}

func nothingMatched(f schemas.ExtractField) string {
	if f.Attr != "" {
		return "selector matched nothing with attribute " + strconv.Quote(f.Attr)
	}
	return "selector matched nothing"
}

// readField is the value of each element sel matches, in document order: its collapsed text,
// or its attribute f.Attr (an element without the attribute is passed over, so "a" with attr
// "href" finds the first link that has one). A list keeps every non-empty value; any other type
// needs only the first.
func readField(doc *html.Node, sel cascadia.SelectorGroup, f schemas.ExtractField) []string {
	found := []string{}
	for _, n := range cascadia.QueryAll(doc, sel) {
		var v string
		if f.Attr != "" {
			a, ok := attr(n, strings.ToLower(f.Attr))
			if !ok {
				continue
			}
			v = strings.TrimSpace(a)
		} else {
			v = textContent(n)
		}
		if f.Type == schemas.ExtractList {
			if v != "" {
				found = append(found, v)
			}
			continue
		}
		return []string{v}
	}
	return found
}

// extractNone answers extract for a page that has no elements: lists are empty, other fields
// absent, and each required one reported with why.
func extractNone(fields map[string]schemas.ExtractField, why string) (map[string]any, []schemas.FieldError) {
	values := map[string]any{}
	var errs []schemas.FieldError
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		f := fields[name]
		if f.Type == schemas.ExtractList {
			values[name] = []string{}
		}
		if f.Required {
			errs = append(errs, schemas.FieldError{Field: "extract." + name, Message: nothingMatched(f) + ": " + why})
		}
	}
	if len(values) == 0 {
		values = nil
	}
	return values, errs
}

func convertValue(s, typ string) (any, error) {
	switch typ {
	case schemas.ExtractNumber:
		return parseNumber(s)
	case schemas.ExtractInteger:
		return parseInteger(s)
	case schemas.ExtractBoolean:
		return parseBool(s)
	}
	return s, nil
}
