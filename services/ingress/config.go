// Package ingress is trawl's only HTTP face: it authenticates, validates and rate-limits
// requests, turns each into a NATS request on trawl.v1.search carrying its deadline, and maps
// the reply (or typed error) back to HTTP. It never fetches or parses.
package ingress

import (
	"errors"
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/webhook"
)

// Config is the ingress's configuration.
type Config struct {
	HTTPAddr string
	// MaxBodyBytes bounds a POST body; larger is a 413.
	MaxBodyBytes int
	// Deadlines are shared with the cache; the binary registers their flags once.
	Deadlines config.Deadlines

	// KeysFile names the tenants-and-keys JSON file (keys.go); empty is open access.
	KeysFile string
	// RateLimitFailClosed answers 503 while the shared limiter (Redis) is unreachable, instead
	// of falling back to each replica's own in-process limits.
	RateLimitFailClosed bool
	// IPRate and IPBurst limit each client address under open access (no keys file); 0 is off.
	IPRate  float64
	IPBurst int
	// NearCacheTTL and NearCacheBytes bound the near cache (nearcache.go); 0 turns it off.
	NearCacheTTL   time.Duration
	NearCacheBytes int64
	// CORSOrigins is "" (no CORS headers), "*", or a comma-separated list of allowed origins.
	CORSOrigins string
	// MaxConnsPerIP caps the open connections from one client address (0: no cap), so one
	// client cannot hold every connection the process can serve.
	MaxConnsPerIP int
	// AsyncTimeout is the deadline of an async request (or batch item) that sets no timeout_ms.
	AsyncTimeout time.Duration
	// BatchMax bounds the requests of one batch.
	BatchMax int
	// TenantMaxInFlight bounds each tenant's async requests and batch items running at once.
	TenantMaxInFlight int

	// Webhook configures the webhook sender (webhooks.go).
	Webhook webhook.Config
	// WebhookSecretFile holds the open-access webhook secret (else TRAWL_WEBHOOK_SECRET); with
	// a keys file each tenant has its own (webhook_secret).
	WebhookSecretFile string
	// DrainTimeout is the process's --drain-timeout (app.Shared), which bounds how long
	// deliveries in progress may go on once the ingress stops; 0 is Deadlines.Max.
	DrainTimeout time.Duration
	// UsageFlushInterval is how often a replica adds its usage counts to Redis (usage.Redis):
	// how late one replica's requests show in another's GET /v1/account.
	UsageFlushInterval time.Duration
	// SearXNGEngines are the engines a SearXNG-dialect search asks when it names none.
	SearXNGEngines string
	// ResendAfter is how long a search or scrape waits on the cache service in silence before
	// it is sent again, doubling after each resend (0: never). A replica that crashes takes the requests it holds with
	// it; sent again, they reach a live one, which joins the same flight (the cache coalesces
	// by key, across replicas through its Redis lock), so a resend costs one message, not a
	// second fetch.
	ResendAfter time.Duration
}

// RegisterFlags adds the ingress's flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address")
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", 64<<10, "largest POST body accepted, bytes")
	fs.StringVar(&c.KeysFile, "keys-file", "", "tenants and API keys, JSON (re-read on SIGHUP); empty: open access")
	fs.BoolVar(&c.RateLimitFailClosed, "rate-limit-fail-closed", false, "answer 503 while Redis is down instead of limiting per replica")
	fs.Float64Var(&c.IPRate, "ip-rate-limit", 0, "open access only: requests per second per client IP (0: off)")
	fs.IntVar(&c.IPBurst, "ip-burst", 20, "open access only: burst per client IP")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", 1024, "open connections from one client address at most (0: no cap; behind a proxy every client shares its address)")
	fs.DurationVar(&c.NearCacheTTL, "near-cache-ttl", time.Second, "keep fresh answers of hot queries in the ingress this long, skipping the trip to the cache service (0: off)")
	fs.Int64Var(&c.NearCacheBytes, "near-cache-bytes", 8<<20, "memory bound of the ingress's near cache, bytes (the client dialects' rewritten answers take a quarter more)")
	fs.DurationVar(&c.AsyncTimeout, "async-timeout", 60*time.Second, "deadline of an async search or scrape (and of each batch item) that sets no timeout_ms; at most --max-timeout")
	fs.IntVar(&c.BatchMax, "batch-max", 100, "requests in one batch (POST /v1/searches, /v1/scrapes) at most")
	fs.IntVar(&c.TenantMaxInFlight, "tenant-max-inflight", 16, "async requests and batch items of one tenant running at once; more async requests get 429, batch items wait")
	fs.StringVar(&c.SearXNGEngines, "searxng-engines", "duckduckgo,bing,google", "engines a SearXNG client's search asks when it names none (a metasearch)")
	fs.DurationVar(&c.ResendAfter, "resend-after", 2*time.Second, "send a search or scrape to the cache service again when it has had no answer for this long (then twice as long, and so on), so a crashed cache replica loses no request (0: never)")
	fs.StringVar(&c.CORSOrigins, "cors-origins", "", `origins allowed by CORS: "*" or a comma-separated list (empty: no CORS)`)

	w := webhook.DefaultConfig()
	fs.DurationVar(&c.Webhook.Timeout, "webhook-timeout", w.Timeout, "timeout of one webhook attempt")
	fs.DurationVar(&c.Webhook.MaxElapsed, "webhook-max-elapsed", w.MaxElapsed, "how long a webhook is retried after its first attempt (0: one attempt)")
	fs.DurationVar(&c.Webhook.Backoff, "webhook-backoff", w.Backoff, "first wait between webhook attempts; doubles per retry, drawn ±50%")
	fs.DurationVar(&c.Webhook.MaxBackoff, "webhook-max-backoff", w.MaxBackoff, "longest wait between webhook attempts, and the cap on a receiver's Retry-After")
	fs.IntVar(&c.Webhook.MaxConcurrent, "webhook-concurrency", w.MaxConcurrent, "webhook deliveries in progress at once; more wait")
	fs.StringVar(&c.Webhook.Ports, "webhook-ports", w.Ports, "ports a webhook may connect to, comma-separated")
	fs.StringVar(&c.Webhook.Allow, "webhook-allow", "", "what a webhook may reach although private or loopback, comma-separated: CIDR ranges (any port) or address:port (that port only); off by default (internal receivers and tests)")
	fs.StringVar(&c.WebhookSecretFile, "webhook-secret-file", "", "open access only: file holding the secret webhooks are signed with (else TRAWL_WEBHOOK_SECRET; without either, webhook_url is refused)")
	fs.DurationVar(&c.UsageFlushInterval, "usage-flush-interval", 200*time.Millisecond, "with --redis-url: how often each ingress adds its per-tenant usage counts to Redis (how late one replica's requests show in another's /v1/account)")
}

// DefaultConfig is the configuration with every default applied.
func DefaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	c.Deadlines.RegisterFlags(flag.NewFlagSet("", flag.ContinueOnError))
	return c
}

// Validate checks the configuration before anything listens.
func (c *Config) Validate() error {
	switch {
	case c.HTTPAddr == "":
		return errors.New("http-addr is required")
	case c.MaxBodyBytes < 1024:
		return errors.New("max-body-bytes must be at least 1024")
	case c.NearCacheTTL < 0 || c.NearCacheBytes < 0:
		return errors.New("near-cache-ttl and near-cache-bytes must be zero or more")
	case c.IPRate < 0:
		return errors.New("ip-rate-limit must be zero or more")
	case c.MaxConnsPerIP < 0:
		return errors.New("max-conns-per-ip must be zero or more")
	case c.IPRate > 0 && c.IPBurst < 1:
		return errors.New("ip-burst must be at least 1")
	case c.AsyncTimeout < time.Second || (c.Deadlines.Max > 0 && c.AsyncTimeout > c.Deadlines.Max):
		return errors.New("async-timeout must be at least 1s and at most max-timeout")
	case c.BatchMax < 1 || c.BatchMax > 10000:
		return errors.New("batch-max must be between 1 and 10000")
	case c.TenantMaxInFlight < 1:
		return errors.New("tenant-max-inflight must be at least 1")
	case c.ResendAfter != 0 && c.ResendAfter < 100*time.Millisecond:
		return errors.New("resend-after must be 0 (never) or at least 100ms")
	case c.UsageFlushInterval < 10*time.Millisecond || c.UsageFlushInterval > time.Minute:
		return errors.New("usage-flush-interval must be between 10ms and 1m")
	}
	if n := strings.Split(c.SearXNGEngines, ","); c.SearXNGEngines == "" || len(n) > schemas.MaxEngines {
		return errors.New("searxng-engines: one to " + strconv.Itoa(schemas.MaxEngines) + " engine names, comma-separated")
	}
	for _, o := range strings.Split(c.CORSOrigins, ",") {
		o = strings.TrimSpace(o)
		if o != "" && o != "*" && !strings.Contains(o, "://") {
			return errors.New("cors-origins: " + o + " is not an origin (scheme://host[:port]) or *")
		}
	}
	if err := c.Webhook.Validate(); err != nil {
		return err
	}
	if _, err := c.openWebhookSecret(); err != nil {
		return err
	}
	return c.Deadlines.Validate()
}
