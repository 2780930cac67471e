package dialect

import (
	"bytes"
	"testing"
)

// TestMemoMatchesByContent: a memo answers for the same rest wherever it lies, and never for
// another rest, even one filed under the same hash (a collision, or a stale RestHash).
func TestMemoMatchesByContent(t *testing.T) {
	m := NewMemo(1 << 20)
	rest := []byte(`,"organic_results":[{"title":"a"}]}`)
	m.Set([]byte("k"), &Answer{Rest: rest}, []byte("out"))

	same := &Answer{Rest: bytes.Clone(rest)}
	if out, ok := m.Get([]byte("k"), same); !ok || string(out) != "out" {
		t.Fatalf("the same rest elsewhere in memory: %q, %v", out, ok)
	}
	if out, ok := m.Get([]byte("k"), &Answer{Rest: rest, RestHash: RestHash(rest)}); !ok || string(out) != "out" {
		t.Fatalf("the same rest, its hash handed over: %q, %v", out, ok)
	}
	if _, ok := m.Get([]byte("other"), &Answer{Rest: rest}); ok {
		t.Fatal("another key answered")
	}
	other := []byte(`,"organic_results":[{"title":"b"}]}`)
	if _, ok := m.Get([]byte("k"), &Answer{Rest: other}); ok {
		t.Fatal("another rest answered")
	}
	if _, ok := m.Get([]byte("k"), &Answer{Rest: other, RestHash: RestHash(rest)}); ok {
		t.Fatal("another rest under the first one's hash answered")
	}
	if _, ok := m.Get([]byte("k"), &Answer{Rest: rest[:len(rest)-1], RestHash: RestHash(rest)}); ok {
		t.Fatal("a prefix of the rest, at the same address, answered")
	}
	if _, ok := (*Memo)(nil).Get([]byte("k"), &Answer{Rest: rest}); ok {
		t.Fatal("a nil memo answered")
	}
}

// TestRendersBesideRest: renderings kept beside a rest (a near-cache entry's) answer before
// the memo is asked, each for its own key; past rendersMax keys the memo alone keeps them.
func TestRendersBesideRest(t *testing.T) {
	rest := []byte(`,"organic_results":[{"title":"a"}]}`)
	var r Renders
	m := NewMemo(1 << 20)
	keys := make([][]byte, rendersMax+1)
	for i := range keys {
		keys[i] = []byte{'k', byte('a' + i)}
		m.Set(keys[i], &Answer{Rest: rest, Renders: &r}, keys[i])
	}
	// A memo that never saw the rest answers from the renders alone.
	empty := NewMemo(1 << 20)
	for i, k := range keys[:rendersMax] {
		if out, ok := empty.Get(k, &Answer{Rest: rest, Renders: &r}); !ok || !bytes.Equal(out, k) {
			t.Fatalf("key %d from the renders: %q, %v", i, out, ok)
		}
	}
	if _, ok := empty.Get(keys[rendersMax], &Answer{Rest: rest, Renders: &r}); ok {
		t.Fatal("a key past rendersMax was kept beside the rest")
	}
	if out, ok := m.Get(keys[rendersMax], &Answer{Rest: rest, Renders: &r}); !ok || !bytes.Equal(out, keys[rendersMax]) {
		t.Fatalf("the memo lost the key past rendersMax: %q, %v", out, ok)
	}
	// Hits share an entry's renders from many goroutines (-race).
	var shared Renders
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 100 {
				k := []byte{byte('a' + (g+i)%3)}
				if out, ok := m.Get(k, &Answer{Rest: rest, Renders: &shared}); ok && !bytes.Equal(out, k) {
					t.Errorf("key %q answered %q", k, out)
				}
				m.Set(k, &Answer{Rest: rest, Renders: &shared}, k)
			}
		}()
	}
	for range 4 {
		<-done
	}
}
