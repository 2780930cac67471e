package ingress

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// queryParams are the parameters GET /v1/search accepts; anything else is rejected, so a typo
// ("engnie") is an error rather than a silent default.
var queryParams = map[string]bool{
	"q": true, "engine": true, "page": true, "num": true, "hl": true, "gl": true, "safe": true,
	"max_age": true, "no_cache": true, "timeout_ms": true,
}

// ParseQuery reads a search request from query arguments, collecting every problem. It checks
// form (types, unknown and repeated parameters); Validate checks values.
func ParseQuery(args *fasthttp.Args) (*schemas.SearchRequest, []schemas.FieldError) {
	var r schemas.SearchRequest
	var errs []schemas.FieldError
	seen := map[string]bool{}
	intArg := func(name string, v []byte) int {
		n, err := strconv.Atoi(string(v))
		if err != nil {
			errs = append(errs, schemas.FieldError{Field: name, Message: "must be an integer"})
		}
		return n
	}
	for k, v := range args.All() {
		name := string(k)
		if !queryParams[name] {
			errs = append(errs, schemas.FieldError{Field: name, Message: "unknown parameter"})
			continue
		}
		if seen[name] {
			errs = append(errs, schemas.FieldError{Field: name, Message: "given more than once"})
			continue
		}
		seen[name] = true
		switch name {
		case "q":
			r.Q = string(v)
		case "engine":
			r.Engine = string(v)
		case "page":
			r.Page = intArg(name, v)
			if r.Page == 0 && len(v) > 0 {
				errs = append(errs, schemas.FieldError{Field: name, Message: "must be between 1 and " + strconv.Itoa(schemas.MaxPage)})
			}
		case "num":
			r.Num = intArg(name, v)
		case "hl":
			r.HL = string(v)
		case "gl":
			r.GL = string(v)
		case "safe":
			r.Safe = string(v)
		case "max_age":
			n := intArg(name, v)
			r.MaxAge = &n
		case "timeout_ms":
			r.TimeoutMS = intArg(name, v)
		case "no_cache":
			b, err := strconv.ParseBool(string(v))
			if err != nil {
				errs = append(errs, schemas.FieldError{Field: name, Message: "must be true or false"})
			}
			r.NoCache = b
		}
	}
	return &r, errs
}

// DecodeBody reads a search request from a JSON body: one object, no unknown fields, nothing
// after it.
func DecodeBody(body []byte) (*schemas.SearchRequest, []schemas.FieldError) {
	var r schemas.SearchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, []schemas.FieldError{bodyError(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, []schemas.FieldError{{Field: "body", Message: "must hold exactly one JSON object"}}
	}
	return &r, nil
}

// bodyError names the field a JSON decoding error is about, where it can.
func bodyError(err error) schemas.FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return schemas.FieldError{Field: te.Field, Message: "must be of type " + te.Type.String()}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return schemas.FieldError{Field: strings.Trim(f, `"`), Message: "unknown field"}
	}
	if errors.Is(err, io.EOF) {
		return schemas.FieldError{Field: "body", Message: "is empty"}
	}
	return schemas.FieldError{Field: "body", Message: "malformed JSON: " + strings.TrimPrefix(msg, "json: ")}
}

// validate runs both checks: form errors first, then value errors of the fields that parsed.
func validate(r *schemas.SearchRequest, form []schemas.FieldError, known func(string) bool, maxTimeoutMS int) []schemas.FieldError {
	bad := map[string]bool{}
	for _, e := range form {
		bad[e.Field] = true
	}
	errs := form
	for _, e := range r.Validate(known, maxTimeoutMS) {
		if !bad[e.Field] {
			errs = append(errs, e)
		}
	}
	return errs
}
