package kit

import (
	"runtime/debug"
	"testing"
)

func TestApplyMemoryLimit(t *testing.T) {
	const before = 1 << 40
	tests := []struct {
		name        string
		gomemlimit  string
		limit, auto int64
		want        int64
	}{
		{"auto", "", 0, 100 << 20, 100 << 20},
		{"explicit wins over auto", "", 50 << 20, 100 << 20, 50 << 20},
		{"off", "", -1, 100 << 20, before},
		{"auto without an estimate leaves it", "", 0, 0, before},
		{"GOMEMLIMIT wins", "200MiB", 50 << 20, 100 << 20, before},
	}
	orig := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(orig) })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			debug.SetMemoryLimit(before)
			ApplyMemoryLimit(tc.limit, tc.auto, Discard())
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Fatalf("limit %d, want %d", got, tc.want)
			}
		})
	}
}
