package sim_test

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/sim"
)

// TestDriftFromRequestN: every engine's pages drift from the configured request on, over
// HTTP as the fetcher sees them, and come back when the drift is turned off: renamed markup
// and a soft block read as pages no parser knows, or as a zero without the engine's
// no-results notice (the silent-empty alarm's "empty" rule), never as a genuine zero;
// dropped snippets as the same results without one; a genuine no-results query stays one
// (with its notice) throughout.
func TestDriftFromRequestN(t *testing.T) {
	for _, kind := range sim.DriftKinds {
		t.Run(kind, func(t *testing.T) {
			srv, reg, _ := startSim(t)
			// Request 1 is clean, every later one drifts.
			srv.SetConfig(func(c *sim.Config) { c.Drift, c.DriftFrom = kind, 2 })
			first := true
			for _, name := range reg.Names() {
				serp, err := search(t, reg, name, "golang", 1)
				if first {
					if err != nil || len(serp.OrganicResults) == 0 {
						t.Fatalf("%s: request 1 precedes the drift: %v", name, err)
					}
					first = false
					serp, err = search(t, reg, name, "golang", 1)
				}
				switch kind {
				case sim.DriftSnippets:
					if err != nil || len(serp.OrganicResults) == 0 {
						t.Fatalf("%s: %v", name, err)
					}
					for _, o := range serp.OrganicResults {
						if o.Snippet != "" && name != "wikipedia" {
							t.Errorf("%s: result %d kept its snippet %q", name, o.Position, o.Snippet)
						}
					}
				default:
					if !isKind(err, schemas.TypeUnrecognised) && (err != nil || len(serp.OrganicResults) != 0 || serp.NoResults) {
						t.Errorf("%s: want %s or a zero without the no-results notice, got %+v, %v", name, schemas.TypeUnrecognised, serp, err)
					}
				}
				if serp, err := search(t, reg, name, "golang noresults", 1); err != nil || len(serp.OrganicResults) != 0 || !serp.NoResults {
					t.Errorf("%s: a no-results query under drift: %v, %+v", name, err, serp)
				}
			}
			if srv.Faults()["drift_"+kind] == 0 {
				t.Errorf("no drift counted: %v", srv.Faults())
			}
			srv.SetConfig(func(c *sim.Config) { c.Drift = "" })
			if serp, err := search(t, reg, "google", "golang", 1); err != nil || len(serp.OrganicResults) == 0 || serp.OrganicResults[0].Snippet == "" {
				t.Errorf("the layout back: %v", err)
			}
		})
	}
}

func TestDriftFlagValidated(t *testing.T) {
	c := sim.DefaultConfig()
	c.Drift = "sideways"
	if err := c.Validate(); err == nil {
		t.Error("an unknown drift passed validation")
	}
	c.Drift = sim.DriftSnippets
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}
