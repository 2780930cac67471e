package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/config"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
)

// runLoad is `trawl load`: the load generator, its summary on stdout, progress on stderr.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trawl load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg load.Config
	cfg.RegisterFlags(fs)
	fs.Usage = config.Usage(fs, `trawl load: closed-loop or open-loop load over HTTP or NATS, latency in an HDR histogram

  trawl load --concurrency 64 --duration 10s                       # hot key: cache hits
  trawl load --mode open --rate 200 --query-set distinct           # misses at 200 req/s
  trawl load --target nats://127.0.0.1:4222 --query-set zipf --out run.json
  trawl load --target http://127.0.0.1:8080/v1/scrape --scrape-url http://127.0.0.1:9300/pages/article --query-set distinct`)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return &app.ConfigError{Err: fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &app.ConfigError{Err: err}
	}
	s, err := load.Run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	s.WriteText(stdout)
	if cfg.Out != "" {
		if err := s.WriteJSON(cfg.Out); err != nil {
			return fmt.Errorf("writing the summary: %w", err)
		}
	}
	// The summary comes first either way: a failed run's figures say what went wrong.
	return s.Check()
}
