package ingress

import (
	"bytes"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
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
	hit := a.newBundledID()
	a.bundleRef(hit, &facts, &schemas.SearchMetadata{ID: hit, Cache: "hit"}, id)
	r, err := a.getBundled(t.Context(), hit)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = a.resolveRef(t.Context(), r); err != nil || !bytes.Contains(r.Data, []byte(`"id":"`+hit+`"`)) || !bytes.HasSuffix(r.Data, []byte(`,"organic_results":[]}`)) {
		t.Fatalf("resolved: %s, %v", r.Data, err)
	}
}
