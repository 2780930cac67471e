package schemas

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendMetadata appends meta's JSON exactly as json.Marshal writes it (FuzzAppendMetadata
// holds it to that). Every answer's metadata is encoded on its own, a near hit's twice (the
// answer and its archive record), and json.Marshal's reflection was 8% of trawl serve's CPU on
// the hit row, this a tenth of it. Anything it does not write itself (a metasearch's Engines,
// a string that needs escaping, a time outside RFC 3339) goes to json.Marshal whole.
func appendMetadata(dst []byte, meta *SearchMetadata) []byte {
	if meta.Engines != nil {
		return marshalAppend(dst, meta)
	}
	start := len(dst)
	ok := true
	str := func(s string) {
		if !plainString(s) {
			ok = false
			return
		}
		dst = append(dst, '"')
		dst = append(dst, s...)
		dst = append(dst, '"')
	}
	dst = append(dst, `{"id":`...)
	str(meta.ID)
	if meta.PageID != "" {
		dst = append(dst, `,"page_id":`...)
		str(meta.PageID)
	}
	if meta.RequestID != "" {
		dst = append(dst, `,"request_id":`...)
		str(meta.RequestID)
	}
	dst = append(dst, `,"status":`...)
	str(meta.Status)
	dst = append(dst, `,"engine":`...)
	str(meta.Engine)
	dst = append(dst, `,"cache":`...)
	str(meta.Cache)
	dst = append(dst, `,"created_at":`...)
	if y := meta.CreatedAt.Year(); y < 0 || y > 9999 {
		ok = false
	}
	dst = append(dst, '"')
	dst = meta.CreatedAt.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","age_seconds":`...)
	dst = strconv.AppendInt(dst, meta.AgeSeconds, 10)
	dst = append(dst, `,"timings_ms":{`...)
	t := meta.TimingsMS
	if t.Fetch != 0 {
		dst = append(dst, `"fetch":`...)
		dst, ok = appendFloat(dst, t.Fetch, ok)
		dst = append(dst, ',')
	}
	if t.Parse != 0 {
		dst = append(dst, `"parse":`...)
		dst, ok = appendFloat(dst, t.Parse, ok)
		dst = append(dst, ',')
	}
	dst = append(dst, `"cache":`...)
	dst, ok = appendFloat(dst, t.Cache, ok)
	dst = append(dst, "}}"...)
	if !ok {
		return marshalAppend(dst[:start], meta)
	}
	return dst
}

func marshalAppend(dst []byte, v any) []byte {
	b, _ := json.Marshal(v)
	return append(dst, b...)
}

// plainString reports whether json.Marshal writes s as it is between quotes: printable ASCII
// other than the quote, the backslash and the characters it escapes for HTML.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendFloat is encoding/json's float64 encoding; ok turns false for what JSON cannot hold.
func appendFloat(dst []byte, f float64, ok bool) ([]byte, bool) {
	if out, done := appendMillis(dst, f); done {
		return out, ok
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst, ok
}

// appendMillis writes f from integers when it is a count of milliseconds with at most three
// decimals, as every timing trawl measures is (whole microseconds over 1000). For such a value
// strconv's shortest form is its digits without trailing zeros: any shorter decimal is at
// least 0.001 away, far outside the value's rounding interval below 1e9. AppendFloat's search
// for the shortest form was a third of what encoding a near hit's metadata cost.
// TestAppendMillis holds it to strconv.
func appendMillis(dst []byte, f float64) ([]byte, bool) {
	if !(f > 0 && f < 1e9) {
		return dst, false
	}
	m := math.Round(f * 1000)
	if m/1000 != f {
		return dst, false
	}
	k := int64(m)
	dst = strconv.AppendInt(dst, k/1000, 10)
	frac := k % 1000
	if frac == 0 {
		return dst, true
	}
	d := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := len(d)
	for d[n-1] == '0' {
		n--
	}
	return append(dst, d[:n]...), true
}
