package ingress

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/trawl-dev/trawl/services/ingress/webhook"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	authFailures     *prometheus.CounterVec
	limited          *prometheus.CounterVec
	limiterErrors    prometheus.Counter
	limiterFallbacks prometheus.Counter
	limiterUp        prometheus.Gauge
	keyReloads       *prometheus.CounterVec
	tenants          prometheus.Gauge
	near             *prometheus.CounterVec
	archived         *prometheus.CounterVec
	resends          prometheus.Counter
	webhook          webhook.Metrics

	// Resolved series of requests and duration, so the hit path skips the label lookups.
	mu       sync.RWMutex
	counters map[uint32]prometheus.Counter
	observer map[string]prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_ingress_requests_total",
			Help: "HTTP requests, by route and status code.",
		}, []string{"route", "code"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trawl_ingress_request_duration_seconds",
			Help:    "HTTP request latency, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		authFailures: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_ingress_auth_failures_total",
			Help: "Requests refused 401, by reason (missing, unknown, scheme).",
		}, []string{"reason"}),
		limited: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_ingress_rate_limited_total",
			Help: "Requests refused by a limit, by tenant (\"ip\" under open access) and kind (rate_limited, quota_exceeded, unavailable).",
		}, []string{"tenant", "kind"}),
		limiterErrors: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_ingress_rate_limiter_errors_total",
			Help: "Calls to the shared (Redis) rate limiter that failed.",
		}),
		limiterFallbacks: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_ingress_rate_limiter_fallbacks_total",
			Help: "Requests limited without Redis while it was down (per replica, or refused when failing closed).",
		}),
		limiterUp: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_ingress_rate_limiter_redis_up",
			Help: "1 while the shared (Redis) rate limiter answers, 0 while it is down.",
		}),
		keyReloads: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_ingress_keys_reloads_total",
			Help: "Loads of the keys file, by result (ok, error).",
		}, []string{"result"}),
		tenants: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_ingress_tenants",
			Help: "Tenants in the loaded keys file.",
		}),
		near: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_ingress_near_cache_total",
			Help: "Searches and scrapes the near cache could serve, by result (hit, miss).",
		}, []string{"result"}),
		archived: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_ingress_archived_total",
			Help: "Records sent to the archive (written), refused by it (failed) or not sent because too many writes were in flight (dropped).",
		}, []string{"outcome"}),
		resends: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_ingress_resends_total",
			Help: "Searches and scrapes sent to the cache service again after --resend-after without an answer (a crashed replica held them, or the answer is slow).",
		}),
		webhook: webhook.Metrics{
			Deliveries: f.NewCounterVec(prometheus.CounterOpts{
				Name: "trawl_webhook_deliveries_total",
				Help: "Finished webhook deliveries, by outcome (delivered, failed, refused).",
			}, []string{"outcome"}),
			Attempts: f.NewCounterVec(prometheus.CounterOpts{
				Name: "trawl_webhook_attempts_total",
				Help: "Webhook attempts, by result (2xx, 3xx, 4xx, 5xx, error, refused).",
			}, []string{"result"}),
			InFlight: f.NewGauge(prometheus.GaugeOpts{
				Name: "trawl_webhook_in_flight",
				Help: "Webhook deliveries in progress, those waiting for a slot included.",
			}),
		},
		counters: map[uint32]prometheus.Counter{},
		observer: map[string]prometheus.Observer{},
	}
}

// routes are the route labels; a request's route is an index into it.
var routes = [...]string{"/v1/search", "/v1/engines", "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/searches|scrapes|batches", "/v1/scrape", "/v1/account", "other",
	"serpapi", "searxng", "firecrawl", "/mcp"}

// observe counts one request and its duration.
func (m *metrics) observe(route int, code int, seconds float64) {
	k := uint32(route)<<16 | uint32(code)
	m.mu.RLock()
	c, ok := m.counters[k]
	o := m.observer[routes[route]]
	m.mu.RUnlock()
	if !ok || o == nil {
		m.mu.Lock()
		c = m.requests.WithLabelValues(routes[route], strconv.Itoa(code))
		m.counters[k] = c
		o = m.duration.WithLabelValues(routes[route])
		m.observer[routes[route]] = o
		m.mu.Unlock()
	}
	c.Inc()
	o.Observe(seconds)
}
