//go:build !race

package scrape_test

const slowdown = 1
