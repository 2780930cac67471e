package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/streams"
	"github.com/trawl-dev/trawl/schemas"
)

// Shared is the part of a process's options every stage may read: one copy per process, so
// the all-in-one and the stage binaries cannot drift.
type Shared struct {
	config.Common
	Streams schemas.StreamLimits
	// Deadlines are registered by the stages that read them (RegisterDeadlines).
	Deadlines config.Deadlines
	// EngineURLs overrides engines' base URLs, applied once to the process's registry.
	EngineURLs   string
	DrainTimeout time.Duration
	Pprof        bool
	// NATSUser and NATSPasswordFile are a stage binary's NATS credentials (app.Remote).
	NATSUser         string
	NATSPasswordFile string
	// Handoff lets the stages of one process hand work to each other in memory (--handoff,
	// kit/handoff); they meet at the Process's point.
	Handoff bool

	deadlines bool
}

// RegisterFlags adds the shared flags. opsDefault is the ops listener's default address ("":
// off).
func (sh *Shared) RegisterFlags(fs *flag.FlagSet, opsDefault string) {
	sh.Common.RegisterFlags(fs, opsDefault)
	streams.RegisterFlags(fs, &sh.Streams)
	fs.StringVar(&sh.EngineURLs, "engine-urls", "", "engine base URLs, name=url,… (replaces scheme and host only)")
	fs.DurationVar(&sh.DrainTimeout, "drain-timeout", 30*time.Second, "on SIGINT or SIGTERM, how long in-flight requests and jobs may take to finish before the process exits")
	fs.BoolVar(&sh.Handoff, "handoff", true, "in one process (trawl serve), hand pages from the fetcher to the parser and requests from the ingress to the cache in memory rather than through NATS (kit/handoff); false sends everything over NATS, as separate processes do")
	fs.BoolVar(&sh.Pprof, "pprof", false, "serve /debug/pprof on the ops listener (needs --ops-addr)")
	fs.StringVar(&sh.NATSUser, "nats-user", "", "NATS user with --nats-url (default: the stage's own user, as in deploy/nats/trawl.conf)")
	fs.StringVar(&sh.NATSPasswordFile, "nats-password-file", "", "file holding the NATS user's password (else TRAWL_NATS_PASSWORD_<USER> or TRAWL_NATS_PASSWORD; never a flag)")
}

// RegisterDeadlines adds the request deadline flags once, for the stages that read them.
func (sh *Shared) RegisterDeadlines(fs *flag.FlagSet) {
	if fs.Lookup("search-timeout") == nil {
		sh.Deadlines.RegisterFlags(fs)
	}
	sh.deadlines = true
}

// Validate checks every shared option, naming the flag of each problem.
func (sh *Shared) Validate() error {
	var errs []error
	bad := func(flag string, err error) { errs = append(errs, fmt.Errorf("--%s: %w", flag, err)) }
	if _, err := logging.New(io.Discard, sh.LogLevel, "json"); err != nil {
		bad("log-level", err)
	}
	if _, err := logging.New(io.Discard, "info", sh.LogFormat); err != nil {
		bad("log-format", err)
	}
	if sh.NATSURL != "" {
		for _, u := range strings.Split(sh.NATSURL, ",") {
			if err := checkURL(strings.TrimSpace(u), "nats", "tls", "ws", "wss"); err != nil {
				bad("nats-url", err)
			}
		}
	}
	if sh.RedisURL != "" {
		if err := checkURL(sh.RedisURL, "redis", "rediss", "unix"); err != nil {
			bad("redis-url", err)
		}
	}
	if sh.OpsAddr != "" {
		if _, _, err := net.SplitHostPort(sh.OpsAddr); err != nil {
			bad("ops-addr", err)
		}
	}
	if sh.MemoryLimit < -1 {
		bad("memory-limit", errors.New("must be -1 (off), 0 (auto) or a number of bytes"))
	}
	if err := sh.Streams.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := engines.Default().SetBaseURLs(sh.EngineURLs); err != nil {
		bad("engine-urls", err)
	}
	if sh.NATSPasswordFile != "" {
		if _, err := Password("", sh.NATSPasswordFile); err != nil {
			bad("nats-password-file", err)
		}
	}
	if sh.DrainTimeout <= 0 {
		bad("drain-timeout", errors.New("must be positive"))
	}
	if sh.deadlines {
		if err := sh.Deadlines.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	for _, s := range schemes {
		if u.Scheme == s && (u.Host != "" || s == "unix") {
			return nil
		}
	}
	return fmt.Errorf("%q: want %s://host:port", raw, schemes[0])
}
