package cache

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/testkit"
)

// Redis stopped: requests are still answered, bypassing the cache, and the bypass is counted.
// Redis back: the cache resumes without a restart.
func TestRedisOutage(t *testing.T) {
	rg := startRig(t, 10*time.Millisecond)
	rd := testkit.StartRedis(t)
	store := newTestRedis(t, rd.URL)
	c := rg.startCache(testConfig(), store)

	rg.askOK(query("before the outage"))
	if a := rg.askOK(query("before the outage")); a.state != stateHit {
		t.Fatalf("Redis up: state %q, want hit", a.state)
	}

	rd.Stop()
	for i := range 10 {
		a := rg.askOK(query("during the outage"))
		if a.state != stateMiss {
			t.Fatalf("request %d with Redis down: state %q, want miss (answered without the cache)", i, a.state)
		}
	}
	if c.metric("trawl_cache_backend_up") != 0 {
		t.Fatalf("backend_up = %v with Redis down", c.metric("trawl_cache_backend_up"))
	}
	if c.metric("trawl_cache_backend_bypassed_total") == 0 {
		t.Fatalf("no bypass counted with Redis down")
	}
	if got := rg.sim.RequestsFor("during the outage"); got != 10 {
		t.Fatalf("engine asked %d times, want every request answered upstream (10)", got)
	}

	rd.Start()
	testkit.Eventually(t, 5*time.Second, func() bool {
		rg.askOK(query("after the outage"))
		return rg.askOK(query("after the outage")).state == stateHit
	}, "cache resumes once Redis is back")
	if c.metric("trawl_cache_backend_up") != 1 {
		t.Fatalf("backend_up = %v after Redis came back", c.metric("trawl_cache_backend_up"))
	}
}

// Entries are stored compressed, with the retention TTL, and read back byte for byte.
func TestRedisStore(t *testing.T) {
	rd := testkit.StartRedis(t)
	store := newTestRedis(t, rd.URL)
	ctx := context.Background()
	val := bytes.Repeat([]byte(`{"title":"a result","url":"https://example.com/"},`), 200)
	if err := store.Set(ctx, "k", val, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := store.Get(ctx, "k")
	if err != nil || !bytes.Equal(got, val) {
		t.Fatalf("read back %d bytes (err %v), want %d", len(got), err, len(val))
	}
	if got, err := store.Get(ctx, "absent"); got != nil || err != nil {
		t.Fatalf("absent key: %q, %v", got, err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer rdb.Close()
	raw, err := rdb.Get(ctx, "trawl:v1:k").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) >= len(val)/4 {
		t.Fatalf("stored %d bytes for %d: not compressed", len(raw), len(val))
	}
	if dec, err := s2.Decode(nil, raw); err != nil || !bytes.Equal(dec, val) {
		t.Fatalf("stored value is not s2: %v", err)
	}
	if ttl := rdb.PTTL(ctx, "trawl:v1:k").Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("ttl %v, want up to 1m", ttl)
	}
	// A corrupt value is a miss for that key, not a failure of the backend.
	rdb.Set(ctx, "trawl:v1:bad", "not s2", 0)
	if _, err := store.Get(ctx, "bad"); err == nil {
		t.Fatalf("corrupt value read without error")
	}
}

// Only the lock's holder can extend or drop it.
func TestRedisLock(t *testing.T) {
	rd := testkit.StartRedis(t)
	store := newTestRedis(t, rd.URL)
	ctx := context.Background()
	won, _, err := store.acquire(ctx, "k", "a", time.Minute)
	if err != nil || !won {
		t.Fatalf("first acquire: won %v err %v", won, err)
	}
	won, h, err := store.acquire(ctx, "k", "b", time.Minute)
	if err != nil || won || h != "a" {
		t.Fatalf("second acquire: won %v holder %q err %v; want held by a", won, h, err)
	}
	if held, _ := store.refresh(ctx, "k", "b", time.Minute); held {
		t.Fatalf("b refreshed a's lock")
	}
	if held, _ := store.refresh(ctx, "k", "a", time.Minute); !held {
		t.Fatalf("a could not refresh its lock")
	}
	store.release(ctx, "k", "b")
	if h, _ := store.holder(ctx, "k"); h != "a" {
		t.Fatalf("b released a's lock: holder %q", h)
	}
	store.release(ctx, "k", "a")
	if h, _ := store.holder(ctx, "k"); h != "" {
		t.Fatalf("lock still held by %q after release", h)
	}
}
