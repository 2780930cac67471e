// Package config reads a process's configuration: flags with their TRAWL_* twins, and the
// settings every binary shares (NATS, Redis, logging, ops listener, memory, deadlines).
package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// EnvName is the TRAWL_* variable twin of a flag: --cache-ttl is TRAWL_CACHE_TTL.
func EnvName(flagName string) string {
	return "TRAWL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args into fs, then fills every flag not given on the command line from its
// TRAWL_* variable, so a flag always wins over the environment and both win over the default.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
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
	fs.Int64Var(&c.MemoryLimit, "memory-limit", 0, "Go soft memory limit, bytes (0: auto, the in-process cache's bound plus 80 MiB where there is one; -1: off; GOMEMLIMIT wins)")
	fs.StringVar(&c.OpsAddr, "ops-addr", opsDefault, "address for /metrics, /healthz, /readyz and /debug/pprof (empty: off)")
}
