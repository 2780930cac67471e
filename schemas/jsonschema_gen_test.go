package schemas

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/invopop/jsonschema"
)

var update = flag.Bool("update", false, "rewrite the JSON Schema files from the Go types")

// TestJSONSchemasMatchTypes keeps jsonschema/*.json in step with the Go types: the files are
// generated from them (go test ./schemas -run TestJSONSchemas -update) and reviewed like code.
func TestJSONSchemasMatchTypes(t *testing.T) {
	for name, v := range map[string]any{
		"search_request":  &SearchRequest{},
		"search_response": &SearchResponse{},
		"problem":         &Error{},
		"fetch_job":       &FetchJob{},
		"scrape_request":  &ScrapeRequest{},
		"scrape_response": &ScrapeResponse{},
		"account":         &Account{},
		"engine_list":     &EngineList{},
	} {
		r := &jsonschema.Reflector{AllowAdditionalProperties: false, ExpandedStruct: true}
		s := r.Reflect(v)
		s.ID = jsonschema.ID("https://trawl.dev/schemas/v1/" + name + ".json")
		got, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join("jsonschema", name+".json")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with the Go types: run go test ./schemas -run TestJSONSchemas -update and review the diff", path)
		}
	}
}
