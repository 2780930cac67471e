package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// recorder notes the order components start and stop in.
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) note(s string) { r.mu.Lock(); r.log = append(r.log, s); r.mu.Unlock() }

func (r *recorder) comp(name string, startErr error) Func {
	return Func{
		StartFunc: func(context.Context) error { r.note("start " + name); return startErr },
		StopFunc:  func() { r.note("stop " + name) },
	}
}

// failing is a component that fails at run time when told to.
type failing struct {
	Func
	failed chan error
}

func (f failing) Failed() <-chan error { return f.failed }

func TestStartFailureStopsWhatStarted(t *testing.T) {
	var r recorder
	var g Group
	g.Add("a", r.comp("a", nil))
	g.Add("b", r.comp("b", nil))
	g.Add("c", r.comp("c", errors.New("port taken")))
	g.Add("d", r.comp("d", nil))
	err := g.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "c: port taken") {
		t.Fatalf("Run = %v, want c's failure named", err)
	}
	want := []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"}
	if !slices.Equal(r.log, want) {
		t.Errorf("order %v, want %v", r.log, want)
	}
}

func TestRunTimeFailureStopsEverything(t *testing.T) {
	var r recorder
	f := failing{Func: r.comp("listener", nil), failed: make(chan error, 1)}
	var g Group
	g.Add("first", r.comp("first", nil))
	g.Add("listener", f)
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background()) }()
	f.failed <- errors.New("closed under it")
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "listener: closed under it") {
			t.Fatalf("Run = %v, want the listener's failure", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after a component failed")
	}
	if want := []string{"start first", "start listener", "stop listener", "stop first"}; !slices.Equal(r.log, want) {
		t.Errorf("order %v, want %v", r.log, want)
	}
}

func TestCancelDrainsInReverseAndReturnsNil(t *testing.T) {
	var r recorder
	var g Group
	g.Add("a", r.comp("a", nil))
	g.Add("b", r.comp("b", nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Run(ctx); err != nil {
		t.Fatalf("Run = %v after a clean stop", err)
	}
	if want := []string{"start a", "start b", "stop b", "stop a"}; !slices.Equal(r.log, want) {
		t.Errorf("order %v, want %v", r.log, want)
	}
}

func TestDrainTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	g := Group{DrainTimeout: 50 * time.Millisecond}
	g.Add("stuck", Func{StopFunc: func() { <-release }})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Run(ctx); !errors.Is(err, ErrDrainTimeout) {
		t.Fatalf("Run = %v, want ErrDrainTimeout", err)
	}
}

type reloader struct {
	Func
	n *int
}

func (r reloader) Reload() error { *r.n++; return nil }

func TestReloadReachesReloaders(t *testing.T) {
	n := 0
	var g Group
	g.Add("keys", reloader{n: &n})
	g.Add("plain", Func{})
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.Reload()
	g.Stop()
	if n != 1 {
		t.Errorf("reloaded %d times, want 1", n)
	}
}

// A SIGTERM while a component waits to start (for NATS, say) ends the wait: Run returns the
// component's error naming the signal, and the process is not killed half-started.
func TestSignalWhileStartingEndsTheWait(t *testing.T) {
	g := Group{Signals: true, DrainTimeout: 5 * time.Second}
	waiting := make(chan struct{})
	g.Add("waits", Func{StartFunc: func(ctx context.Context) error {
		close(waiting)
		<-ctx.Done()
		return context.Cause(ctx)
	}})
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background()) }()
	<-waiting
	syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "while starting") {
			t.Fatalf("Run returned %v, want the start cut short by the signal", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept waiting after SIGTERM")
	}
}

// A SIGTERM that arrives as the last component finishes starting is not lost: the process
// stops and every component is stopped, whichever of start or wait the signal lands in.
func TestSignalAsStartEndsIsNotLost(t *testing.T) {
	for range 20 {
		g := Group{Signals: true, DrainTimeout: 5 * time.Second}
		var stopped atomic.Bool
		g.Add("signals itself", Func{
			StartFunc: func(context.Context) error { return syscall.Kill(syscall.Getpid(), syscall.SIGTERM) },
			StopFunc:  func() { stopped.Store(true) },
		})
		done := make(chan error, 1)
		go func() { done <- g.Run(context.Background()) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a signal sent as the start ended was lost: Run kept running")
		}
		if !stopped.Load() {
			t.Fatal("the component was not stopped")
		}
	}
}
