package fetcher

import (
	"flag"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// Stage is the fetcher as a stage of a trawl process (app.Stage).
type Stage struct{ cfg *Config }

// NewStage returns the fetcher stage reading cfg (nil: a Config of its own, filled by flags).
func NewStage(cfg *Config) *Stage {
	if cfg == nil {
		cfg = new(Config)
	}
	return &Stage{cfg: cfg}
}

var _ app.Stage = (*Stage)(nil)

// Name is the stage's name.
func (*Stage) Name() string { return "fetcher" }

// Summary is trawl-fetcher's -h line.
func (*Stage) Summary() string { return "fetches engine pages for jobs on the TRAWL_FETCH stream" }

// RegisterFlags adds the fetcher's flags.
func (st *Stage) RegisterFlags(fs *flag.FlagSet, _ *app.Shared) { st.cfg.RegisterFlags(fs) }

// Validate checks the fetcher's settings.
func (st *Stage) Validate(*app.Shared) error { return st.cfg.Validate() }

// Build returns the fetch stage; Start attaches it to the stream.
func (st *Stage) Build(env *app.Env) (lifecycle.Component, error) {
	return New(*st.cfg, Deps{NC: env.NC, Engines: env.Engines, Streams: env.Shared.Streams,
		Log: env.Log, Metrics: env.Metrics})
}
