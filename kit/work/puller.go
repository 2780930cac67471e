// Package work bounds and tracks the jobs a stage has in hand: a pull consumer that never holds
// more messages than free slots, and a tracker that Stop can wait on.
package work

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Puller feeds a JetStream pull consumer's messages to a handler, never holding more messages
// than it has free slots. It pulls with Fetch for exactly the free slots rather than through
// Consume with a callback that blocks on a semaphore: there, messages prefetched behind a busy
// callback sit unacked with their ack wait running, and a callback blocked for long enough
// stalled the consume loop for good (seen under miss load: pending jobs, none pulled).
type Puller struct {
	cons    jetstream.Consumer
	slots   chan struct{}
	work    *Tracker
	handle  func(jetstream.Msg)
	log     *slog.Logger
	maxWait time.Duration
	stop    chan struct{}
	done    chan struct{}
}

// pullWait is how long one pull waits for messages. Stop waits for the pull in flight to end
// (its messages are handed out, or Nak'd once stopping, rather than left to the ack wait), so
// it bounds a stage's drain; an idle puller asks the server again this often.
const pullWait = 500 * time.Millisecond

// StartPuller starts pulling; each message runs handle on a goroutine of work, at most
// slots at once.
func StartPuller(cons jetstream.Consumer, slots int, work *Tracker, handle func(jetstream.Msg), log *slog.Logger) *Puller {
	p := &Puller{
		cons: cons, slots: make(chan struct{}, slots), work: work, handle: handle, log: log,
		maxWait: pullWait, stop: make(chan struct{}), done: make(chan struct{}),
	}
	go p.loop()
	return p
}

// Stop ends pulling and returns once no new message will be handed out (at most one pull
// wait). Messages already handed out are the Tracker's to wait for.
func (p *Puller) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

func (p *Puller) release(n int) {
	for range n {
		<-p.slots
	}
}

func (p *Puller) loop() {
	defer close(p.done)
	backoff := 50 * time.Millisecond
	for {
		// Stopping wins over a free slot: select picks at random among ready cases, and each
		// pull started after Stop is one more pull wait before Stop returns.
		select {
		case <-p.stop:
			return
		default:
		}
		// Wait for one free slot, then take every other free one.
		select {
		case p.slots <- struct{}{}:
		case <-p.stop:
			return
		}
		n := 1
	grab:
		for n < cap(p.slots) {
			select {
			case p.slots <- struct{}{}:
				n++
			default:
				break grab
			}
		}
		batch, err := p.cons.Fetch(n, jetstream.FetchMaxWait(p.maxWait))
		if err != nil {
			p.release(n)
			p.log.Debug("pull failed", "err", err)
			select {
			case <-time.After(backoff):
				backoff = min(2*backoff, 2*time.Second)
			case <-p.stop:
				return
			}
			continue
		}
		backoff = 50 * time.Millisecond
		got := 0
		for msg := range batch.Messages() {
			got++
			if !p.work.Go(func() {
				defer p.release(1)
				p.handle(msg)
			}) {
				p.release(1)
				msg.Nak() // stopping: another replica takes it
			}
		}
		p.release(n - got)
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			p.log.Debug("pull ended", "err", err)
		}
	}
}
