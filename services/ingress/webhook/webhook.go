// Package webhook POSTs a finished search or scrape to the URL its caller named
// (webhook_url), signed with the tenant's secret, retried with backoff for a bounded time.
//
// # What the receiver gets
//
// One POST per attempt, body the JSON document (Content-Type: application/json), headers:
//
//	Trawl-Event:     what happened ("search.completed", …)
//	Trawl-Delivery:  the delivery's id, the same on every attempt (deduplicate on it)
//	Trawl-Attempt:   1, 2, … (not signed; informational)
//	Trawl-Timestamp: Unix seconds when this attempt was signed
//	Trawl-Signature: sha256=<hex of HMAC-SHA256(secret, Trawl-Timestamp + "." + body)>
//	User-Agent:      trawl-webhook/<version>
//
// To verify, compute HMAC-SHA256 with the tenant's webhook_secret over the timestamp header's
// value, a full stop and the raw body bytes; compare its hex with the signature in constant
// time; refuse a timestamp more than five minutes from now (each attempt is signed afresh, so
// a retry is never stale). Verify does exactly that; in shell, with the raw body in body.json
// (ShellRecipe, which a test runs against Sign):
//
//	{ printf '%s.' "$TS"; cat body.json; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1
//
// prints the hex that follows "sha256=" in Trawl-Signature.
//
// # Retries
//
// A 2xx is delivered. A connection error, 408, 429 or 5xx is retried after a backoff that
// starts near Config.Backoff and doubles, each wait drawn ±50% (jitter, so receivers coming
// back are not hit by every sender at once), never longer than Config.MaxBackoff. A
// Retry-After (seconds or an HTTP date) on any of those answers is honoured, capped at
// MaxBackoff. No attempt starts after Config.MaxElapsed from the first; the last may run for
// Config.Timeout past it. Any other 4xx, and an unknown host, is final after one attempt: the
// receiver will not change its mind. A 3xx is final too: redirects are not followed, because
// the signature and the guard below are both about the URL the tenant named.
//
// # Targets
//
// A webhook URL comes from a caller, so it goes through the same guard as a scrape
// (kit/target): Validate refuses what the URL shows (scheme, credentials, length, literal
// private addresses, localhost names, ports off the list) before any work, and the dialler
// refuses every address a name resolves to that is not public, so a name pointing at
// 127.0.0.1 or 169.254.169.254 never gets a connection. Config.Allow opens chosen ranges.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/target"
	"github.com/trawl-dev/trawl/kit/version"
	"github.com/trawl-dev/trawl/schemas"
)

// MaxURLBytes bounds a webhook URL.
const MaxURLBytes = 2048

// Config is a Sender's configuration; the ingress's --webhook-* flags fill it.
type Config struct {
	// Timeout bounds one attempt: connect, send, and the answer's status line.
	Timeout time.Duration
	// MaxElapsed is how long after the first attempt another may start.
	MaxElapsed time.Duration
	// Backoff is the first wait between attempts; MaxBackoff the longest (and the cap on a
	// receiver's Retry-After).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Ports and Allow are the guard's lists, read as --scrape-ports and --scrape-allow are
	// (target.FromFlags): the ports a webhook may use, and the ranges (or address:port) it
	// may reach although private or loopback.
	Ports string
	Allow string
	// MaxConcurrent bounds deliveries in progress; more wait for a slot.
	MaxConcurrent int
	// Resolver resolves webhook hosts (nil: the system's); tests point names at loopback.
	Resolver *net.Resolver
}

// DefaultConfig is the configuration the flags default to.
func DefaultConfig() Config {
	return Config{
		Timeout:       10 * time.Second,
		MaxElapsed:    10 * time.Minute,
		Backoff:       time.Second,
		MaxBackoff:    time.Minute,
		Ports:         "80,443,8080,8443",
		MaxConcurrent: 64,
	}
}

// Validate checks c, naming the flag at fault.
func (c *Config) Validate() error {
	switch {
	case c.Timeout <= 0:
		return errors.New("webhook-timeout must be positive")
	case c.MaxElapsed < 0:
		return errors.New("webhook-max-elapsed must be zero (one attempt) or more")
	case c.Backoff <= 0:
		return errors.New("webhook-backoff must be positive")
	case c.MaxBackoff < c.Backoff:
		return errors.New("webhook-max-backoff must be at least webhook-backoff")
	case c.MaxConcurrent < 1:
		return errors.New("webhook-concurrency must be at least 1")
	}
	_, err := c.policy()
	return err
}

func (c *Config) policy() (*target.Policy, error) {
	p, err := target.FromFlags("webhook-ports", c.Ports, "webhook-allow", c.Allow)
	if err != nil {
		return nil, err
	}
	p.Resolver = c.Resolver
	return p, nil
}

// Metrics are the Sender's counters, registered by its owner (the ingress's registry).
// A nil field is replaced by an unregistered one.
type Metrics struct {
	// Deliveries counts finished deliveries by outcome (delivered, failed, refused).
	Deliveries *prometheus.CounterVec
	// Attempts counts attempts by result: 2xx, 3xx, 4xx, 5xx, error, refused.
	Attempts *prometheus.CounterVec
	// InFlight is the deliveries in progress, waiting ones included.
	InFlight prometheus.Gauge
}

// Outcome is how a delivery ended.
type Outcome string

const (
	// Delivered: the receiver answered 2xx.
	Delivered Outcome = "delivered"
	// Failed: a final answer, the time ran out, or the sender stopped.
	Failed Outcome = "failed"
	// Refused: the guard would not connect to the target.
	Refused Outcome = "refused"
)

// Delivery is one document to post.
type Delivery struct {
	// ID is Trawl-Delivery, the same on every attempt; empty (or not short printable ASCII)
	// gets a fresh random one, returned in Result.ID.
	ID string
	// URL is the tenant's webhook_url, checked by Validate.
	URL string
	// Body is the JSON sent, byte for byte, on every attempt.
	Body []byte
	// Secret is the tenant's webhook secret; it never leaves the HMAC.
	Secret []byte
	// Event is Trawl-Event ("search.completed").
	Event string
}

// Attempt is one POST, as recorded on the archive entry.
type Attempt struct {
	N  int       `json:"n"`
	At time.Time `json:"at"`
	// Status is the HTTP status; 0 when none came back (see Error).
	Status int `json:"status,omitempty"`
	// Error says why the attempt failed without a status, or why its status was not taken.
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// Result is how a delivery ended.
type Result struct {
	ID       string  `json:"id"`
	Outcome  Outcome `json:"outcome"`
	Attempts int     `json:"attempts"`
	// Status is the last attempt's HTTP status (0: none).
	Status int `json:"status,omitempty"`
	// Error says why a delivery that was not delivered ended.
	Error string `json:"error,omitempty"`
}

// Sender posts deliveries. It is safe for concurrent use.
type Sender struct {
	cfg    Config
	policy *target.Policy
	client *http.Client
	log    *slog.Logger
	m      Metrics
	ua     string
	slots  chan struct{}

	// base is cancelled when Shutdown's grace runs out: every delivery's context hangs off it.
	base   context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// ErrStopped ends a delivery asked for after Shutdown began.
var ErrStopped = errors.New("webhook sender stopped")

// New checks cfg and builds a Sender. log may be nil.
func New(cfg Config, m Metrics, log *slog.Logger) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p, _ := cfg.policy()
	// Nothing to follow: a redirect is a final answer (see the package doc).
	p.MaxRedirects = 0
	if log == nil {
		log = logging.Discard()
	}
	if m.Deliveries == nil {
		m.Deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "d"}, []string{"outcome"})
	}
	if m.Attempts == nil {
		m.Attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "a"}, []string{"result"})
	}
	if m.InFlight == nil {
		m.InFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "i"})
	}
	for _, o := range []Outcome{Delivered, Failed, Refused} {
		m.Deliveries.WithLabelValues(string(o)) // every outcome's series, from zero
	}
	tr := p.Transport(nil)
	tr.MaxIdleConnsPerHost = 4
	base, cancel := context.WithCancel(context.Background())
	return &Sender{
		cfg:    cfg,
		policy: p,
		client: &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		log:    log,
		m:      m,
		ua:     "trawl-webhook/" + version.Get().Version,
		slots:  make(chan struct{}, cfg.MaxConcurrent),
		base:   base,
		cancel: cancel,
	}, nil
}

// Validate is the syntax check of a webhook URL, with no policy: an absolute http or https
// URL with a host, no credentials, at most MaxURLBytes. Its message reads after the field's
// name ("webhook_url must …").
func Validate(raw string) error {
	if raw == "" {
		return errors.New("must not be empty")
	}
	if len(raw) > MaxURLBytes {
		return fmt.Errorf("must be at most %d bytes", MaxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an absolute http or https URL")
	case u.Opaque != "" || u.Hostname() == "":
		return errors.New("must name a host")
	case u.User != nil:
		return errors.New("must not carry credentials")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("has a port out of range 1-65535")
		}
	}
	return nil
}

// Validate is the package's Validate, then the guard on what the URL alone shows (a literal
// private address, a localhost name, a port off the list), so such a URL is a 400 up front
// rather than a refused delivery later. Names are judged when dialled.
func (s *Sender) Validate(raw string) error {
	if err := Validate(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw)
	if err := s.policy.CheckURL(u); err != nil {
		if fe, ok := target.AsForbidden(err); ok {
			return errors.New("is not allowed: " + fe.Detail)
		}
		return err
	}
	return nil
}

// Deliver posts d until it is delivered, a failure is final, MaxElapsed runs out, ctx ends or
// the sender shuts down, calling onAttempt (may be nil) after each attempt, in order, on the
// calling goroutine. It waits for a slot when MaxConcurrent deliveries are in progress.
//
// A delivery outlives the request that asked for it: from a handler, pass
// context.WithoutCancel(ctx) and call Deliver on a goroutine of its own.
func (s *Sender) Deliver(ctx context.Context, d Delivery, onAttempt func(Attempt)) Result {
	if !validID(d.ID) {
		d.ID = schemas.NewID()
	}
	res := Result{ID: d.ID, Outcome: Failed}
	if !s.enter() {
		res.Error = ErrStopped.Error()
		s.m.Deliveries.WithLabelValues(string(res.Outcome)).Inc()
		return res
	}
	defer s.wg.Done()
	s.m.InFlight.Inc()
	defer s.m.InFlight.Dec()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.base, cancel)
	defer stop()

	defer func() {
		s.m.Deliveries.WithLabelValues(string(res.Outcome)).Inc()
		if res.Outcome != Delivered {
			// The host only: a query string may carry the receiver's own token.
			s.log.Warn("webhook not delivered", "delivery", res.ID, "host", hostOf(d.URL),
				"outcome", res.Outcome, "attempts", res.Attempts, "status", res.Status, "err", res.Error)
		}
	}()

	if err := s.Validate(d.URL); err != nil {
		res.Outcome, res.Error = Refused, "webhook_url "+err.Error()
		return res
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		res.Error = stopReason(ctx, s.base)
		return res
	}

	bo := &backoff.ExponentialBackOff{
		InitialInterval:     s.cfg.Backoff,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		// The ±50% draw may add half again: cap the interval so no wait passes MaxBackoff.
		MaxInterval: s.cfg.MaxBackoff * 2 / 3,
	}
	bo.Reset()
	start := time.Now()
	for {
		a, v := s.attempt(ctx, d, res.Attempts+1)
		res.Attempts = a.N
		res.Status = a.Status
		s.m.Attempts.WithLabelValues(v.label).Inc()
		if onAttempt != nil {
			onAttempt(a)
		}
		switch {
		case v.outcome != "":
			res.Outcome = v.outcome
			if v.outcome != Delivered {
				res.Error = a.Error
			}
			return res
		case ctx.Err() != nil:
			res.Error = stopReason(ctx, s.base)
			return res
		}
		// MaxInterval bounds the draws once they have grown; the first ones are clamped here,
		// for a Backoff close to MaxBackoff.
		wait := min(bo.NextBackOff(), s.cfg.MaxBackoff)
		if v.retryAfter > 0 {
			wait = max(wait, min(v.retryAfter, s.cfg.MaxBackoff))
		}
		if time.Since(start)+wait > s.cfg.MaxElapsed {
			res.Error = fmt.Sprintf("gave up after %d attempts in %s: %s", res.Attempts,
				time.Since(start).Round(time.Millisecond), a.Error)
			return res
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			res.Error = stopReason(ctx, s.base) + " (last attempt: " + a.Error + ")"
			return res
		}
	}
}

// verdict is what an attempt means for the delivery: a final outcome, or "" to retry.
type verdict struct {
	outcome    Outcome
	label      string
	retryAfter time.Duration
}

func (s *Sender) attempt(ctx context.Context, d Delivery, n int) (Attempt, verdict) {
	a := Attempt{N: n, At: time.Now().UTC()}
	actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		// Validate passed, so this is not the receiver's doing and will not get better.
		a.Error = err.Error()
		return a, verdict{outcome: Failed, label: "error"}
	}
	ts := time.Now().Unix()
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", s.ua)
	h.Set(HeaderDelivery, d.ID)
	if validID(d.Event) {
		h.Set(HeaderEvent, d.Event)
	}
	h.Set(HeaderAttempt, strconv.Itoa(n))
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(d.Secret, ts, d.Body))

	resp, err := s.client.Do(req)
	a.DurationMS = float64(time.Since(a.At).Microseconds()) / 1000
	if err != nil {
		return a, s.failure(ctx, actx, err, &a)
	}
	// Read a little so the connection can be reused; the answer's body means nothing to us.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	a.Status = resp.StatusCode
	label := strconv.Itoa(resp.StatusCode/100) + "xx"
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return a, verdict{outcome: Delivered, label: label}
	case c >= 300 && c < 400:
		a.Error = "redirect not followed"
		if loc := resp.Header.Get("Location"); loc != "" {
			a.Error += " (to " + hostOf(loc) + ")"
		}
		return a, verdict{outcome: Failed, label: label}
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		a.Error = "status " + strconv.Itoa(c)
		return a, verdict{label: label, retryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	default:
		a.Error = "status " + strconv.Itoa(c) + " is final"
		return a, verdict{outcome: Failed, label: label}
	}
}

// failure classifies an attempt that got no answer.
func (s *Sender) failure(ctx, actx context.Context, err error, a *Attempt) verdict {
	if fe, ok := target.AsForbidden(err); ok {
		a.Error = "not allowed: " + fe.Detail
		return verdict{outcome: Refused, label: "refused"}
	}
	var dns *net.DNSError
	switch {
	case ctx.Err() != nil:
		a.Error = stopReason(ctx, s.base)
	case actx.Err() != nil:
		a.Error = "no answer within " + s.cfg.Timeout.String()
	case errors.As(err, &dns) && dns.IsNotFound:
		a.Error = "no such host " + dns.Name
		return verdict{outcome: Failed, label: "error"}
	default:
		// http.Client's wrapper repeats the URL, which may carry the receiver's token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		a.Error = err.Error()
	}
	return verdict{label: "error"}
}

// retryAfter reads a Retry-After value (seconds or an HTTP date); 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func stopReason(ctx, base context.Context) string {
	if base.Err() != nil {
		return "stopped: the ingress is shutting down"
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "stopped: the caller's deadline passed"
	}
	return "stopped: the caller cancelled it"
}

// enter registers a delivery unless Shutdown has begun (the WaitGroup must not grow while
// Shutdown waits on it).
func (s *Sender) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Shutdown refuses new deliveries and waits for those in progress, retries included, until
// ctx ends; then it cancels the rest (each ends Failed, "shutting down", its onAttempt and
// Result still reported) and waits for them to return. Safe to repeat.
func (s *Sender) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		<-done
	}
	s.cancel()
	s.client.CloseIdleConnections()
}

// validID reports whether v can go into a header as it is: 1-128 bytes of printable ASCII.
func validID(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// hostOf is what a log line may say about a URL: its host, never its path or query.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "?"
	}
	return u.Host
}
