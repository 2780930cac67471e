package stack_test

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
)

// The all-in-one's stages meet at one handoff point (kit/handoff): by default a search goes
// from the ingress to the cache, and its page from the fetcher to the parser, in memory, with
// nothing on trawl.v1.search or the parse stream; --handoff=false sends both over NATS, as
// separate processes do. Either way the answer is the same.
func TestHandoff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handoff bool
	}{{"default: in memory", true}, {"--handoff=false: over NATS", false}} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, func(c *stack.Config) { c.Handoff = tc.handoff }, nil)
			nc, err := nats.Connect(e.st.UserURL(natsauth.UserAdmin))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			searches, err := nc.SubscribeSync(schemas.SubjectSearch)
			if err != nil || nc.Flush() != nil {
				t.Fatal(err)
			}
			rp := e.get(t, "/v1/search?q=handed+over")
			if rp.status != 200 || len(decodeResponse(t, rp.body).OrganicResults) == 0 {
				t.Fatalf("status %d: %s", rp.status, rp.body)
			}
			if err := nc.Flush(); err != nil {
				t.Fatal(err)
			}
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			st, err := js.Stream(t.Context(), schemas.StreamParse)
			if err != nil {
				t.Fatal(err)
			}
			info, err := st.Info(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			asked, _, _ := searches.Pending()
			if tc.handoff && (asked != 0 || info.State.LastSeq != 0) {
				t.Errorf("with the handoff: %d searches over NATS, %d pages on the parse stream; want none", asked, info.State.LastSeq)
			}
			if !tc.handoff && (asked != 1 || info.State.LastSeq != 1) {
				t.Errorf("without the handoff: %d searches over NATS, %d pages on the parse stream; want 1 and 1", asked, info.State.LastSeq)
			}
		})
	}
}
