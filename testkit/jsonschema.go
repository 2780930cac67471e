package testkit

import (
	"bytes"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/trawl-dev/trawl/schemas"
)

var (
	schemaOnce sync.Once
	compiled   map[string]*jsonschema.Schema
	schemaErr  error
)

// ValidateJSON fails the test unless data is valid against schemas/jsonschema/<name>.json.
func ValidateJSON(t testing.TB, name string, data []byte) {
	t.Helper()
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		compiled = map[string]*jsonschema.Schema{}
		names := []string{"search_request", "search_response", "problem", "fetch_job", "scrape_request", "scrape_response", "account", "engine_list"}
		for _, n := range names {
			b, err := schemas.JSONSchemas.ReadFile("jsonschema/" + n + ".json")
			if err != nil {
				schemaErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				schemaErr = err
				return
			}
			if err := c.AddResource(n+".json", doc); err != nil {
				schemaErr = err
				return
			}
		}
		for _, n := range names {
			if compiled[n], schemaErr = c.Compile(n + ".json"); schemaErr != nil {
				return
			}
		}
	})
	if schemaErr != nil {
		t.Fatalf("JSON schemas: %v", schemaErr)
	}
	s, ok := compiled[name]
	if !ok {
		t.Fatalf("no JSON schema %q", name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("does not match %s.json: %v\n%s", name, err, truncate(data))
	}
}

func truncate(b []byte) []byte {
	if len(b) > 2000 {
		return append(b[:2000:2000], "…"...)
	}
	return b
}
