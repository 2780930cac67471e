// Command trawl-fetcher runs one fetcher: it pulls jobs from the TRAWL_FETCH stream.
package main

import (
	"context"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/services/fetcher"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

func main() {
	var cfg fetcher.Config
	kit.Main(kit.Stage{
		Name:    "trawl-fetcher",
		Summary: "fetches engine pages for jobs on the TRAWL_FETCH stream",
		OpsAddr: ":9103",
		Flags:   cfg.RegisterFlags,
		Run: func(ctx context.Context, env *kit.Env) (kit.Stopper, error) {
			svc, err := fetcher.New(cfg, fetcher.Deps{NC: env.NC, Engines: engines.Default(),
				Streams: env.Streams, Log: env.Log, Metrics: env.Metrics})
			if err != nil {
				return nil, err
			}
			return svc, svc.Start(ctx)
		},
	})
}
