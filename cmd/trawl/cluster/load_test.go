package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// outcome is one request as the client saw it.
type outcome struct {
	sent    time.Time
	latency time.Duration
	// status is the HTTP status; 0 when no response came at all (lost).
	status int
	err    string
	phase  int
	reqID  string
	// retried is set when the first answer was 503 with Retry-After and the request was sent
	// again, as the API asks clients to.
	retried    bool
	retryAfter time.Duration
}

// loadGen sends requests at a steady rate, alternating across the ingresses, each one a new
// query (a cache miss that crosses the whole pipeline). Every request is bounded by the client
// timeout, which is longer than the server's deadline: an ingress always answers first, so a
// request without a response is one the system lost.
type loadGen struct {
	rate    float64
	timeout time.Duration
	targets func() []string
	prefix  string
	client  *http.Client

	mu       sync.Mutex
	out      []outcome
	phase    int
	phases   []string
	marks    []time.Time
	inFlight sync.WaitGroup
	sent     atomic.Int64
	// maxInFlight bounds concurrent requests, so a stall cannot grow the load without bound.
	sem chan struct{}
}

func newLoad(rate float64, timeout time.Duration, prefix string, targets func() []string) *loadGen {
	return &loadGen{
		rate: rate, timeout: timeout, targets: targets, prefix: prefix,
		client: &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 512}},
		phases: []string{"baseline"},
		marks:  []time.Time{time.Now()},
		sem:    make(chan struct{}, 1024),
	}
}

// mark starts a new phase: requests sent from now on count to it.
func (l *loadGen) mark(name string) {
	l.mu.Lock()
	l.phases = append(l.phases, name)
	l.marks = append(l.marks, time.Now())
	l.phase = len(l.phases) - 1
	l.mu.Unlock()
}

// run sends until ctx ends, then waits for every request in flight.
func (l *loadGen) run(ctx context.Context) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / l.rate))
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			l.inFlight.Wait()
			return
		case <-tick.C:
		}
		targets := l.targets()
		target := targets[n%len(targets)]
		l.mu.Lock()
		phase := l.phase
		l.mu.Unlock()
		select {
		case l.sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		l.inFlight.Add(1)
		l.sent.Add(1)
		go func() {
			defer func() { <-l.sem; l.inFlight.Done() }()
			o := l.one(target, fmt.Sprintf("%s %d", l.prefix, n))
			o.phase = phase
			l.mu.Lock()
			l.out = append(l.out, o)
			l.mu.Unlock()
		}()
	}
}

// one sends a search; a 503 with Retry-After (overload, or an ingress between NATS servers) is
// retried once after min(Retry-After, 1s), as a well-behaved client does. Latency counts from
// the first send.
func (l *loadGen) one(target, q string) outcome {
	start := time.Now()
	o := l.send(target, q, start)
	if o.status == http.StatusServiceUnavailable && o.retryAfter > 0 {
		wait := min(o.retryAfter, time.Second)
		<-time.After(wait) // the client honouring Retry-After, as the API asks; not synchronisation
		o = l.send(target, q, start)
		o.retried = true
	}
	return o
}

func (l *loadGen) send(target, q string, start time.Time) outcome {
	u := "http://" + target + "/v1/search?engine=duckduckgo&q=" + url.QueryEscape(q)
	resp, err := l.client.Get(u)
	o := outcome{sent: start}
	if err != nil {
		o.latency, o.err = time.Since(start), err.Error()
		return o
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	o.latency, o.status, o.reqID = time.Since(start), resp.StatusCode, resp.Header.Get("X-Request-Id")
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		o.retryAfter = time.Duration(secs) * time.Second
	}
	if err != nil {
		o.status, o.err = 0, "reading body: "+err.Error()
	}
	return o
}

// phaseStats is the summary of the requests sent in one phase.
type phaseStats struct {
	name                 string
	sent, answered, fail int
	lost, retried        int
	p50, p99, max        time.Duration
	// failures counts failed answers by status.
	failures map[int]int
}

func (l *loadGen) stats() (total phaseStats, phases []phaseStats) {
	l.mu.Lock()
	defer l.mu.Unlock()
	phases = make([]phaseStats, len(l.phases))
	lat := make([][]time.Duration, len(l.phases))
	var all []time.Duration
	total = phaseStats{name: "total", failures: map[int]int{}}
	for i := range phases {
		phases[i] = phaseStats{name: l.phases[i], failures: map[int]int{}}
	}
	for _, o := range l.out {
		for _, s := range []*phaseStats{&phases[o.phase], &total} {
			s.sent++
			if o.retried {
				s.retried++
			}
			switch {
			case o.status == http.StatusOK:
				s.answered++
			case o.status == 0:
				s.lost++
			default:
				s.fail++
				s.failures[o.status]++
			}
		}
		if o.status != 0 {
			lat[o.phase] = append(lat[o.phase], o.latency)
			all = append(all, o.latency)
		}
	}
	for i := range phases {
		phases[i].p50, phases[i].p99, phases[i].max = percentiles(lat[i])
	}
	total.p50, total.p99, total.max = percentiles(all)
	return total, phases
}

func percentiles(d []time.Duration) (p50, p99, max time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return at(0.50), at(0.99), d[len(d)-1]
}

// outcomes is a copy of every finished request.
func (l *loadGen) outcomes() []outcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.out)
}

// failedRequests describes failed, lost and slow (over 1s) requests (the first n): phase, when in the phase
// each was sent, status, latency and request id.
func (l *loadGen) failedRequests(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, o := range l.out {
		if (o.status != http.StatusOK || o.latency > time.Second || o.retried) && len(out) < n {
			out = append(out, fmt.Sprintf("%s +%s: status %d after %s (retried %v), id %s %s", l.phases[o.phase],
				o.sent.Sub(l.marks[o.phase]).Round(time.Millisecond), o.status, ms(o.latency), o.retried, o.reqID, o.err))
		}
	}
	return out
}

// lostErrors lists the transport errors of lost requests (the first few), for a failure report.
func (l *loadGen) lostErrors(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []string
	for _, o := range l.out {
		if o.status == 0 && len(errs) < n {
			errs = append(errs, o.err)
		}
	}
	return errs
}

func table(total phaseStats, phases []phaseStats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| phase | sent | answered | failed | lost | retried after 503 | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range append(phases, total) {
		fail := fmt.Sprint(s.fail)
		if len(s.failures) > 0 {
			var parts []string
			for code, n := range s.failures {
				parts = append(parts, fmt.Sprintf("%d×%d", n, code))
			}
			slices.Sort(parts)
			fail += " (" + strings.Join(parts, ", ") + ")"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %d | %d | %s | %s | %s |\n", s.name, s.sent, s.answered, fail, s.lost,
			s.retried, ms(s.p50), ms(s.p99), ms(s.max))
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
