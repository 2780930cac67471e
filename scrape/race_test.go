//go:build race

package scrape_test

// The race detector slows this code twenty to thirty times; time budgets scale with it.
const slowdown = 30
