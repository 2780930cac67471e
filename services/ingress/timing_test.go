package ingress

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAppendMS holds appendMS to strconv's three-decimal form, and appendServerTiming to
// copying nothing from the stages' header but names and numbers.
func TestAppendMS(t *testing.T) {
	for _, d := range []time.Duration{0, time.Nanosecond, 999 * time.Nanosecond, time.Microsecond, 332 * time.Microsecond,
		time.Millisecond, 1001 * time.Microsecond, 20*time.Millisecond + 7*time.Microsecond, time.Hour, -1500 * time.Microsecond} {
		want := strconv.AppendFloat(nil, float64(d.Microseconds())/1000, 'f', 3, 64)
		if got := appendMS(nil, d); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", d, got, want)
		}
	}
	for us := range int64(200_000) {
		d := time.Duration(us) * time.Microsecond
		if got, want := appendMS(nil, d), strconv.AppendFloat(nil, float64(us)/1000, 'f', 3, 64); string(got) != string(want) {
			t.Fatalf("%v: got %s, want %s", d, got, want)
		}
	}
	got := string(appendServerTiming(nil, 1500*time.Microsecond, 250*time.Microsecond, "fetch=23.118, parse=0.5,evil=1\r\nX: y, Bad=2, cache=0.041"))
	if want := "total;dur=1.500, nats;dur=0.250, fetch;dur=23.118, parse;dur=0.5, cache;dur=0.041"; got != want {
		t.Fatalf("Server-Timing %q, want %q", got, want)
	}
	if strings.ContainsAny(got, "\r\n") {
		t.Fatalf("Server-Timing carries a line break: %q", got)
	}
}
