package fetcher

import (
	"flag"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// NewStage returns the fetcher as a stage of a trawl process (kit/app), reading cfg (nil: a
// Config of its own, filled by flags).
func NewStage(cfg *Config) app.Stage {
	return &app.Def[Config]{
		StageName: "fetcher",
		Help:      "fetches engine pages for jobs on the TRAWL_FETCH stream",
		Config:    cfg,
		Flags:     func(c *Config, fs *flag.FlagSet, _ *app.Shared) { c.RegisterFlags(fs) },
		Check:     func(c *Config, _ *app.Shared) error { return c.Validate() },
		New: func(c Config, env *app.Env) (lifecycle.Component, error) {
			return New(c, Deps{NC: env.NC, Engines: env.Engines, Streams: env.Shared.Streams,
				Log: env.Log, Metrics: env.Metrics, Handoff: env.Handoff})
		},
	}
}
