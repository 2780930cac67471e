package stack_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/webhook"
	"github.com/trawl-dev/trawl/testkit"
)

// do sends one request with headers and returns the reply.
func (e *env) do(t *testing.T, method, path, body string, hdr map[string]string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// archived polls GET path until the archive has the answer (writes do not hold up answers,
// so the record lands a moment after the answer).
func (e *env) archived(t *testing.T, path string, hdr map[string]string) reply {
	t.Helper()
	var rp reply
	testkit.Eventually(t, 10*time.Second, func() bool {
		rp = e.do(t, "GET", path, "", hdr)
		return rp.status != 404
	}, "%s archived", path)
	return rp
}

// status reads an archived document's metadata status and id.
func status(t *testing.T, b []byte) (id, st string, kind string) {
	t.Helper()
	var doc struct {
		Search *schemas.SearchMetadata `json:"search_metadata"`
		Scrape *schemas.ScrapeMetadata `json:"scrape_metadata"`
		Error  *schemas.Error          `json:"error"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("archived document: %v: %s", err, b)
	}
	if doc.Error != nil {
		kind = doc.Error.Kind
	}
	switch {
	case doc.Search != nil:
		return doc.Search.ID, doc.Search.Status, kind
	case doc.Scrape != nil:
		return doc.Scrape.ID, doc.Scrape.Status, kind
	}
	t.Fatalf("archived document without metadata: %s", b)
	return
}

// TestArchive: an answer, a hit and a scrape read back by id, exactly as answered; the page an
// answer came from; that page parsed again with today's parser; ids that are not ids refused.
func TestArchive(t *testing.T) {
	e := start(t, nil, nil)
	first := e.get(t, "/v1/search?q=archive+golang")
	if first.status != 200 {
		t.Fatalf("search: %d %s", first.status, first.body)
	}
	r := decodeResponse(t, first.body)
	id := r.SearchMetadata.ID
	if len(id) < 20 || r.SearchMetadata.PageID == "" {
		t.Fatalf("answer id %q, page id %q", id, r.SearchMetadata.PageID)
	}
	got := e.archived(t, "/v1/searches/"+id, nil)
	if got.status != 200 || !bytes.Equal(got.body, first.body) {
		t.Fatalf("archived answer differs:\n%s\nanswered:\n%s", got.body, first.body)
	}
	page := e.get(t, "/v1/searches/"+id+"?output=html")
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		page.header.Get("Content-Security-Policy") != "sandbox" || !bytes.Contains(page.body, []byte(r.OrganicResults[0].Title)) {
		t.Fatalf("raw page: %d %q CSP %q, %d bytes", page.status, page.header.Get("Content-Type"), page.header.Get("Content-Security-Policy"), len(page.body))
	}
	re := e.get(t, "/v1/searches/"+id+"?reparse=true")
	if re.status != 200 {
		t.Fatalf("reparse: %d %s", re.status, re.body)
	}
	rr := decodeResponse(t, re.body)
	if rr.SearchMetadata.Cache != "reparsed" || len(rr.OrganicResults) != len(r.OrganicResults) {
		t.Fatalf("reparse: cache %q, %d results, want %d", rr.SearchMetadata.Cache, len(rr.OrganicResults), len(r.OrganicResults))
	}
	for i := range r.OrganicResults {
		if fmt.Sprint(rr.OrganicResults[i]) != fmt.Sprint(r.OrganicResults[i]) {
			t.Errorf("reparsed result %d: %+v, answered %+v", i, rr.OrganicResults[i], r.OrganicResults[i])
		}
	}

	// A hit has an id of its own and points at the page it came from.
	hit := e.get(t, "/v1/search?q=archive+golang")
	h := decodeResponse(t, hit.body)
	if hit.header.Get("X-Cache") != "HIT" || h.SearchMetadata.ID == id || h.SearchMetadata.PageID != r.SearchMetadata.PageID {
		t.Fatalf("hit: X-Cache %s id %q page %q; first id %q page %q", hit.header.Get("X-Cache"), h.SearchMetadata.ID, h.SearchMetadata.PageID, id, r.SearchMetadata.PageID)
	}
	if got := e.archived(t, "/v1/searches/"+h.SearchMetadata.ID, nil); !bytes.Equal(got.body, hit.body) {
		t.Errorf("archived hit differs:\n%s\nanswered:\n%s", got.body, hit.body)
	}

	// A hit through a dialect (its JSON composed straight into the archive's bundle) is
	// archived as the native answer it was made from, under the id the dialect gave it.
	sp := e.get(t, "/search.json?engine=duckduckgo&q=archive+golang")
	var spm struct {
		SearchMetadata struct{ ID string } `json:"search_metadata"`
	}
	if sp.status != 200 || json.Unmarshal(sp.body, &spm) != nil || spm.SearchMetadata.ID == "" {
		t.Fatalf("serpapi hit: %d %s", sp.status, sp.body)
	}
	if ga := decodeResponse(t, e.archived(t, "/v1/searches/"+spm.SearchMetadata.ID, nil).body); ga.SearchMetadata.ID != spm.SearchMetadata.ID || ga.SearchMetadata.Cache != "hit" ||
		len(ga.OrganicResults) != len(r.OrganicResults) || ga.OrganicResults[0].URL != r.OrganicResults[0].URL {
		t.Errorf("the dialect's hit archived as %+v", ga.SearchMetadata)
	}

	// A scrape: the same, and its page under the type it was fetched with.
	sc := e.get(t, "/v1/scrape?url="+url.QueryEscape(e.sim.URL()+"/pages/article"))
	if sc.status != 200 {
		t.Fatalf("scrape: %d %s", sc.status, sc.body)
	}
	scID, _, _ := status(t, sc.body)
	if got := e.archived(t, "/v1/scrapes/"+scID, nil); !bytes.Equal(got.body, sc.body) {
		t.Errorf("archived scrape differs")
	}
	if rp := e.get(t, "/v1/scrapes/"+scID+"?output=html"); rp.status != 200 || !strings.HasPrefix(rp.header.Get("Content-Type"), "text/html") || rp.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("scraped page: %d %q", rp.status, rp.header.Get("Content-Type"))
	}
	if rp := e.get(t, "/v1/scrapes/"+scID+"?reparse=true"); rp.status != 200 || !bytes.Contains(rp.body, []byte(`"markdown"`)) {
		t.Errorf("scrape converted again: %d %s", rp.status, rp.body)
	}
	// A search's id is not a scrape's.
	if rp := e.get(t, "/v1/scrapes/"+id); rp.status != 404 {
		t.Errorf("search id under /v1/scrapes: %d", rp.status)
	}
	for _, bad := range []string{"/v1/searches/" + id + ".x", "/v1/searches/*", "/v1/searches/%3E", "/v1/scrapes/a.b.c.d.e.f.g.h.i", "/v1/batches/" + id + "*"} {
		if rp := e.get(t, bad); rp.status != 400 {
			t.Errorf("GET %s: %d, want 400", bad, rp.status)
		}
	}
	if rp := e.get(t, "/v1/searches/"+strings.Repeat("A", 26)); rp.status != 404 {
		t.Errorf("an id never made: %d, want 404", rp.status)
	}
}

// TestArchiveSurvivesRestartAndExpires: with a store directory the archive outlives the
// process; past --archive-ttl an answer is gone.
func TestArchiveSurvivesRestartAndExpires(t *testing.T) {
	dir := t.TempDir()
	e := start(t, func(c *stack.Config) { c.NATSStoreDir = dir }, nil)
	rp := e.get(t, "/v1/search?q=restart+golang")
	id, _, _ := status(t, rp.body)
	e.archived(t, "/v1/searches/"+id, nil)
	e.st.Close()
	again := start(t, func(c *stack.Config) { c.NATSStoreDir = dir }, nil)
	if got := again.get(t, "/v1/searches/"+id); got.status != 200 || !bytes.Equal(got.body, rp.body) {
		t.Fatalf("after a restart: %d %s", got.status, got.body)
	}

	short := start(t, func(c *stack.Config) { c.Streams.Archive.TTL = time.Second }, nil)
	rp = short.get(t, "/v1/search?q=short+lived")
	id, _, _ = status(t, rp.body)
	short.archived(t, "/v1/searches/"+id, nil)
	testkit.Eventually(t, 15*time.Second, func() bool {
		return short.get(t, "/v1/searches/"+id).status == 404
	}, "answer gone after the archive's TTL")
}

// TestAsyncSearches: 200 async searches answer at once, each polls to Success with the answer a
// synchronous search of the same query gives; a failing one ends as Error with its kind.
func TestAsyncSearches(t *testing.T) {
	e := start(t, nil, nil)
	const n = 200
	ids := make([]string, n)
	for i := range n {
		rp := e.post(t, "/v1/search", fmt.Sprintf(`{"q":"async query %d","async":true}`, i))
		if rp.status != 202 {
			t.Fatalf("async %d: %d %s", i, rp.status, rp.body)
		}
		id, st, _ := status(t, rp.body)
		if st != schemas.StatusProcessing || rp.header.Get("Location") != "/v1/searches/"+id {
			t.Fatalf("async %d: status %q, Location %q", i, st, rp.header.Get("Location"))
		}
		ids[i] = id
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rp reply
			testkit.Eventually(t, 60*time.Second, func() bool {
				rp = e.get(t, "/v1/searches/"+id)
				_, st, _ := status(t, rp.body)
				return st != schemas.StatusProcessing
			}, "async %d done", i)
			async := decodeResponse(t, rp.body)
			sync := decodeResponse(t, e.get(t, fmt.Sprintf("/v1/search?q=async+query+%d", i)).body)
			if async.SearchMetadata.Status != schemas.StatusSuccess || async.SearchMetadata.ID != id || len(async.OrganicResults) == 0 ||
				fmt.Sprint(async.OrganicResults) != fmt.Sprint(sync.OrganicResults) {
				t.Errorf("async %d: status %q, %d results; differs from the synchronous answer", i, async.SearchMetadata.Status, len(async.OrganicResults))
			}
		}()
	}
	wg.Wait()

	rp := e.post(t, "/v1/search", `{"q":"newlayout golang","async":true,"no_cache":true}`)
	id, _, _ := status(t, rp.body)
	testkit.Eventually(t, 30*time.Second, func() bool {
		_, st, _ := status(t, e.get(t, "/v1/searches/"+id).body)
		return st == schemas.StatusError
	}, "failing async search ends in Error")
	if _, _, kind := status(t, e.get(t, "/v1/searches/"+id).body); kind != schemas.TypeUnrecognised {
		t.Errorf("failing async search: error kind %q", kind)
	}
}

// TestArchiveTenants: with keys, every id route answers only the tenant that made the id;
// another tenant gets 404, as for an id never made.
func TestArchiveTenants(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"acme","keys":["acme-key-0123456789"]},{"name":"globex","keys":["globex-key-0123456789"]},
		{"name":"slow","keys":["slow-key-0123456789"],"rate_per_sec":0.001,"burst":5}]}`), 0o600)
	e := start(t, func(c *stack.Config) { c.Ingress.KeysFile = keys }, nil)
	acme := map[string]string{"X-API-Key": "acme-key-0123456789"}
	globex := map[string]string{"X-API-Key": "globex-key-0123456789"}

	rp := e.do(t, "GET", "/v1/search?q=tenant+golang", "", acme)
	search, _, _ := status(t, rp.body)
	rp = e.do(t, "POST", "/v1/search", `{"q":"tenant async","async":true}`, acme)
	async, _, _ := status(t, rp.body)
	rp = e.do(t, "GET", "/v1/scrape?url="+url.QueryEscape(e.sim.URL()+"/pages/article"), "", acme)
	scrape, _, _ := status(t, rp.body)
	rp = e.do(t, "POST", "/v1/searches", `{"requests":[{"q":"tenant batch"}]}`, acme)
	var b schemas.Batch
	if err := json.Unmarshal(rp.body, &b); err != nil || rp.status != 202 || b.ID == "" {
		t.Fatalf("batch: %d %s", rp.status, rp.body)
	}
	paths := []string{"/v1/searches/" + search, "/v1/searches/" + search + "?output=html", "/v1/searches/" + search + "?reparse=true",
		"/v1/searches/" + async, "/v1/scrapes/" + scrape, "/v1/scrapes/" + scrape + "?output=html", "/v1/batches/" + b.ID}
	for _, p := range paths {
		if rp := e.archived(t, p, acme); rp.status != 200 {
			t.Errorf("acme GET %s: %d %s", p, rp.status, rp.body)
		}
		if rp := e.do(t, "GET", p, "", globex); rp.status != 404 {
			t.Errorf("globex GET %s: %d, want 404", p, rp.status)
		}
		if rp := e.do(t, "GET", p, "", nil); rp.status != 401 {
			t.Errorf("no key GET %s: %d, want 401", p, rp.status)
		}
	}

	// A batch over the tenant's rate: the excess ends at once as rate_limited lines.
	var reqs []string
	for i := range 12 {
		reqs = append(reqs, fmt.Sprintf(`{"q":"slow batch %d"}`, i))
	}
	rp = e.do(t, "POST", "/v1/searches", `{"requests":[`+strings.Join(reqs, ",")+`]}`,
		map[string]string{"X-API-Key": "slow-key-0123456789", "Accept": "application/x-ndjson"})
	lines := batchLines(t, rp, 12)
	limited := 0
	for _, l := range lines {
		if l.Status == schemas.StatusError && l.Error != nil && l.Error.Kind == schemas.TypeRateLimited && l.Error.Status == 429 {
			limited++
		}
	}
	if limited != 7 {
		t.Errorf("batch of 12 on a burst of 5: %d rate_limited lines, want 7", limited)
	}
}

// batchLines reads an NDJSON batch answer: n lines, each index once.
func batchLines(t *testing.T, rp reply, n int) []schemas.BatchItem {
	t.Helper()
	if rp.status != 200 || rp.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("batch: %d %q %s", rp.status, rp.header.Get("Content-Type"), rp.body)
	}
	var out []schemas.BatchItem
	seen := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(rp.body))
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var it schemas.BatchItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if seen[it.Index] || it.Index < 0 || it.Index >= n || !schemas.ValidID(it.ID) {
			t.Fatalf("line %d (id %q) repeated or out of range", it.Index, it.ID)
		}
		seen[it.Index] = true
		out = append(out, it)
	}
	if len(out) != n {
		t.Fatalf("%d lines, want %d", len(out), n)
	}
	return out
}

// TestBatchNDJSON: a batch of 100 streams 100 lines, each index once, with the bad requests as
// typed errors; every item is archived under its id, and the batch's progress reads back.
func TestBatchNDJSON(t *testing.T) {
	e := start(t, nil, nil)
	var reqs []string
	for i := range 100 {
		switch i % 25 {
		case 7:
			reqs = append(reqs, `{"q":""}`)
		case 8:
			reqs = append(reqs, `{"q":"x","engnie":"bing"}`)
		default:
			reqs = append(reqs, fmt.Sprintf(`{"q":"batch item %d"}`, i))
		}
	}
	rp := e.do(t, "POST", "/v1/searches", `{"requests":[`+strings.Join(reqs, ",")+`]}`, map[string]string{"Accept": "application/x-ndjson"})
	lines := batchLines(t, rp, 100)
	for _, l := range lines {
		bad := l.Index%25 == 7 || l.Index%25 == 8
		switch {
		case bad && (l.Status != schemas.StatusError || l.Error == nil || l.Error.Kind != schemas.TypeValidation):
			t.Errorf("item %d: want a validation error, got %s %+v", l.Index, l.Status, l.Error)
		case !bad && l.Status != schemas.StatusSuccess:
			t.Errorf("item %d: %s %+v", l.Index, l.Status, l.Error)
		case !bad:
			var r schemas.SearchResponse
			if err := json.Unmarshal(l.Response, &r); err != nil || r.SearchMetadata.ID != l.ID || r.SearchParameters.Q != fmt.Sprintf("batch item %d", l.Index) {
				t.Errorf("item %d: response for %q id %q (%v)", l.Index, r.SearchParameters.Q, r.SearchMetadata.ID, err)
			}
		}
	}
	batchID := rp.header.Get("Trawl-Batch-Id")
	var b schemas.Batch
	testkit.Eventually(t, 10*time.Second, func() bool {
		json.Unmarshal(e.get(t, "/v1/batches/"+batchID).body, &b)
		return b.Status == schemas.StatusSuccess
	}, "batch read back complete")
	if b.Total != 100 || b.Succeeded != 92 || b.Failed != 8 || len(b.Items) != 100 {
		t.Errorf("batch: total %d, %d succeeded, %d failed, %d items", b.Total, b.Succeeded, b.Failed, len(b.Items))
	}
	if rp := e.get(t, "/v1/searches/"+lines[0].ID); rp.status != 200 {
		t.Errorf("a batch item by its id: %d", rp.status)
	}
}

// TestWebhook: an async search's answer is POSTed to its webhook, signed with the tenant's
// secret, retried after a 500, and every attempt recorded on the archived answer; a webhook
// to a private address is refused before any work and never gets a connection.
func TestWebhook(t *testing.T) {
	secret := "acme-webhook-secret-0123456789"
	type delivery struct {
		body      []byte
		signature string
		timestamp string
	}
	got := make(chan delivery, 4)
	var mu sync.Mutex
	calls := 0
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(500) // the first attempt fails: the second must come
			return
		}
		got <- delivery{b, r.Header.Get("Trawl-Signature"), r.Header.Get("Trawl-Timestamp")}
	}))
	defer recv.Close()
	// A private address nobody allowed: it must never see a connection.
	private, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer private.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := private.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()

	keys := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(keys, []byte(`{"tenants":[{"name":"acme","keys":["acme-key-0123456789"],"webhook_secret":"`+secret+`"}]}`), 0o600)
	e := start(t, func(c *stack.Config) {
		c.Ingress.KeysFile = keys
		c.Ingress.Webhook.Allow = strings.TrimPrefix(recv.URL, "http://")
		c.Ingress.Webhook.Backoff = 10 * time.Millisecond
		c.Ingress.Webhook.MaxBackoff = 20 * time.Millisecond
	}, nil)
	acme := map[string]string{"X-API-Key": "acme-key-0123456789"}
	privPort := private.Addr().(*net.TCPAddr).Port
	for _, bad := range []string{fmt.Sprintf("http://127.0.0.1:%d/hook", privPort), fmt.Sprintf("http://localhost:%d/hook", privPort),
		"http://169.254.169.254/latest", "file:///etc/passwd"} {
		rp := e.do(t, "POST", "/v1/search", `{"q":"webhook refused","async":true,"webhook_url":"`+bad+`"}`, acme)
		if rp.status != 400 || !bytes.Contains(rp.body, []byte("webhook_url")) {
			t.Errorf("webhook to %s: %d %s, want a 400 naming webhook_url", bad, rp.status, rp.body)
		}
	}

	rp := e.do(t, "POST", "/v1/search", `{"q":"webhook golang","async":true,"webhook_url":"`+recv.URL+`/hook?token=x"}`, acme)
	if rp.status != 202 {
		t.Fatalf("async search with a webhook: %d %s", rp.status, rp.body)
	}
	id, _, _ := status(t, rp.body)
	var d delivery
	select {
	case d = <-got:
	case <-time.After(60 * time.Second):
		t.Fatal("no webhook delivered")
	}
	if err := webhook.Verify([]byte(secret), d.signature, d.timestamp, d.body, time.Now(), time.Minute); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	if wid, st, _ := status(t, d.body); wid != id || st != schemas.StatusSuccess {
		t.Errorf("webhook body: id %q status %q, want %q Success", wid, st, id)
	}
	var rec struct {
		Webhook struct {
			Outcome  string            `json:"outcome"`
			Target   string            `json:"target"`
			Attempts []webhook.Attempt `json:"attempts"`
		} `json:"webhook"`
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		json.Unmarshal(e.do(t, "GET", "/v1/searches/"+id, "", acme).body, &rec)
		return rec.Webhook.Outcome == "delivered"
	}, "delivery recorded on the answer")
	if n := len(rec.Webhook.Attempts); n != 2 || rec.Webhook.Attempts[0].Status != 500 || rec.Webhook.Attempts[1].Status != 200 ||
		strings.Contains(rec.Webhook.Target, "token") {
		t.Errorf("recorded attempts %+v, target %q", rec.Webhook.Attempts, rec.Webhook.Target)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the private address got %d connections", n)
	}
}

// TestNATSAsync: over NATS, an async search answers at once with its id; its end is announced
// on trawl.v1.done.<tenant> to the client account, and the answer is then in the archive.
func TestNATSAsync(t *testing.T) {
	e := start(t, nil, nil)
	nc, err := nats.Connect(e.st.UserURL(natsauth.UserClient))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	done, err := nc.SubscribeSync(schemas.SubjectDonePrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	m, err := nc.Request(schemas.SubjectSearch, []byte(`{"q":"nats async golang","async":true}`), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	id, st, _ := status(t, m.Data)
	if st != schemas.StatusProcessing || !schemas.ValidID(id) {
		t.Fatalf("async over NATS: %s", m.Data)
	}
	ev, err := done.NextMsg(30 * time.Second)
	if err != nil {
		t.Fatalf("no done event: %v", err)
	}
	var de schemas.DoneEvent
	if err := json.Unmarshal(ev.Data, &de); err != nil || de.ID != id || de.Status != schemas.StatusSuccess ||
		ev.Subject != schemas.SubjectDonePrefix+schemas.OpenTenantToken {
		t.Fatalf("done event on %s: %s (%v)", ev.Subject, ev.Data, err)
	}
	if rp := e.get(t, "/v1/searches/"+id); rp.status != 200 {
		t.Errorf("answer after the event: %d", rp.status)
	} else if _, st, _ := status(t, rp.body); st != schemas.StatusSuccess {
		t.Errorf("answer after the event: status %q", st)
	}
}
