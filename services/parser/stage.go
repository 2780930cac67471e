package parser

import (
	"flag"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// Stage is the parser as a stage of a trawl process (app.Stage).
type Stage struct{ cfg *Config }

// NewStage returns the parser stage reading cfg (nil: a Config of its own, filled by flags).
func NewStage(cfg *Config) *Stage {
	if cfg == nil {
		cfg = new(Config)
	}
	return &Stage{cfg: cfg}
}

var _ app.Stage = (*Stage)(nil)

// Name is the stage's name.
func (*Stage) Name() string { return "parser" }

// Summary is trawl-parser's -h line.
func (*Stage) Summary() string {
	return "parses fetched pages from the TRAWL_PARSE stream into typed results"
}

// RegisterFlags adds the parser's flags.
func (st *Stage) RegisterFlags(fs *flag.FlagSet, _ *app.Shared) { st.cfg.RegisterFlags(fs) }

// Validate checks the parser's settings.
func (st *Stage) Validate(*app.Shared) error { return st.cfg.Validate() }

// Build returns the parse stage; Start attaches it to the stream.
func (st *Stage) Build(env *app.Env) (lifecycle.Component, error) {
	return New(*st.cfg, Deps{NC: env.NC, Engines: env.Engines, Streams: env.Shared.Streams,
		Log: env.Log, Metrics: env.Metrics})
}
