// Package fetcher is trawl's fetch stage: it pulls fetch jobs from JetStream with a bounded
// number in flight, fetches each engine's page inside the job's deadline, and hands the page to
// the parse stream. A job is acked only once its page (or its typed failure) is published.
package fetcher

import (
	"errors"
	"flag"
	"time"
)

// Config is the fetch stage's configuration.
type Config struct {
	// Concurrency is the number of jobs one fetcher works on at once, and the consumer's
	// MaxAckPending: the backpressure bound.
	Concurrency int
	// AttemptTimeout bounds one upstream attempt.
	AttemptTimeout time.Duration
	// MaxAttempts bounds attempts per job (inside the job's deadline).
	MaxAttempts int
	// MaxBodyBytes caps a page; a larger one is a failure.
	MaxBodyBytes int64
	AckWait      time.Duration
	MaxDeliver   int
	// EngineURLs overrides engines' base URLs: "duckduckgo=http://127.0.0.1:9300,bing=…".
	EngineURLs string
}

// RegisterFlags adds the fetch stage's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Concurrency, "fetch-concurrency", 64, "jobs a fetcher works on at once (the consumer's max unacked jobs)")
	fs.DurationVar(&c.AttemptTimeout, "fetch-timeout", 10*time.Second, "timeout of one upstream attempt")
	fs.IntVar(&c.MaxAttempts, "fetch-attempts", 3, "upstream attempts per job, inside its deadline")
	fs.Int64Var(&c.MaxBodyBytes, "fetch-max-bytes", 4<<20, "largest page accepted, bytes")
	fs.DurationVar(&c.AckWait, "fetch-ack-wait", 30*time.Second, "time a fetcher holds a job without a progress signal before it is redelivered")
	fs.IntVar(&c.MaxDeliver, "fetch-max-deliver", 3, "deliveries of a job before it goes to the dead-letter subject")
	fs.StringVar(&c.EngineURLs, "engine-urls", "", "engine base URLs, name=url,… (replaces scheme and host only)")
}

// Validate checks the configuration before anything connects.
func (c *Config) Validate() error {
	switch {
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
	}
	return nil
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}
