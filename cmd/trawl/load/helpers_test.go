package load_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
)

// server is a fasthttp server on loopback that records what it was sent.
type server struct {
	URL string
	mu  sync.Mutex
	qs  []string
	at  []time.Time
	eng []string
}

// startServer serves h (nil: 200 with X-Cache: HIT) and records each request's query and
// arrival time before h runs.
func startServer(t *testing.T, h fasthttp.RequestHandler) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{URL: "http://" + ln.Addr().String() + "/v1/search"}
	if h == nil {
		h = func(c *fasthttp.RequestCtx) {
			c.Response.Header.Set("X-Cache", "HIT")
			c.SetContentType("application/json")
			c.SetBodyString(`{"organic_results":[]}`)
		}
	}
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		s.mu.Lock()
		s.qs = append(s.qs, string(c.QueryArgs().Peek("q")))
		s.eng = append(s.eng, string(c.QueryArgs().Peek("engine")))
		s.at = append(s.at, time.Now())
		s.mu.Unlock()
		h(c)
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

func (s *server) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.qs...)
}

func (s *server) arrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.at...)
}

// cfg is a quick run's configuration: requests-bounded, no progress line.
func cfg(target string, mutate func(*load.Config)) load.Config {
	c := load.DefaultConfig()
	c.Target = target
	c.Duration = 0
	c.Requests = 50
	c.Concurrency = 4
	c.Timeout = 5 * time.Second
	c.Progress = 0
	if mutate != nil {
		mutate(&c)
	}
	return c
}

func run(t *testing.T, c load.Config) *load.Summary {
	t.Helper()
	s, err := load.Run(t.Context(), c, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return s
}

// countAtLeast is how many recorded latencies are at least d.
func countAtLeast(s *load.Summary, d time.Duration) int64 {
	var n int64
	for _, b := range s.Hist.Distribution() {
		if b.From >= d.Microseconds() {
			n += b.Count
		}
	}
	return n
}
