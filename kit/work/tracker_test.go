package work

import (
	"runtime"
	"strings"
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

// goid is the calling goroutine's id, from the first line of its stack ("goroutine 7 [...").
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	return f[1]
}

// A goroutine that finished one piece of work takes the next (keeping the stack it grew),
// and the waiting ones end at Close.
func TestTrackerReusesGoroutines(t *testing.T) {
	var tr Tracker
	ids := map[string]int{}
	for range 100 {
		got := make(chan string)
		if !tr.Go(func() { got <- goid() }) {
			t.Fatal("refused work")
		}
		ids[<-got]++
		// Let the goroutine reach its wait for more work.
		for range 10 {
			runtime.Gosched()
		}
	}
	if len(ids) == 100 {
		t.Fatalf("100 pieces of work ran on 100 goroutines: none was reused")
	}
	tr.Close()
	<-tr.Done()
}

// TestTrackerRun: Run's work runs on the caller's goroutine and is waited for like Go's; after
// Close it is refused.
func TestTrackerRun(t *testing.T) {
	var tr Tracker
	me := goid()
	inside, release := make(chan struct{}), make(chan struct{})
	var ranOn string
	go func() {
		tr.Run(func() { ranOn = goid(); close(inside); <-release })
	}()
	<-inside
	tr.Close()
	done := tr.Done()
	select {
	case <-done:
		t.Fatal("Done while Run's work was still running")
	default:
	}
	close(release)
	<-done
	if ranOn == "" || ranOn == me {
		t.Fatalf("ran on goroutine %q (test's %q)", ranOn, me)
	}
	if tr.Run(func() { t.Error("ran after Close") }) {
		t.Fatal("accepted work after Close")
	}
	var caller, ran string
	var tr2 Tracker
	caller = goid()
	tr2.Run(func() { ran = goid() })
	if ran != caller {
		t.Fatalf("Run's work ran on goroutine %s, not the caller's %s", ran, caller)
	}
}
