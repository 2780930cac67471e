// Package cache is trawl's cache stage: it answers trawl.v1.search from stored results, and on
// a miss publishes one fetch job per key to JetStream and answers every waiting requester when
// the result comes back.
package cache

import (
	"errors"
	"flag"
	"time"

	"github.com/trawl-dev/trawl/kit"
)

// Config is the cache stage's configuration.
type Config struct {
	TTL time.Duration
	// MaxBytes bounds the in-process store.
	MaxBytes int64
	// Deadlines are shared with the ingress; the binary registers their flags once.
	Deadlines kit.Deadlines
	// Workers bounds the requests the stage handles at once; past it, requests get 503.
	Workers int
}

// RegisterFlags adds the cache stage's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.TTL, "cache-ttl", time.Hour, "how long a result is served from cache")
	fs.Int64Var(&c.MaxBytes, "cache-max-bytes", 256<<20, "in-process store size bound, bytes")
	fs.IntVar(&c.Workers, "cache-workers", 8192, "searches handled at once by one cache replica before it answers 503")
}

// Validate checks the configuration before anything connects.
func (c *Config) Validate() error {
	switch {
	case c.TTL <= 0:
		return errors.New("cache-ttl must be positive")
	case c.MaxBytes < 1<<20:
		return errors.New("cache-max-bytes must be at least 1 MiB")
	case c.Deadlines.Validate() != nil:
		return c.Deadlines.Validate()
	case c.Workers < 1:
		return errors.New("cache-workers must be at least 1")
	}
	return nil
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	c.Deadlines.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}
