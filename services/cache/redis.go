package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/redis/go-redis/v9"
)

// Redis is the shared store: every cache replica sees the same entries. Values are stored
// s2-compressed (result pages are JSON text and shrink several times).
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedis connects to url (redis://host:port/db). It does not fail when Redis is down at start:
// the service bypasses the cache until Redis answers.
func NewRedis(url string) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	opt.PoolSize = 128
	opt.DialTimeout = time.Second
	opt.ReadTimeout = 500 * time.Millisecond
	opt.WriteTimeout = 500 * time.Millisecond
	opt.MaxRetries = 0
	return &Redis{rdb: redis.NewClient(opt), prefix: "trawl:v1:"}, nil
}

// Client exposes the connection for other users of the same Redis (coalescing locks).
func (r *Redis) Client() redis.UniversalClient { return r.rdb }

func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := r.rdb.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out, err := s2.Decode(nil, b)
	if err != nil {
		return nil, fmt.Errorf("redis entry %s: %w", key, err)
	}
	return out, nil
}

func (r *Redis) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	return r.rdb.Set(ctx, r.prefix+key, s2.EncodeBetter(nil, val), ttl).Err()
}

func (r *Redis) Close() error { return r.rdb.Close() }
