package kit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/schemas"
)

// Stopper is a started stage; Stop drains it and is safe to call more than once.
type Stopper interface{ Stop() }

// Env is what a stage's Run is handed: the shared parts, built once by Main.
type Env struct {
	NC      *nats.Conn
	Log     *slog.Logger
	Metrics *prometheus.Registry
	Probe   *Probe
	Common  Common
	Streams schemas.StreamLimits
}

// Stage describes one stage binary for Main.
type Stage struct {
	Name    string
	Summary string
	// OpsAddr is the ops listener's default address.
	OpsAddr string
	// Flags registers the stage's own flags.
	Flags func(fs *flag.FlagSet)
	// MemoryAuto is the stage's automatic soft memory limit (ApplyMemoryLimit); nil is none.
	MemoryAuto func(c Common) int64
	// Run starts the stage and returns it once it serves.
	Run func(ctx context.Context, env *Env) (Stopper, error)
}

// RegisterStreamFlags adds the work streams' limits.
func RegisterStreamFlags(fs *flag.FlagSet, l *schemas.StreamLimits) {
	*l = schemas.DefaultStreamLimits()
	fs.IntVar(&l.Replicas, "stream-replicas", l.Replicas, "JetStream replicas of the work streams (3 in a cluster)")
	fs.Int64Var(&l.FetchMaxMsgs, "fetch-stream-max-msgs", l.FetchMaxMsgs, "fetch jobs that may wait; past it, new searches get 503")
	fs.Int64Var(&l.FetchMaxBytes, "fetch-stream-max-bytes", l.FetchMaxBytes, "bytes of fetch jobs that may wait")
	fs.Int64Var(&l.ParseMaxMsgs, "parse-stream-max-msgs", l.ParseMaxMsgs, "fetched pages that may wait for a parser")
	fs.Int64Var(&l.ParseMaxBytes, "parse-stream-max-bytes", l.ParseMaxBytes, "bytes of fetched pages that may wait")
	fs.BoolVar(&l.Memory, "stream-memory", false, "keep the work streams in memory instead of on disk")
}

// Main runs a stage binary: configuration from flags and TRAWL_* variables, the JSON logger,
// the metrics registry and ops listener, the NATS connection, then the stage until SIGINT or
// SIGTERM, and a graceful stop (not ready, stage drained, NATS drained). It exits the process.
func Main(st Stage) {
	if err := runStage(st, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", st.Name, err)
		os.Exit(1)
	}
}

func runStage(st Stage, args []string) error {
	fs := flag.NewFlagSet(st.Name, flag.ContinueOnError)
	var env Env
	env.Common.RegisterFlags(fs, st.OpsAddr)
	RegisterStreamFlags(fs, &env.Streams)
	pprofOn := fs.Bool("pprof", false, "serve /debug/pprof on the ops listener")
	st.Flags(fs)
	fs.Usage = Usage(fs, st.Name+": "+st.Summary)
	if err := Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if env.Common.NATSURL == "" {
		env.Common.NATSURL = nats.DefaultURL
	}
	log, err := NewLogger(os.Stderr, env.Common.LogLevel, env.Common.LogFormat)
	if err != nil {
		return err
	}
	env.Log = log.With("service", st.Name)
	var auto int64
	if st.MemoryAuto != nil {
		auto = st.MemoryAuto(env.Common)
	}
	ApplyMemoryLimit(env.Common.MemoryLimit, auto, env.Log)
	env.Metrics = NewRegistry()
	env.Probe = NewProbe()

	nc, err := Connect(env.Common.NATSURL, st.Name, env.Log)
	if err != nil {
		return err
	}
	env.NC = nc
	env.Probe.Check("nats", func() error {
		if !nc.IsConnected() {
			return errors.New("not connected")
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The stage's set-up calls need the server: wait for the first connection.
	for !nc.IsConnected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no NATS server at %s", env.Common.NATSURL)
		case <-time.After(50 * time.Millisecond):
		}
	}
	stage, err := st.Run(ctx, &env)
	if err == nil {
		// Subscriptions reach the server asynchronously; be registered before reporting ready.
		err = nc.FlushTimeout(10 * time.Second)
	}
	if err != nil {
		if stage != nil {
			stage.Stop()
		}
		nc.Close()
		return err
	}
	var ops *OpsServer
	if env.Common.OpsAddr != "" {
		if ops, err = StartOps(env.Common.OpsAddr, env.Metrics, env.Probe, *pprofOn, env.Log); err != nil {
			stage.Stop()
			nc.Close()
			return err
		}
	}
	var g run.Group
	g.Add(run.SignalHandler(context.Background(), os.Interrupt, syscall.SIGTERM))
	stopped := make(chan struct{})
	g.Add(func() error { <-stopped; return nil }, func(error) {
		env.Probe.Stopping()
		stage.Stop()
		close(stopped)
	})
	err = g.Run()
	env.Log.Info("stopping", "reason", err)
	if err := nc.Drain(); err != nil {
		nc.Close()
	}
	if ops != nil {
		ops.Close()
	}
	return nil
}
