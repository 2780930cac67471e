// Package stack runs every trawl stage in one process: an embedded NATS server with JetStream
// (or an external one), the cache, fetcher, parser and ingress, each on its own NATS
// connection exactly as separate processes would be. It is what `trawl serve` runs and what the
// end-to-end tests drive.
package stack

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/cache"
	"github.com/trawl-dev/trawl/services/fetcher"
	"github.com/trawl-dev/trawl/services/ingress"
	"github.com/trawl-dev/trawl/services/parser"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

// Config is the whole process's configuration: one flag per setting, shared where stages share.
type Config struct {
	Common       kit.Common
	NATSListen   string
	NATSStoreDir string
	Streams      schemas.StreamLimits
	Deadlines    kit.Deadlines
	Cache        cache.Config
	Fetcher      fetcher.Config
	Parser       parser.Config
	Ingress      ingress.Config
	Pprof        bool
}

// RegisterFlags adds every flag of the all-in-one.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Common.RegisterFlags(fs, "")
	fs.StringVar(&c.NATSListen, "nats-listen", "127.0.0.1:4222", `embedded NATS listen address for outside clients ("off": in-process only)`)
	fs.StringVar(&c.NATSStoreDir, "nats-store-dir", "", "embedded JetStream store directory; the work streams then stay on disk across restarts (default: none, the streams in memory)")
	fs.BoolVar(&c.Pprof, "pprof", false, "serve /debug/pprof on the ops listener (needs --ops-addr)")
	kit.RegisterStreamFlags(fs, &c.Streams)
	fs.Lookup("stream-memory").Usage = "keep the work streams in memory even with --nats-store-dir or --nats-url (the embedded server without a store keeps them in memory anyway)"
	c.Deadlines.RegisterFlags(fs)
	c.Cache.RegisterFlags(fs)
	c.Fetcher.RegisterFlags(fs)
	c.Parser.RegisterFlags(fs)
	c.Ingress.RegisterFlags(fs)
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// MemoryAuto is the all-in-one's automatic soft memory limit (kit.ApplyMemoryLimit): the
// cache's estimate and the ingress's near cache. In-memory work streams add nothing: they hold
// the jobs and pages of requests under way, which the headroom covers. A backlog that outgrows
// it is still bounded by the streams' byte limits; the collector then works harder (the
// runtime caps that at half the CPU) until the backlog drains.
func (c *Config) MemoryAuto() int64 {
	return c.Cache.MemoryAuto(c.Common.RedisURL) + c.Ingress.NearCacheBytes
}

// StreamsInMemory reports whether the work streams live in memory: on request
// (--stream-memory), or when the embedded server's store is a temporary directory. Nothing
// finds a temporary store again after a restart, so keeping the streams on disk there would
// keep nothing a restart could use, while every job and every page paid for a file write
// (the miss path at c=64 on 2 cores: 1,525 req/s in memory against 1,279 on disk). Name a
// store with --nats-store-dir for jobs that outlive the process.
func (c *Config) StreamsInMemory() bool {
	return c.Streams.Memory || (c.Common.NATSURL == "" && c.NATSStoreDir == "")
}

// Stack is a running all-in-one.
type Stack struct {
	cfg      Config
	log      *slog.Logger
	ns       *server.Server
	nsClose  func()
	conns    []*nats.Conn
	stoppers []kit.Stopper
	store    cache.Store
	ingress  *ingress.Server
	ops      *kit.OpsServer
	Probe    *kit.Probe
}

// Start brings the stages up in dependency order and returns once the ingress listens. On
// failure everything started so far is stopped again.
func Start(ctx context.Context, cfg Config, log *slog.Logger, reg *prometheus.Registry) (_ *Stack, err error) {
	cfg.Cache.Deadlines, cfg.Ingress.Deadlines = cfg.Deadlines, cfg.Deadlines
	cfg.Streams.Memory = cfg.StreamsInMemory()
	for _, v := range []interface{ Validate() error }{&cfg.Cache, &cfg.Fetcher, &cfg.Parser, &cfg.Ingress} {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	if log == nil {
		log = kit.Discard()
	}
	if reg == nil {
		reg = kit.NewRegistry()
	}
	s := &Stack{cfg: cfg, log: log, Probe: kit.NewProbe()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	connect := func(name string) (*nats.Conn, error) {
		var nc *nats.Conn
		var err error
		if s.ns != nil {
			nc, err = kit.Connect("", name, log, nats.InProcessServer(s.ns))
		} else {
			nc, err = kit.Connect(cfg.Common.NATSURL, name, log)
		}
		if err == nil {
			s.conns = append(s.conns, nc)
		}
		return nc, err
	}
	if cfg.Common.NATSURL == "" {
		s.ns, s.nsClose, err = kit.StartEmbedded(kit.EmbeddedConfig{Listen: cfg.NATSListen, StoreDir: cfg.NATSStoreDir,
			MaxMemory: max(1<<30, cfg.Streams.FetchMaxBytes+cfg.Streams.ParseMaxBytes)}, log)
		if err != nil {
			return nil, err
		}
	}
	eng := engines.Default()
	if cfg.Fetcher.EngineURLs != "" {
		if err := eng.SetBaseURLs(cfg.Fetcher.EngineURLs); err != nil {
			return nil, err
		}
		cfg.Fetcher.EngineURLs = "" // applied once, to the registry every stage shares
	}

	nc, err := connect("trawl-parser")
	if err != nil {
		return nil, err
	}
	ps, err := parser.New(cfg.Parser, parser.Deps{NC: nc, Engines: eng, Streams: cfg.Streams, Log: log.With("service", "parser"), Metrics: reg})
	if err != nil {
		return nil, err
	}
	if err := ps.Start(ctx); err != nil {
		return nil, err
	}
	s.stoppers = append(s.stoppers, ps)

	if nc, err = connect("trawl-fetcher"); err != nil {
		return nil, err
	}
	fs, err := fetcher.New(cfg.Fetcher, fetcher.Deps{NC: nc, Engines: eng, Streams: cfg.Streams, Log: log.With("service", "fetcher"), Metrics: reg})
	if err != nil {
		return nil, err
	}
	if err := fs.Start(ctx); err != nil {
		return nil, err
	}
	s.stoppers = append(s.stoppers, fs)

	if nc, err = connect("trawl-cache"); err != nil {
		return nil, err
	}
	if s.store, err = cache.OpenStore(cfg.Common.RedisURL, cfg.Cache); err != nil {
		return nil, err
	}
	cs, err := cache.New(cfg.Cache, cache.Deps{NC: nc, Store: s.store, Engines: eng, Streams: cfg.Streams, Log: log.With("service", "cache"), Metrics: reg})
	if err != nil {
		return nil, err
	}
	if err := cs.Start(ctx); err != nil {
		return nil, err
	}
	s.stoppers = append(s.stoppers, cs)
	// Subscriptions reach the server asynchronously: a round trip makes sure the search
	// endpoint is registered before the ingress can send it anything.
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}

	if nc, err = connect("trawl-ingress"); err != nil {
		return nil, err
	}
	in, err := ingress.New(cfg.Ingress, ingress.Deps{NC: nc, Engines: eng, Log: log.With("service", "ingress"), Metrics: reg, Gatherer: reg, Probe: s.Probe, RedisURL: cfg.Common.RedisURL})
	if err != nil {
		return nil, err
	}
	if err := in.Start(ctx); err != nil {
		return nil, fmt.Errorf("ingress: %w", err)
	}
	s.ingress = in
	s.stoppers = append(s.stoppers, in)
	if cfg.Common.OpsAddr != "" {
		if s.ops, err = kit.StartOps(cfg.Common.OpsAddr, reg, s.Probe, cfg.Pprof, log); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Reload re-reads what can change without a restart (the ingress's keys file).
func (s *Stack) Reload() error { return s.ingress.Reload() }

// HTTPAddr is the ingress's bound address.
func (s *Stack) HTTPAddr() string { return s.ingress.Addr() }

// NATSURL is the embedded server's client URL ("" when in-process only or external).
func (s *Stack) NATSURL() string {
	if s.ns == nil || s.cfg.NATSListen == "off" {
		return ""
	}
	return s.ns.ClientURL()
}

// Server is the embedded NATS server, nil with an external one.
func (s *Stack) Server() *server.Server { return s.ns }

// Close stops the stages in reverse order (ingress first, so no new work arrives), drains the
// connections and shuts the embedded server down. Safe on a partly started stack.
func (s *Stack) Close() {
	s.Probe.Stopping()
	for i := len(s.stoppers) - 1; i >= 0; i-- {
		s.stoppers[i].Stop()
	}
	s.stoppers = nil
	for _, nc := range s.conns {
		if err := nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			nc.Close()
		}
	}
	s.conns = nil
	if s.store != nil {
		s.store.Close()
		s.store = nil
	}
	if s.ops != nil {
		s.ops.Close()
		s.ops = nil
	}
	if s.nsClose != nil {
		s.nsClose()
		s.nsClose = nil
	}
}
