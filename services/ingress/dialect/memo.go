package dialect

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"unsafe"

	"github.com/maypok86/otter/v2"
)

// Memo keeps a dialect's rewriting of native answers it has seen, keyed by everything the
// rewriting reads (the native answer's body after its search_metadata, and the request's part
// in it), so a hot query is rewritten once rather than on every hit: without it the JSON
// decoding and encoding of the rewrite costs a dialect hit several times what the native hit
// costs. The body is looked up by its hash and then compared whole, so no two answers can
// share an entry. nil is a memo that keeps nothing.
type Memo struct {
	c    *otter.Cache[string, *memoEntry]
	seed maphash.Seed
}

type memoEntry struct {
	body, out []byte
}

// NewMemo is a memo of at most maxBytes (0: none).
func NewMemo(maxBytes int64) *Memo {
	if maxBytes <= 0 {
		return nil
	}
	return &Memo{seed: maphash.MakeSeed(), c: otter.Must(&otter.Options[string, *memoEntry]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, v *memoEntry) uint32 {
			return uint32(min(len(k)+len(v.body)+len(v.out)+96, math.MaxUint32))
		},
	})}
}

// lookupKey is key, a zero byte and body's hash, appended to key's own memory (a caller's
// buffer with room to spare keeps the lookup from allocating).
func (m *Memo) lookupKey(key, body []byte) []byte {
	k := append(key, 0)
	return binary.LittleEndian.AppendUint64(k, maphash.Bytes(m.seed, body))
}

// Get is what Set kept for key and body, if anything. key is read, not kept: a hit is served
// on every request, so callers build it in a buffer of their own (on the stack).
func (m *Memo) Get(key, body []byte) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	k := m.lookupKey(key, body)
	e, ok := m.c.GetIfPresent(unsafe.String(unsafe.SliceData(k), len(k)))
	if !ok || !bytes.Equal(e.body, body) {
		return nil, false
	}
	return e.out, true
}

// Set keeps out as the rewriting of body under key. body is kept as it is: the caller no
// longer changes it (a native answer is never written to once received).
func (m *Memo) Set(key, body, out []byte) {
	if m != nil {
		m.c.Set(string(m.lookupKey(key, body)), &memoEntry{body: body, out: out})
	}
}
