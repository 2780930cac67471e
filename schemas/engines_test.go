package schemas

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestEngineListDocumentedAlike keeps the OpenAPI document's EngineList in step with the JSON
// Schema generated from the Go type: the same fields, the same required ones. (The document is
// written by hand; the schema file is not.)
func TestEngineListDocumentedAlike(t *testing.T) {
	type object struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var doc struct {
		Components struct {
			Schemas struct {
				EngineList struct {
					Properties struct {
						Engines struct {
							Items object `json:"items"`
						} `json:"engines"`
					} `json:"properties"`
				} `json:"EngineList"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("jsonschema/engine_list.json")
	if err != nil {
		t.Fatal(err)
	}
	var gen struct {
		Defs struct {
			EngineInfo object `json:"EngineInfo"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &gen); err != nil {
		t.Fatal(err)
	}
	documented, generated := doc.Components.Schemas.EngineList.Properties.Engines.Items, gen.Defs.EngineInfo
	keys := func(m map[string]json.RawMessage) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if d, g := keys(documented.Properties), keys(generated.Properties); !slices.Equal(d, g) || !slices.Contains(d, "verticals") {
		t.Errorf("EngineList fields: openapi.json %v, Go type %v", d, g)
	}
	slices.Sort(documented.Required)
	slices.Sort(generated.Required)
	if !slices.Equal(documented.Required, generated.Required) {
		t.Errorf("EngineList required: openapi.json %v, Go type %v", documented.Required, generated.Required)
	}
}
