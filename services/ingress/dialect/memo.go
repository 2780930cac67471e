package dialect

import (
	"math"

	"github.com/maypok86/otter/v2"
)

// Memo keeps a dialect's rewriting of native answers it has seen, keyed by everything the
// rewriting reads (the native answer's bytes after its search_metadata, and the request's
// part in it), so a hot query is rewritten once rather than on every hit: without it the JSON
// decoding and encoding of the rewrite costs a dialect hit several times what the native hit
// costs. A key holds the whole content it stands for, never a hash of it, so no two answers
// can share an entry. nil is a memo that keeps nothing.
type Memo struct {
	c *otter.Cache[string, []byte]
}

// NewMemo is a memo of at most maxBytes (0: none).
func NewMemo(maxBytes int64) *Memo {
	if maxBytes <= 0 {
		return nil
	}
	return &Memo{c: otter.Must(&otter.Options[string, []byte]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, v []byte) uint32 {
			return uint32(min(len(k)+len(v)+64, math.MaxUint32))
		},
	})}
}

// Get is key's rewriting, if kept.
func (m *Memo) Get(key string) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	return m.c.GetIfPresent(key)
}

// Set keeps v for key.
func (m *Memo) Set(key string, v []byte) {
	if m != nil {
		m.c.Set(key, v)
	}
}
