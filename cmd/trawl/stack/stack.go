// Package stack is the all-in-one: every trawl stage in one process, on an embedded NATS server
// with JetStream (or an external one), each stage on its own NATS connection exactly as
// separate processes would be. It is what `trawl serve` runs and what the end-to-end tests
// drive. The stages are listed once, in Stages; kit/app turns them into a process, the same
// code the stage binaries run.
package stack

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/embedded"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/kit/ops"
	"github.com/trawl-dev/trawl/services/cache"
	"github.com/trawl-dev/trawl/services/fetcher"
	"github.com/trawl-dev/trawl/services/ingress"
	"github.com/trawl-dev/trawl/services/parser"
)

// Config is the whole process's configuration: one flag per setting, shared where stages share.
type Config struct {
	app.Shared
	NATSListen   string
	NATSStoreDir string
	// The embedded server's outside users and listener (kit/natsauth): the client user's and
	// the operator's passwords (else TRAWL_NATS_PASSWORD_CLIENT / _ADMIN, else random for
	// the life of the process), and TLS, which a non-loopback --nats-listen requires.
	NATSClientPasswordFile string
	NATSAdminPasswordFile  string
	NATSTLSCert            string
	NATSTLSKey             string
	Cache                  cache.Config
	Fetcher                fetcher.Config
	Parser                 parser.Config
	Ingress                ingress.Config
}

// Stages is the one list of the pipeline's stages, in start order: a stage starts after
// those it hands work to, so the ingress admits nothing before the cache can answer it. Adding
// a stage is one entry here (and its binary's main).
func (c *Config) Stages() []app.Stage {
	return []app.Stage{
		parser.NewStage(&c.Parser),
		fetcher.NewStage(&c.Fetcher),
		cache.NewStage(&c.Cache),
		ingress.NewStage(&c.Ingress),
	}
}

// RegisterFlags adds every flag of the all-in-one.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Shared.RegisterFlags(fs, "")
	fs.StringVar(&c.NATSListen, "nats-listen", "127.0.0.1:4222", `embedded NATS listen address for outside clients ("off": in-process only)`)
	fs.StringVar(&c.NATSStoreDir, "nats-store-dir", "", "embedded JetStream store directory; the work streams then stay on disk across restarts (default: none, the streams in memory)")
	fs.StringVar(&c.NATSClientPasswordFile, "nats-client-password-file", "", `file holding the embedded NATS "client" user's password (else TRAWL_NATS_PASSWORD_CLIENT; else random, written to client.password in the store)`)
	fs.StringVar(&c.NATSAdminPasswordFile, "nats-admin-password-file", "", `file holding the embedded NATS "admin" user's password (else TRAWL_NATS_PASSWORD_ADMIN; else random and unknown: no operator)`)
	fs.StringVar(&c.NATSTLSCert, "nats-tls-cert", "", "TLS certificate of the embedded NATS listener (required with a non-loopback --nats-listen)")
	fs.StringVar(&c.NATSTLSKey, "nats-tls-key", "", "TLS key of the embedded NATS listener")
	fs.Lookup("stream-memory").Usage = "keep the work streams in memory even with --nats-store-dir or --nats-url (the embedded server without a store keeps them in memory anyway)"
	for _, st := range c.Stages() {
		st.RegisterFlags(fs, &c.Shared)
	}
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// Validate checks every setting of every stage, before anything connects or listens.
func (c *Config) Validate() error {
	if err := app.Validate(&c.Shared, c.Stages()); err != nil {
		return err
	}
	if err := c.validateNATS(); err != nil {
		return &app.ConfigError{Err: err}
	}
	return nil
}

// validateNATS holds the embedded server's outside listener to its rules: credentials always
// (kit/natsauth), and TLS on any address that is not loopback.
func (c *Config) validateNATS() error {
	if c.Common.NATSURL != "" {
		return nil
	}
	if (c.NATSTLSCert == "") != (c.NATSTLSKey == "") {
		return errors.New("--nats-tls-cert and --nats-tls-key go together")
	}
	if c.NATSListen != "off" && c.NATSListen != "" {
		host, _, err := net.SplitHostPort(c.NATSListen)
		if err != nil {
			return fmt.Errorf("--nats-listen: %w", err)
		}
		if !loopback(host) && c.NATSTLSCert == "" {
			return fmt.Errorf("--nats-listen %s is not a loopback address: it needs --nats-tls-cert and --nats-tls-key", c.NATSListen)
		}
	}
	for flag, f := range map[string]string{"nats-client-password-file": c.NATSClientPasswordFile, "nats-admin-password-file": c.NATSAdminPasswordFile} {
		if f != "" {
			if _, err := app.Password("", f); err != nil {
				return fmt.Errorf("--%s: %w", flag, err)
			}
		}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MemoryAuto is the all-in-one's automatic soft memory limit (memlimit.Apply): what the
// stages hold (the cache's store, the ingress's near cache) plus the headroom. In-memory work
// streams add nothing: they hold the jobs and pages of requests under way, which the headroom
// covers. A backlog that outgrows it is still bounded by the streams' byte limits; the
// collector then works harder (the runtime caps that at half the CPU) until the backlog drains.
// The embedded server's archive adds the block its file store writes (archiveBlock).
func (c *Config) MemoryAuto() int64 {
	n := app.MemoryAuto(&c.Shared, c.Stages())
	if n > 0 && c.Common.NATSURL == "" && !c.Streams.Archive.Disabled {
		n += archiveBlock
	}
	return n
}

// archiveBlock is the archive stream's block, which the embedded server's file store keeps in
// memory as it writes it: nats-server sizes the blocks of a stream of the archive's size
// (--archive-max-bytes over 32 MiB) at 8 MiB. Uncounted, it came out of the collector's room:
// `trawl serve` after 150 s of misses held 41 MiB live, 16 of them two such blocks (the one
// written and, once the archive is full, the oldest, loaded to trim it), and the collector took
// 15% of its CPU. The oldest is left out: a full archive holds it only while it trims, and
// counting both took the peak RSS under c=256 misses from 125 to 139 MiB.
const archiveBlock = 8 << 20

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
	p  *app.Process
	ns *embedded.Server
}

// New validates cfg and assembles the process: the embedded server (without --nats-url),
// then the stages in order, then the ops listener. Nothing connects or listens yet.
func New(cfg Config, log *slog.Logger, reg *prometheus.Registry) (*Stack, error) {
	cfg.Streams.Memory = cfg.StreamsInMemory()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = logging.Discard()
	}
	if reg == nil {
		reg = ops.NewRegistry()
	}
	s := &Stack{}
	var err error
	var nc app.Connector = app.Remote{URL: cfg.Common.NATSURL}
	if cfg.Common.NATSURL == "" {
		pw := map[string]string{}
		for user, file := range map[string]string{natsauth.UserClient: cfg.NATSClientPasswordFile, natsauth.UserAdmin: cfg.NATSAdminPasswordFile} {
			if file != "" || os.Getenv(natsauth.EnvPasswordVar(user)) != "" {
				if pw[user], err = app.Password(user, file); err != nil {
					return nil, &app.ConfigError{Err: err}
				}
			}
		}
		s.ns = embedded.New(embedded.Config{Listen: cfg.NATSListen, StoreDir: cfg.NATSStoreDir,
			MaxMemory: max(1<<30, cfg.Streams.FetchMaxBytes+cfg.Streams.ParseMaxBytes),
			Passwords: pw, TLSCert: cfg.NATSTLSCert, TLSKey: cfg.NATSTLSKey,
			WriteClientPassword: pw[natsauth.UserClient] == ""}, log)
		nc = s.ns
	}
	sh := cfg.Shared
	p, err := app.NewProcess(&sh, cfg.Stages(), nc, log, reg)
	if err != nil {
		return nil, err
	}
	if s.ns != nil {
		p.Group.Add("nats", s.ns)
	}
	p.AddStages()
	s.p = p
	return s, nil
}

// Start is New and then starts every component in order; it returns once the ingress
// listens. On failure everything started so far is stopped again.
func Start(ctx context.Context, cfg Config, log *slog.Logger, reg *prometheus.Registry) (*Stack, error) {
	s, err := New(cfg, log, reg)
	if err != nil {
		return nil, err
	}
	if err := s.p.Group.Start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// StartCatchingSignals is Start for a process that handles its own signals (trawl serve):
// SIGINT and SIGTERM are caught from before the first component starts, so one that comes
// while starting stops the process once the start returns (stopped is then true) instead of
// killing it half-started, and one that comes later is Wait's.
func StartCatchingSignals(ctx context.Context, cfg Config, log *slog.Logger, reg *prometheus.Registry) (s *Stack, stopped bool, err error) {
	if s, err = New(cfg, log, reg); err != nil {
		return nil, false, err
	}
	s.p.Group.Signals = true
	startCtx, interrupted := s.p.Group.CatchSignals(ctx)
	err = s.p.Group.Start(startCtx)
	if stopped = interrupted(); err != nil {
		return nil, stopped, err
	}
	return s, stopped, nil
}

// Wait runs until ctx ends, a signal arrives (with signals) or a component fails, which it
// returns naming the component; Close then stops everything.
func (s *Stack) Wait(ctx context.Context, signals bool) error {
	s.p.Group.Signals = signals
	return s.p.Group.Wait(ctx)
}

// Probe is the process's readiness.
func (s *Stack) Probe() *ops.Probe { return s.p.Probe }

// Engines is the process's engine registry, with the base URLs applied.
func (s *Stack) Engines() *engines.Registry { return s.p.Engines }

// Reload re-reads what can change without a restart (the ingress's keys file).
func (s *Stack) Reload() error { return s.Ingress().Reload() }

// Ingress is the running ingress.
func (s *Stack) Ingress() *ingress.Server { return s.p.Component("ingress").(*ingress.Server) }

// HTTPAddr is the ingress's bound address.
func (s *Stack) HTTPAddr() string { return s.Ingress().Addr() }

// NATSURL is the embedded server's client URL ("" when in-process only or external).
func (s *Stack) NATSURL() string {
	if s.ns == nil {
		return ""
	}
	return s.ns.ClientURL()
}

// UserURL is the embedded server's client URL with user's credentials (kit/natsauth), for
// tests and tools in this process. Never log it.
func (s *Stack) UserURL(user string) string {
	if s.ns == nil {
		return ""
	}
	return s.ns.UserURL(user)
}

// Embedded is the embedded server, nil with an external one.
func (s *Stack) Embedded() *embedded.Server { return s.ns }

// Server is the embedded NATS server, nil with an external one.
func (s *Stack) Server() *server.Server {
	if s.ns == nil {
		return nil
	}
	return s.ns.NATS()
}

// Stop stops the components in reverse order (ingress first, so no new work arrives, the
// embedded server last) within --drain-timeout, and reports a drain that overran. Safe on a
// partly started stack and more than once.
func (s *Stack) Stop() error { return s.p.Group.Stop() }

// Close is Stop for callers that have nobody to report an overrun to (tests, deferred calls).
func (s *Stack) Close() { s.Stop() }
