package usage

import (
	"testing"
	"time"

	"github.com/trawl-dev/trawl/testkit"
)

// BenchmarkRecord is what counting adds to a request: one tenant's requests from every core
// at once (the contended case), in process and with Redis flushing every 200 ms underneath.
func BenchmarkRecord(b *testing.B) {
	b.Run("local", func(b *testing.B) { benchRecord(b, NewLocal(Options{})) })
	b.Run("redis", func(b *testing.B) {
		c := NewRedis(redisClient(b, testkit.StartRedis(b).URL), Options{})
		b.Cleanup(c.Stop)
		benchRecord(b, c)
	})
}

func benchRecord(b *testing.B, c Counter) {
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Record("bench", Search, Hit, now)
		}
	})
}
