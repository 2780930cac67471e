package ingress

import (
	"flag"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// NewStage returns the ingress as a stage of a trawl process (kit/app), reading cfg (nil: a
// Config of its own, filled by flags).
func NewStage(cfg *Config) app.Stage {
	return &app.Def[Config]{
		StageName: "ingress",
		Help:      "HTTP face of trawl: validates, authenticates, rate-limits, and asks trawl.v1.search",
		Config:    cfg,
		Flags: func(c *Config, fs *flag.FlagSet, sh *app.Shared) {
			c.RegisterFlags(fs)
			sh.RegisterDeadlines(fs) // shared with the cache
		},
		Check: func(c *Config, sh *app.Shared) error {
			c.Deadlines = sh.Deadlines
			c.DrainTimeout = sh.DrainTimeout
			return c.Validate()
		},
		New: func(c Config, env *app.Env) (lifecycle.Component, error) {
			return New(c, Deps{NC: env.NC, Engines: env.Engines, Log: env.Log, Metrics: env.Metrics,
				Gatherer: env.Metrics, Probe: env.Probe, RedisURL: env.Shared.RedisURL,
				ArchiveTTL: env.Shared.Streams.Archive.TTL, NoArchive: env.Shared.Streams.Archive.Disabled,
				Handoff: env.Handoff})
		},
		// The near cache, and the dialects' memo beside it (dialects.go).
		Memory: func(c *Config, _ *app.Shared) int64 { return c.NearCacheBytes + c.NearCacheBytes/4 },
	}
}

var (
	_ lifecycle.Failer   = (*Server)(nil)
	_ lifecycle.Reloader = (*Server)(nil)
)
