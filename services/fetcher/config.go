// Package fetcher is trawl's fetch stage: it pulls fetch jobs from JetStream with a bounded
// number in flight, fetches each engine's page inside the job's deadline, and hands the page to
// the parse stream, or in memory to a parser of the same process (kit/handoff). A job is
// acked only once its page (or its typed failure) is published, or handed over and answered.
//
// Upstreams are hostile, so a fetch goes through a proxy pool that scores and prunes proxies
// (pool.go), retries with jittered exponential backoff under a retry budget (budget.go), a
// circuit breaker per engine (breaker.go), per-host politeness (politeness.go), and treats a
// block page as a failure, never as an empty success (attempt.go).
package fetcher

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/trawl-dev/trawl/kit/target"
)

// Config is the fetch stage's configuration.
type Config struct {
	// Concurrency is the number of jobs one fetcher works on at once, and the consumer's
	// MaxAckPending: the backpressure bound.
	Concurrency int
	// MaxAckPending bounds the unacked jobs across every fetcher on the consumer; with one
	// fetcher, Concurrency binds first.
	MaxAckPending int
	// AttemptTimeout bounds one upstream attempt.
	AttemptTimeout time.Duration
	// MaxAttempts bounds attempts per job (inside the job's deadline and the retry budget).
	MaxAttempts int
	// MaxBodyBytes caps a page; a larger one is a failure.
	MaxBodyBytes int64
	// AckWait is how long JetStream waits for an ack or a progress signal before it hands the
	// job to another fetcher; progress signals go out every AckWait/3. It must stay well below
	// the search deadline so a job held by a dead fetcher is redelivered in time.
	AckWait    time.Duration
	MaxDeliver int

	// Proxies is the proxy list (http, https, socks5 URLs; "direct" for no proxy). Empty: direct.
	Proxies string
	// ProxyMaxConns caps attempts in flight through one proxy.
	ProxyMaxConns int
	// ProxyCooldown is how long an evicted proxy rests before its first probe; each eviction
	// in a row doubles it, up to ProxyMaxCooldown.
	ProxyCooldown    time.Duration
	ProxyMaxCooldown time.Duration
	// ProbeQuery is the query a probe sends through an evicted proxy.
	ProbeQuery string

	// RetryRatio is the retry budget: retries allowed per first attempt, on average.
	RetryRatio float64
	// RetryBurst is how many retries the budget can save up.
	RetryBurst int
	// Backoff caps the first retry's wait (full jitter: uniform in [0, Backoff]); each further
	// retry doubles the cap up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration

	// BreakerRatio opens an engine's breaker when at least this share of its attempts in the
	// window failed, once there are at least BreakerMinRequests of them.
	BreakerRatio       float64
	BreakerMinRequests int
	BreakerWindow      time.Duration
	// BreakerOpenFor is how long an open breaker fails fast before it lets probes through.
	BreakerOpenFor time.Duration
	// BreakerProbes is how many successful probes in a row close a half-open breaker.
	BreakerProbes int

	// HostMaxConns caps attempts in flight to one upstream host (0: no cap).
	HostMaxConns int
	// HostMinInterval is the least time between two attempts' starts to one host (0: none).
	HostMinInterval time.Duration

	// ScrapeMaxBytes caps a scraped page, decoded; a larger one is page_too_large, never a
	// truncated success.
	ScrapeMaxBytes int64
	// ScrapePorts are the ports a scrape may connect to; ScrapeAllow the address ranges it
	// may reach although they are private (off by default: internal use and tests).
	ScrapePorts string
	ScrapeAllow string
}

// RegisterFlags adds the fetch stage's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Concurrency, "fetch-concurrency", 64, "jobs one fetcher works on at once (its backpressure bound)")
	fs.IntVar(&c.MaxAckPending, "fetch-max-ack-pending", 4096, "unacked jobs across all fetchers (the consumer's MaxAckPending)")
	fs.DurationVar(&c.AttemptTimeout, "fetch-timeout", 5*time.Second, "timeout of one upstream attempt")
	fs.IntVar(&c.MaxAttempts, "fetch-attempts", 12, "upstream attempts per job at most, inside its deadline and the retry budget")
	fs.Int64Var(&c.MaxBodyBytes, "fetch-max-bytes", 4<<20, "largest page accepted, bytes")
	fs.DurationVar(&c.AckWait, "fetch-ack-wait", 5*time.Second, "time a fetcher holds a job without a progress signal before it is redelivered (progress is signalled every third of it)")
	fs.IntVar(&c.MaxDeliver, "fetch-max-deliver", 3, "deliveries of a job before it goes to the dead-letter subject")

	fs.StringVar(&c.Proxies, "proxies", "", `proxy URLs, comma-separated: http://, https://, socks5:// (user:pass@ allowed); "direct" for no proxy; empty: direct only`)
	fs.IntVar(&c.ProxyMaxConns, "proxy-max-conns", 32, "attempts in flight through one proxy at most (the direct connection is bounded by --host-max-conns)")
	fs.DurationVar(&c.ProxyCooldown, "proxy-cooldown", 5*time.Second, "rest of an evicted proxy before it is probed; doubles with each eviction in a row")
	fs.DurationVar(&c.ProxyMaxCooldown, "proxy-max-cooldown", 5*time.Minute, "longest rest of an evicted proxy")
	fs.StringVar(&c.ProbeQuery, "proxy-probe-query", "weather", "query a probe sends through an evicted proxy to test it")

	fs.Float64Var(&c.RetryRatio, "fetch-retry-ratio", 1.0, "retry budget: retries allowed per first attempt, on average (an outage can multiply load by 1+ratio at most)")
	fs.IntVar(&c.RetryBurst, "fetch-retry-burst", 100, "retries the budget can save up")
	fs.DurationVar(&c.Backoff, "fetch-backoff", 50*time.Millisecond, "cap of the first retry's wait (full jitter); doubles per retry")
	fs.DurationVar(&c.MaxBackoff, "fetch-max-backoff", time.Second, "largest cap of a retry's wait")

	fs.Float64Var(&c.BreakerRatio, "breaker-failure-ratio", 0.8, "share of an engine's attempts failing in the window that opens its circuit breaker")
	fs.IntVar(&c.BreakerMinRequests, "breaker-min-requests", 20, "attempts in the window before the breaker may open")
	fs.DurationVar(&c.BreakerWindow, "breaker-window", 10*time.Second, "rolling window of the breaker's counts")
	fs.DurationVar(&c.BreakerOpenFor, "breaker-open-for", 5*time.Second, "time an open breaker fails fast before it lets a probe through")
	fs.IntVar(&c.BreakerProbes, "breaker-probes", 1, "successful probes in a row that close a half-open breaker")

	fs.IntVar(&c.HostMaxConns, "host-max-conns", 64, "attempts in flight to one upstream host at most (0: no cap)")
	fs.DurationVar(&c.HostMinInterval, "host-min-interval", 0, "least time between two attempts to one upstream host (0: none)")

	fs.Int64Var(&c.ScrapeMaxBytes, "scrape-max-bytes", 10<<20, "largest page a scrape accepts, decoded bytes (over it: page_too_large)")
	fs.StringVar(&c.ScrapePorts, "scrape-ports", "80,443,8080,8443", "ports a scrape may connect to, comma-separated")
	fs.StringVar(&c.ScrapeAllow, "scrape-allow", "", "what a scrape may reach although private or loopback, comma-separated: CIDR ranges (any port) or address:port (that port only); off by default (internal use and tests)")
}

// Validate checks the configuration before anything connects.
func (c *Config) Validate() error {
	switch {
	case c.MaxAckPending < c.Concurrency:
		return errors.New("fetch-max-ack-pending must be at least fetch-concurrency")
	case c.Concurrency < 1:
		return errors.New("fetch-concurrency must be at least 1")
	case c.AttemptTimeout <= 0:
		return errors.New("fetch-timeout must be positive")
	case c.MaxAttempts < 1:
		return errors.New("fetch-attempts must be at least 1")
	case c.MaxBodyBytes < 1024:
		return errors.New("fetch-max-bytes must be at least 1024")
	case c.AckWait < time.Second:
		return errors.New("fetch-ack-wait must be at least 1s")
	case c.MaxDeliver < 1:
		return errors.New("fetch-max-deliver must be at least 1")
	case c.ProxyMaxConns < 1:
		return errors.New("proxy-max-conns must be at least 1")
	case c.ProxyCooldown <= 0 || c.ProxyMaxCooldown < c.ProxyCooldown:
		return errors.New("proxy-cooldown must be positive and at most proxy-max-cooldown")
	case c.ProbeQuery == "":
		return errors.New("proxy-probe-query must not be empty")
	case c.RetryRatio < 0:
		return errors.New("fetch-retry-ratio must not be negative")
	case c.RetryBurst < 0:
		return errors.New("fetch-retry-burst must not be negative")
	case c.Backoff < 0 || c.MaxBackoff < c.Backoff:
		return errors.New("fetch-backoff must be at least 0 and at most fetch-max-backoff")
	case c.BreakerRatio <= 0 || c.BreakerRatio > 1:
		return errors.New("breaker-failure-ratio must be in (0,1]")
	case c.BreakerMinRequests < 1:
		return errors.New("breaker-min-requests must be at least 1")
	case c.BreakerWindow < time.Second:
		return errors.New("breaker-window must be at least 1s")
	case c.BreakerOpenFor <= 0:
		return errors.New("breaker-open-for must be positive")
	case c.BreakerProbes < 1:
		return errors.New("breaker-probes must be at least 1")
	case c.HostMaxConns < 0:
		return errors.New("host-max-conns must not be negative")
	case c.HostMinInterval < 0:
		return errors.New("host-min-interval must not be negative")
	}
	if _, err := parseProxies(c.Proxies); err != nil {
		return fmt.Errorf("proxies: %w", err)
	}
	if c.ScrapeMaxBytes < 1024 {
		return errors.New("scrape-max-bytes must be at least 1024")
	}
	if _, err := c.scrapePolicy(); err != nil {
		return err
	}
	return nil
}

// scrapePolicy is the SSRF policy the flags describe.
func (c *Config) scrapePolicy() (*target.Policy, error) {
	return target.FromFlags("scrape-ports", c.ScrapePorts, "scrape-allow", c.ScrapeAllow)
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}
