package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/sim"
)

// TestReadmeListsEveryFlag keeps the README's configuration tables honest: every flag of
// `trawl serve` and of the simulated engine appears there.
func TestReadmeListsEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("all", flag.ContinueOnError)
	var cfg stack.Config
	cfg.RegisterFlags(fs)
	var sc sim.Config
	sc.RegisterFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(readme), "`--"+f.Name+"`") {
			t.Errorf("README.md does not list --%s", f.Name)
		}
	})
}
