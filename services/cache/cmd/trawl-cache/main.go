// Command trawl-cache runs one cache replica: it answers trawl.v1.search.
package main

import (
	"context"
	"flag"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/services/cache"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

func main() {
	var cfg cache.Config
	kit.Main(kit.Stage{
		Name:    "trawl-cache",
		Summary: "answers trawl.v1.search from Redis or memory; one fetch job per missed key",
		OpsAddr: ":9102",
		Flags: func(fs *flag.FlagSet) {
			cfg.RegisterFlags(fs)
			cfg.Deadlines.RegisterFlags(fs)
		},
		MemoryAuto: func(c kit.Common) int64 { return cfg.MemoryAuto(c.RedisURL) },
		Run: func(ctx context.Context, env *kit.Env) (kit.Stopper, error) {
			store, err := cache.OpenStore(env.Common.RedisURL, cfg)
			if err != nil {
				return nil, err
			}
			svc, err := cache.New(cfg, cache.Deps{NC: env.NC, Store: store, Engines: engines.Default(),
				Streams: env.Streams, Log: env.Log, Metrics: env.Metrics})
			if err != nil {
				return nil, err
			}
			return svc, svc.Start(ctx)
		},
	})
}
