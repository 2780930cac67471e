// Package ops is the process's operational face: the one metrics registry, the readiness probe,
// and the ops listener serving /metrics, /healthz, /readyz and pprof.
package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trawl-dev/trawl/kit/lifecycle"
	"github.com/trawl-dev/trawl/kit/version"
)

// NewRegistry is the process's one metrics registry, with Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	// The GC's share of CPU (go_cpu_classes_gc_total_cpu_seconds_total over
	// process_cpu_seconds_total) is what the benchmark reports beside CPU per request.
	reg.MustRegister(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/cpu/classes/(gc/total|total):cpu-seconds$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	v := version.Get()
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "trawl_build_info",
		Help:        "The running build: always 1, with its version, commit and Go version as labels.",
		ConstLabels: prometheus.Labels{"version": v.Version, "commit": v.Commit, "goversion": v.Go},
	})
	build.Set(1)
	reg.MustRegister(build)
	return reg
}

// Health is the body of /healthz on every listener that serves it: alive, and which build.
func Health() []byte { return health() }

var health = sync.OnceValue(func() []byte {
	v := version.Get()
	b, _ := json.Marshal(struct {
		Status string `json:"status"`
		version.Info
	}{"ok", v})
	return append(b, '\n')
})

// Probe tracks readiness: a stage is ready once every check passes and it has not begun to
// stop. Checks are cheap functions (a connection state, a cached ping).
type Probe struct {
	mu       sync.Mutex
	checks   map[string]func() error
	stopping bool
}

// NewProbe returns a probe with no checks.
func NewProbe() *Probe { return &Probe{checks: map[string]func() error{}} }

// Check adds a named readiness check.
func (p *Probe) Check(name string, f func() error) {
	p.mu.Lock()
	p.checks[name] = f
	p.mu.Unlock()
}

// Stopping marks the process not ready, first thing in a graceful stop, so load balancers
// move traffic away while in-flight work drains.
func (p *Probe) Stopping() {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
}

// Ready returns nil when every check passes.
func (p *Probe) Ready() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return errors.New("stopping")
	}
	for name, f := range p.checks {
		if err := f(); err != nil {
			return errors.New(name + ": " + err.Error())
		}
	}
	return nil
}

// Server serves /metrics, /healthz, /readyz and, when enabled, /debug/pprof/. It is a
// lifecycle.Component: a listener that dies fails the process.
type Server struct {
	addr   string
	log    *slog.Logger
	srv    *http.Server
	ln     net.Listener
	failed chan error
	stop   sync.Once
}

// New builds the ops server for addr; Start listens.
func New(addr string, reg *prometheus.Registry, probe *Probe, pprofOn bool, log *slog.Logger) *Server {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(Health())
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := probe.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	if pprofOn {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return &Server{addr: addr, log: log, failed: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
}

// Start listens and serves in the background.
func (s *Server) Start(context.Context) error {
	ln, err := lifecycle.Listen("ops-addr", s.addr)
	if err != nil {
		return err
	}
	s.ln = ln
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.failed <- fmt.Errorf("ops listener %s: %w", ln.Addr(), err)
		}
	}()
	s.log.Info("ops listening", "addr", ln.Addr().String())
	return nil
}

// Failed delivers the listener's failure (lifecycle.Failer).
func (s *Server) Failed() <-chan error { return s.failed }

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop stops the listener, letting in-flight scrapes finish for a moment.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if s.ln == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.srv.Shutdown(ctx)
	})
}
