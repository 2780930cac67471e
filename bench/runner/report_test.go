package main

import (
	"regexp"
	"slices"
	"testing"
)

// TestChecksInTurns: a check between two rows of one group is the median of its per-round
// ratios, not the ratio of the rows' median runs; across groups it stays the latter.
func TestChecksInTurns(t *testing.T) {
	sum := func(rps ...float64) []loadSummary {
		var out []loadSummary
		for _, v := range rps {
			out = append(out, loadSummary{OKPerSec: v})
		}
		return out
	}
	all := []row{
		{id: "ref", group: "g"},
		{id: "row", group: "g", checks: []check{rps("ref", 0.9), noErrors()}},
		{id: "far", checks: []check{rps("ref", 0.9)}},
	}
	// The host slowed down in round 2: the rows' medians (100 and 90) say 0.90, while in
	// every round the row was at least 0.95 of its reference.
	refRuns, rowRuns := sum(100, 50, 120), sum(96, 48, 90)
	rowRuns[1].Errors = 1
	res := &results{Rows: []*rowResult{
		{ID: "ref", rounds: refRuns, S: refRuns[0]},
		{ID: "row", rounds: rowRuns, S: rowRuns[2]},
		{ID: "far", rounds: sum(90), S: loadSummary{OKPerSec: 90}},
	}}
	res.evaluate(all)
	got := res.row("row").Checks
	if got[0].Value != 0.96 || !slices.Equal(got[0].Rounds, []float64{0.96, 0.96, 0.75}) || !*got[0].Pass {
		t.Errorf("row's rps check = %+v; want the median of rounds 0.96, 0.96, 0.75", got[0])
	}
	if *got[1].Pass {
		t.Errorf("an error in any round must fail noErrors: %+v", got[1])
	}
	if far := res.row("far").Checks[0]; far.Value != 0.9 || far.Rounds != nil {
		t.Errorf("a check across groups = %+v; want the ratio of the median runs, 0.9", far)
	}
}

func TestGroups(t *testing.T) {
	all := []row{{id: "a", group: "x"}, {id: "b"}, {id: "c", group: "x"}, {id: "d", group: "y"}, {id: "e"}}
	var got [][]string
	for _, g := range groups(all, regexp.MustCompile("^[abce]$")) {
		var ids []string
		for _, r := range g {
			ids = append(ids, r.id)
		}
		got = append(got, ids)
	}
	want := [][]string{{"a", "c"}, {"b"}, {"e"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("groups = %v; want %v", got, want)
	}
}

// TestChecksAgainstPivot: a row is held to the mean of the pivot's runs around it.
func TestChecksAgainstPivot(t *testing.T) {
	all := []row{{id: "p", group: "g", pivot: true}, {id: "a", group: "g", checks: []check{rps("p", 0.9)}}}
	// P A P A P: the machine sped up through the run; a was at 0.95 of the pivot around it.
	p := []loadSummary{{OKPerSec: 100}, {OKPerSec: 110}, {OKPerSec: 130}}
	a := []loadSummary{{OKPerSec: 99.75}, {OKPerSec: 114}}
	res := &results{Rows: []*rowResult{
		{ID: "p", rounds: p, S: p[1]},
		{ID: "a", rounds: a, S: a[1], brackets: [][2]int{{0, 1}, {1, 2}}},
	}}
	res.evaluate(all)
	c := res.row("a").Checks[0]
	if c.Value != 0.95 || !slices.Equal(c.Rounds, []float64{0.95, 0.95}) {
		t.Errorf("check against the pivot = %+v; want 0.95 in both rounds", c)
	}
}
