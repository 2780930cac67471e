package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Problem types. Each is a stable identifier a client can switch on; the HTTP status and the
// micro error code of an Error follow from its type.
const (
	TypeValidation       = "validation"
	TypeNotFound         = "not_found"
	TypeMethodNotAllowed = "method_not_allowed"
	TypeUnauthorized     = "unauthorized"
	TypeRateLimited      = "rate_limited"
	TypeQuotaExceeded    = "quota_exceeded"
	TypeTooLarge         = "body_too_large"
	TypeUpstream         = "upstream_failed"
	TypeBlocked          = "blocked"
	TypeUnrecognised     = "unrecognised_page"
	TypeCircuitOpen      = "circuit_open"
	// TypeDegraded: the page was suspect while its engine is degraded (the silent-empty
	// alarm), and --degraded-answer=fail answers that instead of a page that yields nothing.
	TypeDegraded    = "degraded"
	TypeOverloaded  = "overloaded"
	TypeUnavailable = "unavailable"
	TypeTimeout     = "timeout"
	TypeInternal    = "internal"
	// Scrape: a target trawl will not connect to (private address, bad scheme or port), a
	// page over --scrape-max-bytes, and content that is not HTML, XHTML, text or JSON.
	TypeForbiddenTarget    = "forbidden_target"
	TypePageTooLarge       = "page_too_large"
	TypeUnsupportedContent = "unsupported_content"
	// A route this build answers but cannot serve yet.
	TypeNotImplemented = "not_implemented"
)

// ProblemTypeBase prefixes every problem type URI (RFC 9457 "type").
const ProblemTypeBase = "https://trawl.dev/problems/"

var typeStatus = map[string]int{
	TypeValidation:         400,
	TypeNotFound:           404,
	TypeMethodNotAllowed:   405,
	TypeUnauthorized:       401,
	TypeRateLimited:        429,
	TypeQuotaExceeded:      429,
	TypeTooLarge:           413,
	TypeForbiddenTarget:    400,
	TypePageTooLarge:       413,
	TypeUnsupportedContent: 415,
	TypeUpstream:           502,
	TypeBlocked:            502,
	TypeUnrecognised:       502,
	TypeDegraded:           502,
	TypeCircuitOpen:        503,
	TypeOverloaded:         503,
	TypeUnavailable:        503,
	TypeTimeout:            504,
	TypeInternal:           500,
	TypeNotImplemented:     501,
}

var typeTitle = map[string]string{
	TypeValidation:         "Invalid request",
	TypeNotFound:           "Not found",
	TypeMethodNotAllowed:   "Method not allowed",
	TypeUnauthorized:       "Missing or invalid API key",
	TypeRateLimited:        "Rate limit exceeded",
	TypeQuotaExceeded:      "Daily quota exceeded",
	TypeTooLarge:           "Request body too large",
	TypeForbiddenTarget:    "Target not allowed",
	TypePageTooLarge:       "Page too large",
	TypeUnsupportedContent: "Unsupported content type",
	TypeUpstream:           "Upstream engine failed",
	TypeBlocked:            "Upstream engine blocked the request",
	TypeUnrecognised:       "Unrecognised result page",
	TypeDegraded:           "Engine degraded: its pages yield far less than usual",
	TypeCircuitOpen:        "Engine temporarily disabled after repeated failures",
	TypeOverloaded:         "Overloaded, retry later",
	TypeUnavailable:        "Service unavailable",
	TypeTimeout:            "Deadline exceeded",
	TypeInternal:           "Internal error",
	TypeNotImplemented:     "Not implemented",
}

// FieldError names one bad field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is trawl's typed error. It is the body of every failed HTTP response (as
// application/problem+json, RFC 9457) and of every failed NATS reply (with the micro error
// headers set to its status and title), so both faces report failures identically.
type Error struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// RequestID echoes the request's id so a client can quote it.
	RequestID string `json:"request_id,omitempty"`
	// RetryAfterMS, when set, is how long the client should wait before retrying.
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	// Engine names the engine a failure came from, where there is one.
	Engine string `json:"engine,omitempty"`
	// SearchID names the answer a failure belongs to (GET /v1/searches/{id} shows it again).
	SearchID string `json:"search_id,omitempty"`
	// PageID names the fetched page a failure came from, when there is one (an unrecognised
	// page: GET /v1/searches/{id}?output=html shows it, ?reparse=true parses it again).
	PageID string `json:"page_id,omitempty"`
	// Kind is the short type (TypeValidation, …); Type is its URI form.
	Kind string `json:"kind"`
}

// NewError builds an Error of the given kind with a detail message.
func NewError(kind, detail string) *Error {
	st, ok := typeStatus[kind]
	if !ok {
		kind, st = TypeInternal, 500
	}
	return &Error{Type: ProblemTypeBase + kind, Kind: kind, Title: typeTitle[kind], Status: st, Detail: detail}
}

// Errorf is NewError with a format string.
func Errorf(kind, format string, args ...any) *Error {
	return NewError(kind, fmt.Sprintf(format, args...))
}

// ValidationError reports every bad field at once.
func ValidationError(errs []FieldError) *Error {
	e := NewError(TypeValidation, "")
	e.Errors = errs
	switch len(errs) {
	case 0:
	case 1:
		e.Detail = errs[0].Field + ": " + errs[0].Message
	default:
		e.Detail = strconv.Itoa(len(errs)) + " invalid fields"
	}
	return e
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Kind + ": " + e.Detail
	}
	return e.Kind + ": " + e.Title
}

// Is makes errors.Is match on kind: errors.Is(err, schemas.NewError(schemas.TypeBlocked, "")).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// JSON encodes the error as a problem+json body.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(e)
	return b
}

// Code is the micro error code: the HTTP status as a decimal string.
func (e *Error) Code() string { return strconv.Itoa(e.Status) }

// AsError returns err as an *Error, wrapping anything else as an internal error.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return NewError(TypeInternal, err.Error())
}

// DecodeError reads a problem+json body carried by a failed reply. code is the micro error
// code (the HTTP status) used when the body is not a problem document.
func DecodeError(code, description string, body []byte) *Error {
	var e Error
	if len(body) > 0 && json.Unmarshal(body, &e) == nil && e.Kind != "" {
		if st, ok := typeStatus[e.Kind]; ok {
			e.Status = st
			return &e
		}
	}
	st, _ := strconv.Atoi(code)
	kind := TypeInternal
	for k, s := range typeStatus {
		if s == st && (kind == TypeInternal || k < kind) {
			kind = k
		}
	}
	out := NewError(kind, description)
	if st >= 400 && st < 600 {
		out.Status = st
	}
	return out
}
