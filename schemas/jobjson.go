package schemas

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// A search job crosses NATS three times on every miss: the cache encodes it, the fetcher
// decodes it, and the parser decodes it again from the page's header. encoding/json's
// reflection did that at about 5% of `trawl serve`'s CPU on the miss row. appendFetchJob
// writes a search job exactly as json.Marshal does, and decodeFetchJobFast reads exactly that
// shape back; anything else (a scrape job, a string that needs escaping, fields out of
// order) goes to encoding/json whole. FuzzFetchJobJSON holds both to encoding/json.

// marshalFetchJob is json.Marshal(j).
func marshalFetchJob(j *FetchJob) ([]byte, error) {
	if b, ok := appendFetchJob(make([]byte, 0, 512), j); ok {
		return b, nil
	}
	return json.Marshal(j)
}

// appendFetchJob appends j as json.Marshal writes it; ok is false when it leaves j to
// json.Marshal.
func appendFetchJob(dst []byte, j *FetchJob) ([]byte, bool) {
	if j.Scrape != nil {
		return dst, false
	}
	if y := j.Created.Year(); y < 0 || y > 9999 {
		return dst, false
	}
	if _, off := j.Created.Zone(); off%60 != 0 {
		return dst, false // MarshalJSON refuses an offset with seconds
	}
	w := jsonWriter{dst: append(dst, '{'), ok: true}
	w.str(`"id":`, j.ID, true)
	w.str(`,"key":`, j.Key, true)
	w.dst = append(w.dst, `,"request":`...)
	w.request(&j.Request)
	w.dst = append(w.dst, `,"deadline":`...)
	w.dst = strconv.AppendInt(w.dst, j.Deadline, 10)
	w.str(`,"request_id":`, j.RequestID, false)
	w.dst = append(w.dst, `,"created":"`...)
	w.dst = j.Created.AppendFormat(w.dst, time.RFC3339Nano)
	w.dst = append(w.dst, '"')
	w.str(`,"tenant":`, j.Tenant, false)
	w.dst = append(w.dst, '}')
	return w.dst, w.ok
}

// MarshalSearchRequest is json.Marshal(r): the ingress asks the cache with it on every
// request, hit or miss.
func MarshalSearchRequest(r *SearchRequest) []byte {
	w := jsonWriter{dst: make([]byte, 0, 128), ok: true}
	if w.request(r); w.ok {
		return w.dst
	}
	b, _ := json.Marshal(r)
	return b
}

// jsonWriter appends JSON as encoding/json writes it; ok turns false at a string it would
// escape, and the caller then leaves the whole value to json.Marshal.
type jsonWriter struct {
	dst []byte
	ok  bool
}

func (w *jsonWriter) str(key, s string, always bool) {
	if s == "" && !always {
		return
	}
	if !plainString(s) {
		w.ok = false
		return
	}
	w.dst = append(w.dst, key...)
	w.dst = append(w.dst, '"')
	w.dst = append(w.dst, s...)
	w.dst = append(w.dst, '"')
}

func (w *jsonWriter) num(key string, n int64) {
	if n != 0 {
		w.dst = append(w.dst, key...)
		w.dst = strconv.AppendInt(w.dst, n, 10)
	}
}

func (w *jsonWriter) flag(key string, b bool) {
	if b {
		w.dst = append(w.dst, key...)
		w.dst = append(w.dst, "true"...)
	}
}

// request writes r in SearchRequest's field order, omitting what omitempty omits.
func (w *jsonWriter) request(r *SearchRequest) {
	w.str(`{"q":`, r.Q, true)
	w.str(`,"engine":`, r.Engine, false)
	w.num(`,"page":`, int64(r.Page))
	w.num(`,"num":`, int64(r.Num))
	w.str(`,"hl":`, r.HL, false)
	w.str(`,"gl":`, r.GL, false)
	w.str(`,"safe":`, r.Safe, false)
	w.str(`,"type":`, r.Type, false)
	if r.MaxAge != nil {
		w.dst = append(w.dst, `,"max_age":`...)
		w.dst = strconv.AppendInt(w.dst, int64(*r.MaxAge), 10)
	}
	w.flag(`,"no_cache":`, r.NoCache)
	w.num(`,"timeout_ms":`, int64(r.TimeoutMS))
	w.flag(`,"async":`, r.Async)
	w.str(`,"webhook_url":`, r.WebhookURL, false)
	w.dst = append(w.dst, '}')
}

// jobReader reads the shape appendFetchJob writes, in its order. Any surprise sets bad, and
// the caller goes to encoding/json.
type jobReader struct {
	b   []byte
	i   int
	bad bool
}

// key consumes k if it comes next.
func (d *jobReader) key(k string) bool {
	if d.bad || len(d.b)-d.i < len(k) || string(d.b[d.i:d.i+len(k)]) != k {
		return false
	}
	d.i += len(k)
	return true
}

func (d *jobReader) must(k string) {
	if !d.key(k) {
		d.bad = true
	}
}

// str reads a string without escapes, as encoding/json would read it: valid UTF-8 only, as
// invalid bytes would be replaced there.
func (d *jobReader) str() string {
	if d.bad || d.i >= len(d.b) || d.b[d.i] != '"' {
		d.bad = true
		return ""
	}
	for k := d.i + 1; k < len(d.b); k++ {
		switch c := d.b[k]; {
		case c == '"':
			s := d.b[d.i+1 : k]
			if !utf8.Valid(s) {
				d.bad = true
				return ""
			}
			d.i = k + 1
			return string(s)
		case c == '\\' || c < 0x20:
			d.bad = true
			return ""
		}
	}
	d.bad = true
	return ""
}

// int reads an integer as JSON spells one (no leading zeros, no fraction or exponent).
func (d *jobReader) int() int64 {
	if d.bad {
		return 0
	}
	k := d.i
	if k < len(d.b) && d.b[k] == '-' {
		k++
	}
	digits := k
	for k < len(d.b) && d.b[k] >= '0' && d.b[k] <= '9' {
		k++
	}
	if k == digits || (d.b[digits] == '0' && k-digits > 1) || (k < len(d.b) && (d.b[k] == '.' || d.b[k] == 'e' || d.b[k] == 'E')) {
		d.bad = true
		return 0
	}
	n, err := strconv.ParseInt(string(d.b[d.i:k]), 10, strconv.IntSize)
	if err != nil {
		d.bad = true
		return 0
	}
	d.i = k
	return n
}

// decodeFetchJobFast decodes b into j when b has appendFetchJob's shape.
func decodeFetchJobFast(b []byte, j *FetchJob) bool {
	d := &jobReader{b: b}
	d.must(`{"id":`)
	j.ID = d.str()
	d.must(`,"key":`)
	j.Key = d.str()
	d.must(`,"request":`)
	d.request(&j.Request)
	d.must(`,"deadline":`)
	j.Deadline = d.int()
	if d.key(`,"request_id":`) {
		j.RequestID = d.str()
	}
	d.must(`,"created":`)
	start := d.i
	d.str()
	if d.bad || j.Created.UnmarshalJSON(b[start:d.i]) != nil {
		return false
	}
	if d.key(`,"tenant":`) {
		j.Tenant = d.str()
	}
	d.must("}")
	return !d.bad && d.i == len(b)
}

// ReadSearchRequest decodes b into r when b has the shape MarshalSearchRequest writes, as
// encoding/json would; false leaves r half-filled and b to encoding/json (which also
// reports what is wrong with it).
func ReadSearchRequest(b []byte, r *SearchRequest) bool {
	d := &jobReader{b: b}
	d.request(r)
	return !d.bad && d.i == len(b)
}

// request reads what jsonWriter.request writes.
func (d *jobReader) request(r *SearchRequest) {
	d.must(`{"q":`)
	r.Q = d.str()
	if d.key(`,"engine":`) {
		r.Engine = d.str()
	}
	if d.key(`,"page":`) {
		r.Page = int(d.int())
	}
	if d.key(`,"num":`) {
		r.Num = int(d.int())
	}
	if d.key(`,"hl":`) {
		r.HL = d.str()
	}
	if d.key(`,"gl":`) {
		r.GL = d.str()
	}
	if d.key(`,"safe":`) {
		r.Safe = d.str()
	}
	if d.key(`,"type":`) {
		r.Type = d.str()
	}
	if d.key(`,"max_age":`) {
		n := int(d.int())
		r.MaxAge = &n
	}
	if d.key(`,"no_cache":`) {
		d.must("true")
		r.NoCache = true
	}
	if d.key(`,"timeout_ms":`) {
		r.TimeoutMS = int(d.int())
	}
	if d.key(`,"async":`) {
		d.must("true")
		r.Async = true
	}
	if d.key(`,"webhook_url":`) {
		r.WebhookURL = d.str()
	}
	d.must("}")
}
