package ingress

import (
	"bytes"

	"github.com/valyala/fasthttp"

	"github.com/trawl-dev/trawl/schemas"
)

// apiKey returns the key a request presents: "Authorization: Bearer <key>" or "X-API-Key".
// bad is set when an Authorization header uses another scheme.
func apiKey(h *fasthttp.RequestHeader) (key []byte, bad bool) {
	if a := h.Peek("Authorization"); len(a) > 0 {
		const scheme = "bearer "
		if len(a) <= len(scheme) || !bytes.EqualFold(a[:len(scheme)], []byte(scheme)) {
			return nil, true
		}
		return bytes.TrimSpace(a[len(scheme):]), false
	}
	return h.Peek("X-API-Key"), false
}

// authenticate finds the tenant of a presented key (apiKey's key and bad). Under open access
// (no keys file) every request is admitted as no tenant. h, when not nil, gets the
// WWW-Authenticate header of a refusal.
func (s *Server) authenticate(h *fasthttp.ResponseHeader, key []byte, bad bool) (*tenant, *schemas.Error) {
	ring := s.keys.Load()
	if ring == nil {
		return nil, nil
	}
	challenge := func(v string) {
		if h != nil {
			h.Set("WWW-Authenticate", v)
		}
	}
	switch {
	case bad:
		s.m.authFailures.WithLabelValues("scheme").Inc()
		challenge(`Bearer realm="trawl", error="invalid_request"`)
		return nil, schemas.NewError(schemas.TypeUnauthorized, "Authorization must use the Bearer scheme (or send X-API-Key)")
	case len(key) == 0:
		s.m.authFailures.WithLabelValues("missing").Inc()
		challenge(`Bearer realm="trawl"`)
		return nil, schemas.NewError(schemas.TypeUnauthorized, "an API key is required: send Authorization: Bearer <key> or X-API-Key")
	}
	t := ring.lookup(key)
	if t == nil {
		s.m.authFailures.WithLabelValues("unknown").Inc()
		challenge(`Bearer realm="trawl", error="invalid_token"`)
		return nil, schemas.NewError(schemas.TypeUnauthorized, "unknown API key")
	}
	return t, nil
}
