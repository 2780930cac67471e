package dialect

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync/atomic"
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
	c *otter.Cache[string, *memoEntry]
}

type memoEntry struct {
	body, out []byte
}

// NewMemo is a memo of at most maxBytes (0: none).
func NewMemo(maxBytes int64) *Memo {
	if maxBytes <= 0 {
		return nil
	}
	return &Memo{c: otter.Must(&otter.Options[string, *memoEntry]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, v *memoEntry) uint32 {
			return uint32(min(len(k)+len(v.body)+len(v.out)+96, math.MaxUint32))
		},
	})}
}

// restSeed seeds RestHash: one for the process, so a hash worked out once by whoever holds
// an answer's rest (the ingress's near cache) serves every memo.
var restSeed = maphash.MakeSeed()

// RestHash is the hash a memo looks an answer's rest up by; never 0, which Answer.RestHash
// takes for not worked out yet.
func RestHash(rest []byte) uint64 {
	return maphash.Bytes(restSeed, rest) | 1
}

// lookupKey is key, a zero byte and the rest's hash, appended to key's own memory (a caller's
// buffer with room to spare keeps the lookup from allocating).
func lookupKey(key []byte, a *Answer) []byte {
	if a.RestHash == 0 {
		a.RestHash = RestHash(a.Rest)
	}
	return binary.LittleEndian.AppendUint64(append(key, 0), a.RestHash)
}

// Get is what Set kept for key and a's rest, if anything. key is read, not kept: a hit is
// served on every request, so callers build it in a buffer of their own (on the stack).
func (m *Memo) Get(key []byte, a *Answer) ([]byte, bool) {
	if m == nil || a.Rest == nil {
		return nil, false
	}
	if out, ok := a.Renders.get(key); ok {
		return out, true
	}
	k := lookupKey(key, a)
	e, ok := m.c.GetIfPresent(unsafe.String(unsafe.SliceData(k), len(k)))
	if !ok || !sameBytes(e.body, a.Rest) {
		return nil, false
	}
	a.Renders.set(key, e.out)
	return e.out, true
}

// Renders are the renderings of one rest kept beside it by whoever hands it out many times
// (a near-cache entry, Answer.Renders): a hot answer's rendering is then found by comparing a
// few short keys, not by the memo's lookup (the otter cache's hashing, its map and its
// read buffer), which was 3% of an MCP hit's CPU under load. The memo stays the store: an
// entry lives a second or so, and what it learnt is in the memo for the next.
type Renders struct {
	slots [rendersMax]atomic.Pointer[render]
}

// rendersMax bounds the renderings kept beside one rest: a dialect has one or two (SerpApi's
// names the host it was asked at), and there are four dialects.
const rendersMax = 8

type render struct {
	key string
	out []byte
}

func (r *Renders) get(key []byte) ([]byte, bool) {
	if r == nil {
		return nil, false
	}
	for i := range r.slots {
		p := r.slots[i].Load()
		if p == nil {
			return nil, false
		}
		if p.key == string(key) {
			return p.out, true
		}
	}
	return nil, false
}

// set keeps out for key in the first free slot; once all are taken, the memo alone keeps it.
func (r *Renders) set(key, out []byte) {
	if r == nil {
		return
	}
	v := &render{key: string(key), out: out}
	for i := range r.slots {
		if r.slots[i].CompareAndSwap(nil, v) {
			return
		}
		if p := r.slots[i].Load(); p.key == v.key {
			return
		}
	}
}

// sameBytes is bytes.Equal, without reading them when both are the same memory: a near-cache
// entry hands every hit the same rest, which never changes once received.
func sameBytes(a, b []byte) bool {
	if len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b)) {
		return true
	}
	return bytes.Equal(a, b)
}

// Set keeps out as the rewriting of a's rest under key. The rest is kept as it is: nobody
// changes it (a native answer is never written to once received).
func (m *Memo) Set(key []byte, a *Answer, out []byte) {
	if m != nil && a.Rest != nil {
		m.c.Set(string(lookupKey(key, a)), &memoEntry{body: a.Rest, out: out})
		a.Renders.set(key, out)
	}
}
