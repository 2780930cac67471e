package enginehealth

import (
	"context"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// TestStep: a run of suspects degrades, a healthy page resets the run before it completes,
// and while degraded only a full run of healthy pages clears it.
func TestStep(t *testing.T) {
	r := Rules{Run: 3}
	now := time.Unix(1000, 0)
	bad := Verdict{Suspect: true, Rule: schemas.SuspectFields, Reason: "snippets gone"}
	var h schemas.EngineHealth
	for _, step := range []struct {
		v      Verdict
		status string
		run    int
	}{
		{bad, schemas.EngineOK, 1}, {bad, schemas.EngineOK, 2}, {Verdict{}, schemas.EngineOK, 0},
		{bad, schemas.EngineOK, 1}, {bad, schemas.EngineOK, 2}, {bad, schemas.EngineDegraded, 3},
		{Verdict{}, schemas.EngineDegraded, 0}, {Verdict{}, schemas.EngineDegraded, 0}, {bad, schemas.EngineDegraded, 1},
		{Verdict{}, schemas.EngineDegraded, 0}, {Verdict{}, schemas.EngineDegraded, 0}, {Verdict{}, schemas.EngineOK, 0},
	} {
		h = Step(h, step.v, r, now)
		if h.Status != step.status || h.Run != step.run {
			t.Fatalf("after %+v: %s run %d, want %s run %d", step.v, h.Status, h.Run, step.status, step.run)
		}
	}
	if h.Reason != "" || h.Clear != 0 {
		t.Errorf("cleared record keeps %+v", h)
	}
}

// TestPerProcessBoard: without JetStream the board counts in the process and says it is not
// shared; a healthy page of a healthy engine writes nothing.
func TestPerProcessBoard(t *testing.T) {
	changes := 0
	b := New(nil, schemas.DefaultStreamLimits(), Options{OnChange: func(schemas.EngineHealth) { changes++ }})
	b.Start(context.Background())
	t.Cleanup(b.Stop)
	if b.Shared() {
		t.Fatal("a board without JetStream says it is shared")
	}
	if _, after := b.Record(context.Background(), "google", Verdict{}, Rules{Run: 2}); after.Degraded() || changes != 0 {
		t.Fatalf("a healthy page: %+v, %d changes", after, changes)
	}
	for range 2 {
		b.Record(context.Background(), "google", Verdict{Suspect: true, Rule: schemas.SuspectEmpty, Reason: "empty"}, Rules{Run: 2})
	}
	if got := b.Get("google"); !got.Degraded() || got.Updated.IsZero() {
		t.Errorf("after 2 suspects: %+v", got)
	}
	if d := b.Degraded(); len(d) != 1 || d[0].Engine != "google" {
		t.Errorf("Degraded() = %+v", d)
	}
	if b.Get("bing").Degraded() {
		t.Error("an engine never judged is degraded")
	}
}
