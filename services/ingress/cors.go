package ingress

import (
	"strings"

	"github.com/valyala/fasthttp"
)

// cors answers browsers from the configured origins: "*" or an explicit list.
type cors struct {
	any     bool
	origins map[string]bool
}

func newCORS(spec string) *cors {
	c := &cors{origins: map[string]bool{}}
	for _, o := range strings.Split(spec, ",") {
		switch o = strings.TrimSpace(o); o {
		case "":
		case "*":
			c.any = true
		default:
			c.origins[strings.TrimRight(o, "/")] = true
		}
	}
	if !c.any && len(c.origins) == 0 {
		return nil
	}
	return c
}

// exposed are the response headers a browser script may read.
const corsExposed = "X-Request-Id, X-Cache, Retry-After, RateLimit, RateLimit-Policy, Server-Timing"

// apply sets the CORS response headers and reports whether the request was a preflight, which
// it has answered.
func (co *cors) apply(c *fasthttp.RequestCtx) (preflight bool) {
	if co == nil {
		return false
	}
	origin := c.Request.Header.Peek("Origin")
	if len(origin) == 0 {
		return false
	}
	allowed := co.any || co.origins[string(origin)]
	if allowed {
		if co.any {
			c.Response.Header.Set("Access-Control-Allow-Origin", "*")
		} else {
			c.Response.Header.SetBytesV("Access-Control-Allow-Origin", origin)
			c.Response.Header.Add("Vary", "Origin")
		}
		c.Response.Header.Set("Access-Control-Expose-Headers", corsExposed)
	}
	if !c.IsOptions() || len(c.Request.Header.Peek("Access-Control-Request-Method")) == 0 {
		return false
	}
	if allowed {
		c.Response.Header.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		c.Response.Header.Set("Access-Control-Allow-Headers", "Authorization, X-API-Key, Content-Type, X-Request-Id")
		c.Response.Header.Set("Access-Control-Max-Age", "600")
	}
	c.SetStatusCode(fasthttp.StatusNoContent)
	return true
}
