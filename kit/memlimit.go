package kit

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
)

// MemoryHeadroom is what a trawl process needs beside the in-process cache under heavy load:
// pages being fetched and parsed, NATS buffers, goroutine stacks. Measured: `trawl serve` at
// c=256 misses keeps about 35 MiB live besides its cache, and peaked at 119 MiB RSS under a 104 MiB limit with a full 32 MiB cache, at unchanged throughput.
const MemoryHeadroom = 64 << 20

// ApplyMemoryLimit sets the Go runtime's soft memory limit, so the collector works harder as
// the process nears it instead of letting the heap double past its live size (GOGC alone would
// take `trawl serve` with a full cache to over 250 MiB). limit is --memory-limit: negative is
// off, 0 takes auto (the binary's own estimate, 0 for none), more is bytes. GOMEMLIMIT in the
// environment wins: the runtime has applied it already.
func ApplyMemoryLimit(limit, auto int64, log *slog.Logger) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info("memory limit from GOMEMLIMIT", "limit", v)
		return
	}
	if limit == 0 {
		limit = auto
	}
	if limit <= 0 {
		return
	}
	debug.SetMemoryLimit(limit)
	log.Info("soft memory limit", "bytes", limit, "MiB", int64(math.Round(float64(limit)/(1<<20))))
}
