package reliability_test

import (
	"flag"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/cmd/trawl/reliability"
	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/sim"
)

func parseFlags(t *testing.T, args ...string) (*flag.FlagSet, *reliability.Flags) {
	t.Helper()
	fs := flag.NewFlagSet("trawl reliability", flag.ContinueOnError)
	var f reliability.Flags
	f.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parsing %q: %v", args, err)
	}
	return fs, &f
}

// effect is everything a run takes from its flags: the simulator and the stack as the run
// would start them, its other options, and what the command itself reads.
type effect struct {
	Requests, Concurrency, WarmUp int
	Timeout                       time.Duration
	KillFetcher, Check            bool
	Sim                           sim.Config
	Proxies                       []string
	Stack                         stack.Config
	LogLevel, LogFormat           string
}

func effectOf(t *testing.T, f *reliability.Flags) effect {
	t.Helper()
	o, err := f.Options()
	if err != nil {
		t.Fatal(err)
	}
	sc, cfg := reliability.Configs(o)
	return effect{o.Requests, o.Concurrency, o.WarmUp, o.Timeout, o.KillFetcher, f.Check, sc, o.Proxies, cfg,
		f.Common.LogLevel, f.Common.LogFormat}
}

// TestFlagsAreTheRunsOwn: the run decides its listen addresses, NATS server, proxy list and
// store itself, so those flags are unknown rather than accepted and ignored.
func TestFlagsAreTheRunsOwn(t *testing.T) {
	fs, _ := parseFlags(t)
	for _, name := range []string{"requests", "concurrency", "timeout", "warm-up", "kill-fetcher", "check",
		"sim-5xx-rate", "sim-hang-rate", "sim-proxies", "fetch-timeout", "parse-concurrency", "cache-ttl",
		"search-timeout", "log-level", "log-format"} {
		if fs.Lookup(name) == nil {
			t.Errorf("--%s is not a flag", name)
		}
	}
	for _, name := range []string{"http-addr", "sim-addr", "nats-listen", "nats-url", "nats-store-dir", "redis-url",
		"ops-addr", "proxies", "engine-urls", "stream-memory", "memory-limit", "cache-redis-timeout", "keys-file"} {
		if fs.Lookup(name) != nil {
			t.Errorf("--%s is a flag, though the run sets it itself or never reads it", name)
		}
	}
}

// TestDefaultsAreTheIssues: with no flag, the run is the issue's: its faults, its proxy list,
// quiet logs, and the stack's own settings.
func TestDefaultsAreTheIssues(t *testing.T) {
	_, f := parseFlags(t)
	got := effectOf(t, f)
	if s := got.Sim; s.Error5xx != 0.30 || s.Rate429 != 0.10 || s.CaptchaRate != 0.05 || s.HangRate != 0.02 || s.Seed != 1 {
		t.Errorf("default faults %+v, want the issue's", s)
	}
	if want := []string{sim.ProxyOK, sim.ProxyOK, sim.ProxyOK, sim.ProxyDead, sim.ProxyBanned}; !slices.Equal(got.Proxies, want) {
		t.Errorf("default proxies %v, want %v", got.Proxies, want)
	}
	if !got.Check || !got.KillFetcher || got.LogLevel != "error" || got.Requests != 10000 {
		t.Errorf("defaults %+v", got)
	}
	def := stack.DefaultConfig()
	if got.Stack.Fetcher.Proxies != "http://127.0.0.1:2" || !reflect.DeepEqual(got.Stack.Parser, def.Parser) || got.Stack.Fetcher.AttemptTimeout != def.Fetcher.AttemptTimeout {
		t.Errorf("default stack: fetcher %+v parser %+v, want the stack's defaults through the simulated proxy", got.Stack.Fetcher, got.Stack.Parser)
	}
}

// TestFaultFlagsReachTheSimulator spot-checks the path most runs vary: the fault rates and the
// proxy list land in the simulator's configuration the run starts.
func TestFaultFlagsReachTheSimulator(t *testing.T) {
	_, f := parseFlags(t, "--sim-5xx-rate", "0.5", "--sim-hang-rate", "0", "--sim-captcha-rate", "0.2",
		"--sim-proxies", "ok,slow", "--fetch-timeout", "2s", "--search-timeout", "9s")
	got := effectOf(t, f)
	if got.Sim.Error5xx != 0.5 || got.Sim.HangRate != 0 || got.Sim.CaptchaRate != 0.2 || got.Sim.Rate429 != 0.10 {
		t.Errorf("sim faults %+v, want 5xx 0.5, hang 0, captcha 0.2 and the default 429 0.1", got.Sim)
	}
	if !slices.Equal(got.Proxies, []string{sim.ProxyOK, sim.ProxySlow}) || got.Sim.Proxies != "" {
		t.Errorf("proxies %v (sim %q), want [ok slow] started by the run", got.Proxies, got.Sim.Proxies)
	}
	if got.Stack.Fetcher.AttemptTimeout != 2*time.Second || got.Stack.Deadlines.Default != 9*time.Second {
		t.Errorf("stack fetch timeout %s, search timeout %s", got.Stack.Fetcher.AttemptTimeout, got.Stack.Deadlines.Default)
	}
}

// TestEveryFlagTakesEffect sets each listed flag, one at a time, to a value other than its
// default, and requires the run to differ: a flag in -h that changed nothing would be a lie.
func TestEveryFlagTakesEffect(t *testing.T) {
	fs, f := parseFlags(t)
	base := effectOf(t, f)
	// String flags have no other value to derive.
	strs := map[string]string{"log-level": "debug", "log-format": "text", "sim-proxies": "ok",
		"proxy-probe-query": "other", "cache-ttl-engines": "duckduckgo=1m",
		"degraded-answer": "fail", "sim-drift": "snippets"}
	fs.VisitAll(func(fl *flag.Flag) {
		t.Run(fl.Name, func(t *testing.T) {
			v, ok := strs[fl.Name]
			if !ok {
				v = otherValue(t, fl)
			}
			_, f := parseFlags(t, "--"+fl.Name+"="+v)
			if reflect.DeepEqual(effectOf(t, f), base) {
				t.Errorf("--%s=%s changed nothing the run uses", fl.Name, v)
			}
		})
	})
}

// otherValue is a value of fl's type other than its default.
func otherValue(t *testing.T, fl *flag.Flag) string {
	t.Helper()
	g, ok := fl.Value.(flag.Getter)
	if !ok {
		t.Fatalf("--%s: no other value known for a %T; add one to the test", fl.Name, fl.Value)
	}
	switch v := g.Get().(type) {
	case bool:
		return fmt.Sprint(!v)
	case int:
		return fmt.Sprint(v + 1)
	case int64:
		return fmt.Sprint(v + 1)
	case uint64:
		return fmt.Sprint(v + 1)
	case float64:
		if v == 0.5 {
			return "0.25"
		}
		return "0.5"
	case time.Duration:
		return (v + time.Second).String()
	}
	t.Fatalf("--%s: no other value known for a %T; add one to the test", fl.Name, g.Get())
	return ""
}
