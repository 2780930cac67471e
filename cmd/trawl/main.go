// Command trawl is the all-in-one binary: every stage in one process on an embedded NATS
// server (trawl serve), the simulated engine (trawl sim), and both together (trawl demo).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/kit/lifecycle"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/memlimit"
	"github.com/trawl-dev/trawl/kit/ops"
	"github.com/trawl-dev/trawl/kit/version"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/sim"
)

const usage = `trawl: a self-hosted search-results API.

Usage:
  trawl serve [flags]   run every stage in one process (embedded NATS, in-process cache)
  trawl demo  [flags]   trawl serve plus the simulated engine, wired together (works offline)
  trawl sim   [flags]   run only the simulated engine
  trawl reliability [flags]  the reliability run: the stack against a faulty simulator and bad proxies
  trawl mcp   [flags]   MCP tools (search, scrape, get_search) over stdio, asking a running trawl
  trawl load  [flags]   load generator: closed or open loop over HTTP or NATS, HDR latency summary
  trawl version         the build: version, commit, Go version (also --version)
  trawl help            this text; "trawl CMD -h" lists a command's flags

Every flag has a TRAWL_* twin: --cache-ttl is TRAWL_CACHE_TTL. The flag wins.
`

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "trawl:", err)
	if app.IsConfigError(err) {
		os.Exit(app.ExitConfig)
	}
	os.Exit(app.ExitFailed)
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &app.ConfigError{Err: errors.New("no command given")}
	}
	ctx := context.Background()
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr, false)
	case "demo":
		return serve(ctx, args[1:], stderr, true)
	case "sim":
		return runSim(ctx, args[1:], stderr)
	case "mcp":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runMCP(ctx, args[1:], os.Stdin, stdout, stderr)
	case "reliability", "load":
		// Bounded runs: a signal cuts them short and they report what they measured.
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		if args[0] == "load" {
			return runLoad(ctx, args[1:], stdout, stderr)
		}
		return runReliability(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "trawl", version.Get())
		return nil
	}
	return &app.ConfigError{Err: unknownCommand(args[0])}
}

// commands are what run dispatches on, for the suggestion after a mistyped one.
var commands = []string{"serve", "demo", "sim", "mcp", "reliability", "load", "version", "help"}

// unknownCommand is one line naming what was typed and the nearest command (or --version),
// instead of the whole usage text with the error at its end.
func unknownCommand(arg string) error {
	what, name := "command", arg
	if strings.HasPrefix(arg, "-") {
		what, name = "flag", strings.TrimLeft(arg, "-")
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	for _, c := range commands {
		fs.Bool(c, false, "")
	}
	near := config.Closest(fs, name)
	switch {
	case near == "":
		return fmt.Errorf("unknown %s %q (run 'trawl help' for the commands)", what, arg)
	case what == "flag" && (near == "version" || near == "help"):
		return fmt.Errorf("unknown %s %q: did you mean --%s? (run 'trawl help' for the commands)", what, arg, near)
	}
	return fmt.Errorf("unknown %s %q: did you mean 'trawl %s'? (run 'trawl help' for the commands)", what, arg, near)
}

// parseFlags parses args into fs with TRAWL_* twins; a bad flag is a ConfigError (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := config.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &app.ConfigError{Err: err}
	}
	return nil
}

func serve(ctx context.Context, args []string, stderr io.Writer, demo bool) error {
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := flag.NewFlagSet("trawl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg stack.Config
	cfg.RegisterFlags(fs)
	var simCfg sim.Config
	if demo {
		simCfg.RegisterFlags(fs)
	}
	fs.Usage = config.Usage(fs, "trawl "+name)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	// Every setting is checked before anything listens, the simulator included.
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, _ := logging.New(stderr, cfg.Common.LogLevel, cfg.Common.LogFormat) // validated
	memlimit.Apply(cfg.Common.MemoryLimit, cfg.MemoryAuto(), log)
	var s *sim.Server
	if demo {
		s = sim.New(simCfg, log.With("service", "sim"))
		if err := s.Start(); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		defer s.Close()
		// Every engine points at the simulator, so every engine and metasearch work offline;
		// an --engine-urls entry of the user's own comes last and wins.
		cfg.EngineURLs = strings.Trim(s.EngineURLs()+","+cfg.EngineURLs, ",")
		// Scrapes may reach the simulator's address (host and port) and nothing else inside
		// the network: not trawl's own ports on the same host.
		if cfg.Fetcher.ScrapeAllow == "" {
			cfg.Fetcher.ScrapeAllow = strings.TrimPrefix(s.URL(), "http://")
		}
		// Simulated proxies (--sim-proxies) become the fetcher's pool unless one was given.
		if urls := s.Proxies().URLs(); len(urls) > 0 && cfg.Fetcher.Proxies == "" {
			cfg.Fetcher.Proxies = strings.Join(urls, ",")
		}
	}
	// A signal while starting (waiting for an external --nats-url, say) ends the start.
	st, stopped, err := stack.StartCatchingSignals(ctx, cfg, log, ops.NewRegistry())
	if err != nil {
		return err
	}
	if stopped {
		return st.Stop()
	}
	log.Info("trawl ready", "http", "http://"+st.HTTPAddr(), "nats", st.NATSURL())
	if demo {
		fmt.Fprintf(stderr, "\ntrawl demo is up, every engine simulated offline (%s). Try:\n", strings.Join(sim.Engines(), ", "))
		fmt.Fprintf(stderr, "  curl -s 'http://%s/v1/search?q=golang' | head -c 600\n", st.HTTPAddr())
		fmt.Fprintf(stderr, "  curl -s 'http://%s/v1/search?q=golang&engine=google&page=2' | head -c 600\n", st.HTTPAddr())
		fmt.Fprintf(stderr, "  curl -s 'http://%s/v1/search?q=golang&engine=duckduckgo,bing,google' | head -c 600\n", st.HTTPAddr())
		fmt.Fprintf(stderr, "  curl -s 'http://%s/v1/scrape?url=%s/pages/article' | head -c 600\n", st.HTTPAddr(), s.URL())
		if e := st.Embedded(); e != nil && e.ClientPasswordFile() != "" {
			fmt.Fprintf(stderr, "  nats req -s %s --user client --password \"$(cat %s)\" trawl.v1.search '{\"q\":\"golang\"}'\n",
				st.NATSURL(), e.ClientPasswordFile())
		}
		fmt.Fprintln(stderr)
	}
	err = st.Wait(ctx, true)
	if cerr := st.Stop(); err == nil {
		err = cerr
	}
	if err == nil {
		log.Info("stopped")
	}
	return err
}

func runSim(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("trawl sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg sim.Config
	cfg.RegisterFlags(fs)
	logLevel := fs.String("log-level", "info", "log level")
	fs.Usage = config.Usage(fs, "trawl sim: a simulated search engine serving every engine's result layout (under /<engine>/), with injectable faults")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := logging.New(stderr, *logLevel, "json")
	if err != nil {
		return &app.ConfigError{Err: fmt.Errorf("--log-level: %w", err)}
	}
	s := sim.New(cfg, log.With("service", "sim"))
	g := lifecycle.Group{Log: log, Signals: true}
	g.Add("sim", lifecycle.Func{StartFunc: func(context.Context) error { return s.Start() }, StopFunc: s.Close})
	return g.Run(ctx)
}
