package handoff

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/schemas"
)

type parser struct{ name string }

func (*parser) Judge(string, []byte, *schemas.SearchRequest) *Parsed { return nil }
func (*parser) TakePage(*schemas.PageMsg, []byte, *Parsed) error     { return nil }

type cache struct{ name string }

func (*cache) Ask(string, *nats.Msg) (*nats.Msg, bool) { return nil, false }

func TestPoint(t *testing.T) {
	var pt Point
	if pt.Parser() != nil || pt.Cache() != nil {
		t.Fatal("an empty point offers a stage")
	}
	p, c := &parser{"first"}, &cache{"cache"}
	pt.OfferParser(p)
	pt.OfferCache(c)
	if pt.Parser() != p || pt.Cache() != c {
		t.Fatalf("offered %p and %p, got %v and %v", p, c, pt.Parser(), pt.Cache())
	}
	second := &parser{"second"}
	pt.OfferParser(second)
	pt.WithdrawParser(p) // the first one stopping after the second was offered
	if got := pt.Parser(); got != second {
		t.Fatalf("withdrawing a parser no longer offered took the current one: %v", got)
	}
	pt.WithdrawParser(second)
	pt.WithdrawCache(c)
	if pt.Parser() != nil || pt.Cache() != nil {
		t.Fatal("a withdrawn stage is still offered")
	}
	var none *Point // --handoff=false, or a stage built without one
	none.OfferParser(p)
	none.OfferCache(c)
	none.WithdrawParser(p)
	if none.Parser() != nil || none.Cache() != nil {
		t.Fatal("a nil point offers a stage")
	}
}
