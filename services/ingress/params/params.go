// Package params reads the parameters of a search from a query string (GET) or a JSON body
// (POST, and NATS requests) strictly, and validates them. It is apart from the ingress so that
// its fuzz targets build without the ingress's test dependencies.
package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// The parameters of a search, in the query string of GET /v1/search or as members of the
// JSON body of POST /v1/search. Anything else is rejected, so a typo ("engnie") is an error
// rather than a silent default.
const (
	pQ = iota
	pEngine
	pPage
	pNum
	pHL
	pGL
	pSafe
	pMaxAge
	pNoCache
	pTimeoutMS
	pAsync
	pWebhookURL
	pType
)

var paramNames = [...]string{"q", "engine", "page", "num", "hl", "gl", "safe", "max_age", "no_cache", "timeout_ms", "async", "webhook_url", "type"}

var (
	pageRange = "must be between 1 and " + strconv.Itoa(schemas.MaxPage)
	numRange  = "must be between 1 and " + strconv.Itoa(schemas.MaxNum)
)

func paramIndex(name string) int {
	for i, n := range paramNames {
		if n == name {
			return i
		}
	}
	return -1
}

// FieldError is one validation error on field.
func FieldError(field, msg string) schemas.FieldError {
	return schemas.FieldError{Field: field, Message: msg}
}

// ParseQuery reads a search request from query arguments, collecting every problem. It checks
// form (unknown, repeated and empty parameters, types, explicit zeros); validate checks values.
func ParseQuery(args *fasthttp.Args) (*schemas.SearchRequest, []schemas.FieldError) {
	var r schemas.SearchRequest
	var errs []schemas.FieldError
	var seen uint16
	for k, v := range args.All() {
		i := paramIndex(string(k))
		switch {
		case i < 0:
			errs = append(errs, FieldError(string(k), "unknown parameter"))
			continue
		case seen&(1<<i) != 0:
			errs = append(errs, FieldError(paramNames[i], "given more than once"))
			continue
		case len(v) == 0:
			seen |= 1 << i
			errs = append(errs, FieldError(paramNames[i], "must not be empty"))
			continue
		}
		seen |= 1 << i
		if e := setParam(&r, i, v, nil); e != "" {
			errs = append(errs, FieldError(paramNames[i], e))
		}
	}
	return &r, errs
}

// setParam sets parameter i from a query value (raw) or a JSON value (js), returning what is
// wrong with it in form ("" when nothing).
func setParam(r *schemas.SearchRequest, i int, raw []byte, js json.RawMessage) string {
	if js != nil && string(js) == "null" {
		return "must not be null"
	}
	str := func(dst *string) string {
		if js == nil {
			*dst = string(raw)
			return ""
		}
		if json.Unmarshal(js, dst) != nil {
			return "must be a string"
		}
		return ""
	}
	// zero, when set, is the complaint about an explicit 0 (which would read as "unset").
	integer := func(dst *int, zero string) string {
		var n int
		if js == nil {
			var e string
			if n, e = parseDigits(raw); e != "" {
				return e
			}
		} else if json.Unmarshal(js, &n) != nil {
			return "must be an integer"
		}
		if zero != "" && n == 0 {
			return zero
		}
		*dst = n
		return ""
	}
	switch i {
	case pQ:
		return str(&r.Q)
	case pEngine:
		return str(&r.Engine)
	case pHL:
		return str(&r.HL)
	case pGL:
		return str(&r.GL)
	case pSafe:
		return str(&r.Safe)
	case pType:
		return str(&r.Type)
	case pPage:
		return integer(&r.Page, pageRange)
	case pNum:
		return integer(&r.Num, numRange)
	case pTimeoutMS:
		return integer(&r.TimeoutMS, "must be at least 1")
	case pMaxAge:
		var n int
		if e := integer(&n, ""); e != "" {
			return e
		}
		r.MaxAge = &n
		return ""
	case pWebhookURL:
		return str(&r.WebhookURL)
	case pNoCache, pAsync:
		var b bool
		var err error
		if js == nil {
			b, err = strconv.ParseBool(string(raw))
		} else {
			err = json.Unmarshal(js, &b)
		}
		if err != nil {
			return "must be true or false"
		}
		if i == pAsync {
			r.Async = b
		} else {
			r.NoCache = b
		}
	}
	return ""
}

// parseDigits reads a query integer: an optional minus and digits, nothing else (no "+", no
// spaces), without allocating. It returns what is wrong with b, if anything.
func parseDigits(b []byte) (int, string) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, "must be an integer"
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, "must be an integer"
		}
		n = n*10 + int(c-'0')
		if n > 1e9 {
			return 0, "is too large"
		}
	}
	if neg {
		n = -n
	}
	return n, ""
}

// DecodeBody reads a search request from a JSON body: one object, nothing after it. It walks
// the members itself rather than decoding into the struct, so that every unknown, repeated,
// null or mistyped member is reported at once (a plain strict decoder stops at the first).
func DecodeBody(body []byte) (*schemas.SearchRequest, []schemas.FieldError) {
	// encoding/json turns invalid UTF-8 into U+FFFD without a word: refuse it, as GET does.
	if !utf8.Valid(body) {
		return nil, []schemas.FieldError{FieldError("body", "must be valid UTF-8")}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, []schemas.FieldError{bodyError(err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, []schemas.FieldError{FieldError("body", "must be a JSON object")}
	}
	var r schemas.SearchRequest
	var errs []schemas.FieldError
	var seen uint16
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, []schemas.FieldError{bodyError(truncated(err))}
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, []schemas.FieldError{bodyError(truncated(err))}
		}
		i := paramIndex(name)
		switch {
		case i < 0:
			errs = append(errs, FieldError(name, "unknown field"))
			continue
		case seen&(1<<i) != 0:
			errs = append(errs, FieldError(name, "given more than once"))
			continue
		}
		seen |= 1 << i
		if e := setParam(&r, i, nil, raw); e != "" {
			errs = append(errs, FieldError(name, e))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, []schemas.FieldError{bodyError(truncated(err))}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, []schemas.FieldError{FieldError("body", "must hold exactly one JSON object")}
	}
	return &r, errs
}

// truncated reads an end of input inside the object as the malformation it is.
func truncated(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// bodyError describes a body that is not JSON.
func bodyError(err error) schemas.FieldError {
	if errors.Is(err, io.EOF) {
		return FieldError("body", "is empty")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return FieldError("body", "malformed JSON: unexpected end")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return FieldError("body", "malformed JSON at byte "+strconv.FormatInt(se.Offset, 10)+": "+se.Error())
	}
	return FieldError("body", "malformed JSON: "+err.Error())
}

// Validate runs both checks: form errors first, then value errors of the fields that parsed.
// supports (nil: not checked) reports whether an engine has a vertical, so type=news on an
// engine without news is a validation error naming the engine.
func Validate(r *schemas.SearchRequest, form []schemas.FieldError, known func(string) bool, supports func(engine, vertical string) bool, maxTimeoutMS int) []schemas.FieldError {
	errs := form
	verr := r.Validate(known, maxTimeoutMS)
	if len(verr) == 0 {
		verr = r.ValidateVertical(supports)
	}
	for _, e := range verr {
		dup := false
		for _, f := range form {
			dup = dup || f.Field == e.Field
		}
		if !dup {
			errs = append(errs, e)
		}
	}
	return errs
}
