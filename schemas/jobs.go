package schemas

import (
	"encoding/json"
	"strconv"
	"time"
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
