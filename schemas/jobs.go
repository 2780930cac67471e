package schemas

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
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

// DecodeFetchJob decodes and sanity-checks a job from the wire.
func DecodeFetchJob(b []byte) (*FetchJob, error) {
	var j FetchJob
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, Errorf(TypeValidation, "malformed job: %v", err)
	}
	if j.ID == "" || j.Key == "" || j.Request.Engine == "" {
		return nil, NewError(TypeValidation, "job lacks id, key or engine")
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

// ResultSubject is where the outcome for a cache key is published.
func ResultSubject(key string) string { return SubjectResultPrefix + key }

// ErrorResult builds the failure outcome for a key: the micro error headers and the problem
// document as payload, the same shape as a failed trawl.v1.search reply.
func ErrorResult(key string, e *Error) *nats.Msg {
	m := nats.NewMsg(ResultSubject(key))
	m.Header.Set(HeaderServiceErrorCode, e.Code())
	m.Header.Set(HeaderServiceError, e.Title)
	m.Header.Set(HeaderErrorType, e.Kind)
	m.Data = e.JSON()
	return m
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
