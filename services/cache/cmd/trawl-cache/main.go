// Command trawl-cache runs the cache stage alone against a NATS server (kit/app does the rest).
package main

import (
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/services/cache"
)

func main() { app.Main(cache.NewStage(nil)) }
