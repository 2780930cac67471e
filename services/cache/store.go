package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// Store is a cache backend. Get returns (nil, nil) on a miss; an error means the backend is in
// trouble, and the service then answers without it. Set keeps val for ttl at most; the service
// passes the entry's whole retention (fresh plus stale windows).
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Close() error
}

// entry is a stored answer: when it was made, how long its stages took, its search id and the
// encoded schemas.SearchBody, which is sent as it is on every hit.
type entry struct {
	Created time.Time
	FetchUS uint32
	ParseUS uint32
	ID      string
	Body    []byte
	// suspect is set (never stored) on a fresh outcome the silent-empty alarm doubts
	// (schemas.HeaderSuspect): it answers the requests waiting on it, and is not kept.
	suspect string
}

const entryMagic = 't'<<8 | '1'

// encode lays the entry out as magic(2) created-ms(8) fetch-us(4) parse-us(4) idlen(1) id body.
func (e *entry) encode() []byte {
	id := e.ID
	if len(id) > 255 {
		id = id[:255]
	}
	b := make([]byte, 19+len(id)+len(e.Body))
	binary.BigEndian.PutUint16(b, entryMagic)
	binary.BigEndian.PutUint64(b[2:], uint64(e.Created.UnixMilli()))
	binary.BigEndian.PutUint32(b[10:], e.FetchUS)
	binary.BigEndian.PutUint32(b[14:], e.ParseUS)
	b[18] = byte(len(id))
	copy(b[19:], id)
	copy(b[19+len(id):], e.Body)
	return b
}

var errBadEntry = errors.New("cache: malformed entry")

// decodeEntry reads an entry without copying its body.
func decodeEntry(b []byte) (*entry, error) {
	if len(b) < 19 || binary.BigEndian.Uint16(b) != entryMagic {
		return nil, errBadEntry
	}
	n := int(b[18])
	if len(b) < 19+n {
		return nil, errBadEntry
	}
	return &entry{
		Created: time.UnixMilli(int64(binary.BigEndian.Uint64(b[2:]))),
		FetchUS: binary.BigEndian.Uint32(b[10:]),
		ParseUS: binary.BigEndian.Uint32(b[14:]),
		ID:      string(b[19 : 19+n]),
		Body:    b[19+n:],
	}, nil
}

// metadata builds the search_metadata for a reply from this entry.
// id is the answer's own; e.ID, the job that fetched the entry's page, is its page_id.
func (e *entry) metadata(id, engine, cacheState, requestID string, now time.Time, cacheMS float64) *schemas.SearchMetadata {
	age := int64(now.Sub(e.Created) / time.Second)
	if age < 0 {
		age = 0
	}
	return &schemas.SearchMetadata{
		ID:         id,
		PageID:     e.ID,
		RequestID:  requestID,
		Status:     schemas.StatusSuccess,
		Engine:     engine,
		Cache:      cacheState,
		CreatedAt:  e.Created.UTC(),
		AgeSeconds: age,
		TimingsMS: schemas.Timings{
			Fetch: float64(e.FetchUS) / 1000,
			Parse: float64(e.ParseUS) / 1000,
			Cache: cacheMS,
		},
	}
}

// OpenStore returns the Redis store when redisURL is set, else the in-process store.
func OpenStore(redisURL string, cfg Config) (Store, error) {
	if redisURL != "" {
		return NewRedis(redisURL, cfg.RedisTimeout)
	}
	return NewMemory(cfg.MaxBytes), nil
}
