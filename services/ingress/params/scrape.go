package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
)

// The parameters of a scrape. In a GET query, formats is comma-separated, the selector lists
// repeat their parameter (a selector may hold commas), and extract is the JSON object as it
// would be in a body.
var scrapeParams = []string{"url", "formats", "main_content", "include_selectors", "exclude_selectors", "extract",
	"max_age", "no_cache", "timeout_ms", "async", "webhook_url"}

// repeatable are the query parameters that may be given more than once.
var repeatable = map[string]bool{"include_selectors": true, "exclude_selectors": true}

// ParseScrapeQuery reads a scrape request from query arguments, collecting every problem of
// form; ValidateScrape checks the values.
func ParseScrapeQuery(args *fasthttp.Args) (*schemas.ScrapeRequest, []schemas.FieldError) {
	var r schemas.ScrapeRequest
	var errs []schemas.FieldError
	seen := map[string]bool{}
	for k, v := range args.All() {
		name := string(k)
		switch {
		case !contains(scrapeParams, name):
			errs = append(errs, FieldError(name, "unknown parameter"))
			continue
		case seen[name] && !repeatable[name]:
			errs = append(errs, FieldError(name, "given more than once"))
			continue
		case len(v) == 0:
			seen[name] = true
			errs = append(errs, FieldError(name, "must not be empty"))
			continue
		}
		seen[name] = true
		val := string(v)
		switch name {
		case "url":
			r.URL = val
		case "formats":
			r.Formats = strings.Split(val, ",")
		case "include_selectors":
			r.IncludeSelectors = append(r.IncludeSelectors, val)
		case "exclude_selectors":
			r.ExcludeSelectors = append(r.ExcludeSelectors, val)
		case "extract":
			if err := strictJSON([]byte(val), &r.Extract); err != nil {
				errs = append(errs, FieldError(name, "must be a JSON object of fields: "+err.Error()))
			}
		case "webhook_url":
			r.WebhookURL = val
		case "main_content", "no_cache", "async":
			b, err := strconv.ParseBool(val)
			if err != nil {
				errs = append(errs, FieldError(name, "must be true or false"))
				continue
			}
			switch name {
			case "no_cache":
				r.NoCache = b
			case "async":
				r.Async = b
			default:
				r.MainContent = &b
			}
		case "max_age", "timeout_ms":
			n, e := parseDigits(v)
			if e == "" && name == "timeout_ms" && n == 0 {
				e = "must be at least 1"
			}
			if e != "" {
				errs = append(errs, FieldError(name, e))
				continue
			}
			if name == "max_age" {
				r.MaxAge = &n
			} else {
				r.TimeoutMS = n
			}
		}
	}
	return &r, errs
}

// DecodeScrapeBody reads a scrape request from a JSON body (POST /v1/scrape and NATS): one
// object, nothing after it, no unknown member.
func DecodeScrapeBody(body []byte) (*schemas.ScrapeRequest, []schemas.FieldError) {
	if !utf8.Valid(body) {
		return nil, []schemas.FieldError{FieldError("body", "must be valid UTF-8")}
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		if len(t) == 0 {
			return nil, []schemas.FieldError{FieldError("body", "is empty")}
		}
		return nil, []schemas.FieldError{FieldError("body", "must be a JSON object")}
	}
	var r schemas.ScrapeRequest
	if err := strictJSON(body, &r); err != nil {
		return nil, []schemas.FieldError{scrapeBodyError(err, body)}
	}
	if errs := exactMembers(body); len(errs) > 0 {
		return nil, errs
	}
	if r.TimeoutMS == 0 && bytes.Contains(body, []byte(`"timeout_ms"`)) {
		return &r, []schemas.FieldError{FieldError("timeout_ms", "must be at least 1")}
	}
	return &r, nil
}

// scrapeMembers and extractMembers are the member names a scrape body may use, exactly.
var (
	scrapeMembers  = jsonNames(reflect.TypeFor[schemas.ScrapeRequest]())
	extractMembers = jsonNames(reflect.TypeFor[schemas.ExtractField]())
)

func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// exactMembers holds a decoded body to what a query string is held to: encoding/json matches
// member names without regard to case ("URL" is url) and keeps the last of a repeated member,
// where GET refuses an unknown or repeated parameter. The same request must not mean one thing
// over GET and another over POST or NATS.
func exactMembers(body []byte) []schemas.FieldError {
	var errs []schemas.FieldError
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil // strictJSON has judged it
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		name, _ := t.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil
		}
		switch {
		case !scrapeMembers[name]:
			errs = append(errs, FieldError(name, "unknown field (member names are lower case: "+strings.ToLower(name)+"?)"))
		case seen[name]:
			errs = append(errs, FieldError(name, "given more than once"))
		case name == "extract":
			var fields map[string]map[string]json.RawMessage
			if json.Unmarshal(value, &fields) != nil {
				continue
			}
			for _, field := range slices.Sorted(maps.Keys(fields)) {
				for member := range fields[field] {
					if !extractMembers[member] {
						errs = append(errs, FieldError("extract."+field+"."+member, "unknown field; an extract field has selector, attr, type and required"))
					}
				}
			}
		}
		seen[name] = true
	}
	return errs
}

// strictJSON decodes exactly one JSON value into v, refusing unknown members.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// scrapeBodyError names the member a decoding error is about, where encoding/json says.
// encoding/json leaves the extract field's name out of the path ("extract.required", or
// just "kind" for an unknown member), so inExtract finds which field it was.
func scrapeBodyError(err error, body []byte) schemas.FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		field := te.Field
		if member, ok := strings.CutPrefix(field, "extract."); ok {
			field = inExtract(body, member, field)
		}
		return FieldError(field, "must be "+jsonKind(te.Type.Kind().String()))
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		member := strings.Trim(msg, `"`)
		var top map[string]json.RawMessage
		if json.Unmarshal(body, &top) == nil && top[member] == nil {
			// Not a member of the request: of one of its extract fields.
			return FieldError(inExtract(body, member, "extract"), "unknown field; an extract field has selector, attr, type and required")
		}
		return FieldError(member, "unknown field")
	}
	return bodyError(truncated(err))
}

// inExtract is "extract.<name>.<member>" for the first extract field (by name) that has
// member, or fallback.
func inExtract(body []byte, member, fallback string) string {
	var req struct {
		Extract map[string]map[string]json.RawMessage `json:"extract"`
	}
	if json.Unmarshal(body, &req) != nil {
		return fallback
	}
	names := make([]string, 0, len(req.Extract))
	for name := range req.Extract {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := req.Extract[name][member]; ok {
			return "extract." + name + "." + member
		}
	}
	return fallback
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64":
		return "an integer"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a value of the right type"
	}
	return "of the right type"
}

// ValidateScrape runs every check: form errors first, then value errors, then the CSS
// selectors the converter would refuse (so a bad selector costs no fetch).
func ValidateScrape(r *schemas.ScrapeRequest, form []schemas.FieldError, maxTimeoutMS int) []schemas.FieldError {
	errs := form
	bad := map[string]bool{}
	for _, e := range form {
		bad[e.Field] = true
	}
	for _, e := range r.Validate(maxTimeoutMS) {
		if !bad[e.Field] {
			errs = append(errs, e)
		}
	}
	for _, e := range errs {
		bad[e.Field] = true
	}
	for _, e := range scrape.CheckSelectors(r) {
		if !bad[e.Field] {
			errs = append(errs, e)
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
