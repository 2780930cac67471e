package reliability

import (
	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/sim"
)

// Configs are the simulator's and the stack's configurations a run would start from o, for
// tests that check what a flag reaches without starting a run.
func Configs(o Options) (sim.Config, stack.Config) {
	return o.simConfig(), o.stackConfig("/tmp/store", "http://127.0.0.1:1", []string{"http://127.0.0.1:2"})
}
