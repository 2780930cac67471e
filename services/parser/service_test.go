package parser

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
	pm := schemas.PageMsg{Job: job, FetchMS: 12, Attempts: 1}
	pm.Compress(nil, html)
	m, err := pm.Msg()
	if err != nil {
		t.Fatal(err)
	}
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
	o := schemas.DecodeOutcome(m)
	if o.Err != nil || o.Key != "keyok1" {
		t.Fatalf("outcome for %q: %v", o.Key, o.Err)
	}
	var b schemas.SearchBody
	if err := json.Unmarshal(o.Body, &b); err != nil || len(b.OrganicResults) != 10 || b.Pagination.Next != 2 {
		t.Fatalf("body %s (%v)", o.Body, err)
	}
	if o.FetchMS != 12 || o.ParseMS <= 0 {
		t.Errorf("timings fetch=%v parse=%v", o.FetchMS, o.ParseMS)
	}
}

// TestEveryPageArchived: every page parsed is archived under its job id, a page no parser
// knows as well (a typed error, counted per engine), so it can be read and re-parsed later;
// reparse answers for the tenant that made it only, under the answer id asked for.
func TestEveryPageArchived(t *testing.T) {
	nc, s := startParser(t)
	const oddID, okID = "ODD1ODD1ODD1ODD1ODD1", "OKOKOKOKOKOKOKOK2222"
	sub, _ := nc.SubscribeSync(schemas.ResultSubject("key" + oddID))
	html := []byte("<html><body><div class='brand-new-layout'>results moved</div></body></html>")
	page(t, nc, oddID, "golang", html)
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e := schemas.DecodeError(m.Header.Get(schemas.HeaderServiceErrorCode), "", m.Data)
	if e.Kind != schemas.TypeUnrecognised || e.PageID != oddID || e.Engine != "duckduckgo" {
		t.Fatalf("error %+v", e)
	}
	if got := testutil.ToFloat64(s.pages.WithLabelValues("duckduckgo", schemas.TypeUnrecognised)); got != 1 {
		t.Errorf("unrecognised metric %v, want 1", got)
	}
	okSub, _ := nc.SubscribeSync(schemas.ResultSubject("key" + okID))
	page(t, nc, okID, "golang", sim.ResultsPage("golang", 1, 10, 5))
	if _, err := okSub.NextMsg(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), schemas.StreamArchive)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]byte{oddID: html, okID: sim.ResultsPage("golang", 1, 10, 5)} {
		var raw *jetstream.RawStreamMsg
		testkit.Eventually(t, 5*time.Second, func() bool {
			raw, err = schemas.ReadArchivedPage(context.Background(), st, id)
			return err == nil
		}, "page %s archived", id)
		// Pages share their shard's subject (the stream's subject index stays small).
		if raw.Subject != schemas.ArchivePageSubject(id) || raw.Subject == schemas.ArchiveSubject(schemas.ArchivePage, id) {
			t.Errorf("page %s archived on %s", id, raw.Subject)
		}
		pm, err := schemas.DecodePage(raw.Header, raw.Data)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := pm.Decompress(nil); err != nil || string(got) != string(want) || pm.Job.ID != id {
			t.Errorf("archived page %s: job %q, %d bytes, %v", id, pm.Job.ID, len(got), err)
		}
	}
	reparse := func(body string) *nats.Msg {
		r, err := nc.Request(schemas.SubjectPageReparse, []byte(body), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := reparse(`{"page_id":"` + oddID + `","answer_id":"ANSWERANSWERANSWER"}`); r.Header.Get(schemas.HeaderServiceErrorCode) != "502" {
		t.Errorf("reparse of a still-unknown page: %v", r.Header)
	}
	r := reparse(`{"page_id":"` + okID + `","answer_id":"ANSWERANSWERANSWER"}`)
	var resp schemas.SearchResponse
	if err := json.Unmarshal(r.Data, &resp); err != nil || len(resp.OrganicResults) != 10 ||
		resp.SearchMetadata.ID != "ANSWERANSWERANSWER" || resp.SearchMetadata.PageID != okID || resp.SearchMetadata.Cache != "reparsed" {
		t.Errorf("reparse: %s (%v)", r.Data, err)
	}
	for _, bad := range []string{`{"page_id":"` + okID + `","answer_id":"ANSWERANSWERANSWER","tenant":"other"}`,
		`{"page_id":"NOPENOPENOPENOPE","answer_id":"ANSWERANSWERANSWER"}`, `{"page_id":"../x","answer_id":"ANSWERANSWERANSWER"}`,
		`{"page_id":"` + okID + `","answer_id":"a.b"}`, `garbage`} {
		if r := reparse(bad); r.Header.Get(schemas.HeaderServiceErrorCode) == "" {
			t.Errorf("%s: want a typed error, got %s", bad, r.Data)
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

// TestCorruptPageAnswered: a page whose compressed body does not decode is answered with a
// typed failure on its key (the waiters hear it now, not at their deadline) and acked, never
// redelivered.
func TestCorruptPageAnswered(t *testing.T) {
	nc, s := startParser(t)
	sub, _ := nc.SubscribeSync(schemas.ResultSubject("keycorrupt"))
	job := &schemas.FetchJob{ID: "corrupt", Key: "keycorrupt", Request: schemas.SearchRequest{Q: "go", Engine: "duckduckgo", Page: 1, Safe: "moderate"},
		Deadline: time.Now().Add(time.Minute).UnixMilli()}
	pm := schemas.PageMsg{Job: job, Data: []byte("\xffnot s2 at all"), Encoding: schemas.EncodingS2}
	m, err := pm.Msg()
	if err != nil {
		t.Fatal(err)
	}
	js, _ := nc.JetStream()
	if _, err := js.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	res, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if o := schemas.DecodeOutcome(res); o.Err == nil || o.Err.Kind != schemas.TypeInternal || o.Key != "keycorrupt" {
		t.Fatalf("outcome %+v, want an internal error for keycorrupt", o)
	}
	if got := testutil.ToFloat64(s.pages.WithLabelValues("duckduckgo", "malformed")); got != 1 {
		t.Errorf("malformed metric %v, want 1", got)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		info, err := js.StreamInfo(schemas.StreamParse)
		return err == nil && info.State.Msgs == 0
	}, "the corrupt page acked off the work queue")
}
