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

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/testkit/sim"
)

const usage = `trawl: a self-hosted search-results API.

Usage:
  trawl serve [flags]   run every stage in one process (embedded NATS, in-process cache)
  trawl demo  [flags]   trawl serve plus the simulated engine, wired together (works offline)
  trawl sim   [flags]   run only the simulated engine
  trawl reliability [flags]  the reliability run: the stack against a faulty simulator and bad proxies
  trawl load  [flags]   load generator: closed or open loop over HTTP or NATS, HDR latency summary
  trawl help            this text; "trawl CMD -h" lists a command's flags

Every flag has a TRAWL_* twin: --cache-ttl is TRAWL_CACHE_TTL. The flag wins.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "trawl:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr, false)
	case "demo":
		return serve(ctx, args[1:], stderr, true)
	case "sim":
		return runSim(ctx, args[1:], stderr)
	case "reliability":
		return runReliability(ctx, args[1:], stdout, stderr)
	case "load":
		return runLoad(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
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
	fs.Usage = kit.Usage(fs, "trawl "+name)
	if err := kit.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := kit.NewLogger(stderr, cfg.Common.LogLevel, cfg.Common.LogFormat)
	if err != nil {
		return err
	}
	kit.ApplyMemoryLimit(cfg.Common.MemoryLimit, cfg.MemoryAuto(), log)
	if demo {
		s := sim.New(simCfg, log.With("service", "sim"))
		if err := s.Start(); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		defer s.Close()
		if cfg.Fetcher.EngineURLs != "" {
			cfg.Fetcher.EngineURLs += ","
		}
		cfg.Fetcher.EngineURLs += "duckduckgo=" + s.URL()
		// Simulated proxies (--sim-proxies) become the fetcher's pool unless one was given.
		if urls := s.Proxies().URLs(); len(urls) > 0 && cfg.Fetcher.Proxies == "" {
			cfg.Fetcher.Proxies = strings.Join(urls, ",")
		}
	}
	st, err := stack.Start(ctx, cfg, log, kit.NewRegistry())
	if err != nil {
		return err
	}
	log.Info("trawl ready", "http", "http://"+st.HTTPAddr(), "nats", st.NATSURL())
	if demo {
		fmt.Fprintf(stderr, "\ntrawl demo is up. Try:\n  curl -s 'http://%s/v1/search?q=golang' | head -c 600\n\n", st.HTTPAddr())
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			st.Reload() // logs its own outcome; the keys in force stay on error
		case <-ctx.Done():
			log.Info("stopping")
			st.Close()
			return nil
		}
	}
}

func runSim(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("trawl sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg sim.Config
	cfg.RegisterFlags(fs)
	logLevel := fs.String("log-level", "info", "log level")
	fs.Usage = kit.Usage(fs, "trawl sim: a simulated search engine (DuckDuckGo-HTML-shaped pages) with injectable faults")
	if err := kit.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := kit.NewLogger(stderr, *logLevel, "json")
	if err != nil {
		return err
	}
	s := sim.New(cfg, log.With("service", "sim"))
	if err := s.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	s.Close()
	return nil
}
