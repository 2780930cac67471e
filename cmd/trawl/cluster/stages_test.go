package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/lifecycle"
	"github.com/trawl-dev/trawl/kit/natsconn"
	"github.com/trawl-dev/trawl/kit/ops"
	"github.com/trawl-dev/trawl/testkit"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/services/cache"
	"github.com/trawl-dev/trawl/services/fetcher"
	"github.com/trawl-dev/trawl/services/ingress"
	"github.com/trawl-dev/trawl/services/parser"
)

// stageKind names a stage.
type stageKind string

const (
	kindIngress stageKind = "ingress"
	kindCache   stageKind = "cache"
	kindFetcher stageKind = "fetcher"
	kindParser  stageKind = "parser"
)

// bench is the running stages against one NATS cluster.
type bench struct {
	t        testing.TB
	urls     string
	redisURL string
	engines  string
	cfg      stack.Config

	// logs collects every stage's warnings and errors, shown when a test fails.
	logs testkit.SyncBuffer

	mu     sync.Mutex
	stages map[string]*stageProc
	// regs keeps every registry, killed stages' too, for totals over the whole run.
	regs map[string]*prometheus.Registry
	// reaping are the Stops of killed stages still unwinding in the background.
	reaping sync.WaitGroup
}

// stageProc is one stage "process": its own connection, registry and engine registry.
type stageProc struct {
	name string
	kind stageKind
	nc   *nats.Conn
	stop lifecycle.Component
	reg  *prometheus.Registry
	// addr is the ingress's HTTP address.
	addr string
}

func newBench(t testing.TB, urls, redisURL, engineURLs string, cfg stack.Config) *bench {
	b := &bench{t: t, urls: urls, redisURL: redisURL, engines: engineURLs, cfg: cfg,
		stages: map[string]*stageProc{}, regs: map[string]*prometheus.Registry{}}
	t.Cleanup(func() {
		b.close()
		if t.Failed() {
			t.Logf("stage warnings and errors:\n%s", b.logs.String())
		}
	})
	return b
}

// start runs a stage named name of kind k, as its own process would: a fresh connection to
// the cluster's URL list, its own metrics registry and engine registry.
func (b *bench) start(k stageKind, name string) *stageProc {
	b.t.Helper()
	log := slog.New(slog.NewTextHandler(&b.logs, &slog.HandlerOptions{Level: logLevel})).With("stage", name)
	nc, err := natsconn.Connect(b.urls, name, log)
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	eng := engines.Default()
	if err := eng.SetBaseURLs(b.engines); err != nil {
		b.t.Fatal(err)
	}
	p := &stageProc{name: name, kind: k, nc: nc, reg: prometheus.NewRegistry()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The same stage descriptors trawl serve and the stage binaries run (kit/app), each built
	// on the stage's own connection and registry, as its own process would be.
	cfg := b.cfg
	cfg.Ingress.HTTPAddr = "127.0.0.1:0"
	sh := cfg.Shared
	sh.RedisURL = b.redisURL
	var st app.Stage
	switch k {
	case kindParser:
		st = parser.NewStage(&cfg.Parser)
	case kindFetcher:
		st = fetcher.NewStage(&cfg.Fetcher)
	case kindCache:
		st = cache.NewStage(&cfg.Cache)
	case kindIngress:
		st = ingress.NewStage(&cfg.Ingress)
	}
	b.check(name, st.Validate(&sh))
	c, err := st.Build(&app.Env{Shared: &sh, NC: nc, Engines: eng, Log: log, Metrics: p.reg, Probe: ops.NewProbe()})
	b.check(name, err)
	if err := c.Start(ctx); err != nil {
		c.Stop()
		b.check(name, err)
	}
	p.stop = c
	if in, ok := c.(*ingress.Server); ok {
		p.addr = in.Addr()
	}
	b.mu.Lock()
	b.stages[name] = p
	b.regs[name] = p.reg
	b.mu.Unlock()
	return p
}

func (b *bench) check(name string, err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
}

// kill ends a stage as a crash would: its connection is cut first, so it acks, answers and
// publishes nothing more; jobs it held are redelivered by JetStream after their ack wait. Its
// goroutines are then reaped in the background.
func (b *bench) kill(name string) {
	b.mu.Lock()
	p := b.stages[name]
	delete(b.stages, name)
	b.mu.Unlock()
	if p == nil {
		b.t.Fatalf("no stage %s", name)
	}
	p.nc.Close()
	b.reaping.Add(1)
	go func() { defer b.reaping.Done(); p.stop.Stop() }()
}

// stopGracefully ends a stage as SIGTERM does: drain, then close.
func (b *bench) stopGracefully(name string) {
	b.mu.Lock()
	p := b.stages[name]
	delete(b.stages, name)
	b.mu.Unlock()
	if p == nil {
		return
	}
	p.stop.Stop()
	if err := p.nc.Drain(); err != nil {
		p.nc.Close()
	}
}

func (b *bench) get(name string) *stageProc {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stages[name]
}

func (b *bench) close() {
	b.mu.Lock()
	names := make([]string, 0, len(b.stages))
	for n, p := range b.stages {
		// Ingresses first, so nothing new arrives while the rest drains.
		if p.kind == kindIngress {
			names = append([]string{n}, names...)
		} else {
			names = append(names, n)
		}
	}
	b.mu.Unlock()
	for _, n := range names {
		b.stopGracefully(n)
	}
	b.reaping.Wait()
}

// counter sums a counter (the series whose labels match want) across every stage's registry
// whose name has the given prefix, killed stages included.
func (b *bench) counter(prefix, metric string, want map[string]string) float64 {
	b.mu.Lock()
	var regs []*prometheus.Registry
	for n, r := range b.regs {
		if strings.HasPrefix(n, prefix) {
			regs = append(regs, r)
		}
	}
	b.mu.Unlock()
	var sum float64
	for _, r := range regs {
		mfs, err := r.Gather()
		if err != nil {
			continue
		}
		for _, mf := range mfs {
			if mf.GetName() != metric {
				continue
			}
		next:
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if v, ok := want[lp.GetName()]; ok && v != lp.GetValue() {
						continue next
					}
				}
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func (p *stageProc) String() string { return fmt.Sprintf("%s(%s)", p.name, p.kind) }

// logLevel is the stages' log level in the bench (TRAWL_TEST_LOG=debug for more).
var logLevel = func() slog.Level {
	var l slog.Level = slog.LevelWarn
	if v := os.Getenv("TRAWL_TEST_LOG"); v != "" {
		l.UnmarshalText([]byte(v))
	}
	return l
}()
