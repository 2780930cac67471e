package app

import (
	"flag"

	"github.com/trawl-dev/trawl/kit/lifecycle"
)

// Def declares a stage from its parts: a configuration of type C and what to do with it. Every
// stage of trawl is one (services/<stage>/stage.go), so the Stage plumbing lives here once.
type Def[C any] struct {
	StageName string
	Help      string
	// Config is the stage's configuration, shared with the caller (the all-in-one's Config
	// holds every stage's); nil gets one of its own, filled by the flags.
	Config *C
	// Flags registers the stage's flags, and the shared groups it reads on sh.
	Flags func(c *C, fs *flag.FlagSet, sh *Shared)
	// Check validates c; it may copy shared settings into it first.
	Check func(c *C, sh *Shared) error
	// New builds the component from a copy of the validated configuration.
	New func(c C, env *Env) (lifecycle.Component, error)
	// Memory, when set, is what the stage holds of its own (MemoryUser).
	Memory func(c *C, sh *Shared) int64
}

var (
	_ Stage      = (*Def[struct{}])(nil)
	_ MemoryUser = (*Def[struct{}])(nil)
)

func (d *Def[C]) cfg() *C {
	if d.Config == nil {
		d.Config = new(C)
	}
	return d.Config
}

// Name is the stage's name.
func (d *Def[C]) Name() string { return d.StageName }

// Summary is the stage binary's -h line.
func (d *Def[C]) Summary() string { return d.Help }

// RegisterFlags calls Flags.
func (d *Def[C]) RegisterFlags(fs *flag.FlagSet, sh *Shared) { d.Flags(d.cfg(), fs, sh) }

// Validate calls Check.
func (d *Def[C]) Validate(sh *Shared) error { return d.Check(d.cfg(), sh) }

// Build calls New with the validated configuration.
func (d *Def[C]) Build(env *Env) (lifecycle.Component, error) { return d.New(*d.cfg(), env) }

// MemoryAuto calls Memory; ok is false for a stage that declares none.
func (d *Def[C]) MemoryAuto(sh *Shared) (int64, bool) {
	if d.Memory == nil {
		return 0, false
	}
	return d.Memory(d.cfg(), sh), true
}
