package sim

import (
	"fmt"
	"testing"
)

// TestQueryCountsAreBounded: a load of distinct queries does not grow the simulator without
// bound; the queries counted first stay counted.
func TestQueryCountsAreBounded(t *testing.T) {
	s := New(DefaultConfig(), nil)
	for i := range maxCounted + 500 {
		s.count(&s.served, fmt.Sprintf("q%d", i))
	}
	s.count(&s.served, "q0")
	if n := s.counted.Load(); n != maxCounted {
		t.Fatalf("%d queries counted, want %d", n, maxCounted)
	}
	if got := s.RequestsFor("q0"); got != 2 {
		t.Errorf("RequestsFor(q0) = %d, want 2", got)
	}
	if got := s.RequestsFor(fmt.Sprintf("q%d", maxCounted)); got != 0 {
		t.Errorf("a query past the bound counted %d", got)
	}
	for range 3 {
		s.count(&s.faults, "5xx")
	}
	if got := s.Faults()["5xx"]; got != 3 {
		t.Errorf("faults past the bound: %d, want 3", got)
	}
}
