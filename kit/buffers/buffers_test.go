package buffers

import "testing"

func TestBuffers(t *testing.T) {
	b := Pool{Max: 1 << 10}
	p := b.Get()
	if len(*p) != cap(*p) {
		t.Fatalf("len %d, cap %d: a buffer comes back at its whole capacity", len(*p), cap(*p))
	}
	used := append((*p)[:0], make([]byte, 512)...)
	b.Put(p, used)
	// sync.Pool may drop anything at any time, so only what is kept is checked.
	if q := b.Get(); cap(*q) != 0 && (cap(*q) < 512 || len(*q) != cap(*q)) {
		t.Fatalf("reused buffer: len %d cap %d", len(*q), cap(*q))
	}
	big := b.Get()
	b.Put(big, make([]byte, 2<<10))
	for range 3 {
		if q := b.Get(); cap(*q) > b.Max {
			t.Fatalf("a buffer of cap %d over Max %d was kept", cap(*q), b.Max)
		}
	}
}
