package schemas

import (
	"strconv"
	"strings"
	"time"

	"encoding/json"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FetchJob asks a fetcher for one engine's result page. It is published on
// SubjectFetchPrefix+Engine and travels on with the fetched page to the parser.
type FetchJob struct {
	// ID is unique per job; it is the search id clients see and the JetStream de-duplication id.
	ID      string        `json:"id"`
	Key     string        `json:"key"`
	Request SearchRequest `json:"request"`
	// Deadline is the requester's absolute deadline (Unix ms); work after it is wasted.
	Deadline int64 `json:"deadline"`
	// RequestID is the client's request id, for logs.
	RequestID string    `json:"request_id,omitempty"`
	Created   time.Time `json:"created"`
	// Tenant is the tenant whose request started the job ("" under open access): what is
	// kept of it (an unrecognised page) is that tenant's alone.
	Tenant string `json:"tenant,omitempty"`
	// Scrape, when set, makes this a scrape of one page (Request is then empty): the job kind
	// is told by it, and its route is ScrapeRoute.
	Scrape *ScrapeRequest `json:"scrape,omitempty"`
}

// ScrapeRoute is the route of scrape jobs and pages: trawl.v1.fetch.scrape and
// trawl.v1.parse.scrape. No engine may take this name.
const ScrapeRoute = "scrape"

// Route is the job's subject token: its engine, or ScrapeRoute for a scrape.
func (j *FetchJob) Route() string {
	if j.Scrape != nil {
		return ScrapeRoute
	}
	return j.Request.Engine
}

// Expired reports whether the job's deadline has passed at now.
func (j *FetchJob) Expired(now time.Time) bool {
	return j.Deadline > 0 && now.UnixMilli() >= j.Deadline
}

// DeadlineTime returns the deadline as a time (zero when unset).
func (j *FetchJob) DeadlineTime() time.Time {
	if j.Deadline == 0 {
		return time.Time{}
	}
	return time.UnixMilli(j.Deadline)
}

// Msg is the job as published on FetchSubject(engine), stream StreamFetch. Its id is the
// Nats-Msg-Id, so the stream drops the copy a retried publish may make (DuplicateWindow); the
// key, deadline and request id ride in headers too, so the job can be told apart in a
// stream listing without decoding it.
func (j *FetchJob) Msg() (*nats.Msg, error) {
	data, err := marshalFetchJob(j)
	if err != nil {
		return nil, err
	}
	hv := &[4]string{j.ID, strconv.FormatInt(j.Deadline, 10), j.Key, j.RequestID} // one allocation for the values
	h := nats.Header{
		jetstream.MsgIDHeader: hv[0:1:1],
		HeaderDeadline:        hv[1:2:2],
		HeaderKey:             hv[2:3:3],
	}
	if j.RequestID != "" {
		h[HeaderRequestID] = hv[3:4:4]
	}
	return &nats.Msg{Subject: FetchSubject(j.Route()), Header: h, Data: data}, nil
}

// DecodeFetchJob decodes and sanity-checks a job from the wire.
func DecodeFetchJob(b []byte) (*FetchJob, error) {
	var j FetchJob
	if !decodeFetchJobFast(b, &j) {
		j = FetchJob{}
		if err := json.Unmarshal(b, &j); err != nil {
			return nil, Errorf(TypeValidation, "malformed job: %v", err)
		}
	}
	if j.ID == "" || j.Key == "" || j.Route() == "" {
		return nil, NewError(TypeValidation, "job lacks id, key or engine")
	}
	if j.Scrape != nil && (j.Request.Engine != "" || j.Scrape.URL == "") {
		return nil, NewError(TypeValidation, "scrape job with an engine or without a url")
	}
	return &j, nil
}

// FormatDeadline and ParseDeadline carry deadlines in HeaderDeadline.
func FormatDeadline(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// ParseDeadline reads HeaderDeadline; ok is false when it is absent or malformed.
func ParseDeadline(s string) (time.Time, bool) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// FormatTimings renders HeaderTimings.
func FormatTimings(fetchMS, parseMS float64) string {
	return "fetch=" + strconv.FormatFloat(fetchMS, 'f', 3, 64) + ",parse=" + strconv.FormatFloat(parseMS, 'f', 3, 64)
}

// ParseTimings reads HeaderTimings; unknown or absurd values read as zero.
func ParseTimings(h string) (fetchMS, parseMS float64) {
	for part := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 3.6e6 {
			continue
		}
		switch k {
		case "fetch":
			fetchMS = f
		case "parse":
			parseMS = f
		}
	}
	return
}

// DeadLetterMsg records on SubjectDeadLetterPrefix+stage a message that can never be handled:
// its data as it was, the subject it came on, and why it was given up.
func DeadLetterMsg(stage, subject string, data []byte, reason string) *nats.Msg {
	hv := &[2]string{reason, subject} // one allocation for both values
	return &nats.Msg{Subject: SubjectDeadLetterPrefix + stage, Data: data, Header: nats.Header{
		HeaderDeadReason:  hv[0:1:1],
		HeaderDeadSubject: hv[1:2:2],
	}}
}
