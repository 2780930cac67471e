package work

import (
	"sync/atomic"
	"testing"
)

func TestTrackerWaitsAndRefuses(t *testing.T) {
	var tr Tracker
	release := make(chan struct{})
	var ran atomic.Int32
	for range 10 {
		if !tr.Go(func() { <-release; ran.Add(1) }) {
			t.Fatal("refused work before Close")
		}
	}
	tr.Close()
	if tr.Go(func() { ran.Add(100) }) {
		t.Fatal("accepted work after Close")
	}
	done := tr.Done()
	select {
	case <-done:
		t.Fatal("Done before the work finished")
	default:
	}
	close(release)
	<-done
	if got := ran.Load(); got != 10 {
		t.Fatalf("ran %d, want 10", got)
	}
}
