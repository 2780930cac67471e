// Package ingress is trawl's only HTTP face: it authenticates, validates and rate-limits
// requests, turns each into a NATS request on trawl.v1.search carrying its deadline, and maps
// the reply (or typed error) back to HTTP. It never fetches or parses.
package ingress

import (
	"errors"
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/schemas"
)

// Config is the ingress's configuration.
type Config struct {
	HTTPAddr string
	// MaxBodyBytes bounds a POST body; larger is a 413.
	MaxBodyBytes int
	// Deadlines are shared with the cache; the binary registers their flags once.
	Deadlines config.Deadlines

	// KeysFile names the tenants-and-keys JSON file (keys.go); empty is open access.
	KeysFile string
	// RateLimitFailClosed answers 503 while the shared limiter (Redis) is unreachable, instead
	// of falling back to each replica's own in-process limits.
	RateLimitFailClosed bool
	// IPRate and IPBurst limit each client address under open access (no keys file); 0 is off.
	IPRate  float64
	IPBurst int
	// NearCacheTTL and NearCacheBytes bound the near cache (nearcache.go); 0 turns it off.
	NearCacheTTL   time.Duration
	NearCacheBytes int64
	// CORSOrigins is "" (no CORS headers), "*", or a comma-separated list of allowed origins.
	CORSOrigins string
	// MaxConnsPerIP caps the open connections from one client address (0: no cap), so one
	// client cannot hold every connection the process can serve.
	MaxConnsPerIP int
	// SearXNGEngines are the engines a SearXNG-dialect search asks when it names none.
	SearXNGEngines string
}

// RegisterFlags adds the ingress's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address")
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", 64<<10, "largest POST body accepted, bytes")
	fs.StringVar(&c.KeysFile, "keys-file", "", "tenants and API keys, JSON (re-read on SIGHUP); empty: open access")
	fs.BoolVar(&c.RateLimitFailClosed, "rate-limit-fail-closed", false, "answer 503 while Redis is down instead of limiting per replica")
	fs.Float64Var(&c.IPRate, "ip-rate-limit", 0, "open access only: requests per second per client IP (0: off)")
	fs.IntVar(&c.IPBurst, "ip-burst", 20, "open access only: burst per client IP")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", 1024, "open connections from one client address at most (0: no cap; behind a proxy every client shares its address)")
	fs.DurationVar(&c.NearCacheTTL, "near-cache-ttl", time.Second, "keep fresh answers of hot queries in the ingress this long, skipping the trip to the cache service (0: off)")
	fs.Int64Var(&c.NearCacheBytes, "near-cache-bytes", 8<<20, "memory bound of the ingress's near cache, bytes (the client dialects' rewritten answers take a quarter more)")
	fs.StringVar(&c.SearXNGEngines, "searxng-engines", "duckduckgo,bing,google", "engines a SearXNG client's search asks when it names none (a metasearch)")
	fs.StringVar(&c.CORSOrigins, "cors-origins", "", `origins allowed by CORS: "*" or a comma-separated list (empty: no CORS)`)
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	c.Deadlines.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// Validate checks the configuration before anything listens.
func (c *Config) Validate() error {
	switch {
	case c.HTTPAddr == "":
		return errors.New("http-addr is required")
	case c.MaxBodyBytes < 1024:
		return errors.New("max-body-bytes must be at least 1024")
	case c.NearCacheTTL < 0 || c.NearCacheBytes < 0:
		return errors.New("near-cache-ttl and near-cache-bytes must be zero or more")
	case c.IPRate < 0:
		return errors.New("ip-rate-limit must be zero or more")
	case c.MaxConnsPerIP < 0:
		return errors.New("max-conns-per-ip must be zero or more")
	case c.IPRate > 0 && c.IPBurst < 1:
		return errors.New("ip-burst must be at least 1")
	}
	if n := strings.Split(c.SearXNGEngines, ","); c.SearXNGEngines == "" || len(n) > schemas.MaxEngines {
		return errors.New("searxng-engines: one to " + strconv.Itoa(schemas.MaxEngines) + " engine names, comma-separated")
	}
	for _, o := range strings.Split(c.CORSOrigins, ",") {
		o = strings.TrimSpace(o)
		if o != "" && o != "*" && !strings.Contains(o, "://") {
			return errors.New("cors-origins: " + o + " is not an origin (scheme://host[:port]) or *")
		}
	}
	return c.Deadlines.Validate()
}
