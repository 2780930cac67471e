package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/kit/logging"

	"github.com/trawl-dev/trawl/cmd/trawl/reliability"
	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/sim"
)

// runReliability is `trawl reliability`: the reliability run against the simulator, printing
// its figures and failing when a target is missed.
func runReliability(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trawl reliability", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := reliability.DefaultOptions()
	fs.IntVar(&o.Requests, "requests", o.Requests, "distinct queries to send")
	fs.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "requests in flight at once")
	fs.DurationVar(&o.Timeout, "timeout", 0, "each request's deadline (0: --search-timeout)")
	fs.IntVar(&o.WarmUp, "warm-up", o.WarmUp, "answered requests before bad-proxy attempts are counted")
	fs.BoolVar(&o.KillFetcher, "kill-fetcher", o.KillFetcher, "run a second fetcher and kill it halfway")
	check := fs.Bool("check", true, "exit non-zero when a target is missed (99.9% success, <2% bad-proxy attempts, none lost or late)")
	var cfg stack.Config
	cfg.RegisterFlags(fs)
	o.Sim.RegisterFlags(fs)
	// The run's own defaults: the issue's faults and proxy list, quiet logs.
	for name, v := range map[string]string{
		"sim-5xx-rate": "0.30", "sim-429-rate": "0.10", "sim-captcha-rate": "0.05", "sim-hang-rate": "0.02",
		"sim-retry-after": "1s", "sim-proxies": strings.Join(o.Proxies, ","), "log-level": "error",
	} {
		f := fs.Lookup(name)
		f.Value.Set(v)
		f.DefValue = v
	}
	fs.Usage = config.Usage(fs, "trawl reliability: the whole stack against the simulated engine with faults and bad proxies; prints success rate, latency, attempts, bad-proxy share, lost and late requests")
	if err := config.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	kinds, err := sim.ParseProxyKinds(o.Sim.Proxies)
	if err != nil {
		return err
	}
	o.Proxies, o.Sim.Proxies = kinds, "" // the run starts them itself, to count their traffic
	log, err := logging.New(stderr, cfg.Common.LogLevel, cfg.Common.LogFormat)
	if err != nil {
		return err
	}
	o.Log, o.Progress = log, stderr
	o.Stack = func(c *stack.Config) {
		f := cfg.Fetcher
		f.Proxies = c.Fetcher.Proxies
		c.Fetcher, c.Parser, c.Cache, c.Deadlines = f, cfg.Parser, cfg.Cache, cfg.Deadlines
	}
	fmt.Fprintf(stderr, "reliability run: %d requests, %d in flight, proxies %v, faults 5xx %.0f%% 429 %.0f%% captcha %.0f%% hang %.0f%%\n",
		o.Requests, o.Concurrency, o.Proxies, 100*o.Sim.Error5xx, 100*o.Sim.Rate429, 100*o.Sim.CaptchaRate, 100*o.Sim.HangRate)
	start := time.Now()
	rep, err := reliability.Run(ctx, o)
	if err != nil {
		return err
	}
	rep.Print(stdout)
	if missed := rep.Missed(reliability.IssueTargets); *check && len(missed) > 0 {
		return fmt.Errorf("targets missed after %s: %s", time.Since(start).Round(time.Second), strings.Join(missed, "; "))
	}
	return nil
}
