package ingress

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	// The hit's metadata encoded here, or copied as the answer encoded it: the same record.
	var resolved [2][]byte
	for i := range resolved {
		hit := a.newBundledID()
		meta := &schemas.SearchMetadata{ID: hit, Cache: "hit"}
		var metaJSON []byte
		if i == 1 {
			metaJSON = schemas.AppendMetadata(nil, meta)
		}
		a.bundleRef(hit, &facts, meta, metaJSON, id)
		r, err := a.getBundled(t.Context(), hit)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = a.resolveRef(t.Context(), r); err != nil || !bytes.Contains(r.Data, []byte(`"id":"`+hit+`"`)) || !bytes.HasSuffix(r.Data, []byte(`,"organic_results":[]}`)) {
			t.Fatalf("resolved: %s, %v", r.Data, err)
		}
		resolved[i] = bytes.Replace(r.Data, []byte(hit), nil, 1)
	}
	if !bytes.Equal(resolved[0], resolved[1]) {
		t.Fatalf("a copied metadata resolves to %s, an encoded one to %s", resolved[1], resolved[0])
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
