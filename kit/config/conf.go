// Package config reads a process's configuration: flags with their TRAWL_* twins, and the
// settings every binary shares (NATS, Redis, logging, ops listener, memory, deadlines).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// EnvName is the TRAWL_* variable twin of a flag: --cache-ttl is TRAWL_CACHE_TTL.
func EnvName(flagName string) string {
	return "TRAWL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args into fs, then fills every flag not given on the command line from its
// TRAWL_* variable, so a flag always wins over the environment and both win over the default.
// -h prints the usage and returns flag.ErrHelp; any other mistake is one line naming the flag,
// with the closest known flag for a misspelt one, and never the whole usage.
func Parse(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		if usage != nil {
			usage()
		} else {
			fs.PrintDefaults()
		}
		return err
	}
	if err != nil {
		return explain(fs, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	err = nil
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(EnvName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", EnvName(f.Name), v, e)
			}
		}
	})
	return err
}

// explain turns the flag package's error into one line that names the flag, suggests the
// closest one for a misspelling and points at -h.
func explain(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	help := fmt.Sprintf("run '%s -h' for the list", fs.Name())
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		if near := Closest(fs, name); near != "" {
			return fmt.Errorf("unknown flag --%s: did you mean --%s? (%s)", name, near, help)
		}
		return fmt.Errorf("unknown flag --%s (%s)", name, help)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Errorf("flag --%s needs a value (%s)", strings.TrimLeft(name, "-"), help)
	}
	return fmt.Errorf("%s (%s)", strings.Replace(msg, "for flag -", "for flag --", 1), help)
}

// Closest is the defined flag nearest to name: a prefix match or an edit distance small for the
// name's length, "" when nothing is close enough to be a likely misspelling.
func Closest(fs *flag.FlagSet, name string) string {
	best, bestD := "", len(name)/3+2
	fs.VisitAll(func(f *flag.Flag) {
		d := distance(name, f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = min(d, 1)
		}
		if d < bestD || (d == bestD && best != "" && f.Name < best) {
			best, bestD = f.Name, d
		}
	})
	return best
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Usage prints each flag with its variable twin, for -h.
func Usage(fs *flag.FlagSet, summary string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "%s\n\nEvery flag can also be set by the TRAWL_* variable shown; the flag wins.\n\n", summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(out, "  --%s, %s%s\n      %s\n", f.Name, EnvName(f.Name), def, f.Usage)
		})
	}
}

// Common is the configuration every binary shares.
type Common struct {
	NATSURL   string
	RedisURL  string
	LogLevel  string
	LogFormat string
	OpsAddr   string
	// MemoryLimit is the Go runtime's soft memory limit in bytes (memlimit.Apply).
	MemoryLimit int64
}

// RegisterFlags adds the shared flags. opsDefault is the ops listener's default address
// ("" leaves it off).
func (c *Common) RegisterFlags(fs *flag.FlagSet, opsDefault string) {
	fs.StringVar(&c.NATSURL, "nats-url", "", "NATS server URL(s), comma-separated (all-in-one: empty runs an embedded server)")
	fs.StringVar(&c.RedisURL, "redis-url", "", "Redis URL (redis://host:port/db); empty uses in-process stores")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.Int64Var(&c.MemoryLimit, "memory-limit", 0, "Go soft memory limit, bytes (0: auto, the in-process cache's bound plus 80 MiB where there is one, and 8 MiB for an embedded archive; -1: off; GOMEMLIMIT wins)")
	fs.StringVar(&c.OpsAddr, "ops-addr", opsDefault, "address for /metrics, /healthz, /readyz and /debug/pprof (empty: off)")
}
