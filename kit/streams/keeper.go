package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
)

// KeepEvery is how often a Keeper checks what its stage owns.
const KeepEvery = time.Second

// Keeper keeps what a stage owns in JetStream: the work streams and, for a stage that pulls
// work, its durable consumer. Once a second it checks that they exist and recreates what is
// missing, so an operator's (or an attacker's) deletion costs the work queued at that moment
// and a second of refusals, not every miss from then on. Ready reports the last check, for
// /readyz: a stage whose stream is gone is not ready until it is back.
type Keeper struct {
	js     jetstream.JetStream
	limits schemas.StreamLimits
	// stream and consumer name the stage's durable consumer ("" for none).
	stream   string
	consumer jetstream.ConsumerConfig
	log      *slog.Logger

	mu  sync.Mutex
	err error

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewKeeper returns a keeper of the work streams, and of the consumer cfg on stream when
// stream is not "".
func NewKeeper(js jetstream.JetStream, limits schemas.StreamLimits, stream string, cfg jetstream.ConsumerConfig, log *slog.Logger) *Keeper {
	return &Keeper{js: js, limits: limits, stream: stream, consumer: cfg, log: log,
		stop: make(chan struct{}), done: make(chan struct{})}
}

// Ensure creates or reconciles the streams and the consumer, and returns the consumer (nil
// without one).
func (k *Keeper) Ensure(ctx context.Context) (jetstream.Consumer, error) {
	if err := Ensure(ctx, k.js, k.limits); err != nil {
		return nil, err
	}
	if k.stream == "" {
		return nil, nil
	}
	c, err := k.js.CreateOrUpdateConsumer(ctx, k.stream, k.consumer)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", k.consumer.Durable, k.stream, err)
	}
	return c, nil
}

// Start runs the checks in the background until Stop.
func (k *Keeper) Start() {
	go func() {
		defer close(k.done)
		t := time.NewTicker(KeepEvery)
		defer t.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-t.C:
				k.check()
			}
		}
	}()
}

// Stop ends the checks.
func (k *Keeper) Stop() {
	k.once.Do(func() {
		close(k.stop)
	})
	select {
	case <-k.done:
	case <-time.After(5 * time.Second):
	}
}

// Ready is nil when the last check found everything in place.
func (k *Keeper) Ready() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

func (k *Keeper) check() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	missing := k.missing(ctx)
	if missing == nil {
		k.set(nil)
		return
	}
	if !errors.Is(missing, errMissing) {
		// The server did not answer: say so, but recreate nothing on a guess.
		k.set(missing)
		return
	}
	k.set(missing)
	k.log.Warn("recreating what this stage owns in JetStream", "missing", missing.Error())
	if _, err := k.Ensure(ctx); err != nil {
		k.log.Error("recreating failed", "err", err)
		return
	}
	k.set(nil)
}

var errMissing = errors.New("missing")

// missing names what is gone (wrapping errMissing), or another error when the server did not
// answer, or nil.
func (k *Keeper) missing(ctx context.Context) error {
	for _, cfg := range schemas.Streams(k.limits) {
		if _, err := k.js.Stream(ctx, cfg.Name); err != nil {
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				return fmt.Errorf("stream %s %w", cfg.Name, errMissing)
			}
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	if k.stream != "" {
		if _, err := k.js.Consumer(ctx, k.stream, k.consumer.Durable); err != nil {
			if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
				return fmt.Errorf("consumer %s %w", k.consumer.Durable, errMissing)
			}
			return fmt.Errorf("consumer %s: %w", k.consumer.Durable, err)
		}
	}
	return nil
}

func (k *Keeper) set(err error) {
	k.mu.Lock()
	k.err = err
	k.mu.Unlock()
}
