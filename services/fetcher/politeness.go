package fetcher

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// politeness caps the attempts in flight to one upstream host and spaces their starts by a
// minimum interval, so no engine sees more from this fetcher than configured.
type politeness struct {
	maxConns int
	interval time.Duration
	mu       sync.Mutex
	hosts    map[string]*hostGate
}

type hostGate struct {
	slots chan struct{} // nil: no cap
	lim   *rate.Limiter // nil: no interval
}

func newPoliteness(maxConns int, interval time.Duration) *politeness {
	return &politeness{maxConns: maxConns, interval: interval, hosts: map[string]*hostGate{}}
}

func (p *politeness) gate(host string) *hostGate {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.hosts[host]
	if !ok {
		g = &hostGate{}
		if p.maxConns > 0 {
			g.slots = make(chan struct{}, p.maxConns)
		}
		if p.interval > 0 {
			g.lim = rate.NewLimiter(rate.Every(p.interval), 1)
		}
		p.hosts[host] = g
	}
	return g
}

// acquire waits for a slot and the host's next start time. It fails at once when the wait
// would outlast ctx's deadline (rate.Limiter.Wait knows), rather than waiting to fail.
func (p *politeness) acquire(ctx context.Context, host string) (release func(), err error) {
	g := p.gate(host)
	if g.slots != nil {
		select {
		case g.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	release = func() {
		if g.slots != nil {
			<-g.slots
		}
	}
	if g.lim != nil {
		if err := g.lim.Wait(ctx); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}
