// Package load is trawl's load generator: closed-loop (fixed concurrency) and open-loop (fixed
// arrival rate) load over HTTP or straight over NATS (trawl.v1.search, or trawl.v1.scrape with
// --scrape-url), with latency in an HDR histogram. In open loop a request's latency counts from the moment it was due, not from when
// a free slot let it go, so a stalled server cannot hide its slow answers by slowing the
// generator down (coordinated omission).
package load

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Modes.
const (
	ModeClosed = "closed"
	ModeOpen   = "open"
)

// Query sets.
const (
	// QueryHot sends one query: after the first, every request is a cache hit.
	QueryHot = "hot"
	// QueryDistinct sends a new query each time, salted per run: every request is a miss.
	QueryDistinct = "distinct"
	// QueryZipf draws from Keys queries with Zipf-distributed popularity: a realistic mix.
	QueryZipf = "zipf"
)

// Config is one load run.
type Config struct {
	// Target is http://host:port/path (GET path?q=…&engine=…) or nats://host:port (a request
	// on trawl.v1.search with a JSON SearchRequest). With ScrapeURL it is scraped instead.
	Target      string
	Mode        string
	Concurrency int
	// Rate is the open loop's arrivals per second.
	Rate     float64
	Duration time.Duration
	// Requests bounds the measured requests (0: only Duration bounds the run).
	Requests int64
	// Warmup runs the same load first, unrecorded.
	Warmup  time.Duration
	Timeout time.Duration

	QuerySet string
	Query    string
	Engine   string
	// Keys is the number of distinct queries of the Zipf mix; ZipfS its exponent (> 1).
	Keys  int
	ZipfS float64
	Seed  uint64

	// Body makes every HTTP request a POST of this JSON, with each {q} replaced by the query
	// (JSON-escaped): the client dialects' POST APIs (Firecrawl's, MCP's tools/call).
	Body string

	// ScrapeURL makes every request a scrape of that page: GET path?url=<page>&formats=…
	// (or a ScrapeRequest on trawl.v1.scrape over NATS) in place of a search. The query set
	// picks the page's URL: hot sends it as given (hits after the first), distinct adds
	// n=<salt>-<seq> to its query (every request a miss), zipf n=<rank> of Keys. Query and
	// Engine are not sent.
	ScrapeURL string
	// ScrapeFormats is the scrape's formats parameter, comma-separated ("": the server's default).
	ScrapeFormats string

	// APIKey is sent as "Authorization: Bearer <key>" (HTTP only).
	APIKey string
	// Name labels the run in its summary.
	Name string
	// Out is the JSON summary's file ("": none).
	Out string
	// Progress is the interval of the progress line on stderr (0: off).
	Progress time.Duration
	// AllowRemote lets the target be a host other than loopback.
	AllowRemote bool
	// MaxErrorRate is the share of failed requests above which the run fails (1: never).
	MaxErrorRate float64
}

// RegisterFlags adds the load command's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Target, "target", "http://127.0.0.1:8080/v1/search", "http://host:port/path (GET ?q=&engine=) or nats://host:port (request on trawl.v1.search)")
	fs.StringVar(&c.Mode, "mode", ModeClosed, "closed: --concurrency requests always in flight; open: --rate arrivals per second, latency counted from each request's due time")
	fs.IntVar(&c.Concurrency, "concurrency", 64, "closed loop: requests in flight; open loop: most requests in flight (a due request waiting for a slot still counts from its due time)")
	fs.Float64Var(&c.Rate, "rate", 0, "open loop: requests per second")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long to measure (0: until --requests are done)")
	fs.Int64Var(&c.Requests, "requests", 0, "measured requests at most (0: no bound but --duration)")
	fs.DurationVar(&c.Warmup, "warmup", 0, "send the same load this long first, unrecorded")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.StringVar(&c.QuerySet, "query-set", QueryHot, "hot: one query (hits); distinct: a new query every request (misses); zipf: --keys queries, Zipf popularity")
	fs.StringVar(&c.Query, "query", "golang", "the query, or the prefix of generated ones")
	fs.StringVar(&c.Engine, "engine", "duckduckgo", `engine parameter sent with each query ("": none)`)
	fs.IntVar(&c.Keys, "keys", 1000, "zipf: number of distinct queries")
	fs.Float64Var(&c.ZipfS, "zipf-s", 1.1, "zipf: exponent s (> 1; larger is more skewed)")
	fs.StringVar(&c.ScrapeURL, "scrape-url", "", "scrape this page instead of searching (target path /v1/scrape, or trawl.v1.scrape over NATS); distinct and zipf add n=… to its query")
	fs.StringVar(&c.Body, "body", "", `HTTP: POST this JSON to the target path instead of a GET, {q} replaced by each query, JSON-escaped (e.g. '{"query":"{q}"}' at /firecrawl/v2/search)`)
	fs.StringVar(&c.ScrapeFormats, "scrape-formats", "markdown", `with --scrape-url: the formats asked, comma-separated ("": the server's default)`)
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the query draw and of the distinct queries' salt (0: random)")
	fs.StringVar(&c.APIKey, "api-key", "", "HTTP: API key sent as Authorization: Bearer")
	fs.StringVar(&c.Name, "name", "", "label of the run in the summary")
	fs.StringVar(&c.Out, "out", "", "write the JSON summary to this file")
	fs.DurationVar(&c.Progress, "progress", time.Second, "interval of the progress line on stderr (0: off)")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a target that is not a loopback address")
	fs.Float64Var(&c.MaxErrorRate, "max-error-rate", 0.01, "fail the run (exit 1, after the summary) when more than this share of requests failed, or none succeeded; 1: never")
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// Validate checks the configuration, and that the target is on loopback unless AllowRemote.
func (c *Config) Validate() error {
	kind, target, err := c.parseTarget()
	if err != nil {
		return err
	}
	if err := c.validateScrape(kind, target); err != nil {
		return err
	}
	if err := c.validateBody(kind); err != nil {
		return err
	}
	switch {
	case c.Mode != ModeClosed && c.Mode != ModeOpen:
		return fmt.Errorf("mode %q: want %s or %s", c.Mode, ModeClosed, ModeOpen)
	case c.Concurrency < 1:
		return errors.New("concurrency must be at least 1")
	case c.Mode == ModeOpen && c.Rate <= 0:
		return errors.New("open loop needs --rate > 0")
	case c.Mode == ModeClosed && c.Rate != 0:
		return errors.New("--rate applies to --mode open only")
	case c.Duration < 0 || c.Requests < 0 || c.Warmup < 0:
		return errors.New("duration, requests and warmup must not be negative")
	case c.Duration == 0 && c.Requests == 0:
		return errors.New("bound the run: --duration, --requests or both")
	case c.Timeout <= 0:
		return errors.New("timeout must be positive")
	case c.Query == "" || strings.TrimSpace(c.Query) == "":
		return errors.New("query must not be blank")
	case c.Progress < 0:
		return errors.New("progress must not be negative")
	case !(c.MaxErrorRate >= 0 && c.MaxErrorRate <= 1): // NaN too
		return fmt.Errorf("--max-error-rate %v: want a fraction from 0 to 1 (0.01 is 1%%; 1 never fails the run)", c.MaxErrorRate)
	}
	switch c.QuerySet {
	case QueryHot, QueryDistinct:
	case QueryZipf:
		if c.Keys < 2 {
			return errors.New("zipf needs --keys ≥ 2")
		}
		if c.ZipfS <= 1 {
			return errors.New("zipf-s must be greater than 1")
		}
	default:
		return fmt.Errorf("query-set %q: want %s, %s or %s", c.QuerySet, QueryHot, QueryDistinct, QueryZipf)
	}
	return nil
}

// validateScrape checks --scrape-url against the target: a search path cannot take a scrape,
// nor the scrape path a search.
func (c *Config) validateScrape(kind string, target *url.URL) error {
	path := strings.TrimSuffix(target.Path, "/")
	if c.ScrapeURL == "" {
		if kind == "http" && strings.HasSuffix(path, "/v1/scrape") {
			return fmt.Errorf("target %q is the scrape API: name the page with --scrape-url", c.Target)
		}
		return nil
	}
	u, err := url.Parse(c.ScrapeURL)
	switch {
	case err != nil:
		return fmt.Errorf("scrape-url %q: %v", c.ScrapeURL, err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("scrape-url %q: want http(s)://host/path", c.ScrapeURL)
	case kind == "http" && strings.HasSuffix(path, "/v1/search"):
		return fmt.Errorf("target %q is the search API: --scrape-url wants the scrape path, /v1/scrape", c.Target)
	}
	return nil
}

// parseTarget returns the transport ("http" or "nats") and the parsed target.
func (c *Config) parseTarget() (string, *url.URL, error) {
	u, err := url.Parse(c.Target)
	if err != nil {
		return "", nil, fmt.Errorf("target %q: %v", c.Target, err)
	}
	var kind string
	switch u.Scheme {
	case "http":
		kind = "http"
	case "nats":
		kind = "nats"
	default:
		return "", nil, fmt.Errorf("target %q: scheme must be http or nats", c.Target)
	}
	if u.Host == "" || u.Port() == "" {
		return "", nil, fmt.Errorf("target %q: want %s://host:port", c.Target, u.Scheme)
	}
	if !c.AllowRemote && !isLoopback(u.Hostname()) {
		return "", nil, fmt.Errorf("target %q is not a loopback address; pass --allow-remote to load another host", c.Target)
	}
	return kind, u, nil
}

// isLoopback accepts literal loopback addresses and "localhost" only: a name that resolves
// elsewhere would send load off the machine, so names are not resolved.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validateBody checks --body: an HTTP search's POST, valid JSON once a query is put in.
func (c *Config) validateBody(kind string) error {
	switch {
	case c.Body == "":
		return nil
	case kind != "http":
		return errors.New("--body is for an HTTP target")
	case c.ScrapeURL != "":
		return errors.New("--body and --scrape-url: choose one")
	case !strings.Contains(c.Body, "{q}"):
		return fmt.Errorf("--body %q: no {q} for the query", c.Body)
	}
	if b := BodyFor(c.Body, "a \"quoted\" query"); !json.Valid(b) {
		return fmt.Errorf("--body %q: not JSON once {q} is replaced (%s)", c.Body, b)
	}
	return nil
}

// BodyFor is the --body template with q in place of every {q}, as a JSON string's contents.
func BodyFor(template, q string) []byte {
	e, _ := json.Marshal(q)
	return []byte(strings.ReplaceAll(template, "{q}", string(e[1:len(e)-1])))
}
