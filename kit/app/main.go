package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/memlimit"
	"github.com/trawl-dev/trawl/kit/ops"
	"github.com/trawl-dev/trawl/kit/version"
)

// Exit statuses of every trawl binary.
const (
	ExitOK     = 0
	ExitFailed = 1 // a component did not start, failed while running, or the drain overran
	ExitConfig = 2 // a flag or TRAWL_* variable that does not validate
)

// Main runs a stage binary and exits: options from flags and TRAWL_* variables, validated
// before anything connects; then the stage and its ops listener (off unless --ops-addr is set,
// so two stages on one machine never collide) in one run group until SIGINT or SIGTERM (a
// drain within --drain-timeout) or until a component fails.
func Main(st Stage) {
	os.Exit(RunStage(context.Background(), st, os.Args[1:], os.Stdout, os.Stderr))
}

// RunStage is Main without the exit, for tests: it returns the exit status.
func RunStage(ctx context.Context, st Stage, args []string, stdout, stderr io.Writer) int {
	name := "trawl-" + st.Name()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sh Shared
	sh.RegisterFlags(fs, "")
	st.RegisterFlags(fs, &sh)
	showVersion := fs.Bool("version", false, "print the build (version, commit) and exit")
	fs.Usage = config.Usage(fs, name+": "+st.Summary())
	if err := config.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitConfig
	}
	if *showVersion {
		fmt.Fprintln(stdout, name, version.Get())
		return ExitOK
	}
	if sh.NATSURL == "" {
		sh.NATSURL = nats.DefaultURL
	}
	stages := []Stage{st}
	if err := Validate(&sh, stages); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitConfig
	}
	log, _ := logging.New(stderr, sh.LogLevel, sh.LogFormat) // validated above
	memlimit.Apply(sh.MemoryLimit, MemoryAuto(&sh, stages), log)
	p, err := NewProcess(&sh, stages, Remote{URL: sh.NATSURL, User: sh.NATSUser, PasswordFile: sh.NATSPasswordFile}, log, ops.NewRegistry())
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitConfig
	}
	p.Group.Signals = true
	p.AddStages()
	if err := p.Group.Run(ctx); err != nil {
		log.Error("exiting", "err", err)
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	log.Info("stopped")
	return ExitOK
}
