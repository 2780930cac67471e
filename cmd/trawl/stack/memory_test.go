package stack_test

import (
	"runtime/debug"
	"testing"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
)

// The all-in-one under its automatic soft memory limit, as `trawl serve` runs it, with the
// work streams in memory: the embedded server must still accept them (left to itself it
// sizes JetStream's memory from the limit and refuses the streams).
func TestMemoryStreamsUnderMemoryLimit(t *testing.T) {
	cfg := stack.DefaultConfig()
	cfg.Streams.Memory = true
	prev := debug.SetMemoryLimit(cfg.MemoryAuto())
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	e := start(t, func(c *stack.Config) { c.Streams.Memory = true }, nil)
	if rp := e.get(t, "/v1/search?q=memory+streams"); rp.status != 200 || len(decodeResponse(t, rp.body).OrganicResults) == 0 {
		t.Fatalf("status %d: %s", rp.status, rp.body)
	}
	onDisk := stack.DefaultConfig()
	if auto, file := cfg.MemoryAuto(), onDisk.MemoryAuto(); auto != file+cfg.Streams.FetchMaxBytes+cfg.Streams.ParseMaxBytes {
		t.Fatalf("memory-backed streams add their bytes to the automatic limit: %d vs %d", auto, file)
	}
}
