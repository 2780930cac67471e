package ingress

import (
	"flag"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// Stage is the ingress as a stage of a trawl process (app.Stage).
type Stage struct{ cfg *Config }

// NewStage returns the ingress stage reading cfg (nil: a Config of its own, filled by flags).
func NewStage(cfg *Config) *Stage {
	if cfg == nil {
		cfg = new(Config)
	}
	return &Stage{cfg: cfg}
}

var (
	_ app.Stage          = (*Stage)(nil)
	_ app.MemoryUser     = (*Stage)(nil)
	_ lifecycle.Failer   = (*Server)(nil)
	_ lifecycle.Reloader = (*Server)(nil)
)

// Name is the stage's name.
func (*Stage) Name() string { return "ingress" }

// Summary is trawl-ingress's -h line.
func (*Stage) Summary() string {
	return "HTTP face of trawl: validates, authenticates, rate-limits, and asks trawl.v1.search"
}

// RegisterFlags adds the ingress's flags and the deadlines it shares with the cache.
func (st *Stage) RegisterFlags(fs *flag.FlagSet, sh *app.Shared) {
	st.cfg.RegisterFlags(fs)
	sh.RegisterDeadlines(fs)
}

// Validate checks the ingress's settings with the shared deadlines.
func (st *Stage) Validate(sh *app.Shared) error {
	st.cfg.Deadlines = sh.Deadlines
	return st.cfg.Validate()
}

// MemoryAuto is the near cache's bound.
func (st *Stage) MemoryAuto(*app.Shared) int64 { return st.cfg.NearCacheBytes }

// Build returns the ingress; Start listens.
func (st *Stage) Build(env *app.Env) (lifecycle.Component, error) {
	return New(*st.cfg, Deps{NC: env.NC, Engines: env.Engines, Log: env.Log, Metrics: env.Metrics,
		Gatherer: env.Metrics, Probe: env.Probe, RedisURL: env.Shared.RedisURL})
}
