// Command trawl-fetcher runs the fetcher stage alone against a NATS server (kit/app does the rest).
package main

import (
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/services/fetcher"
)

func main() { app.Main(fetcher.NewStage(nil)) }
