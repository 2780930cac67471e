package cache

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	flights       prometheus.Gauge
	backendErrors *prometheus.CounterVec
	storedBytes   prometheus.Counter
	jobs          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_requests_total",
			Help: "Searches answered by the cache stage, by outcome (hit, miss, coalesced, stale, error kind).",
		}, []string{"engine", "outcome"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trawl_cache_request_duration_seconds",
			Help:    "Time from request to reply in the cache stage.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		flights: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_cache_flights",
			Help: "Upstream fetches this replica is waiting on.",
		}),
		backendErrors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_backend_errors_total",
			Help: "Cache backend operations that failed (the request is answered without the cache).",
		}, []string{"op"}),
		storedBytes: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_cache_stored_bytes_total",
			Help: "Bytes of results written to the cache.",
		}),
		jobs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_jobs_published_total",
			Help: "Fetch jobs published to JetStream, by result.",
		}, []string{"result"}),
	}
}
