// Package ingress is trawl's only HTTP face: it authenticates, validates and rate-limits
// requests, turns each into a NATS request on trawl.v1.search carrying its deadline, and maps
// the reply (or typed error) back to HTTP. It never fetches or parses.
package ingress

import (
	"errors"
	"flag"

	"github.com/trawl-dev/trawl/kit"
)

// Config is the ingress's configuration.
type Config struct {
	HTTPAddr string
	// MaxBodyBytes bounds a POST body; larger is a 413.
	MaxBodyBytes int
	// Deadlines are shared with the cache; the binary registers their flags once.
	Deadlines kit.Deadlines
}

// RegisterFlags adds the ingress's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address")
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", 64<<10, "largest POST body accepted, bytes")
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
	if c.HTTPAddr == "" {
		return errors.New("http-addr is required")
	}
	if c.MaxBodyBytes < 1024 {
		return errors.New("max-body-bytes must be at least 1024")
	}
	return c.Deadlines.Validate()
}
