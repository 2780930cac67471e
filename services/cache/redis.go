package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/redis/go-redis/v9"
)

// Redis is the shared store: every cache replica sees the same entries, and the same locks
// elect the one replica that fetches a key. Values are stored s2-compressed (result pages are
// JSON text and shrink several times).
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedis connects to url (redis://host:port/db). It does not fail when Redis is down at start:
// the service bypasses the cache until Redis answers. Every operation is bounded by timeout
// and never retried, so a dead Redis costs one short failure, not seconds.
func NewRedis(url string, timeout time.Duration) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	// go-redis's default pool (10 per CPU) is plenty for sub-millisecond commands; a bigger one
	// only turns a burst on a cold pool into a storm of dials.
	opt.MinIdleConns = 2
	opt.DialTimeout = timeout
	opt.DialerRetries = 1
	opt.ReadTimeout = timeout
	opt.WriteTimeout = timeout
	opt.PoolTimeout = timeout
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1 // 0 would mean go-redis's default of 3
	return &Redis{rdb: redis.NewClient(opt), prefix: "trawl:v1:"}, nil
}

// Client exposes the connection for other users of the same Redis.
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
		return nil, fmt.Errorf("%w: redis entry %s: %v", errBadEntry, key, err)
	}
	return out, nil
}

func (r *Redis) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	return r.rdb.Set(ctx, r.prefix+key, s2.EncodeBetter(nil, val), ttl).Err()
}

func (r *Redis) Close() error { return r.rdb.Close() }

// lockKey names the lock electing the replica that fetches key.
func (r *Redis) lockKey(key string) string { return r.prefix + "lock:" + key }

// Compare-and-act scripts: only the holder named in ARGV[1] may extend or drop its lock, so a
// holder whose lock expired and was taken over never touches its successor's.
var (
	refreshScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`)
	releaseScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)
)

// acquire takes key's lock for token unless someone holds it; holder names who does ("" when
// the lock vanished between the two commands, which the caller treats as "look again").
func (r *Redis) acquire(ctx context.Context, key, token string, ttl time.Duration) (won bool, holder string, err error) {
	k := r.lockKey(key)
	won, err = r.rdb.SetNX(ctx, k, token, ttl).Result()
	if err != nil || won {
		return won, "", err
	}
	holder, err = r.rdb.Get(ctx, k).Result()
	if errors.Is(err, redis.Nil) {
		return false, "", nil
	}
	return false, holder, err
}

// holder returns who holds key's lock ("" when nobody does).
func (r *Redis) holder(ctx context.Context, key string) (string, error) {
	h, err := r.rdb.Get(ctx, r.lockKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return h, err
}

// refresh extends token's lock; held is false when the lock is no longer token's.
func (r *Redis) refresh(ctx context.Context, key, token string, ttl time.Duration) (held bool, err error) {
	n, err := refreshScript.Run(ctx, r.rdb, []string{r.lockKey(key)}, token, ttl.Milliseconds()).Int()
	return n == 1, err
}

// release drops token's lock, if it is still token's.
func (r *Redis) release(ctx context.Context, key, token string) error {
	return releaseScript.Run(ctx, r.rdb, []string{r.lockKey(key)}, token).Err()
}
