//go:build race

package scrape_test

// The race detector slows this code twenty to thirty times; time budgets scale with it.
const slowdown = 30

// shrink divides the sizes of the pathological pages: under the race detector (the test
// suite) a quarter of each still shows the work is bounded and linear, in a quarter of the
// time; the full sizes run without it (go test ./scrape).
const shrink = 4
