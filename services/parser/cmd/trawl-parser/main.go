// Command trawl-parser runs the parser stage alone against a NATS server (kit/app does the rest).
package main

import (
	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/services/parser"
)

func main() { app.Main(parser.NewStage(nil)) }
