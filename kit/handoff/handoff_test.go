package handoff

import (
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

type parser struct{ n int }

func (p *parser) TakePage(*schemas.PageMsg, []byte) error { p.n++; return nil }

func TestPoint(t *testing.T) {
	var pt Point
	if pt.Parser() != nil {
		t.Fatal("an empty point offers a parser")
	}
	p := &parser{}
	pt.Offer(p)
	if got := pt.Parser(); got != p {
		t.Fatalf("offered %p, got %v", p, got)
	}
	second := &parser{}
	pt.Offer(second)
	pt.Withdraw(p) // the first one stopping after the second was offered
	if got := pt.Parser(); got != second {
		t.Fatalf("withdrawing a parser no longer offered took the current one: %v", got)
	}
	pt.Withdraw(second)
	if pt.Parser() != nil {
		t.Fatal("a withdrawn parser is still offered")
	}
	var none *Point // a stage built without a point
	none.Offer(p)
	if none.Parser() != nil {
		t.Fatal("a nil point offers a parser")
	}
}
