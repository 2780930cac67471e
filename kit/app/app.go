// Package app is trawl's one composition root: it turns a list of stages into a process.
// `trawl serve` runs every stage in one process on the embedded NATS server; each stage binary
// (trawl-cache, trawl-fetcher, ...) runs one stage against a NATS server by URL. Both parse their
// options, validate every one of them before anything connects or listens, and run their
// components in one lifecycle.Group through the code in this package.
//
// Adding a stage is one app.Stage in the stage's package, one entry in cmd/trawl/stack's list,
// and a main of a few lines calling app.Main.
package app

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/handoff"
	"github.com/trawl-dev/trawl/kit/lifecycle"
	"github.com/trawl-dev/trawl/kit/memlimit"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/kit/natsconn"
	"github.com/trawl-dev/trawl/kit/ops"
)

// Stage is one stage of the pipeline as the composition root sees it. Each stage package
// declares its own (services/cache/stage.go and so on).
type Stage interface {
	// Name is the stage's short name ("cache"); its binary is trawl-<name>.
	Name() string
	// Summary is the one line its binary's -h starts with.
	Summary() string
	// RegisterFlags adds the stage's own flags to fs, and the shared groups it reads to sh
	// (sh.RegisterDeadlines).
	RegisterFlags(fs *flag.FlagSet, sh *Shared)
	// Validate checks the stage's settings, and the rules that span stages, before anything
	// connects or listens.
	Validate(sh *Shared) error
	// Build makes the stage's component from its connection and the shared parts. It must not
	// block; network set-up belongs in the component's Start.
	Build(env *Env) (lifecycle.Component, error)
}

// MemoryUser is a Stage that holds a bounded amount of memory of its own (an in-process
// cache); the automatic soft memory limit adds it up.
type MemoryUser interface {
	// MemoryAuto is the bytes the stage holds; ok is false when it declares none.
	MemoryAuto(sh *Shared) (bytes int64, ok bool)
}

// Env is what a stage's Build is handed.
type Env struct {
	Shared *Shared
	// NC is the stage's own NATS connection, as a separate process would have.
	NC      *nats.Conn
	Engines *engines.Registry
	Log     *slog.Logger
	Metrics *prometheus.Registry
	Probe   *ops.Probe
	// Handoff is where the stages of this process hand work to each other in memory
	// (kit/handoff), nil with --handoff=false.
	Handoff *handoff.Point
}

// Connector is how a process's stages reach NATS: a server by URL (stage binaries, trawl
// serve with --nats-url) or the embedded server (trawl serve). Each stage connects as its own
// user (kit/natsauth).
type Connector interface {
	Connect(stage string, log *slog.Logger) (*nats.Conn, error)
}

// Remote connects to a NATS server (or cluster, comma-separated URLs) by URL.
type Remote struct {
	URL string
	// User overrides the stage's own user name (--nats-user).
	User string
	// PasswordFile holds the password (--nats-password-file); without it the password comes
	// from TRAWL_NATS_PASSWORD_<USER> or TRAWL_NATS_PASSWORD, never from the command line.
	PasswordFile string
}

// Connect dials the URL as the stage's user, with natsconn's reconnect behaviour. With no
// password anywhere it connects without credentials (a server without auth, in tests).
func (r Remote) Connect(stage string, log *slog.Logger) (*nats.Conn, error) {
	user := cmp.Or(r.User, stage)
	pw, err := Password(user, r.PasswordFile)
	if err != nil {
		return nil, err
	}
	opts := []nats.Option{nats.CustomInboxPrefix(natsauth.InboxPrefix(user))}
	if pw != "" {
		opts = append(opts, nats.UserInfo(user, pw))
	}
	return natsconn.Connect(r.URL, "trawl-"+stage, log, opts...)
}

// Password is user's NATS password: the file's first line if file is set, else
// TRAWL_NATS_PASSWORD_<USER>, else TRAWL_NATS_PASSWORD ("" when none is set).
func Password(user, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("nats password file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		pw := strings.TrimSpace(line)
		if pw == "" {
			return "", fmt.Errorf("nats password file %s is empty", file)
		}
		return pw, nil
	}
	if pw := os.Getenv(natsauth.EnvPasswordVar(user)); pw != "" {
		return pw, nil
	}
	return os.Getenv("TRAWL_NATS_PASSWORD"), nil
}

// ConfigError is a configuration that does not validate: the process exits with status 2.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfigError reports whether err is a ConfigError (or a flag parsing error wrapped as one).
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// Validate checks the shared options and every stage's, and returns a *ConfigError naming
// each problem.
func Validate(sh *Shared, stages []Stage) error {
	errs := []error{sh.Validate()}
	for _, st := range stages {
		errs = append(errs, st.Validate(sh))
	}
	if err := errors.Join(errs...); err != nil {
		return &ConfigError{err}
	}
	return nil
}

// MemoryAuto is the process's automatic soft memory limit (memlimit.Apply): what the stages
// hold of their own plus the headroom every process needs, or 0 (none) when no stage holds
// memory of its own.
func MemoryAuto(sh *Shared, stages []Stage) int64 {
	var n int64
	any := false
	for _, st := range stages {
		if m, ok := st.(MemoryUser); ok {
			if b, ok := m.MemoryAuto(sh); ok {
				n += b
				any = true
			}
		}
	}
	if !any {
		return 0
	}
	return n + memlimit.Headroom
}

// Process is a validated set of stages, ready to run.
type Process struct {
	Shared  *Shared
	Stages  []Stage
	NATS    Connector
	Engines *engines.Registry
	Log     *slog.Logger
	Metrics *prometheus.Registry
	Probe   *ops.Probe
	// Group runs the components. Callers may add components before the stages (the embedded
	// server) with Group.Add before calling AddStages.
	Group lifecycle.Group

	stages []*stageComponent
	// handoff is where this process's stages hand work to each other (kit/handoff).
	handoff handoff.Point
}

// NewProcess prepares a process for validated options: the engine registry with the base URLs
// applied once, the probe, and the group's drain bound. Nothing connects yet.
func NewProcess(sh *Shared, stages []Stage, nc Connector, log *slog.Logger, reg *prometheus.Registry) (*Process, error) {
	eng := engines.Default()
	if err := eng.SetBaseURLs(sh.EngineURLs); err != nil {
		return nil, &ConfigError{fmt.Errorf("--engine-urls: %w", err)}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = ops.NewRegistry()
	}
	p := &Process{Shared: sh, Stages: stages, NATS: nc, Engines: eng, Log: log, Metrics: reg, Probe: ops.NewProbe()}
	p.Group.Log = log
	p.Group.DrainTimeout = sh.DrainTimeout
	return p, nil
}

// AddStages adds one component per stage, in order, then the ops listener when --ops-addr is
// set. Each stage gets its own connection, opened in its Start.
func (p *Process) AddStages() {
	for _, st := range p.Stages {
		sc := &stageComponent{st: st, p: p}
		p.stages = append(p.stages, sc)
		p.Group.Add(st.Name(), sc)
	}
	if p.Shared.OpsAddr != "" {
		p.Group.Add("ops", ops.New(p.Shared.OpsAddr, p.Metrics, p.Probe, p.Shared.Pprof, p.Log))
	}
}

// handoffPoint is the process's handoff point, nil with --handoff=false.
func (p *Process) handoffPoint() *handoff.Point {
	if !p.Shared.Handoff {
		return nil
	}
	return &p.handoff
}

// Component returns the started component of the named stage (nil before Start), for the
// all-in-one's accessors (the ingress's address).
func (p *Process) Component(name string) lifecycle.Component {
	for _, sc := range p.stages {
		if sc.st.Name() == name {
			return sc.c
		}
	}
	return nil
}

// stageComponent connects a stage to NATS, builds it and runs it; Stop stops the stage and
// then drains its connection, so replies it sends while draining still go out.
type stageComponent struct {
	st Stage
	p  *Process
	nc *nats.Conn
	c  lifecycle.Component
}

func (s *stageComponent) Start(ctx context.Context) error {
	name := "trawl-" + s.st.Name()
	log := s.p.Log.With("service", name)
	nc, err := s.p.NATS.Connect(s.st.Name(), log)
	if err != nil {
		return err
	}
	s.nc = nc
	// The stage's set-up (streams, consumers, endpoints) needs the server. Until it answers
	// the stage waits, and natsconn says so in the log, naming the URL; a signal ends the wait.
	if err := waitConnected(ctx, nc); err != nil {
		return err
	}
	s.p.Probe.Check("nats "+s.st.Name(), func() error {
		if !nc.IsConnected() {
			return errors.New("not connected")
		}
		return nil
	})
	c, err := s.st.Build(&Env{Shared: s.p.Shared, NC: nc, Engines: s.p.Engines, Log: log, Metrics: s.p.Metrics, Probe: s.p.Probe,
		Handoff: s.p.handoffPoint()})
	if err != nil {
		return err
	}
	if err := c.Start(ctx); err != nil {
		c.Stop()
		return err
	}
	s.c = c
	if r, ok := c.(interface{ Ready() error }); ok {
		s.p.Probe.Check(s.st.Name(), r.Ready)
	}
	// Subscriptions reach the server asynchronously: a round trip makes sure the stage's
	// endpoints are registered before the next stage (or a client) can send them anything.
	return nc.FlushTimeout(10 * time.Second)
}

func (s *stageComponent) Stop() {
	if s.c != nil {
		s.c.Stop()
	}
	if s.nc != nil {
		if err := s.nc.Drain(); err != nil {
			s.nc.Close()
		}
		s.nc = nil
	}
}

// Failed forwards the stage's run-time failure, if it can have one.
func (s *stageComponent) Failed() <-chan error {
	if f, ok := s.c.(lifecycle.Failer); ok {
		return f.Failed()
	}
	return nil
}

// Reload forwards SIGHUP to the stage, if it reloads.
func (s *stageComponent) Reload() error {
	if r, ok := s.c.(lifecycle.Reloader); ok {
		return r.Reload()
	}
	return nil
}

func waitConnected(ctx context.Context, nc *nats.Conn) error {
	if nc.IsConnected() {
		return nil
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !nc.IsConnected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting for NATS at %s: %w", natsconn.Redact(strings.Join(nc.Opts.Servers, ",")), context.Cause(ctx))
		case <-t.C:
		}
	}
	return nil
}
