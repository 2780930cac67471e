package cache

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
)

// Memory is the in-process store, bounded by bytes (otter evicts by weight, S3-FIFO).
type Memory struct {
	c *otter.Cache[string, []byte]
}

// NewMemory returns a store holding at most maxBytes of entries, each for at most maxTTL.
func NewMemory(maxBytes int64, maxTTL time.Duration) *Memory {
	c := otter.Must(&otter.Options[string, []byte]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, v []byte) uint32 {
			return uint32(len(k) + len(v) + 64)
		},
		ExpiryCalculator: otter.ExpiryWriting[string, []byte](maxTTL),
	})
	return &Memory{c: c}
}

func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	v, _ := m.c.GetIfPresent(key)
	return v, nil
}

func (m *Memory) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	m.c.Set(key, val)
	return nil
}

func (m *Memory) Close() error { return nil }
