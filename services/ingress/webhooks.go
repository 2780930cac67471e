package ingress

import "github.com/trawl-dev/trawl/schemas"

// checkWebhook refuses, before any work, a webhook_url that can never be delivered.
func (s *Server) checkWebhook(cl *call) *schemas.Error {
	if cl.webhook == "" {
		return nil
	}
	return schemas.ValidationError([]schemas.FieldError{{Field: "webhook_url", Message: "webhooks are not configured"}})
}

// sendWebhook posts an answer to its request's webhook_url.
func (s *Server) sendWebhook(cl *call, ans *answer) {}
