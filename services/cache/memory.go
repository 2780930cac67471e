package cache

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/trawl-dev/trawl/kit/buffers"

	"github.com/klauspost/compress/s2"
	"github.com/maypok86/otter/v2"
)

// Memory is the in-process store, bounded by bytes: otter evicts by weight (S3-FIFO) and
// expires each entry after the ttl it was written with. Entries are kept s2-compressed, as in
// Redis: a results page shrinks to about a third (a simulator answer: 3,146 to 1,124 bytes),
// so the same memory holds nearly three times the entries, for a decode of a few microseconds
// per hit (and the ingress's near cache answers the hottest keys without asking at all).
type Memory struct {
	c *otter.Cache[string, memValue]
}

type memValue struct {
	b   []byte
	ttl time.Duration
}

// NewMemory returns a store holding at most maxBytes of keys and entries.
func NewMemory(maxBytes int64) *Memory {
	c := otter.Must(&otter.Options[string, memValue]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, v memValue) uint32 {
			// 64 bytes stand for the per-entry bookkeeping the byte bound would otherwise miss.
			return uint32(min(len(k)+len(v.b)+64, math.MaxUint32))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, memValue]) time.Duration {
			return e.Value.ttl
		}),
	})
	return &Memory{c: c}
}

func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := m.c.GetIfPresent(key)
	if !ok {
		return nil, nil
	}
	out, err := s2.Decode(nil, v.b)
	if err != nil {
		return nil, fmt.Errorf("%w: memory entry %s: %v", errBadEntry, key, err)
	}
	return out, nil
}

func (m *Memory) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	// s2.Encode returns a slice of a buffer sized for the worst case, larger than val itself:
	// keep an exact copy, or every entry would hold that whole buffer.
	buf := encodeBuffers.Get()
	enc := s2.Encode(*buf, val)
	b := make([]byte, len(enc))
	copy(b, enc)
	m.c.Set(key, memValue{b: b, ttl: ttl})
	encodeBuffers.Put(buf, enc)
	return nil
}

var encodeBuffers = buffers.Pool{Max: 1 << 20}

// Bytes is the weight held now (keys, entries and bookkeeping).
func (m *Memory) Bytes() uint64 { return m.c.WeightedSize() }

func (m *Memory) Close() error {
	m.c.StopAllGoroutines()
	return nil
}
