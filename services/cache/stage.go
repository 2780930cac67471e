package cache

import (
	"context"
	"flag"
	"fmt"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// Stage is the cache as a stage of a trawl process (app.Stage): trawl-cache runs it alone,
// trawl serve beside the others.
type Stage struct{ cfg *Config }

// NewStage returns the cache stage reading cfg (nil: a Config of its own, filled by flags).
func NewStage(cfg *Config) *Stage {
	if cfg == nil {
		cfg = new(Config)
	}
	return &Stage{cfg: cfg}
}

var (
	_ app.Stage      = (*Stage)(nil)
	_ app.MemoryUser = (*Stage)(nil)
)

// Name is the stage's name.
func (*Stage) Name() string { return "cache" }

// Summary is trawl-cache's -h line.
func (*Stage) Summary() string {
	return "answers trawl.v1.search from Redis or memory; one fetch job per missed key"
}

// RegisterFlags adds the cache's flags and the deadlines it shares with the ingress.
func (st *Stage) RegisterFlags(fs *flag.FlagSet, sh *app.Shared) {
	st.cfg.RegisterFlags(fs)
	sh.RegisterDeadlines(fs)
}

// Validate checks the cache's settings, with the shared deadlines and engines.
func (st *Stage) Validate(sh *app.Shared) error {
	st.cfg.Deadlines = sh.Deadlines
	if err := st.cfg.Validate(); err != nil {
		return err
	}
	eng := engines.Default()
	for name := range st.cfg.EngineTTLs {
		if !eng.Known(name) {
			return fmt.Errorf("--cache-ttl-engines: unknown engine %q", name)
		}
	}
	return nil
}

// MemoryAuto is the in-process store's bound (none with Redis).
func (st *Stage) MemoryAuto(sh *app.Shared) int64 {
	if sh.RedisURL != "" {
		return 0
	}
	return st.cfg.MaxBytes
}

// Build returns the cache component: the store is opened in Start and closed in Stop.
func (st *Stage) Build(env *app.Env) (lifecycle.Component, error) {
	return &component{cfg: *st.cfg, env: env}, nil
}

type component struct {
	cfg   Config
	env   *app.Env
	store Store
	svc   *Service
}

func (c *component) Start(ctx context.Context) error {
	store, err := OpenStore(c.env.Shared.RedisURL, c.cfg)
	if err != nil {
		return err
	}
	c.store = store
	c.svc, err = New(c.cfg, Deps{NC: c.env.NC, Store: store, Engines: c.env.Engines,
		Streams: c.env.Shared.Streams, Log: c.env.Log, Metrics: c.env.Metrics})
	if err != nil {
		return err
	}
	return c.svc.Start(ctx)
}

func (c *component) Stop() {
	if c.svc != nil {
		c.svc.Stop()
	}
	if c.store != nil {
		c.store.Close()
		c.store = nil
	}
}
