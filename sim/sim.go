// Package sim is trawl's simulated search engine: it serves DuckDuckGo-HTML-shaped result
// pages whose results depend on the query and page, with faults injected by probability, so
// demos, tests and load runs exercise the real engine code offline. It is a test tool, never a
// shortcut in the pipeline.
package sim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"html"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	served   sync.Map // query → *atomic.Int64, requests per query
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
	mux.HandleFunc("/html/", s.serveSearch)
	mux.HandleFunc("/html", s.serveSearch)
	mux.HandleFunc("/sim/stats", s.serveStats)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

// Start listens on cfg.Addr ("127.0.0.1:0" picks a free port) and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
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

// URL is the simulator's base URL (for TRAWL_ENGINE_URLS).
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

// Requests is the number of search requests the simulator received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RequestsFor is the number of search requests received for one query.
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
	v, _ := m.LoadOrStore(k, new(atomic.Int64))
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

func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	q := r.Form.Get("q")
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
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(captchaPage))
		return
	}
	if q == "" {
		// The real endpoint answers an empty query with its home page; trawl never sends one.
		http.Error(w, "missing q", http.StatusBadRequest)
		return
	}
	// The inverse of the duckduckgo engine's offsets: page 1 at 0, page 2 at 10, then every 15.
	offset, _ := strconv.Atoi(r.Form.Get("s"))
	page := 1
	if offset >= 10 {
		page = (offset-10)/15 + 2
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(ResultsPage(q, page, cfg.PerPage, cfg.Pages))
}

// Results are deterministic per query: seed from the query so repeat requests agree.
func querySeed(q string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(q)))
	return h.Sum64()
}

var words = []string{"guide", "reference", "tutorial", "news", "forum", "docs", "wiki", "blog", "review", "handbook", "examples", "course"}
var hosts = []string{"example.com", "example.org", "example.net", "docs.example.dev", "wiki.example.edu", "news.example.io"}

// ResultsPage renders one html.duckduckgo.com-shaped page. A query containing "noresults"
// yields the engine's no-results page, one containing "newlayout" a page in a layout no
// parser knows.
func ResultsPage(q string, page, perPage, pages int) []byte {
	var b strings.Builder
	eq := html.EscapeString(q)
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + eq + ` at DuckDuckGo</title></head><body>`)
	b.WriteString(`<div class="serp__results"><div id="links" class="results">`)
	seed := querySeed(q)
	if strings.Contains(strings.ToLower(q), "newlayout") {
		// A layout no parser knows, as after an engine's redesign.
		b.WriteString(`<main class="serp-v2"><article data-v2-result="1"><h3>` + eq + `</h3></article></main></div></div></body></html>`)
		return []byte(b.String())
	}
	if strings.Contains(strings.ToLower(q), "noresults") || page > pages {
		b.WriteString(`<div class="result results_links results_links_deep result--no-result"><div class="no-results">No  results.</div></div>`)
		b.WriteString(`</div></div></body></html>`)
		return []byte(b.String())
	}
	if page == 1 {
		// One ad on the first page, as the real engine shows, which must not count as organic.
		fmt.Fprintf(&b, `<div class="result results_links results_links_deep result--ad result--ad--small"><div class="links_main links_deep result__body">`+
			`<h2 class="result__title"><a rel="nofollow" class="result__a" href="https://duckduckgo.com/y.js?ad_domain=ads.example.com&amp;u3=x">Sponsored: buy %s</a></h2>`+
			`<a class="result__url" href="https://duckduckgo.com/y.js?ad_domain=ads.example.com">ads.example.com</a>`+
			`<a class="result__snippet" href="https://duckduckgo.com/y.js?ad_domain=ads.example.com">An advertisement.</a></div></div>`, eq)
	}
	for i := 0; i < perPage; i++ {
		n := (page-1)*perPage + i + 1
		host := hosts[(seed+uint64(n))%uint64(len(hosts))]
		word := words[(seed/7+uint64(n))%uint64(len(words))]
		target := fmt.Sprintf("https://%s/%s/%d?q=%s", host, word, n, url.QueryEscape(q))
		link := "//duckduckgo.com/l/?uddg=" + url.QueryEscape(target) + "&amp;rut=" + strconv.FormatUint(seed%100000, 16)
		fmt.Fprintf(&b, `<div class="result results_links results_links_deep web-result "><div class="links_main links_deep result__body">`+
			`<h2 class="result__title"><a rel="nofollow" class="result__a" href="%s">%s %s #%d</a></h2>`+
			`<div class="result__extras"><div class="result__extras__url"><a class="result__url" href="%s">%s/%s/%d</a></div></div>`+
			`<a class="result__snippet" href="%s">The %s about <b>%s</b>, result %d of this simulated engine.</a>`+
			`<div class="clear"></div></div></div>`,
			link, eq, word, n, link, host, word, n, link, word, eq, n)
	}
	if page < pages {
		fmt.Fprintf(&b, `<div class="nav-link"><form action="/html/" method="post"><input type="submit" class="btn btn--alt" value="Next" />`+
			`<input type="hidden" name="q" value="%s" /><input type="hidden" name="s" value="%d" /><input type="hidden" name="dc" value="%d" /></form></div>`,
			eq, 10+(page-1)*15, 10+(page-1)*15+1)
	}
	b.WriteString(`</div></div></body></html>`)
	return []byte(b.String())
}

// captchaPage is shaped like DuckDuckGo's anomaly (bot challenge) page.
const captchaPage = `<!DOCTYPE html><html><head><title>DuckDuckGo</title></head><body>
<div class="anomaly-modal__mask"><div class="anomaly-modal__modal"><div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div>
<div class="anomaly-modal__description">Please complete the following challenge to confirm this search was made by a human.</div>
<form id="challenge-form" action="//duckduckgo.com/anomaly.js?sv=html&amp;cc=sre" method="POST"></form></div></div></body></html>`
