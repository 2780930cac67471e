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
