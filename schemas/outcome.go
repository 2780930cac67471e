package schemas

import (
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// Outcome is what a fetch job came to: a SearchBody encoding, or the typed failure. It is
// published on core NATS on ResultSubject(Key), where every cache replica hears it and wakes
// the requests waiting on that key. Only the parse stage publishes outcomes (kit/natsauth):
// successes, and failures, its own or those the fetcher hands it on the parse stream.
type Outcome struct {
	Key string
	// JobID is the id of the job this answers (HeaderJobID). A cache accepts an outcome only
	// for the job it is waiting on: the id is unguessable and seen only by the stages the job
	// passed through, so nobody else can answer it.
	JobID string
	// Body is the SearchBody encoding, a JSON object the cache stores and splices into every
	// reply as it is (ComposeResponse).
	Body []byte
	// Err, when set, is the failure, and Body is not sent.
	Err *Error
	// FetchMS and ParseMS are what the stages took, for the answer's timings.
	FetchMS, ParseMS float64
	// Suspect, on a success, says the page was suspect (HeaderSuspect): it is answered to the
	// requests waiting on it, never stored.
	Suspect string
}

// Msg is the outcome as it travels: a failure has the shape of a failed trawl.v1.search reply
// (ErrorMsg), a success carries the body with HeaderTimings.
func (o *Outcome) Msg() *nats.Msg {
	if o.Err != nil {
		m := ErrorMsg(ResultSubject(o.Key), o.Err)
		m.Header[HeaderJobID] = []string{o.JobID}
		return m
	}
	m := &nats.Msg{
		Subject: ResultSubject(o.Key),
		Header:  nats.Header{HeaderTimings: {FormatTimings(o.FetchMS, o.ParseMS)}, HeaderJobID: {o.JobID}},
		Data:    o.Body,
	}
	if o.Suspect != "" {
		m.Header[HeaderSuspect] = []string{o.Suspect}
	}
	return m
}

// PublishOutcome publishes o for every replica waiting on its key.
func PublishOutcome(nc *nats.Conn, o *Outcome) error {
	return nc.PublishMsg(o.Msg())
}

// DecodeOutcome reads a message from ResultSubject(key). A body that is not a JSON object
// comes back as an internal error: it would be spliced into replies as it is.
func DecodeOutcome(m *nats.Msg) Outcome {
	key, _ := ResultKey(m.Subject)
	o := Outcome{Key: key, JobID: m.Header.Get(HeaderJobID)}
	if code := m.Header.Get(HeaderServiceErrorCode); code != "" {
		o.Err = DecodeError(code, m.Header.Get(HeaderServiceError), m.Data)
		return o
	}
	if !ValidBody(m.Data) {
		o.Err = NewError(TypeInternal, "malformed result from the parse stage")
		return o
	}
	o.Body, o.Suspect = m.Data, m.Header.Get(HeaderSuspect)
	o.FetchMS, o.ParseMS = ParseTimings(m.Header.Get(HeaderTimings))
	return o
}

// ResultSubject is where the outcome for a cache key is published.
func ResultSubject(key string) string { return SubjectResultPrefix + key }

// ResultKey is the cache key of a subject under SubjectResultPrefix.
func ResultKey(subject string) (string, bool) {
	return strings.CutPrefix(subject, SubjectResultPrefix)
}

// ErrorMsg is a failure as it crosses NATS, to subject: the micro error headers (code and
// title), the short type in HeaderErrorType, and the problem document as payload. A failed
// trawl.v1.search reply and a failed outcome share it, so one decoder (DecodeError) reads both.
func ErrorMsg(subject string, e *Error) *nats.Msg {
	hv := &[3]string{e.Code(), e.Title, e.Kind} // one allocation for the three values
	return &nats.Msg{Subject: subject, Data: e.JSON(), Header: nats.Header{
		HeaderServiceErrorCode: hv[0:1:1],
		HeaderServiceError:     hv[1:2:2],
		HeaderErrorType:        hv[2:3:3],
	}}
}

// RespondError answers a micro request with e, in the shape of ErrorMsg.
func RespondError(req micro.Request, e *Error) error {
	return req.Error(e.Code(), e.Title, e.JSON(), micro.WithHeaders(micro.Headers{HeaderErrorType: {e.Kind}}))
}

// bodyPrefix is how every SearchBody encoding starts (its first field).
const bodyPrefix = `{"search_parameters":`

// ValidBody reports whether b can be a SearchBody encoding, or a scrape body's
// (EncodeScrapeBody): a JSON object that starts as one of them does and is well-formed throughout. A body is spliced into every reply as it is, so one
// that is not JSON must never be stored.
func ValidBody(b []byte) bool {
	return (hasPrefix(b, bodyPrefix) || hasPrefix(b, scrapePrefix)) && b[len(b)-1] == '}' && validJSON(b)
}

func hasPrefix(b []byte, p string) bool { return len(b) > len(p) && string(b[:len(p)]) == p }
