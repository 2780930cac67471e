package usage

import (
	"context"
	"time"
)

// Local counts in this process only: with several ingress replicas each knows its own
// requests. It is the counter when no Redis is configured.
type Local struct {
	t table
}

// NewLocal returns an in-process counter.
func NewLocal(o Options) *Local {
	l := &Local{}
	l.t.init(o)
	return l
}

// Record counts one request (Counter).
func (l *Local) Record(tenant string, kind Kind, res Result, at time.Time) {
	sl := l.t.slot(tenant)
	if sl.record(kind, res, at) {
		sl.mu.Lock()
		sl.prune() // periods nobody reads any more: not a loss, nothing is dropped unread
		sl.mu.Unlock()
	}
}

// Snapshot is tenant's usage at now (Counter).
func (l *Local) Snapshot(_ context.Context, tenant string, now time.Time) (Usage, error) {
	var r raw
	sl := l.t.slot(tenant)
	sl.mu.Lock()
	sl.read(&r, periodsOf(now))
	sl.mu.Unlock()
	return r.usage(tenant, now), nil
}

// Stop does nothing: the counts live as long as the process (Counter).
func (l *Local) Stop() {}

var _ Counter = (*Local)(nil)
