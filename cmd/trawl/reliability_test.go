package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/kit/app"
)

// TestReliabilityHelpListsItsOwnFlags: -h lists the flags a reliability run honours, and none
// of the all-in-one's it would ignore; passing one of those is a configuration error (exit 2)
// before anything starts.
func TestReliabilityHelpListsItsOwnFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"reliability", "-h"}, &stdout, &stderr); err != nil {
		t.Fatalf("-h: %v", err)
	}
	help := stderr.String()
	for _, name := range []string{"requests", "concurrency", "kill-fetcher", "check", "sim-5xx-rate", "sim-proxies", "fetch-timeout", "search-timeout", "log-level"} {
		if !strings.Contains(help, "  --"+name+", ") {
			t.Errorf("-h does not list --%s", name)
		}
	}
	for _, name := range []string{"http-addr", "sim-addr", "nats-listen", "nats-url", "redis-url", "ops-addr", "proxies"} {
		if strings.Contains(help, "  --"+name+", ") {
			t.Errorf("-h lists --%s, which the run ignores", name)
		}
	}

	for _, args := range [][]string{{"--http-addr", "127.0.0.1:0"}, {"--sim-addr", "127.0.0.1:0"}, {"--proxies", "direct"}, {"--sim-proxies", "ok,bogus"}} {
		stderr.Reset()
		err := run(append([]string{"reliability"}, args...), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) || !app.IsConfigError(err) {
			t.Errorf("%v: error %v, want a configuration error naming the flag", args, err)
		}
	}
}
