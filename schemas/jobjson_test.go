package schemas

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzFetchJobJSON holds the job's codec to encoding/json: appendFetchJob writes what
// json.Marshal writes, byte for byte, and decodeFetchJobFast reads back what it wrote; on
// any other input the fast reader either declines or agrees with json.Unmarshal.
func FuzzFetchJobJSON(f *testing.F) {
	f.Add("j1", "k1", "golang generics", "duckduckgo", 2, 0, "en", "us", "moderate", "news", int64(1700000000000), "req-1", int64(1700000000123456789), "", -1, true, 5000, false, "")
	f.Add("j2", "k\"2", "caf\u00e9 <b>", "", 0, 10, "", "", "", "", int64(0), "", int64(0), "acme", 60, false, 0, true, "https://hooks.example/x?a=1&b=2")
	f.Fuzz(func(t *testing.T, id, key, q, engine string, page, num int, hl, gl, safe, typ string, deadline int64, reqID string, created int64, tenant string, maxAge int, noCache bool, timeout int, async bool, hook string) {
		j := &FetchJob{ID: id, Key: key, Deadline: deadline, RequestID: reqID, Tenant: tenant,
			Created: time.Unix(0, created).UTC(),
			Request: SearchRequest{Q: q, Engine: engine, Page: page, Num: num, HL: hl, GL: gl, Safe: safe, Type: typ,
				NoCache: noCache, TimeoutMS: timeout, Async: async, WebhookURL: hook}}
		if maxAge >= 0 {
			j.Request.MaxAge = &maxAge
		}
		want, err := json.Marshal(j)
		if err != nil {
			t.Skip()
		}
		got, err := marshalFetchJob(j)
		if err != nil || string(got) != string(want) {
			t.Fatalf("marshalFetchJob:\n got %s (%v)\nwant %s", got, err, want)
		}
		if _, ok := appendFetchJob(nil, j); ok {
			var back FetchJob
			if !decodeFetchJobFast(got, &back) {
				t.Fatalf("decodeFetchJobFast declined its own encoding %s", got)
			}
		}
		checkDecode(t, want)
		// The request alone, as the ingress sends it to the cache.
		wantReq, _ := json.Marshal(&j.Request)
		if got := MarshalSearchRequest(&j.Request); string(got) != string(wantReq) {
			t.Fatalf("MarshalSearchRequest:\n got %s\nwant %s", got, wantReq)
		}
		checkReadRequest(t, wantReq)
	})
}

// FuzzDecodeFetchJob: on any bytes, the fast reader declines or agrees with json.Unmarshal.
func FuzzDecodeFetchJob(f *testing.F) {
	j := &FetchJob{ID: "a", Key: "b", Request: SearchRequest{Q: "c", Engine: "bing", Page: 3}, Deadline: 5, Created: time.Unix(1, 2).UTC()}
	b, _ := json.Marshal(j)
	f.Add(b)
	f.Add([]byte(`{"id":"a","key":"b","request":{"q":"c","page":01},"deadline":1,"created":"2020-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"q":"x","engine":"bing","max_age":0,"no_cache":true}`))
	f.Add([]byte(`{"id":"a","key":"b","request":{"q":"\xff"},"deadline":-0,"created":"2020-01-01T00:00:00+01:00","tenant":"t"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
		checkReadRequest(t, b)
	})
}

func checkReadRequest(t *testing.T, b []byte) {
	agreesWithJSON(t, "ReadSearchRequest", b, ReadSearchRequest)
}

func checkDecode(t *testing.T, b []byte) {
	agreesWithJSON(t, "decodeFetchJobFast", b, decodeFetchJobFast)
}

// agreesWithJSON: when read accepts b, json.Unmarshal accepts it too and reads the same value.
func agreesWithJSON[T any](t *testing.T, name string, b []byte, read func([]byte, *T) bool) {
	t.Helper()
	var fast T
	if !read(b, &fast) {
		return
	}
	var want T
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s accepted what json.Unmarshal refuses (%v): %s", name, err, b)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("%s disagrees on %s:\n got %+v\nwant %+v", name, b, fast, want)
	}
}

// BenchmarkFetchJobJSON: the job's encode and decode, against encoding/json's.
func BenchmarkFetchJobJSON(b *testing.B) {
	j := &FetchJob{ID: "sr_3f9c2a7b1d4e5f60718293a4b5c6d7e8", Key: "v1:duckduckgo:web:golang generics tutorial:1:en:us:moderate",
		Request:  SearchRequest{Q: "golang generics tutorial", Engine: "duckduckgo", Page: 1, HL: "en", GL: "us", Safe: "moderate"},
		Deadline: 1764700000000, RequestID: "req-7c1e", Created: time.Now().UTC()}
	data, _ := json.Marshal(j)
	b.Run("Marshal/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(j)
		}
	})
	b.Run("Marshal/append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = marshalFetchJob(j)
		}
	})
	b.Run("Decode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v FetchJob
			_ = json.Unmarshal(data, &v)
		}
	})
	b.Run("Decode/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = DecodeFetchJob(data)
		}
	})
}
