package fetcher

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	jobs     *prometheus.CounterVec
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		jobs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_jobs_total",
			Help: "Fetch jobs finished, by engine and outcome (ok, failed, expired, malformed, requeued).",
		}, []string{"engine", "outcome"}),
		attempts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_fetcher_attempts_total",
			Help: "Upstream attempts, by engine and result (ok, status code, error).",
		}, []string{"engine", "result"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trawl_fetcher_fetch_duration_seconds",
			Help:    "Time to fetch a page, all attempts included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 13),
		}, []string{"engine"}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_fetcher_in_flight",
			Help: "Jobs this fetcher is working on.",
		}),
	}
}
