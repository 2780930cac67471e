package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"
)

// errBypassed reports an operation skipped because the backend is known to be down.
var errBypassed = errors.New("cache backend bypassed while it is unavailable")

// guard runs backend operations behind a circuit breaker: after a few consecutive failures the
// backend is skipped for a while (each request then pays nothing for it), then one operation
// probes it, and a success resumes normal use. go-redis reconnects by itself, so coming back
// needs no restart.
type guard struct {
	cb      *gobreaker.TwoStepCircuitBreaker[struct{}]
	timeout time.Duration
	log     *slog.Logger
	m       *metrics
	// warn limits the per-error log to one line per interval; state changes always log.
	warn rate.Sometimes
}

func newGuard(timeout, skip time.Duration, log *slog.Logger, m *metrics) *guard {
	quietRedisLogs(log)
	g := &guard{timeout: timeout, log: log, m: m, warn: rate.Sometimes{Interval: 30 * time.Second}}
	g.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "cache-backend",
		MaxRequests: 1,
		Timeout:     skip,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
		// A corrupt entry is the entry's fault, not the backend's.
		IsExcluded: func(err error) bool { return errors.Is(err, errBadEntry) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			switch {
			case from == gobreaker.StateClosed && to == gobreaker.StateOpen:
				m.backendUp.Set(0)
				log.Warn("cache backend unavailable: answering without it until it recovers", "retry_every", skip)
			case to == gobreaker.StateClosed:
				m.backendUp.Set(1)
				log.Info("cache backend answering again: cache resumed")
			}
		},
	})
	m.backendUp.Set(1)
	return g
}

// do runs f with a context bounded by the operation timeout. It returns errBypassed without
// calling f while the backend is skipped.
func (g *guard) do(op string, f func(ctx context.Context) error) error {
	done, err := g.cb.Allow()
	if err != nil {
		g.m.bypassed.WithLabelValues(op).Inc()
		return errBypassed
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	err = f(ctx)
	cancel()
	done(err)
	if err != nil {
		g.m.backendErrors.WithLabelValues(op).Inc()
		g.warn.Do(func() { g.log.Warn("cache backend operation failed; answering without it", "op", op, "err", err) })
	}
	return err
}

var redisLogs sync.Once

// quietRedisLogs routes go-redis's own log lines (one per failed dial while Redis is down)
// through the stage's logger at one line per interval. go-redis has only a process-wide
// logger, so the first replica's logger serves them all.
func quietRedisLogs(log *slog.Logger) {
	redisLogs.Do(func() {
		redis.SetLogger(&redisLog{log: log, every: rate.Sometimes{Interval: 30 * time.Second}})
	})
}

type redisLog struct {
	log   *slog.Logger
	every rate.Sometimes
}

func (l *redisLog) Printf(_ context.Context, format string, v ...any) {
	l.every.Do(func() { l.log.Warn("redis client", "detail", fmt.Sprintf(format, v...)) })
}
