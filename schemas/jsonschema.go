package schemas

import "embed"

// JSONSchemas holds the JSON Schema (2020-12) of every message trawl puts on the wire, generated
// from the Go types (see jsonschema_gen_test.go): jsonschema/search_request.json,
// search_response.json, problem.json and fetch_job.json.
//
//go:embed jsonschema/*.json
var JSONSchemas embed.FS
