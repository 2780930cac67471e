package config

import (
	"errors"
	"flag"
	"time"
)

// Deadlines are the request deadline settings the ingress and the cache share.
type Deadlines struct {
	// Default is the deadline of a search that sets no timeout_ms.
	Default time.Duration
	// Max caps timeout_ms.
	Max time.Duration
}

// RegisterFlags adds the deadline flags (once per binary: several stages read them).
func (d *Deadlines) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&d.Default, "search-timeout", 20*time.Second, "deadline of a search that sets no timeout_ms")
	fs.DurationVar(&d.Max, "max-timeout", 60*time.Second, "largest timeout_ms a client may ask for")
}

// Validate checks the deadlines.
func (d Deadlines) Validate() error {
	if d.Default <= 0 || d.Max < d.Default {
		return errors.New("search-timeout must be positive and at most max-timeout")
	}
	return nil
}

// MaxMS is Max in milliseconds.
func (d Deadlines) MaxMS() int { return int(d.Max / time.Millisecond) }

// For returns the deadline of a request received at now asking for timeoutMS (0: default).
func (d Deadlines) For(now time.Time, timeoutMS int) time.Time {
	t := d.Default
	if timeoutMS > 0 {
		t = time.Duration(timeoutMS) * time.Millisecond
	}
	if t > d.Max {
		t = d.Max
	}
	return now.Add(t)
}
