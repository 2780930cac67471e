// Package parser is trawl's parse stage: it pulls fetched pages from JetStream, parses each with
// its engine (package engines), and publishes the typed result (or typed failure) to the
// requesters. Parsing is CPU-bound, so this stage scales apart from the I/O-bound fetchers.
package parser

import (
	"errors"
	"flag"
	"runtime"
	"time"
)

// Config is the parse stage's configuration.
type Config struct {
	// Concurrency is the number of pages parsed at once (CPU-bound: about the core count).
	Concurrency int
	// MaxAckPending bounds the unacked pages across every parser on the consumer.
	MaxAckPending int
	AckWait       time.Duration
	MaxDeliver    int
}

// RegisterFlags adds the parse stage's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Concurrency, "parse-concurrency", 2*runtime.GOMAXPROCS(0), "pages parsed at once")
	fs.IntVar(&c.MaxAckPending, "parse-max-ack-pending", 4096, "unacked pages across all parsers (the consumer's MaxAckPending)")
	fs.DurationVar(&c.AckWait, "parse-ack-wait", 30*time.Second, "time a parser holds a page before it is redelivered")
	fs.IntVar(&c.MaxDeliver, "parse-max-deliver", 3, "deliveries of a page before it is given up")
}

// Validate checks the configuration before anything connects.
func (c *Config) Validate() error {
	switch {
	case c.MaxAckPending < c.Concurrency:
		return errors.New("parse-max-ack-pending must be at least parse-concurrency")
	case c.Concurrency < 1:
		return errors.New("parse-concurrency must be at least 1")
	case c.AckWait < time.Second:
		return errors.New("parse-ack-wait must be at least 1s")
	case c.MaxDeliver < 1:
		return errors.New("parse-max-deliver must be at least 1")
	}
	return nil
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}
