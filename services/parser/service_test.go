package parser

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
	"github.com/trawl-dev/trawl/testkit"
)

func startParser(t *testing.T) (*nats.Conn, *Service) {
	t.Helper()
	ns := testkit.StartNATS(t)
	nc := testkit.Connect(t, ns)
	cfg := DefaultConfig()
	s, err := New(cfg, Deps{NC: testkit.Connect(t, ns), Engines: engines.Default(), Streams: schemas.DefaultStreamLimits(), Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return nc, s
}

// page publishes a fetched page for a job on the parse stream and returns the job.
func page(t *testing.T, nc *nats.Conn, id, q string, html []byte) *schemas.FetchJob {
	t.Helper()
	job := &schemas.FetchJob{ID: id, Key: "key" + id, Request: schemas.SearchRequest{Q: q, Engine: "duckduckgo", Page: 1, Safe: "moderate"},
		Deadline: time.Now().Add(time.Minute).UnixMilli()}
	jb, _ := json.Marshal(job)
	m := nats.NewMsg(schemas.SubjectParsePrefix + "duckduckgo")
	m.Header.Set(schemas.HeaderJob, string(jb))
	m.Header.Set(schemas.HeaderEncoding, "s2")
	m.Header.Set(schemas.HeaderTimings, schemas.FormatTimings(12, 0))
	m.Data = s2.Encode(nil, html)
	js, _ := nc.JetStream()
	if _, err := js.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	return job
}

func TestParsePublishesResult(t *testing.T) {
	nc, _ := startParser(t)
	sub, _ := nc.SubscribeSync(schemas.ResultSubject("keyok1"))
	page(t, nc, "ok1", "golang", sim.ResultsPage("golang", 1, 10, 5))
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code := m.Header.Get(schemas.HeaderServiceErrorCode); code != "" {
		t.Fatalf("error %s: %s", code, m.Data)
	}
	var b schemas.SearchBody
	if err := json.Unmarshal(m.Data, &b); err != nil || len(b.OrganicResults) != 10 || b.Pagination.Next != 2 {
		t.Fatalf("body %s (%v)", m.Data, err)
	}
	if f, p := schemas.ParseTimings(m.Header.Get(schemas.HeaderTimings)); f != 12 || p <= 0 {
		t.Errorf("timings fetch=%v parse=%v", f, p)
	}
}

// TestUnrecognisedPageKept: a page no parser knows is a typed error, counted per engine, and
// its HTML is kept by search id for inspection and re-parsing.
func TestUnrecognisedPageKept(t *testing.T) {
	nc, s := startParser(t)
	sub, _ := nc.SubscribeSync(schemas.ResultSubject("keyodd1"))
	html := []byte("<html><body><div class='brand-new-layout'>results moved</div></body></html>")
	page(t, nc, "odd1", "golang", html)
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e := schemas.DecodeError(m.Header.Get(schemas.HeaderServiceErrorCode), "", m.Data)
	if e.Kind != schemas.TypeUnrecognised || e.SearchID != "odd1" || e.Engine != "duckduckgo" {
		t.Fatalf("error %+v", e)
	}
	if got := testutil.ToFloat64(s.pages.WithLabelValues("duckduckgo", schemas.TypeUnrecognised)); got != 1 {
		t.Errorf("unrecognised metric %v, want 1", got)
	}
	var r *nats.Msg
	testkit.Eventually(t, 5*time.Second, func() bool {
		r, err = nc.Request(schemas.SubjectPageGet, []byte(`{"id":"odd1"}`), time.Second)
		return err == nil && r.Header.Get(schemas.HeaderServiceErrorCode) == ""
	}, "page kept")
	if string(r.Data) != string(html) {
		t.Errorf("kept page %q", r.Data)
	}
	r, err = nc.Request(schemas.SubjectPageReparse, []byte(`{"id":"odd1"}`), 5*time.Second)
	if err != nil || r.Header.Get(schemas.HeaderServiceErrorCode) != "502" {
		t.Errorf("reparse of a still-unknown page: %v %v", err, r.Header)
	}
	for _, bad := range []string{`{"id":"nope"}`, `{"id":"../x"}`, `garbage`} {
		r, err := nc.Request(schemas.SubjectPageGet, []byte(bad), 5*time.Second)
		if err != nil || r.Header.Get(schemas.HeaderServiceErrorCode) == "" {
			t.Errorf("%s: want a typed error, got %v %v", bad, err, r)
		}
	}
}

// TestGarbageOnParseStream: a message without a job is dropped without a panic, and the
// stage keeps parsing.
func TestGarbageOnParseStream(t *testing.T) {
	nc, s := startParser(t)
	js, _ := nc.JetStream()
	if _, err := js.Publish(schemas.SubjectParsePrefix+"duckduckgo", []byte("\x00garbage")); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		return testutil.ToFloat64(s.pages.WithLabelValues("", "malformed")) == 1
	}, "garbage counted as malformed")
	sub, _ := nc.SubscribeSync(schemas.ResultSubject("keyafter"))
	page(t, nc, "after", "still working", sim.ResultsPage("still working", 1, 10, 5))
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil || !strings.Contains(string(m.Data), "organic_results") {
		t.Fatalf("stage stopped parsing after garbage: %v", err)
	}
}
