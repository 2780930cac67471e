// Package sim is trawl's simulated search engine. One server stands in for every engine trawl
// knows, each under its own path prefix (/google/search, /bing/search, /yandex/search/,
// /baidu/s, /ecosia/search, /yahoo/search, /brave/search, /wikipedia/w/api.php,
// /qwant/v3/search/web, /mojeek/search, /duckduckgo/html/; EngineURLs is the --engine-urls
// value), reading the query and paging parameters the engine's Request sends and answering
// in that engine's real layout, modelled on captured pages: ranked results that depend only
// on the query and page, the first page's ads and answer module, related searches and the
// next-page link. The "noresults" and "newlayout" query keywords and the injected faults
// (reset, hang, 5xx, 429, the engine's own CAPTCHA page, slow answers), drawn per request by
// probability, are the same for every engine. Demos, tests and load runs use it to exercise
// the real engine code offline; it is a test tool, never a shortcut in the pipeline.
package sim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config sets the simulated engine's behaviour. Probabilities are in [0,1] and are drawn per
// request in the order listed: reset, hang, 5xx, 429, captcha.
type Config struct {
	Addr string
	// Latency is added to every answer; Jitter adds up to that much more at random.
	Latency time.Duration
	Jitter  time.Duration
	// PerPage is the number of results on a page.
	PerPage int
	// Pages is the number of pages a query has at most.
	Pages int

	ResetRate   float64
	HangRate    float64
	Error5xx    float64
	Rate429     float64
	RetryAfter  time.Duration
	CaptchaRate float64
	// SlowRate answers after SlowLatency instead of Latency.
	SlowRate    float64
	SlowLatency time.Duration
	// HangFor bounds a hang (the client's timeout normally ends it first).
	HangFor time.Duration
	Seed    uint64
	// Proxies starts one simulated forward proxy per entry ("ok,ok,dead,banned") with the
	// engine; see ProxyKinds. ProxySlowLatency is what a slow proxy adds.
	Proxies          string
	ProxySlowLatency time.Duration
	// Drift changes every engine's layout from request DriftFrom on (1-based, over all search
	// requests; 0 or 1: from the first): see DriftKinds. Tests turn it off again with SetConfig.
	Drift     string
	DriftFrom int64
}

// RegisterFlags adds the simulator's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "sim-addr", "127.0.0.1:9300", "simulated engine listen address")
	fs.DurationVar(&c.Latency, "sim-latency", 20*time.Millisecond, "latency of every answer")
	fs.DurationVar(&c.Jitter, "sim-jitter", 0, "extra random latency, up to this much")
	fs.IntVar(&c.PerPage, "sim-per-page", 10, "results per page")
	fs.IntVar(&c.Pages, "sim-pages", 5, "pages per query")
	fs.Float64Var(&c.ResetRate, "sim-reset-rate", 0, "share of requests whose connection is reset")
	fs.Float64Var(&c.HangRate, "sim-hang-rate", 0, "share of requests that hang")
	fs.Float64Var(&c.Error5xx, "sim-5xx-rate", 0, "share of requests answered 500/502/503")
	fs.Float64Var(&c.Rate429, "sim-429-rate", 0, "share of requests answered 429 with Retry-After")
	fs.DurationVar(&c.RetryAfter, "sim-retry-after", time.Second, "Retry-After sent with a 429")
	fs.Float64Var(&c.CaptchaRate, "sim-captcha-rate", 0, "share of requests answered with a CAPTCHA page")
	fs.Float64Var(&c.SlowRate, "sim-slow-rate", 0, "share of requests answered after --sim-slow-latency")
	fs.DurationVar(&c.SlowLatency, "sim-slow-latency", 2*time.Second, "latency of a slow answer")
	fs.DurationVar(&c.HangFor, "sim-hang-for", 60*time.Second, "how long a hang lasts")
	fs.Uint64Var(&c.Seed, "sim-seed", 1, "random seed for fault injection")
	fs.StringVar(&c.Proxies, "sim-proxies", "", "simulated forward proxies to start, one per entry: ok, dead, slow, garbage, banned (e.g. ok,ok,ok,dead,banned)")
	fs.DurationVar(&c.ProxySlowLatency, "sim-proxy-slow-latency", time.Second, "latency a slow simulated proxy adds")
	fs.StringVar(&c.Drift, "sim-drift", "", "layout drift from request --sim-drift-from on: classes (result markup renamed, results vanish), snippets (snippets dropped), softblock (a results page without results)")
	fs.Int64Var(&c.DriftFrom, "sim-drift-from", 1, "search request (1-based, counted over every engine) from which --sim-drift applies")
}

// Validate checks the settings a flag can get wrong.
func (c *Config) Validate() error {
	if err := validDrift(c.Drift); err != nil {
		return fmt.Errorf("--sim-drift: %w", err)
	}
	if c.DriftFrom < 0 {
		return fmt.Errorf("--sim-drift-from: %d, must not be negative", c.DriftFrom)
	}
	return nil
}

// DefaultConfig is a well-behaved engine at 20 ms.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// Server is a running simulated engine.
type Server struct {
	cfg  Config
	log  *slog.Logger
	srv  *http.Server
	ln   net.Listener
	mu   sync.Mutex
	rnd  *rand.Rand
	hang chan struct{}

	proxies  Proxies
	requests atomic.Int64
	served   sync.Map // query → *atomic.Int64, requests per query (the first maxCounted)
	counted  atomic.Int64
	faults   sync.Map // kind → *atomic.Int64
}

// New builds a simulator; Start listens.
func New(cfg Config, log *slog.Logger) *Server {
	if cfg.PerPage <= 0 {
		cfg.PerPage = 10
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 5
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, rnd: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), hang: make(chan struct{})}
	mux := http.NewServeMux()
	for _, e := range engines {
		for _, path := range e.paths {
			mux.HandleFunc("/"+e.name+path, s.serve(e))
		}
	}
	// The bare /html/ is DuckDuckGo's, from before the simulator served other engines.
	for _, path := range duckduckgo.paths {
		mux.HandleFunc(path, s.serve(duckduckgo))
	}
	mux.HandleFunc("/sim/stats", s.serveStats)
	mux.HandleFunc("/pages/", s.servePage)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

// Start listens on cfg.Addr ("127.0.0.1:0" picks a free port) and serves in the background.
func (s *Server) Start() error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("--sim-addr %s: address already in use (is another trawl demo or sim running? stop it or choose another --sim-addr)", s.cfg.Addr)
	}
	if err != nil {
		return fmt.Errorf("--sim-addr %s: %w", s.cfg.Addr, err)
	}
	kinds, err := ParseProxyKinds(s.cfg.Proxies)
	if err != nil {
		ln.Close()
		return err
	}
	if s.proxies, err = StartProxies(kinds, ProxyOptions{SlowLatency: s.cfg.ProxySlowLatency, Log: s.log}); err != nil {
		ln.Close()
		return err
	}
	s.ln = ln
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sim", "err", err)
		}
	}()
	s.log.Info("simulated engine listening", "url", s.URL())
	s.log.Info("simulated engines", "TRAWL_ENGINE_URLS", s.EngineURLs())
	for _, p := range s.proxies {
		s.log.Info("simulated proxy listening", "url", p.URL(), "kind", p.Kind)
	}
	if len(s.proxies) > 0 {
		s.log.Info("simulated proxies", "TRAWL_PROXIES", strings.Join(s.proxies.URLs(), ","))
	}
	return nil
}

// Proxies are the simulated proxies started with the engine (Config.Proxies).
func (s *Server) Proxies() Proxies { return s.proxies }

// URL is the simulator's base URL; DuckDuckGo is also served at its root (/html/), so
// "duckduckgo=URL" works as well as the prefixed form EngineURLs gives.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the simulator, releasing hung requests.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hang:
	default:
		close(s.hang)
	}
	s.mu.Unlock()
	s.proxies.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}

// maxCounted bounds the queries (and page paths) RequestsFor keeps a count for. A load of
// distinct queries (the benchmark's miss rows) otherwise grew the simulator by about 1 MB a
// second, and its CPU per request by 15% over 80 s as its collector walked the map: enough to
// slow whichever server the benchmark measured last. Tests ask about a few queries each.
const maxCounted = 10_000

// Requests is the number of search requests the simulator received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RequestsFor is the number of search requests received for one query: one of the first
// maxCounted distinct queries; any later one reads 0.
func (s *Server) RequestsFor(q string) int64 {
	if v, ok := s.served.Load(q); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// Faults reports how many faults of each kind were injected.
func (s *Server) Faults() map[string]int64 {
	out := map[string]int64{}
	s.faults.Range(func(k, v any) bool { out[k.(string)] = v.(*atomic.Int64).Load(); return true })
	return out
}

// SetConfig swaps the fault settings at run time (tests switch an engine "down" and back).
func (s *Server) SetConfig(f func(*Config)) {
	s.mu.Lock()
	f(&s.cfg)
	s.mu.Unlock()
}

func (s *Server) count(m *sync.Map, k string) {
	v, ok := m.Load(k)
	if !ok {
		if m == &s.served && s.counted.Load() >= maxCounted {
			return
		}
		var loaded bool
		if v, loaded = m.LoadOrStore(k, new(atomic.Int64)); !loaded && m == &s.served {
			s.counted.Add(1)
		}
	}
	v.(*atomic.Int64).Add(1)
}

func (s *Server) draw() (fault string, latency time.Duration, cfg Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg = s.cfg
	p := s.rnd.Float64()
	latency = cfg.Latency
	if cfg.Jitter > 0 {
		latency += time.Duration(s.rnd.Int64N(int64(cfg.Jitter)))
	}
	for _, f := range []struct {
		name string
		rate float64
	}{{"reset", cfg.ResetRate}, {"hang", cfg.HangRate}, {"5xx", cfg.Error5xx}, {"429", cfg.Rate429}, {"captcha", cfg.CaptchaRate}, {"slow", cfg.SlowRate}} {
		if p < f.rate {
			return f.name, latency, cfg
		}
		p -= f.rate
	}
	return "", latency, cfg
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"requests":%d}`+"\n", s.Requests())
}

// serve answers one engine's search requests: the faults are drawn here, the same for every
// engine, and only the page served at the end is the engine's own.
func (s *Server) serve(e *engine) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		q := r.Form.Get(e.query)
		s.count(&s.served, q)
		fault, latency, cfg := s.draw()
		if fault != "" {
			s.count(&s.faults, fault)
		}
		switch fault {
		case "reset":
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					if tc, ok := conn.(*net.TCPConn); ok {
						tc.SetLinger(0) // RST rather than FIN
					}
					conn.Close()
					return
				}
			}
		case "hang":
			select {
			case <-r.Context().Done():
			case <-s.hang:
			case <-time.After(cfg.HangFor):
			}
			return
		case "slow":
			latency = cfg.SlowLatency
		}
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		switch fault {
		case "5xx":
			codes := []int{500, 502, 503}
			http.Error(w, "upstream error", codes[int(s.requests.Load())%len(codes)])
			return
		case "429":
			w.Header().Set("Retry-After", strconv.Itoa(int((cfg.RetryAfter+time.Second-1)/time.Second)))
			http.Error(w, "rate limited", http.StatusTooManyRequests)
			return
		case "captcha":
			// Served 200, as the engines do: only the page says it is a block.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, e.captcha)
			return
		}
		if q == "" {
			// The real endpoints answer an empty query with their home page; trawl never sends one.
			http.Error(w, "missing "+e.query, http.StatusBadRequest)
			return
		}
		offset, size := e.window(r.Form, cfg.PerPage)
		total := clampSize(cfg.PerPage) * max(cfg.Pages, 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		key := strings.TrimPrefix(r.URL.Path, "/"+e.name)
		if e.verticalKey != nil {
			key = e.verticalKey(r.Form)
		}
		if v, ok := e.verticals[key]; ok {
			if v.refuse != nil && v.refuse(r.Form) {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			if v.window != nil {
				offset, size = v.window(r.Form, cfg.PerPage)
			}
			io.WriteString(w, e.verticalPage(v, q, offset, size, total))
			return
		}
		if cfg.Drift != "" && n >= cfg.DriftFrom && special(q) == "" {
			s.count(&s.faults, "drift_"+cfg.Drift)
			io.WriteString(w, e.drifted(cfg.Drift, q, offset, size, total))
			return
		}
		io.WriteString(w, e.page(q, offset, size, total))
	}
}

// EngineURLs is the --engine-urls (TRAWL_ENGINE_URLS) value that points every simulated
// engine at this simulator: "baidu=http://HOST:PORT/baidu,bing=…", in name order.
func (s *Server) EngineURLs() string {
	parts := make([]string, 0, len(engines))
	for _, name := range Engines() {
		parts = append(parts, name+"="+s.URL()+"/"+name)
	}
	return strings.Join(parts, ",")
}

// captchaFor is the block page of the engine a request path belongs to (a banned proxy
// answers with it); DuckDuckGo's for a path of no engine, such as the bare /html/.
func captchaFor(path string) string {
	for _, e := range engines {
		if strings.HasPrefix(path, "/"+e.name+"/") {
			return e.captcha
		}
	}
	return duckduckgo.captcha
}

// Results are deterministic per query: seed from the query so repeat requests agree.
func querySeed(q string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(q)))
	return h.Sum64()
}
