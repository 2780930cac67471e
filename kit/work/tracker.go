package work

import (
	"sync"
	"time"
)

// Tracker counts work in progress and refuses new work once closing, so a stage's Stop can
// wait for what it started without racing the handler that starts more (sync.WaitGroup forbids
// Add concurrent with a Wait that may return).
//
// Its goroutines outlive one piece of work: a goroutine that has run a fetch or a parse keeps
// the stack it grew (a parse and a JSON decode need several times the 8 KiB a goroutine starts
// with) and waits idleFor for the next one. With a new goroutine per message, growing and
// copying stacks was 3.5% of trawl's CPU on the miss path (scripts/bench, miss-aio profile).
type Tracker struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
	// idle hands work to a goroutine waiting for some; quit, closed by Close, sends the
	// waiting ones home.
	idle chan func()
	quit chan struct{}
}

// idleFor is how long a goroutine waits for more work before it ends.
const idleFor = 5 * time.Second

// Go runs f in a goroutine and reports true, or reports false once Close has been called.
func (t *Tracker) Go(f func()) bool {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return false
	}
	if t.idle == nil {
		t.idle, t.quit = make(chan func()), make(chan struct{})
	}
	t.wg.Add(1)
	t.mu.Unlock()
	select {
	case t.idle <- f:
	default:
		go t.run(f)
	}
	return true
}

// Run runs f on the caller's goroutine, tracked as Go's work is, and reports true, or reports
// false once Close has been called: for a caller that would only wait for f anyway.
func (t *Tracker) Run(f func()) bool {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return false
	}
	t.wg.Add(1)
	t.mu.Unlock()
	defer t.wg.Done()
	f()
	return true
}

// run runs f, then whatever work comes to it within idleFor of the last.
func (t *Tracker) run(f func()) {
	timer := time.NewTimer(idleFor)
	defer timer.Stop()
	for {
		f()
		t.wg.Done()
		timer.Reset(idleFor)
		select {
		case f = <-t.idle:
		case <-timer.C:
			return
		case <-t.quit:
			return
		}
	}
}

// Close refuses new work and ends the goroutines waiting for some; Wait then returns once the
// work already started is done.
func (t *Tracker) Close() {
	t.mu.Lock()
	if !t.closing && t.quit != nil {
		close(t.quit)
	}
	t.closing = true
	t.mu.Unlock()
}

// Wait blocks until every started f has returned. Call Close first.
func (t *Tracker) Wait() { t.wg.Wait() }

// Done returns a channel closed once Wait would return (Close first).
func (t *Tracker) Done() <-chan struct{} {
	ch := make(chan struct{})
	go func() { t.wg.Wait(); close(ch) }()
	return ch
}
