package ingress

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trawl-dev/trawl/engines"
	"github.com/trawl-dev/trawl/services/ingress/webhook"
	"github.com/trawl-dev/trawl/testkit"
)

// newIngress builds an ingress without starting it: enough for what New sets up.
func newIngress(t *testing.T, keys string, edit func(*Config)) (*Server, *prometheus.Registry) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	if keys != "" {
		cfg.KeysFile = filepath.Join(t.TempDir(), "keys.json")
		if err := os.WriteFile(cfg.KeysFile, []byte(keys), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(&cfg)
	}
	reg := prometheus.NewRegistry()
	s, err := New(cfg, Deps{NC: testkit.Connect(t, testkit.StartNATS(t)), Engines: engines.Default(), Log: testLogger(t), Metrics: reg, Gatherer: reg})
	if err != nil {
		t.Fatalf("ingress: %v", err)
	}
	t.Cleanup(s.Stop)
	return s, reg
}

const webhookTenants = `{"tenants":[
  {"name":"signs","keys":["k1"],"webhook_secret":"0123456789abcdef-signs"},
  {"name":"plain","keys":["k2"]}]}`

// TestWebhookTenants: a tenant signs with its own secret; one without a secret, a bad URL and
// a literal loopback URL are each a field error naming webhook_url, before any work.
func TestWebhookTenants(t *testing.T) {
	t.Setenv(EnvWebhookSecret, "") // the machine's own must not leak in
	s, reg := newIngress(t, webhookTenants, nil)
	ring := s.keys.Load()
	signs, plain := ring.lookup([]byte("k1")), ring.lookup([]byte("k2"))

	secret, fe := s.webhookFor(signs, "https://hooks.example.com/trawl")
	if fe != nil || string(secret) != "0123456789abcdef-signs" {
		t.Fatalf("signs: %q, %+v", secret, fe)
	}
	if b, ok := s.webhookSecret(signs); !ok || string(b) != "0123456789abcdef-signs" {
		t.Fatalf("webhookSecret(signs) = %q, %v", b, ok)
	}
	if secret, fe := s.webhookFor(signs, ""); secret != nil || fe != nil {
		t.Fatalf("no webhook_url: %q, %+v", secret, fe)
	}
	for _, tc := range []struct {
		t    *tenant
		url  string
		want string
	}{
		{plain, "https://hooks.example.com/trawl", "tenant plain has no webhook_secret"},
		{nil, "https://hooks.example.com/trawl", "needs a webhook secret"},
		{signs, "ftp://hooks.example.com/", "http or https"},
		{signs, "https://user:pw@hooks.example.com/", "credentials"},
		{signs, "http://127.0.0.1:8080/", "loopback address 127.0.0.1"},
		{signs, "http://169.254.169.254/latest/meta-data/", "cloud metadata"},
		{signs, "http://localhost/", "localhost resolves to loopback"},
	} {
		_, fe := s.webhookFor(tc.t, tc.url)
		if fe == nil || fe.Field != "webhook_url" || !strings.Contains(fe.Message, tc.want) {
			t.Errorf("%s for %s: %+v, want webhook_url: …%s…", tc.url, tc.t.nameOrEmpty(), fe, tc.want)
		}
	}
	// The series exist from the start, at zero.
	n, err := testutil.GatherAndCount(reg, "trawl_webhook_deliveries_total")
	if err != nil || n != 3 {
		t.Fatalf("trawl_webhook_deliveries_total: %d series, %v", n, err)
	}
}

// TestWebhookOpenAccess: under open access the secret comes from TRAWL_WEBHOOK_SECRET or
// --webhook-secret-file; without one, webhook_url is refused.
func TestWebhookOpenAccess(t *testing.T) {
	t.Setenv(EnvWebhookSecret, "")
	none, _ := newIngress(t, "", nil)
	if _, fe := none.webhookFor(nil, "https://hooks.example.com/"); fe == nil || !strings.Contains(fe.Message, EnvWebhookSecret) {
		t.Fatalf("open access without a secret: %+v", fe)
	}

	t.Setenv(EnvWebhookSecret, "from-the-environment-16")
	env, _ := newIngress(t, "", nil)
	if b, fe := env.webhookFor(nil, "https://hooks.example.com/"); fe != nil || string(b) != "from-the-environment-16" {
		t.Fatalf("from the environment: %q, %+v", b, fe)
	}

	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte("from-a-file-of-16-bytes\n"), 0o600)
	fromFile, _ := newIngress(t, "", func(c *Config) { c.WebhookSecretFile = file })
	if b, ok := fromFile.webhookSecret(nil); !ok || string(b) != "from-a-file-of-16-bytes" {
		t.Fatalf("from a file: %q, %v", b, ok)
	}
}

func TestWebhookConfigRejected(t *testing.T) {
	t.Setenv(EnvWebhookSecret, "")
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("tiny-secret\n"), 0o600)
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("a-good-long-secret"), 0o600)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"short secret", func(c *Config) { c.WebhookSecretFile = short }, "at least 16 bytes (it has 11)"},
		{"missing file", func(c *Config) { c.WebhookSecretFile = filepath.Join(dir, "none") }, "webhook-secret-file"},
		{"with a keys file", func(c *Config) { c.WebhookSecretFile, c.KeysFile = good, "keys.json" }, "give each tenant a webhook_secret"},
		{"ports", func(c *Config) { c.Webhook.Ports = "80,smtp" }, "webhook-ports"},
		{"allow", func(c *Config) { c.Webhook.Allow = "localhost" }, "webhook-allow"},
		{"timeout", func(c *Config) { c.Webhook.Timeout = 0 }, "webhook-timeout"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "tiny-secret") {
			t.Errorf("%s: the error carries the secret: %v", tc.name, err)
		}
	}
	t.Setenv(EnvWebhookSecret, "s3cr3t")
	c := DefaultConfig()
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), EnvWebhookSecret) || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("a short %s: %v", EnvWebhookSecret, err)
	}
}

// TestWebhookStop: the ingress's Stop gives a delivery that keeps being retried until its
// share of the drain timeout, then ends it, so the process exits on time.
func TestWebhookStop(t *testing.T) {
	t.Setenv(EnvWebhookSecret, "")
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(recv.Close)
	s, reg := newIngress(t, webhookTenants, func(c *Config) {
		c.Webhook.Allow = "127.0.0.1/32"
		c.Webhook.Backoff, c.Webhook.MaxBackoff = time.Millisecond, 5*time.Millisecond
		c.Webhook.MaxElapsed = time.Hour
		c.DrainTimeout = 400 * time.Millisecond
	})
	secret, fe := s.webhookFor(s.keys.Load().lookup([]byte("k1")), recv.URL)
	if fe != nil {
		t.Fatal(fe)
	}
	attempted := make(chan struct{}, 1)
	done := make(chan webhook.Result, 1)
	go func() {
		done <- s.webhooks.Deliver(context.Background(), webhook.Delivery{URL: recv.URL, Body: []byte(`{}`), Secret: secret, Event: "search.completed"},
			func(webhook.Attempt) {
				select {
				case attempted <- struct{}{}:
				default:
				}
			})
	}()
	<-attempted
	start := time.Now()
	s.Stop()
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Stop took %s with a 400ms drain timeout", took)
	}
	res := <-done
	if res.Outcome != webhook.Failed || !strings.Contains(res.Error, "shutting down") || res.Attempts < 2 {
		t.Fatalf("result %+v, want retried until the stop, then failed for it", res)
	}
	if v := testutil.ToFloat64(s.m.webhook.Deliveries.WithLabelValues("failed")); v != 1 {
		t.Errorf("failed deliveries %v", v)
	}
	if n, _ := testutil.GatherAndCount(reg, "trawl_webhook_attempts_total"); n == 0 {
		t.Error("no attempts counted on the ingress's registry")
	}
}
