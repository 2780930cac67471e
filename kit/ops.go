package kit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry is the process's one metrics registry, with Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

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

// OpsServer serves /metrics, /healthz, /readyz and, when enabled, /debug/pprof/.
type OpsServer struct {
	srv *http.Server
	ln  net.Listener
}

// StartOps listens on addr and serves in the background.
func StartOps(addr string, reg *prometheus.Registry, probe *Probe, pprofOn bool, log *slog.Logger) (*OpsServer, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &OpsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops listener", "err", err)
		}
	}()
	log.Info("ops listening", "addr", ln.Addr().String())
	return s, nil
}

// Addr is the bound address.
func (s *OpsServer) Addr() string { return s.ln.Addr().String() }

// Close stops the listener, letting in-flight scrapes finish for a moment.
func (s *OpsServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}
