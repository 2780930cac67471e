package cache

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	flights       prometheus.Gauge
	flightEnds    *prometheus.CounterVec
	waiters       prometheus.Gauge
	coalesced     prometheus.Counter
	stale         *prometheus.CounterVec
	refreshes     prometheus.Counter
	backendErrors *prometheus.CounterVec
	bypassed      *prometheus.CounterVec
	backendUp     prometheus.Gauge
	storedBytes   prometheus.Counter
	jobs          *prometheus.CounterVec
	republished   prometheus.Counter
	rejected      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		rejected: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_results_rejected_total",
			Help: "Outcomes heard on the result subject and dropped: other_job (not the job a flight waits on: late, duplicate after a takeover, or forged).",
		}, []string{"reason"}),
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_requests_total",
			Help: "Searches answered by the cache stage, by outcome (hit, miss, coalesced, stale, or the error kind); the hit ratio is (hit+stale)/all.",
		}, []string{"engine", "outcome"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trawl_cache_request_duration_seconds",
			Help:    "Time from request to reply in the cache stage.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		flights: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_cache_flights",
			Help: "Keys this replica is waiting on an upstream fetch for (its own or another replica's).",
		}),
		flightEnds: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_flights_total",
			Help: "Finished flights by how the key was resolved: fetched (this replica's job), takeover (fetched after the holder vanished), followed (another replica's fetch), found (stored by a concurrent fetch), failed.",
		}, []string{"result"}),
		waiters: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_cache_waiters",
			Help: "Requests waiting on a flight now.",
		}),
		coalesced: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_cache_coalesced_waiters_total",
			Help: "Requests that waited on a fetch they did not start.",
		}),
		stale: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_stale_served_total",
			Help: "Expired entries served, by reason: revalidate (stale-while-revalidate), error (stale-if-error), timeout (deadline passed with a stale entry at hand).",
		}, []string{"reason"}),
		refreshes: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_cache_refreshes_total",
			Help: "Background refreshes started by stale-while-revalidate.",
		}),
		backendErrors: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_backend_errors_total",
			Help: "Cache backend operations that failed (the request is answered without the cache).",
		}, []string{"op"}),
		bypassed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_backend_bypassed_total",
			Help: "Cache backend operations skipped because the backend is down.",
		}, []string{"op"}),
		backendUp: f.NewGauge(prometheus.GaugeOpts{
			Name: "trawl_cache_backend_up",
			Help: "1 while the cache backend is in use, 0 while it is bypassed (Redis down).",
		}),
		storedBytes: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_cache_stored_bytes_total",
			Help: "Bytes of entries written to the cache (before compression).",
		}),
		republished: f.NewCounter(prometheus.CounterOpts{
			Name: "trawl_cache_jobs_republished_total",
			Help: "Fetch jobs published again under a new id because the replica's NATS connection came back while it awaited their outcome (an outcome published meanwhile is lost).",
		}),
		jobs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trawl_cache_jobs_published_total",
			Help: "Fetch jobs published to JetStream, by result.",
		}, []string{"result"}),
	}
}

// watchMemory exports the in-process store's size.
func watchMemory(reg prometheus.Registerer, m *Memory) {
	promauto.With(reg).NewGaugeFunc(prometheus.GaugeOpts{
		Name: "trawl_cache_memory_bytes",
		Help: "Bytes held by the in-process store (bounded by --cache-max-bytes).",
	}, func() float64 { return float64(m.Bytes()) })
}
