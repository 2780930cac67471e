// Package parser is trawl's parse stage: it pulls fetched pages from JetStream, parses each with
// its engine (package engines), and publishes the typed result (or typed failure) to the
// requesters. Parsing is CPU-bound, so this stage scales apart from the I/O-bound fetchers.
package parser

import (
	"errors"
	"flag"
	"runtime"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// Config is the parse stage's configuration.
type Config struct {
	// Concurrency is the number of pages parsed at once (CPU-bound: about the core count).
	Concurrency int
	// MaxAckPending bounds the unacked pages across every parser on the consumer.
	MaxAckPending int
	AckWait       time.Duration
	MaxDeliver    int

	// The silent-empty alarm (health.go): SuspectRun suspect pages in a row make an engine
	// degraded (0: off); Collapse is the share of its baseline below which a page's yield is
	// suspect; DegradedAnswer is what a suspect page is answered with while its engine is
	// degraded (schemas.DegradedWarn or schemas.DegradedFail).
	SuspectRun     int
	Collapse       float64
	DegradedAnswer string
}

// RegisterFlags adds the parse stage's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Concurrency, "parse-concurrency", 2*runtime.GOMAXPROCS(0), "pages parsed at once (in one process, those its fetchers hand over too)")
	fs.IntVar(&c.MaxAckPending, "parse-max-ack-pending", 4096, "unacked pages across all parsers (the consumer's MaxAckPending)")
	fs.DurationVar(&c.AckWait, "parse-ack-wait", 30*time.Second, "time a parser holds a page before it is redelivered")
	fs.IntVar(&c.MaxDeliver, "parse-max-deliver", 3, "deliveries of a page before it is given up")
	fs.IntVar(&c.SuspectRun, "health-suspect-run", 5, "suspect pages in a row (no results without the no-results marker, or a yield collapsed against the engine's baseline) that make an engine degraded; as many healthy pages in a row clear it (0: alarm off)")
	fs.Float64Var(&c.Collapse, "health-collapse", 0.5, "a page is suspect when its organic count (on a page that says more follow) or its share of results with title, URL and snippet falls below this fraction of the engine's baseline")
	fs.StringVar(&c.DegradedAnswer, "degraded-answer", schemas.DegradedEmpty, "what a suspect page is answered with while its engine is degraded: empty (502 degraded for a page with no results, the page with a warning otherwise), warn (the page, with a warning) or fail (502 degraded)")
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
	case c.SuspectRun < 0 || c.SuspectRun > 1000:
		return errors.New("health-suspect-run must be 0 (off) to 1000")
	case !(c.Collapse > 0 && c.Collapse < 1):
		return errors.New("health-collapse must be above 0 and below 1")
	case c.DegradedAnswer != schemas.DegradedEmpty && c.DegradedAnswer != schemas.DegradedWarn && c.DegradedAnswer != schemas.DegradedFail:
		return errors.New("degraded-answer must be empty, warn or fail")
	}
	return nil
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}
