package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func testJob() *FetchJob {
	r := SearchRequest{Q: `say "hi"`, Engine: "duckduckgo"}
	r.Normalize()
	return &FetchJob{ID: "job1", Key: r.CacheKey(), Request: r, Deadline: 1700000000123,
		RequestID: "req1", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func TestFetchJobMsg(t *testing.T) {
	job := testJob()
	m, err := job.Msg()
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "trawl.v1.fetch.duckduckgo" {
		t.Errorf("subject %q", m.Subject)
	}
	for h, want := range map[string]string{
		jetstream.MsgIDHeader: "job1", HeaderDeadline: "1700000000123", HeaderKey: job.Key, HeaderRequestID: "req1",
	} {
		if got := m.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	got, err := DecodeFetchJob(m.Data)
	if err != nil || !reflect.DeepEqual(got, job) {
		t.Fatalf("decoded %+v (%v), want %+v", got, err, job)
	}
	job.RequestID = ""
	if m, _ := job.Msg(); m.Header.Get(HeaderRequestID) != "" || len(m.Header) != 3 {
		t.Errorf("a job without a request id carries headers %v", m.Header)
	}
}

func TestPageMsgRoundTrip(t *testing.T) {
	job := testJob()
	jobJSON, _ := json.Marshal(job)
	html := bytes.Repeat([]byte("<p>result</p>"), 100)
	for _, p := range []PageMsg{
		{Job: job, JobJSON: jobJSON, FetchMS: 12.5, Attempts: 2},
		{Job: job, FetchMS: 0.25, Attempts: 1}, // the job encoded by Msg
	} {
		p.Compress(nil, html)
		if len(p.Data) >= len(html) {
			t.Fatalf("compressed %d bytes to %d", len(html), len(p.Data))
		}
		m, err := p.Msg()
		if err != nil {
			t.Fatal(err)
		}
		// No Nats-Msg-Id: the parse stream keeps no window of page ids (PageMsg.Msg).
		if m.Subject != "trawl.v1.parse.duckduckgo" || m.Header.Get(jetstream.MsgIDHeader) != "" {
			t.Errorf("subject %q, msg id %q", m.Subject, m.Header.Get(jetstream.MsgIDHeader))
		}
		if m.Header.Get(HeaderKey) != job.Key || m.Header.Get(HeaderDeadline) != "1700000000123" {
			t.Errorf("key %q, deadline %q", m.Header.Get(HeaderKey), m.Header.Get(HeaderDeadline))
		}
		got, err := DecodePage(m.Header, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Job, job) || !bytes.Equal(got.JobJSON, jobJSON) {
			t.Errorf("job %+v (%s), want %+v", got.Job, got.JobJSON, job)
		}
		if got.FetchMS != p.FetchMS || got.Attempts != p.Attempts || !got.Compressed() {
			t.Errorf("decoded %+v, want %+v", got, p)
		}
		if dec, err := got.Decompress(make([]byte, 0, 4096)); err != nil || !bytes.Equal(dec, html) {
			t.Errorf("page came back as %q (%v)", dec, err)
		}
	}
}

func TestPageMsgPlainAndMalformed(t *testing.T) {
	p := PageMsg{Job: testJob(), Data: []byte("<html>")}
	m, _ := p.Msg()
	got, err := DecodePage(m.Header, m.Data)
	if err != nil || got.Compressed() {
		t.Fatalf("plain page: %+v, %v", got, err)
	}
	if html, err := got.Decompress(nil); err != nil || string(html) != "<html>" {
		t.Errorf("plain page read as %q, %v", html, err)
	}
	got.Encoding, got.Data = EncodingS2, []byte("\xffnot s2")
	if _, err := got.Decompress(nil); AsError(err).Kind != TypeInternal {
		t.Errorf("corrupt page: %v, want an internal error", err)
	}
	for _, h := range []nats.Header{
		{},
		{HeaderJob: {"{"}},
		{HeaderJob: {`{"id":"x","key":"k"}`}}, // no engine
	} {
		if _, err := DecodePage(h, nil); AsError(err).Kind != TypeValidation {
			t.Errorf("headers %v: %v, want a validation error", h, err)
		}
	}
}

func TestOutcomeRoundTrip(t *testing.T) {
	body := []byte(`{"search_parameters":{"q":"go"}}`)
	m := (&Outcome{Key: "k1", Body: body, FetchMS: 12.5, ParseMS: 1.25}).Msg()
	if m.Subject != "trawl.v1.result.k1" {
		t.Errorf("subject %q", m.Subject)
	}
	o := DecodeOutcome(m)
	if o.Err != nil || o.Key != "k1" || !bytes.Equal(o.Body, body) || o.FetchMS != 12.5 || o.ParseMS != 1.25 {
		t.Fatalf("success came back as %+v", o)
	}

	e := NewError(TypeBlocked, "captcha")
	e.Engine, e.RetryAfterMS = "duckduckgo", 1000
	m = (&Outcome{Key: "k2", Err: e, Body: body}).Msg()
	if m.Header.Get(HeaderServiceErrorCode) != "502" || m.Header.Get(HeaderErrorType) != TypeBlocked || bytes.Equal(m.Data, body) {
		t.Fatalf("failure travels as %v %s", m.Header, m.Data)
	}
	o = DecodeOutcome(m)
	if o.Key != "k2" || o.Body != nil || o.Err == nil || !reflect.DeepEqual(o.Err, e) {
		t.Fatalf("failure came back as %+v (%+v), want %+v", o, o.Err, e)
	}

	for _, data := range []string{"", "[]", "null", `{"a":1`} {
		o := DecodeOutcome(&nats.Msg{Subject: ResultSubject("k3"), Data: []byte(data)})
		if o.Err == nil || o.Err.Kind != TypeInternal || o.Body != nil {
			t.Errorf("body %q: %+v, want an internal error", data, o)
		}
	}
}

func TestErrorMsgDecodes(t *testing.T) {
	e := ValidationError([]FieldError{{Field: "q", Message: "required"}})
	m := ErrorMsg("_INBOX.x", e)
	got := DecodeError(m.Header.Get(HeaderServiceErrorCode), m.Header.Get(HeaderServiceError), m.Data)
	if m.Subject != "_INBOX.x" || got.Kind != TypeValidation || got.Status != 400 || len(got.Errors) != 1 {
		t.Fatalf("decoded %+v from %v %s", got, m.Header, m.Data)
	}
}

func TestDeadLetterMsg(t *testing.T) {
	m := DeadLetterMsg(StageFetch, "trawl.v1.fetch.bing", []byte("job"), "max deliveries")
	if m.Subject != "trawl.v1.dead.fetch" || string(m.Data) != "job" ||
		m.Header.Get(HeaderDeadSubject) != "trawl.v1.fetch.bing" || m.Header.Get(HeaderDeadReason) != "max deliveries" {
		t.Fatalf("dead letter %s %v %q", m.Subject, m.Header, m.Data)
	}
}

func TestResultKey(t *testing.T) {
	if k, ok := ResultKey(ResultSubject("a.b")); !ok || k != "a.b" {
		t.Errorf("key %q, %v", k, ok)
	}
	if _, ok := ResultKey("trawl.v1.search"); ok {
		t.Error("trawl.v1.search read as a result subject")
	}
}
