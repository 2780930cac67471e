package work

import "sync"

// Tracker counts work in progress and refuses new work once closing, so a stage's Stop can
// wait for what it started without racing the handler that starts more (sync.WaitGroup forbids
// Add concurrent with a Wait that may return).
type Tracker struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// Go runs f in a goroutine and reports true, or reports false once Close has been called.
func (t *Tracker) Go(f func()) bool {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return false
	}
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		f()
	}()
	return true
}

// Close refuses new work; Wait then returns once the work already started is done.
func (t *Tracker) Close() {
	t.mu.Lock()
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
