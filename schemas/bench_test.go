package schemas

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// The miss path runs through these once per stage: the fetcher builds a page, the parser reads
// it and builds the outcome, the cache reads that, and the ingress splits the answer for its
// near cache.

// sink makes each message escape, as a published one does: otherwise the compiler may keep it
// on the stack and the figures would flatter whichever way of building it inlines better.
var sink *nats.Msg

func benchAnswer() []byte {
	meta := &SearchMetadata{ID: "abc", Status: "Success", Engine: "duckduckgo", Cache: "miss", CreatedAt: time.Now().UTC()}
	body := []byte(`{"search_parameters":{"q":"golang"},"organic_results":[` +
		string(bytes.Repeat([]byte(`{"position":1,"title":"The Go Programming Language","link":"https://go.dev/","snippet":"Go is an open source programming language that makes it simple to build secure, scalable systems."},`), 10)) +
		`{}]}`)
	return ComposeResponse(meta, body)
}

func BenchmarkSplitResponse(b *testing.B) {
	resp := benchAnswer()
	b.ReportAllocs()
	for b.Loop() {
		var m SearchMetadata
		if _, ok := SplitResponse(resp, &m); !ok {
			b.Fatal("not split")
		}
	}
}

func BenchmarkPageMsg(b *testing.B) {
	job := testJob()
	jobJSON, _ := json.Marshal(job)
	data := []byte("compressed page")
	b.ReportAllocs()
	for b.Loop() {
		p := PageMsg{Job: job, JobJSON: jobJSON, Data: data, Encoding: EncodingS2, FetchMS: 12.5, Attempts: 1}
		m, _ := p.Msg()
		sink = m
		got, err := DecodePage(m.Header, m.Data)
		if err != nil || got.Job.ID != job.ID {
			b.Fatal(err)
		}
	}
}

func BenchmarkOutcome(b *testing.B) {
	body := benchAnswer()
	b.ReportAllocs()
	for b.Loop() {
		o := Outcome{Key: "key", Body: body, FetchMS: 12.5, ParseMS: 1.5}
		m := o.Msg()
		sink = m
		if got := DecodeOutcome(m); got.Err != nil {
			b.Fatal(got.Err)
		}
	}
}
