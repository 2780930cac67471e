package ingress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/services/ingress/webhook"
)

// EnvWebhookSecret holds the open-access webhook secret when --webhook-secret-file does not.
// A secret is never a flag: a command line is visible to every user of the machine.
const EnvWebhookSecret = "TRAWL_WEBHOOK_SECRET"

// FieldWebhookURL is the request field naming a webhook.
const FieldWebhookURL = "webhook_url"

// openWebhookSecret is the open-access secret: --webhook-secret-file's first line, else
// TRAWL_WEBHOOK_SECRET; nil when neither is set. With a keys file there is none (each
// tenant signs with its own), and setting one is a mistake worth stopping for.
func (c *Config) openWebhookSecret() ([]byte, error) {
	var secret, from string
	switch env := os.Getenv(EnvWebhookSecret); {
	case c.WebhookSecretFile != "":
		b, err := os.ReadFile(c.WebhookSecretFile)
		if err != nil {
			return nil, fmt.Errorf("webhook-secret-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		secret, from = strings.TrimSpace(line), "webhook-secret-file"
	case env != "":
		secret, from = env, EnvWebhookSecret
	default:
		return nil, nil
	}
	switch {
	case c.KeysFile != "":
		return nil, fmt.Errorf("%s is for open access; with --keys-file give each tenant a webhook_secret", from)
	case len(secret) < webhook.MinSecretBytes:
		// The length only: the secret itself never goes into an error or a log.
		return nil, fmt.Errorf("%s: the webhook secret must be at least %d bytes (it has %d)", from, webhook.MinSecretBytes, len(secret))
	}
	return []byte(secret), nil
}

// checkWebhookSecret is the keys file's rule for a tenant's webhook_secret.
func checkWebhookSecret(s string) error {
	switch {
	case s == "":
		return nil
	case len(s) < webhook.MinSecretBytes:
		return fmt.Errorf("webhook_secret must be at least %d bytes", webhook.MinSecretBytes)
	case strings.TrimSpace(s) != s:
		return errors.New("webhook_secret has leading or trailing spaces")
	}
	return nil
}

// webhookSecret is the secret t's webhooks are signed with; nil when it has none.
func (t *tenant) webhookSecret() []byte {
	if t == nil {
		return nil
	}
	return t.webhook
}

// webhookSecret is the secret a request by t (nil under open access) signs its webhooks
// with, and false when it has none, so webhook_url must be refused.
func (s *Server) webhookSecret(t *tenant) ([]byte, bool) {
	if t != nil {
		b := t.webhookSecret()
		return b, len(b) > 0
	}
	if s.keys.Load() != nil {
		return nil, false
	}
	return s.openSecret, len(s.openSecret) > 0
}

// checkWebhook refuses, before any work, a webhook_url that can never be delivered: one
// webhookFor refuses.
func (s *Server) checkWebhook(cl *call) *schemas.Error { return s.checkWebhookOf(cl.t, cl.webhook) }

// checkWebhookOf is checkWebhook for t's webhook_url raw.
func (s *Server) checkWebhookOf(t *tenant, raw string) *schemas.Error {
	if _, fe := s.webhookFor(t, raw); fe != nil {
		return schemas.ValidationError([]schemas.FieldError{*fe})
	}
	return nil
}

// webhookRecord is an answer's webhook delivery as the archive keeps it (ArchiveWebhook) and
// GET /v1/searches/{id} shows it, under "webhook". The target is its origin only: the path and
// query may carry the receiver's own token.
type webhookRecord struct {
	Delivery string            `json:"delivery"`
	Target   string            `json:"target"`
	Outcome  string            `json:"outcome"` // pending, delivered, failed, refused
	Status   int               `json:"status,omitempty"`
	Error    string            `json:"error,omitempty"`
	Attempts []webhook.Attempt `json:"attempts"`
}

// sendWebhook posts an answer (or its failure's status document) to its request's webhook_url
// in the background, recording every attempt on the answer's archive entry.
func (s *Server) sendWebhook(cl *call, ans *answer) {
	secret, ok := s.webhookSecret(cl.t)
	if !ok {
		return // checked before any work; a keys reload may have taken the secret away since
	}
	var body []byte
	if ans.err != nil {
		body = statusDoc(cl, schemas.StatusError, ans.err, ans.done)
	} else {
		body = bytes.Clone(ans.body) // an HTTP answer's body is the response's buffer
	}
	rec := &webhookRecord{Delivery: schemas.NewID(), Target: origin(cl.webhook), Outcome: "pending"}
	save := func() {
		data, _ := json.Marshal(rec)
		h := nats.Header{}
		if cl.t != nil {
			h[schemas.HeaderTenant] = cl.t.names
		}
		s.archive.put(&nats.Msg{Subject: schemas.ArchiveSubject(schemas.ArchiveWebhook, cl.id), Header: h, Data: data})
	}
	go func() {
		res := s.webhooks.Deliver(context.Background(), webhook.Delivery{ID: rec.Delivery, URL: cl.webhook, Body: body, Secret: secret, Event: cl.kind + ".completed"},
			func(a webhook.Attempt) {
				rec.Attempts = append(rec.Attempts, a)
				save()
			})
		rec.Outcome, rec.Status, rec.Error = string(res.Outcome), res.Status, res.Error
		save()
	}()
}

// origin is a URL's scheme and host.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// webhookFor is the whole check of a request's webhook_url for t, before any work: the URL
// (Sender.Validate: syntax, then what the guard can tell without a lookup) and a secret to
// sign with. It returns the secret, or the field error for a 400; an empty URL is no webhook
// (nil, nil).
func (s *Server) webhookFor(t *tenant, rawURL string) ([]byte, *schemas.FieldError) {
	if rawURL == "" {
		return nil, nil
	}
	secret, ok := s.webhookSecret(t)
	if !ok {
		msg := "needs a webhook secret: none is configured (" + EnvWebhookSecret + " or --webhook-secret-file)"
		if t != nil {
			msg = "needs a webhook secret: tenant " + t.name + " has no webhook_secret in the keys file"
		}
		return nil, &schemas.FieldError{Field: FieldWebhookURL, Message: msg}
	}
	if err := s.webhooks.Validate(rawURL); err != nil {
		return nil, &schemas.FieldError{Field: FieldWebhookURL, Message: err.Error()}
	}
	return secret, nil
}

// initWebhooks builds the sender and reads the open-access secret (both checked by Validate).
func (s *Server) initWebhooks() error {
	var err error
	if s.webhooks, err = webhook.New(s.cfg.Webhook, s.m.webhook, s.log.With("component", "webhook")); err != nil {
		return fmt.Errorf("ingress: %w", err)
	}
	if s.openSecret, err = s.cfg.openWebhookSecret(); err != nil {
		return fmt.Errorf("ingress: %w", err)
	}
	return nil
}

// stopWebhooks lets deliveries in progress go on until half the drain timeout has passed
// since the stop began (the stages stopped after the ingress keep the other half), then ends
// them.
func (s *Server) stopWebhooks(began time.Time) {
	drain := s.cfg.DrainTimeout
	if drain <= 0 {
		drain = s.cfg.Deadlines.Max
	}
	ctx, cancel := context.WithDeadline(context.Background(), began.Add(drain/2))
	defer cancel()
	s.webhooks.Shutdown(ctx)
}
