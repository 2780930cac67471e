package fetcher

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	jobs     *prometheus.CounterVec
	attempts *prometheus.CounterVec
	perJob   prometheus.Histogram
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge

	breakerState *prometheus.GaugeVec
	budgetDenied *prometheus.CounterVec
	deadLetters  *prometheus.CounterVec
	politeWait   prometheus.Histogram

	proxyAttempts  *prometheus.CounterVec
	proxyHealth    *prometheus.GaugeVec
	proxyState     *prometheus.GaugeVec
	proxyEvictions *prometheus.CounterVec
	proxyProbes    *prometheus.CounterVec

	healthShared prometheus.Gauge
	fleetApplied *prometheus.CounterVec
	probeLeases  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		jobs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_jobs_total",
			Help: "Fetch jobs finished, by engine and outcome (ok, failed, circuit_open, expired, malformed, requeued).",
		}, []string{"engine", "outcome"}),
		attempts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_attempts_total",
			Help: "Upstream attempts, by engine and result (ok, status code, blocked, unrecognised, timeout, error).",
		}, []string{"engine", "result"}),
		perJob: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "trawl_fetcher_attempts_per_job",
			Help:    "Upstream attempts a job took.",
			Buckets: []float64{1, 2, 3, 4, 5, 6, 8, 10, 15, 20},
		}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trawl_fetcher_fetch_duration_seconds",
			Help:    "Time to fetch a page, all attempts included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 13),
		}, []string{"engine"}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_fetcher_in_flight",
			Help: "Jobs this fetcher is working on.",
		}),
		breakerState: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trawl_fetcher_breaker_state",
			Help: "Circuit breaker state per engine as this fetcher applies it (its own, or the fleet's while that is open): 0 closed, 1 half-open, 2 open.",
		}, []string{"engine"}),
		budgetDenied: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_retry_budget_exhausted_total",
			Help: "Retries not made because the retry budget was spent.",
		}, []string{"engine"}),
		deadLetters: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_dead_letters_total",
			Help: "Jobs sent to the dead-letter subject, by reason (malformed, max_deliveries).",
		}, []string{"reason"}),
		politeWait: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "trawl_fetcher_politeness_wait_seconds",
			Help:    "Time an attempt waited for its host's concurrency slot and minimum interval.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}),
		proxyAttempts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_proxy_attempts_total",
			Help: "Attempts per proxy, by outcome (ok, route_failed, upstream_error, cancelled, final).",
		}, []string{"proxy", "outcome"}),
		proxyHealth: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trawl_fetcher_proxy_health",
			Help: "Proxy health score in [0,1] (EWMA of attempt outcomes).",
		}, []string{"proxy"}),
		proxyState: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "trawl_fetcher_proxy_state",
			Help: "Proxy state: 0 active, 1 evicted, 2 probing.",
		}, []string{"proxy"}),
		proxyEvictions: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_proxy_evictions_total",
			Help: "Times a proxy was evicted from the pool.",
		}, []string{"proxy"}),
		proxyProbes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_proxy_probes_total",
			Help: "Probes of evicted proxies, by result (pass, fail).",
		}, []string{"proxy", "result"}),
		healthShared: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_fetcher_health_shared",
			Help: "1 while proxy and breaker health is shared with the other fetchers through JetStream KV, 0 while it is this process's alone.",
		}),
		fleetApplied: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_fleet_evidence_total",
			Help: "Evidence from other fetchers applied here, by kind (route_rest, route_score, route_evicted, breaker_open, breaker_closed).",
		}, []string{"kind"}),
		probeLeases: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_breaker_probe_leases_total",
			Help: "Half-open probes of an engine: leases this fetcher won (it probes for the fleet), and attempts refused because another fetcher held the probe (waited).",
		}, []string{"engine", "result"}),
	}
}
