package memlimit

import (
	"runtime/debug"
	"testing"

	"github.com/trawl-dev/trawl/kit/logging"
)

func TestApplyMemoryLimit(t *testing.T) {
	const before = 1 << 40
	tests := []struct {
		name        string
		gomemlimit  string
		gogc        string
		limit, auto int64
		want        int64
		// wantGC is the GOGC after the call; the test starts from 100.
		wantGC int
	}{
		{"auto", "", "", 0, 100 << 20, 100 << 20, GCPercentUnderLimit},
		{"explicit wins over auto", "", "", 50 << 20, 100 << 20, 50 << 20, GCPercentUnderLimit},
		{"GOGC wins under a limit", "", "150", 0, 100 << 20, 100 << 20, 100},
		{"off", "", "", -1, 100 << 20, before, 100},
		{"auto without an estimate leaves it", "", "", 0, 0, before, 100},
		{"GOMEMLIMIT wins", "200MiB", "", 50 << 20, 100 << 20, before, 100},
	}
	orig := debug.SetMemoryLimit(-1)
	origGC := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(orig); debug.SetGCPercent(origGC) })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			t.Setenv("GOGC", tc.gogc)
			debug.SetMemoryLimit(before)
			debug.SetGCPercent(100)
			Apply(tc.limit, tc.auto, logging.Discard())
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Fatalf("limit %d, want %d", got, tc.want)
			}
			if got := debug.SetGCPercent(100); got != tc.wantGC {
				t.Fatalf("GOGC %d, want %d", got, tc.wantGC)
			}
		})
	}
}
