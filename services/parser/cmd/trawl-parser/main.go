// Command trawl-parser runs one parser: it pulls fetched pages from the TRAWL_PARSE stream.
package main

import (
	"context"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/services/parser"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

func main() {
	var cfg parser.Config
	kit.Main(kit.Stage{
		Name:    "trawl-parser",
		Summary: "parses fetched pages from the TRAWL_PARSE stream into typed results",
		OpsAddr: ":9104",
		Flags:   cfg.RegisterFlags,
		Run: func(ctx context.Context, env *kit.Env) (kit.Stopper, error) {
			svc, err := parser.New(cfg, parser.Deps{NC: env.NC, Engines: engines.Default(),
				Streams: env.Streams, Log: env.Log, Metrics: env.Metrics})
			if err != nil {
				return nil, err
			}
			return svc, svc.Start(ctx)
		},
	})
}
