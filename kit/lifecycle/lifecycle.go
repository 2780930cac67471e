// Package lifecycle runs a process's components as one run group (oklog/run, as Prometheus
// and Thanos do): components start in order, the first one to fail stops the others, SIGINT and
// SIGTERM drain every component within a bound, and SIGHUP reloads. Every trawl process, the
// all-in-one and each stage binary, runs through Group, so a listener that dies takes its
// process down with it instead of leaving a process that answers nothing.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oklog/run"
)

// Component is one long-running part of a process: a stage, a listener, the embedded server.
type Component interface {
	// Start brings the component up and returns once it serves. A component that fails to
	// start stops the process before anything after it starts.
	Start(ctx context.Context) error
	// Stop drains what the component has in hand (requests answered, jobs acked or left for
	// redelivery) and releases it. It is safe to call more than once and after a failed Start.
	Stop()
}

// Failer is a Component that can fail after Start, a listener closed under it for example.
// Failed delivers the cause once; it never delivers after Stop.
type Failer interface{ Failed() <-chan error }

// Reloader is a Component that re-reads what can change without a restart on SIGHUP.
type Reloader interface{ Reload() error }

// Func adapts a pair of functions to a Component.
type Func struct {
	StartFunc func(ctx context.Context) error
	StopFunc  func()
}

// Start calls StartFunc, if any.
func (f Func) Start(ctx context.Context) error {
	if f.StartFunc == nil {
		return nil
	}
	return f.StartFunc(ctx)
}

// Stop calls StopFunc, if any.
func (f Func) Stop() {
	if f.StopFunc != nil {
		f.StopFunc()
	}
}

type entry struct {
	name string
	c    Component
}

// Group is the process's components, started in the order added and stopped in reverse.
type Group struct {
	// Log receives the start, failure and stop of each component.
	Log *slog.Logger
	// DrainTimeout bounds the whole stop. Past it Stop returns ErrDrainTimeout and leaves the
	// components still stopping to the process's exit.
	DrainTimeout time.Duration
	// Signals makes Wait handle SIGINT, SIGTERM (drain) and SIGHUP (reload). Off in tests
	// that run several groups in one process.
	Signals bool

	list    []entry
	started int
	// sigs receives SIGINT and SIGTERM from CatchSignals on, for Wait.
	sigs chan os.Signal
}

// ErrDrainTimeout is returned when the components did not stop within DrainTimeout.
var ErrDrainTimeout = errors.New("drain did not finish within --drain-timeout")

// Add appends a component. Components are started in the order added.
func (g *Group) Add(name string, c Component) { g.list = append(g.list, entry{name, c}) }

// Start starts the components in order. On a failure it stops those already started and
// returns the error, naming the component.
func (g *Group) Start(ctx context.Context) error {
	for _, e := range g.list {
		if err := e.c.Start(ctx); err != nil {
			e.c.Stop() // Stop copes with half a start
			g.Stop()
			return fmt.Errorf("%s: %w", e.name, err)
		}
		g.started++
	}
	return nil
}

// Wait runs until ctx ends, a signal to stop arrives, or a component fails. It returns nil for
// the first two and the failure, naming the component, for the last. It does not stop anything:
// Stop does, in order.
func (g *Group) Wait(ctx context.Context) error {
	var rg run.Group
	{
		ctx, cancel := context.WithCancel(ctx)
		rg.Add(func() error { <-ctx.Done(); return nil }, func(error) { cancel() })
	}
	if g.Signals {
		ctx, cancel := context.WithCancel(ctx)
		rg.Add(func() error {
			sig := g.sigs // caught since before Start (CatchSignals), or from now on
			if sig == nil {
				sig = make(chan os.Signal, 1)
				signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			}
			defer signal.Stop(sig)
			select {
			case s := <-sig:
				g.log().Info("stopping", "signal", s.String())
			case <-ctx.Done():
			}
			return nil
		}, func(error) { cancel() })
		hupCtx, hupCancel := context.WithCancel(ctx)
		rg.Add(func() error {
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			for {
				select {
				case <-hup:
					g.Reload()
				case <-hupCtx.Done():
					return nil
				}
			}
		}, func(error) { hupCancel() })
	}
	for _, e := range g.list[:g.started] {
		f, ok := e.c.(Failer)
		if !ok {
			continue
		}
		done := make(chan struct{})
		rg.Add(func() error {
			select {
			case err := <-f.Failed():
				if err == nil {
					err = errors.New("stopped by itself")
				}
				return fmt.Errorf("%s: %w", e.name, err)
			case <-done:
				return nil
			}
		}, func(error) { close(done) })
	}
	err := rg.Run()
	if err != nil {
		g.log().Error("component failed; stopping the process", "err", err)
	}
	return err
}

// Reload asks every component that can reload to do so; each logs its own outcome and keeps
// what is in force on error.
func (g *Group) Reload() {
	for _, e := range g.list[:g.started] {
		if r, ok := e.c.(Reloader); ok {
			if err := r.Reload(); err != nil {
				g.log().Warn("reload failed", "component", e.name, "err", err)
			}
		}
	}
}

// Stop stops the started components in reverse order, within DrainTimeout when it is set.
func (g *Group) Stop() error {
	list := g.list[:g.started]
	g.started = 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(list) - 1; i >= 0; i-- {
			list[i].c.Stop()
		}
	}()
	if g.DrainTimeout <= 0 {
		<-done
		return nil
	}
	t := time.NewTimer(g.DrainTimeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		g.log().Error("drain timed out", "timeout", g.DrainTimeout.String())
		return ErrDrainTimeout
	}
}

// Run is Start, Wait and Stop: the life of a process. It returns the first failure: a
// component that did not start, one that failed while running, or a drain that overran.
func (g *Group) Run(ctx context.Context) error {
	startCtx, interrupted := ctx, func() bool { return false }
	if g.Signals {
		startCtx, interrupted = g.CatchSignals(ctx)
	}
	err := g.Start(startCtx)
	stop := interrupted()
	if err != nil {
		return err
	}
	if stop {
		return g.Stop()
	}
	err = g.Wait(ctx)
	if serr := g.Stop(); err == nil {
		err = serr
	}
	return err
}

// CatchSignals starts catching SIGINT and SIGTERM before the components start, so that no
// signal is lost and none kills the process half-started: a signal while starting cancels
// the returned context (a component waiting for NATS gives up), and interrupted, called once
// Start has returned, reports that the process should stop instead of running. A signal
// after that is Wait's. Signals must be set.
func (g *Group) CatchSignals(ctx context.Context) (context.Context, func() (interrupted bool)) {
	g.sigs = make(chan os.Signal, 1)
	signal.Notify(g.sigs, os.Interrupt, syscall.SIGTERM)
	startCtx, cancel := context.WithCancelCause(ctx)
	var caught atomic.Bool
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case s := <-g.sigs:
			caught.Store(true)
			g.log().Info("stopping", "signal", s.String(), "while", "starting")
			cancel(fmt.Errorf("%s while starting", s))
		case <-done:
		}
	}()
	return startCtx, func() bool {
		close(done)
		<-exited // a signal it did not take stays in g.sigs for Wait
		return caught.Load()
	}
}

func (g *Group) log() *slog.Logger {
	if g.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.Log
}

// Listen opens a TCP listener for the address a flag gave, and on failure says which flag and
// address, and what to do about a port already taken, in one line.
func Listen(flagName, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("--%s %s: address already in use (is another trawl running? stop it or choose another --%s)", flagName, addr, flagName)
	}
	return nil, fmt.Errorf("--%s %s: %w", flagName, addr, err)
}
