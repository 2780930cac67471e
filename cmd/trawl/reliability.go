package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/kit/logging"

	"github.com/trawl-dev/trawl/cmd/trawl/reliability"
)

// runReliability is `trawl reliability`: the reliability run against the simulator, printing
// its figures and failing when a target is missed.
func runReliability(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trawl reliability", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f reliability.Flags
	f.RegisterFlags(fs)
	fs.Usage = config.Usage(fs, "trawl reliability: the whole stack against the simulated engine with faults and bad proxies; prints success rate, latency, attempts, bad-proxy share, lost and late requests")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return &app.ConfigError{Err: fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	o, err := f.Options()
	if err != nil {
		return &app.ConfigError{Err: fmt.Errorf("--sim-proxies: %w", err)}
	}
	log, err := logging.New(stderr, f.Common.LogLevel, f.Common.LogFormat)
	if err != nil {
		return &app.ConfigError{Err: fmt.Errorf("--log-level or --log-format: %w", err)}
	}
	o.Log, o.Progress = log, stderr
	fmt.Fprintf(stderr, "reliability run: %d requests, %d in flight, proxies %v, faults 5xx %.0f%% 429 %.0f%% captcha %.0f%% hang %.0f%%\n",
		o.Requests, o.Concurrency, o.Proxies, 100*o.Sim.Error5xx, 100*o.Sim.Rate429, 100*o.Sim.CaptchaRate, 100*o.Sim.HangRate)
	start := time.Now()
	rep, err := reliability.Run(ctx, o)
	if err != nil {
		return err
	}
	rep.Print(stdout)
	if missed := rep.Missed(reliability.IssueTargets); f.Check && len(missed) > 0 {
		return fmt.Errorf("targets missed after %s: %s", time.Since(start).Round(time.Second), strings.Join(missed, "; "))
	}
	return nil
}
