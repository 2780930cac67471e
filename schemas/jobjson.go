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
	r := &j.Request
	ok := true
	str := func(key, s string, always bool) {
		if s == "" && !always {
			return
		}
		if !plainString(s) {
			ok = false
			return
		}
		dst = append(dst, key...)
		dst = append(dst, '"')
		dst = append(dst, s...)
		dst = append(dst, '"')
	}
	num := func(key string, n int64) {
		if n != 0 {
			dst = append(dst, key...)
			dst = strconv.AppendInt(dst, n, 10)
		}
	}
	flag := func(key string, b bool) {
		if b {
			dst = append(dst, key...)
			dst = append(dst, "true"...)
		}
	}
	dst = append(dst, '{')
	str(`"id":`, j.ID, true)
	str(`,"key":`, j.Key, true)
	str(`,"request":{"q":`, r.Q, true)
	str(`,"engine":`, r.Engine, false)
	num(`,"page":`, int64(r.Page))
	num(`,"num":`, int64(r.Num))
	str(`,"hl":`, r.HL, false)
	str(`,"gl":`, r.GL, false)
	str(`,"safe":`, r.Safe, false)
	str(`,"type":`, r.Type, false)
	if r.MaxAge != nil {
		dst = append(dst, `,"max_age":`...)
		dst = strconv.AppendInt(dst, int64(*r.MaxAge), 10)
	}
	flag(`,"no_cache":`, r.NoCache)
	num(`,"timeout_ms":`, int64(r.TimeoutMS))
	flag(`,"async":`, r.Async)
	str(`,"webhook_url":`, r.WebhookURL, false)
	dst = append(dst, `},"deadline":`...)
	dst = strconv.AppendInt(dst, j.Deadline, 10)
	str(`,"request_id":`, j.RequestID, false)
	dst = append(dst, `,"created":"`...)
	dst = j.Created.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	str(`,"tenant":`, j.Tenant, false)
	dst = append(dst, '}')
	return dst, ok
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
	r := &j.Request
	d.must(`{"id":`)
	j.ID = d.str()
	d.must(`,"key":`)
	j.Key = d.str()
	d.must(`,"request":{"q":`)
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
	d.must(`},"deadline":`)
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
