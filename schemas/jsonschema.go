package schemas

import "embed"

// JSONSchemas holds the JSON Schema (2020-12) of every message trawl puts on the wire, generated
// from the Go types (see jsonschema_gen_test.go): jsonschema/search_request.json,
// search_response.json, problem.json, fetch_job.json, scrape_request.json, scrape_response.json
// and account.json.
//
//go:embed jsonschema/*.json
var JSONSchemas embed.FS
