// Command trawl-ingress runs the ingress stage alone against a NATS server (kit/app does the
// rest). It serves /metrics, /healthz and /readyz on its HTTP port, so no ops listener.
package main

import (
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/services/ingress"
)

func main() { app.Main(ingress.NewStage(nil)) }
