package scrape

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A remembered answer is the regexp's, before and after the memo is full, from any goroutine.
func TestTokenRegexp(t *testing.T) {
	tr := newTokenRegexp(`(?i)^(ads?|.+[-_]ads?)$`)
	names := []string{"", "ad", "ADS", "sidebar-ad", "header", "ad-hoc", strings.Repeat("x", memoMaxLen+1) + "-ad", "badge"}
	for i := range memoMax + 10 {
		names = append(names, "n"+strconv.Itoa(i)+"-ad", "n"+strconv.Itoa(i))
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				for _, s := range names {
					if got, want := tr.MatchString(s), tr.rx.MatchString(s); got != want {
						t.Errorf("MatchString(%.20q) = %v, want %v", s, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(tr.memo) > memoMax {
		t.Fatalf("memo holds %d names, bound %d", len(tr.memo), memoMax)
	}
	for s := range tr.memo {
		if len(s) > memoMaxLen {
			t.Fatalf("memo kept a name of %d bytes", len(s))
		}
	}
}
