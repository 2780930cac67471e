package ingress

import (
	"bytes"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/kit/streams"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// bundleOf frames answers as archive.bundle does.
func bundleOf(t testing.TB, a *archive, ids []string, docs [][]byte) []byte {
	t.Helper()
	for i, id := range ids {
		facts := [len(bundleFields)]string{schemas.KindSearch, schemas.StatusSuccess, "acme", "1", "2", "", ""}
		a.bundle(id, &facts, docs[i])
	}
	return a.bundles.pending[ids[0][:bundleIDLen]]
}

func TestBundleIDsAndFraming(t *testing.T) {
	a := &archive{}
	ids := []string{a.newBundledID(), a.newBundledID(), a.newBundledID()}
	seen := map[string]bool{}
	for _, id := range ids {
		if !bundled(id) || !schemas.ValidID(id) || seen[id] || id[:bundleIDLen] != ids[0][:bundleIDLen] {
			t.Fatalf("bundled id %q: not a fresh id of the current bundle", id)
		}
		seen[id] = true
	}
	docs := [][]byte{[]byte(`{"a":1}`), {}, bytes.Repeat([]byte("x\x00"), 1000)}
	buf := bundleOf(t, a, ids, docs)
	for i, id := range ids {
		r := findInBundle(buf, id)
		if r == nil || !bytes.Equal(r.Data, docs[i]) || r.Header.Get(schemas.HeaderTenant) != "acme" || r.Header.Get(schemas.HeaderPageID) != "" {
			t.Fatalf("answer %d: %+v", i, r)
		}
	}
	if findInBundle(buf, ids[0][:bundleIDLen]+"AAAAAAAAAAAAAAAAAAAA") != nil {
		t.Fatal("an id not in the bundle found")
	}
	for n := range buf {
		findInBundle(buf[:n], ids[2]) // a cut bundle never panics
	}
}

// FuzzFindInBundle: a bundle read back from the archive is never trusted to be well framed.
func FuzzFindInBundle(f *testing.F) {
	a := &archive{}
	ids := []string{a.newBundledID(), a.newBundledID()}
	f.Add(bundleOf(f, a, ids, [][]byte{[]byte(`{}`), []byte(`{"b":2}`)}), ids[1])
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"), "")
	f.Fuzz(func(t *testing.T, buf []byte, id string) {
		if r := findInBundle(buf, id); r != nil && len(r.Data) > len(buf) {
			t.Fatal("document longer than the bundle")
		}
	})
}

// A broken reference is a typed internal problem, not the archive's "unavailable, retry".
func TestResolveRefBroken(t *testing.T) {
	a := &archive{}
	id := a.newBundledID()
	for _, data := range [][]byte{[]byte("@short"), append([]byte("@"), bytes.Repeat([]byte("*"), bundledIDLen)...)} {
		_, err := a.resolveRef(t.Context(), &record{Data: data})
		if e := archiveError(err); e.Kind != schemas.TypeInternal {
			t.Fatalf("%q: %v, want %s", data, err, schemas.TypeInternal)
		}
	}
	// A reference to an answer still pending in this replica's bundle reads back whole.
	facts := [len(bundleFields)]string{schemas.KindSearch, schemas.StatusSuccess, "acme", "1", "2", "", ""}
	a.bundle(id, &facts, []byte(`{"search_metadata":{"id":"X"},"organic_results":[]}`))
	// A hit written as its own fields (bundleHit) reads back as one written with its whole
	// metadata, as trawl wrote them before (refMark), which must still read.
	target := `{"search_metadata":{"id":"X","page_id":"P","status":"Success","engine":"duckduckgo","cache":"miss","created_at":"2026-12-04T19:05:40.732Z","age_seconds":0,"timings_ms":{"fetch":22.805,"parse":0.441,"cache":24.543}},"organic_results":[]}`
	id = a.newBundledID()
	a.bundle(id, &facts, []byte(target))
	var resolved [2][]byte
	for i := range resolved {
		hit := a.newBundledID()
		meta := schemas.SearchMetadata{ID: hit, PageID: "P", RequestID: "req \"1\"", Status: "Success", Engine: "duckduckgo", Cache: "hit",
			CreatedAt: time.Date(2026, 12, 4, 19, 5, 40, 732e6, time.UTC), AgeSeconds: 3, TimingsMS: schemas.Timings{Fetch: 22.805, Parse: 0.441, Cache: 0.012}}
		if i == 0 {
			a.add(hit, &facts, func(buf []byte) []byte { return schemas.AppendMetadata(appendRef(buf, id), &meta) })
		} else {
			a.bundleHit(hit, &facts, &meta, id)
		}
		r, err := a.getBundled(t.Context(), hit)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = a.resolveRef(t.Context(), r); err != nil || !bytes.HasSuffix(r.Data, []byte(`,"organic_results":[]}`)) {
			t.Fatalf("resolved: %s, %v", r.Data, err)
		}
		if want := schemas.AppendResponse(nil, &meta, []byte(`,"organic_results":[]}`)); !bytes.Equal(r.Data, want) {
			t.Fatalf("hit %d reads back as\n%s\nwant the answer it was\n%s", i, r.Data, want)
		}
	}

	// A hit's record cut short anywhere is a typed problem, never a panic or a wrong answer.
	hit := a.newBundledID()
	a.bundleHit(hit, &facts, &schemas.SearchMetadata{ID: hit, RequestID: "r", AgeSeconds: 1}, id)
	r, err := a.getBundled(t.Context(), hit)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1 + bundledIDLen; n < len(r.Data); n++ {
		cut := &record{Data: r.Data[:n]}
		if _, err := a.resolveRef(t.Context(), cut); archiveError(err).Kind != schemas.TypeInternal {
			t.Fatalf("cut at %d of %d: %v, want %s", n, len(r.Data), err, schemas.TypeInternal)
		}
	}
}

// TestBundleReadWhileWriting: a bundle written and not yet acknowledged is read from the
// ingress itself. The bundle's subject here is taken by a subscriber that never answers, so
// the write stays unacknowledged; before, the answer was then neither pending nor stored.
func TestBundleReadWhileWriting(t *testing.T) {
	nc := testkit.Connect(t, testkit.StartNATS(t))
	sub, err := nc.SubscribeSync(schemas.ArchiveSubject(schemas.ArchiveBundle, ">"))
	if err != nil {
		t.Fatal(err)
	}
	writes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "w"}, []string{"outcome"})
	a, err := newArchive(nc, writes, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.stopBundler)
	id := a.newBundledID()
	facts := [len(bundleFields)]string{schemas.KindSearch, schemas.StatusSuccess, "acme", "1", "2", "", ""}
	doc := []byte(`{"search_metadata":{"id":"X"},"organic_results":[]}`)
	a.bundle(id, &facts, doc)
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("the bundle was not written: %v", err)
	}
	r, err := a.getBundled(t.Context(), id)
	if err != nil || !bytes.Equal(r.Data, doc) {
		t.Fatalf("an answer written and not yet stored: %v, %v; want it read from the ingress", r, err)
	}
}

// TestBundlerSleepsWhenIdle: once what it wrote is settled the flusher parks, waiting for
// the next answer with no timer running (it ticked every bundleFlush before), and that answer
// wakes it.
func TestBundlerSleepsWhenIdle(t *testing.T) {
	// No stream takes the subject: each write settles at once, refused.
	nc := testkit.Connect(t, testkit.StartNATS(t))
	writes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "w"}, []string{"outcome"})
	a, err := newArchive(nc, writes, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.stopBundler)
	facts := [len(bundleFields)]string{schemas.KindSearch, schemas.StatusSuccess, "acme", "1", "2", "", ""}
	b := &a.bundles
	// waitFor polls cond every millisecond for up to 5 s.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for deadline := time.Now().Add(5 * time.Second); !cond(); <-tick.C {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
		}
	}
	waitFor("the flusher never parked at the start", func() bool { return b.parked.Load() > 0 })
	parked := b.parked.Load()
	a.bundle(a.newBundledID(), &facts, []byte(`{}`))
	waitFor("the flusher never wrote the answer", func() bool { return b.rounds.Load() > 0 })
	// Parked again after the write: it waits on wake alone, with nothing pending.
	waitFor("the flusher never parked after its write", func() bool { return b.parked.Load() > parked })
	n := b.rounds.Load()
	if b.busy() {
		t.Fatal("parked with work pending")
	}
	a.bundle(a.newBundledID(), &facts, []byte(`{}`))
	waitFor("a new answer did not wake the flusher", func() bool { return b.rounds.Load() > n })
}

// FuzzApplyHit: any bytes after a hit's reference are read without a panic, and what
// bundleHit writes reads back as the fields it was given.
func FuzzApplyHit(f *testing.F) {
	f.Add("ABC", "req-1", int64(3), 0.012, []byte{3, 'A', 'B', 'C', 0, 2})
	f.Add("", "", int64(-1), -0.0, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, id, reqID string, age int64, cacheMS float64, junk []byte) {
		var m schemas.SearchMetadata
		applyHit(&m, junk)
		a := &archive{}
		hit := a.newBundledID()
		facts := [len(bundleFields)]string{}
		a.bundleHit(hit, &facts, &schemas.SearchMetadata{ID: id, RequestID: reqID, AgeSeconds: age, TimingsMS: schemas.Timings{Cache: cacheMS}}, hit)
		r := findInBundle(a.bundles.pending[hit[:bundleIDLen]], hit)
		if r == nil || !applyHit(&m, r.Data[1+bundledIDLen:]) {
			t.Fatalf("a hit's record does not read back: %q", r)
		}
		if m.ID != id || m.RequestID != reqID || m.AgeSeconds != age || m.Cache != "hit" ||
			math.Float64bits(m.TimingsMS.Cache) != math.Float64bits(cacheMS) {
			t.Fatalf("read back %+v", m)
		}
	})
}

// TestBundleBufferReuse: once the stream acknowledges a bundle its buffer goes to the next
// one, and what was stored reads back unchanged after the buffer was filled again.
func TestBundleBufferReuse(t *testing.T) {
	ns := testkit.StartNATS(t)
	js, err := jetstream.New(testkit.Connect(t, ns))
	if err != nil {
		t.Fatal(err)
	}
	if err := streams.EnsureOne(t.Context(), js, schemas.ArchiveStream(schemas.DefaultStreamLimits())); err != nil {
		t.Fatal(err)
	}
	writes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "w"}, []string{"outcome"})
	a, err := newArchive(testkit.Connect(t, ns), writes, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.stopBundler() // the test flushes by hand
	facts := [len(bundleFields)]string{schemas.KindSearch, schemas.StatusSuccess, "acme", "1", "2", "", ""}
	b := &a.bundles
	first, firstDoc := a.newBundledID(), bytes.Repeat([]byte("a"), 3000)
	a.bundle(first, &facts, firstDoc)
	firstBuf := &b.pending[first[:bundleIDLen]][:1][0]
	a.flush()
	// A flush with nothing pending prunes the bundle once its ack has come, keeping its buffer.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(5 * time.Second); b.busy(); <-tick.C {
		if time.Now().After(deadline) {
			t.Fatal("the bundle's write never settled")
		}
		a.flush()
	}
	if len(b.spare) != 1 {
		t.Fatalf("after the ack: %d spare buffers, want 1", len(b.spare))
	}
	b.mu.Lock()
	b.cur = "" // the next answer opens a new bundle
	b.mu.Unlock()
	second := a.newBundledID()
	a.bundle(second, &facts, bytes.Repeat([]byte("b"), 3000))
	if &b.pending[second[:bundleIDLen]][:1][0] != firstBuf {
		t.Fatal("the second bundle did not reuse the first one's buffer")
	}
	a.flush()
	r, err := a.getBundled(t.Context(), first)
	if err != nil || !bytes.Equal(r.Data, firstDoc) {
		t.Fatalf("the first answer after its buffer was reused: %v, %.20q; want it as stored", err, r.Data)
	}
}
