package cache

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// NewStage returns the cache as a stage of a trawl process (kit/app), reading cfg (nil: a
// Config of its own, filled by flags).
func NewStage(cfg *Config) app.Stage {
	return &app.Def[Config]{
		StageName: "cache",
		Help:      "answers trawl.v1.search from Redis or memory; one fetch job per missed key",
		Config:    cfg,
		Flags: func(c *Config, fs *flag.FlagSet, sh *app.Shared) {
			c.RegisterFlags(fs)
			sh.RegisterDeadlines(fs) // shared with the ingress
		},
		Check: func(c *Config, sh *app.Shared) error {
			c.Deadlines = sh.Deadlines
			if err := c.Validate(); err != nil {
				return err
			}
			eng := engines.Default()
			for name := range c.EngineTTLs {
				if !eng.Known(name) {
					return fmt.Errorf("--cache-ttl-engines: unknown engine %q", name)
				}
			}
			return nil
		},
		// The store is opened in Start and closed in Stop.
		New: func(c Config, env *app.Env) (lifecycle.Component, error) { return &component{cfg: c, env: env}, nil },
		// The in-process store's bound; none with Redis.
		Memory: func(c *Config, sh *app.Shared) int64 {
			if sh.RedisURL != "" {
				return 0
			}
			return c.MaxBytes
		},
	}
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
		Streams: c.env.Shared.Streams, Log: c.env.Log, Metrics: c.env.Metrics, Handoff: c.env.Handoff})
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

// Ready fails while a work stream is missing (for /readyz).
func (c *component) Ready() error {
	if c.svc == nil {
		return errors.New("not started")
	}
	return c.svc.Ready()
}
