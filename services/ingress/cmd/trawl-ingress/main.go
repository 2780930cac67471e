// Command trawl-ingress runs one ingress: trawl's HTTP face.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/trawl-dev/trawl/kit"
	"github.com/trawl-dev/trawl/services/ingress"
	"github.com/trawl-dev/trawl/services/parser/engines"
)

func main() {
	var cfg ingress.Config
	kit.Main(kit.Stage{
		Name:    "trawl-ingress",
		Summary: "HTTP face of trawl: validates, authenticates, rate-limits, and asks trawl.v1.search",
		// The ingress serves /metrics, /healthz and /readyz on its own HTTP port.
		OpsAddr: "",
		Flags: func(fs *flag.FlagSet) {
			cfg.RegisterFlags(fs)
			cfg.Deadlines.RegisterFlags(fs)
		},
		Run: func(ctx context.Context, env *kit.Env) (kit.Stopper, error) {
			srv, err := ingress.New(cfg, ingress.Deps{NC: env.NC, Engines: engines.Default(), Log: env.Log,
				Metrics: env.Metrics, Gatherer: env.Metrics, Probe: env.Probe, RedisURL: env.Common.RedisURL})
			if err != nil {
				return nil, err
			}
			reloadOnHUP(srv)
			return srv, srv.Start(ctx)
		},
	})
}

// reloadOnHUP re-reads the keys file on each SIGHUP for the life of the process; a file that
// fails to load is logged by Reload and the keys in force stay.
func reloadOnHUP(srv *ingress.Server) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			srv.Reload()
		}
	}()
}
