package reliability

import (
	"flag"
	"slices"
	"strings"

	"github.com/trawl-dev/trawl/kit/config"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/services/cache"
	"github.com/trawl-dev/trawl/services/fetcher"
	"github.com/trawl-dev/trawl/services/parser"
	"github.com/trawl-dev/trawl/sim"
)

// Flags are `trawl reliability`'s settings: the run's own, the simulator's, and those of the
// stack that a run carries over into the stack it builds. What the run decides itself (every
// listen address, the NATS server, the fetcher's proxy list, the stream limits, Redis) has no
// flag here, so passing one is an unknown flag rather than a setting silently ignored.
type Flags struct {
	Run Options
	// Check fails the command when a target is missed.
	Check bool
	// Common holds the log level and format; its other settings have no flag here.
	Common    config.Common
	Fetcher   fetcher.Config
	Parser    parser.Config
	Cache     cache.Config
	Deadlines config.Deadlines
}

// RegisterFlags adds the flags. Their defaults are DefaultOptions' (the faults and
// proxies), quiet logs, and each stage's own, as in the stack a run builds.
func (f *Flags) RegisterFlags(fs *flag.FlagSet) {
	f.Run = DefaultOptions()
	o := &f.Run
	fs.IntVar(&o.Requests, "requests", o.Requests, "distinct queries to send")
	fs.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "requests in flight at once")
	fs.DurationVar(&o.Timeout, "timeout", 0, "each request's deadline (0: --search-timeout)")
	fs.IntVar(&o.WarmUp, "warm-up", o.WarmUp, "answered requests before bad-proxy attempts are counted")
	fs.BoolVar(&o.KillFetcher, "kill-fetcher", o.KillFetcher, "run a second fetcher and kill it halfway")
	fs.BoolVar(&f.Check, "check", true, "exit non-zero when a target is missed (99.9% success, <2% bad-proxy attempts, none lost or late)")

	logs := adopt(fs, func(s *flag.FlagSet) { f.Common.RegisterFlags(s, "") }, only("log-level", "log-format"))
	f.Common.LogLevel = "error"
	// The run listens on a free port of its own.
	want := o.Sim
	sims := adopt(fs, o.Sim.RegisterFlags, except("sim-addr"))
	o.Sim = want // registering set the simulator's well-behaved defaults
	o.Sim.Proxies = strings.Join(o.Proxies, ",")
	for _, fl := range append(logs, sims...) {
		fl.DefValue = fl.Value.String()
	}

	// The fetchers go through the simulated proxies the run starts; --proxies would name others.
	// The run sends searches only: the scrape settings would change nothing.
	adopt(fs, f.Fetcher.RegisterFlags, except("proxies", "scrape-max-bytes", "scrape-ports", "scrape-allow"))
	adopt(fs, f.Parser.RegisterFlags, nil)
	// The cache keeps its entries in memory: its Redis settings would change nothing.
	adopt(fs, f.Cache.RegisterFlags, except("cache-lock-ttl", "cache-redis-timeout", "cache-redis-skip"))
	adopt(fs, f.Deadlines.RegisterFlags, nil)
}

// Options is the run the flags describe; the caller sets Log and Progress.
func (f *Flags) Options() (Options, error) {
	o := f.Run
	kinds, err := sim.ParseProxyKinds(o.Sim.Proxies)
	if err != nil {
		return o, err
	}
	o.Proxies, o.Sim.Proxies = kinds, "" // the run starts them itself, to count their traffic
	fc, pc, cc, dl := f.Fetcher, f.Parser, f.Cache, f.Deadlines
	o.Stack = func(c *stack.Config) {
		fetch := fc
		fetch.Proxies = c.Fetcher.Proxies
		c.Fetcher, c.Parser, c.Cache, c.Deadlines = fetch, pc, cc, dl
	}
	return o, nil
}

// adopt registers a group's flags into fs, those keep accepts (nil: all), bound to the same
// variables, and returns them: the group's RegisterFlags stays the one place its names,
// defaults and usage live.
func adopt(fs *flag.FlagSet, register func(*flag.FlagSet), keep func(name string) bool) []*flag.Flag {
	scratch := flag.NewFlagSet("", flag.ContinueOnError)
	register(scratch)
	var out []*flag.Flag
	scratch.VisitAll(func(fl *flag.Flag) {
		if keep == nil || keep(fl.Name) {
			fs.Var(fl.Value, fl.Name, fl.Usage)
			out = append(out, fs.Lookup(fl.Name))
		}
	})
	return out
}

func only(names ...string) func(string) bool {
	return func(n string) bool { return slices.Contains(names, n) }
}

func except(names ...string) func(string) bool {
	return func(n string) bool { return !slices.Contains(names, n) }
}
