// Package cache is trawl's cache stage: it answers trawl.v1.search from stored results, and on
// a miss publishes one fetch job per key, across every replica, and answers every waiting
// requester when the result comes back. README.md in this directory describes the cache key,
// the freshness rules and the Redis deployment.
package cache

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/kit/config"
)

// Config is the cache stage's configuration.
type Config struct {
	// TTL is how long an entry is fresh, for engines EngineTTLs does not name.
	TTL        time.Duration
	EngineTTLs EngineTTLs
	// StaleWhileRevalidate is how long past its TTL an entry is still served at once while one
	// background fetch refreshes it.
	StaleWhileRevalidate time.Duration
	// StaleIfError is how long past its TTL an entry is served when the upstream fails.
	StaleIfError time.Duration
	// MaxBytes bounds the in-process store.
	MaxBytes int64
	// LockTTL is the lifetime of the Redis lock that elects the one replica fetching a key; the
	// holder refreshes it, so it only bounds how long a dead holder strands the key.
	LockTTL time.Duration
	// RedisTimeout bounds one Redis operation; RedisSkip is how long Redis is bypassed after
	// it fails, before one request probes it again.
	RedisTimeout time.Duration
	RedisSkip    time.Duration
	// Deadlines are shared with the ingress; the binary registers their flags once.
	Deadlines config.Deadlines
	// Workers bounds the requests the stage handles at once; past it, requests get 503.
	Workers int
}

// RegisterFlags adds the cache stage's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.TTL, "cache-ttl", time.Hour, "how long a result is fresh (engines not named in --cache-ttl-engines)")
	fs.Var(&c.EngineTTLs, "cache-ttl-engines", `per-engine freshness, name=duration,… (e.g. "google=30m,bing=1h")`)
	fs.DurationVar(&c.StaleWhileRevalidate, "cache-stale-while-revalidate", time.Minute, "how long past its TTL an entry is served at once while one background fetch refreshes it (0: off)")
	fs.DurationVar(&c.StaleIfError, "cache-stale-if-error", time.Hour, "how long past its TTL an entry is served when the engine fails (0: off)")
	fs.Int64Var(&c.MaxBytes, "cache-max-bytes", 16<<20, "in-process store size bound, bytes")
	fs.DurationVar(&c.LockTTL, "cache-lock-ttl", 5*time.Second, "lifetime of the Redis lock electing the replica that fetches a key (refreshed while the fetch lives)")
	fs.DurationVar(&c.RedisTimeout, "cache-redis-timeout", 250*time.Millisecond, "timeout of one Redis operation")
	fs.DurationVar(&c.RedisSkip, "cache-redis-skip", 2*time.Second, "how long Redis is bypassed after it fails before it is tried again")
	fs.IntVar(&c.Workers, "cache-workers", 8192, "searches handled at once by one cache replica before it answers 503")
}

// Validate checks the configuration before anything connects.
func (c *Config) Validate() error {
	switch {
	case c.TTL <= 0:
		return errors.New("cache-ttl must be positive")
	case c.StaleWhileRevalidate < 0 || c.StaleIfError < 0:
		return errors.New("cache-stale-while-revalidate and cache-stale-if-error must not be negative")
	case c.MaxBytes < 1<<20:
		return errors.New("cache-max-bytes must be at least 1 MiB")
	case c.LockTTL < 100*time.Millisecond:
		return errors.New("cache-lock-ttl must be at least 100ms")
	case c.RedisTimeout <= 0 || c.RedisTimeout > 10*time.Second:
		return errors.New("cache-redis-timeout must be between 0 and 10s")
	case c.RedisSkip < 10*time.Millisecond:
		return errors.New("cache-redis-skip must be at least 10ms")
	case c.Deadlines.Validate() != nil:
		return c.Deadlines.Validate()
	case c.Workers < 1:
		return errors.New("cache-workers must be at least 1")
	}
	return nil
}

// ttl is how long an engine's entries are fresh.
func (c *Config) ttl(engine string) time.Duration {
	if d, ok := c.EngineTTLs[engine]; ok {
		return d
	}
	return c.TTL
}

// retention is how long an engine's entries are kept: fresh, then servable as stale.
func (c *Config) retention(engine string) time.Duration {
	return c.ttl(engine) + max(c.StaleWhileRevalidate, c.StaleIfError)
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	c.Deadlines.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// EngineTTLs maps engine names to their freshness; it is a flag.Value read as
// "name=duration,name=duration".
type EngineTTLs map[string]time.Duration

func (e *EngineTTLs) String() string {
	if e == nil || len(*e) == 0 {
		return ""
	}
	parts := make([]string, 0, len(*e))
	for _, name := range slices.Sorted(maps.Keys(*e)) {
		parts = append(parts, name+"="+(*e)[name].String())
	}
	return strings.Join(parts, ",")
}

// Set replaces the map with the parsed spec; an empty spec clears it.
func (e *EngineTTLs) Set(spec string) error {
	m := EngineTTLs{}
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, raw, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return fmt.Errorf("%q: want engine=duration", part)
		}
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil || d <= 0 {
			return fmt.Errorf("%q: want a positive duration such as 30m", part)
		}
		if _, dup := m[name]; dup {
			return fmt.Errorf("engine %q named twice", name)
		}
		m[name] = d
	}
	*e = m
	return nil
}
