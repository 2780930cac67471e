package load_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/cmd/trawl/load"
	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// TestNATS drives trawl.v1.search on an embedded server against a responder that answers by
// query: a hit, a micro error with a problem body, or nothing at all.
func TestNATS(t *testing.T) {
	ns := testkit.StartNATS(t)
	nc := testkit.Connect(t, ns)
	seen := make(chan schemas.SearchRequest, 1024)
	_, err := nc.Subscribe(schemas.SubjectSearch, func(m *nats.Msg) {
		var r schemas.SearchRequest
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Errorf("request body %q: %v", m.Data, err)
			return
		}
		seen <- r
		rep := nats.NewMsg(m.Reply)
		switch r.Q {
		case "silent":
			return
		case "busy":
			e := schemas.NewError(schemas.TypeOverloaded, "queue full")
			rep.Header.Set(schemas.HeaderServiceErrorCode, e.Code())
			rep.Header.Set(schemas.HeaderServiceError, e.Title)
			rep.Data = e.JSON()
		default:
			rep.Header.Set(schemas.HeaderCache, "hit")
			rep.Data = []byte(`{"organic_results":[]}`)
		}
		m.RespondMsg(rep)
	})
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()

	tests := []struct {
		name       string
		query      string
		wantOK     int64
		wantStatus string
		wantKind   string
	}{
		{"hit", "golang", 20, "", ""},
		{"micro error", "busy", 0, "503", schemas.TypeOverloaded},
		{"no reply", "silent", 0, "", load.KindTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, cfg(ns.ClientURL(), func(c *load.Config) {
				c.Query, c.Requests, c.Concurrency, c.Timeout = tc.query, 20, 4, 200*time.Millisecond
			}))
			if s.Transport != "nats" || s.Requests != 20 || s.OK != tc.wantOK {
				t.Fatalf("transport %s requests %d ok %d, want nats 20 %d", s.Transport, s.Requests, s.OK, tc.wantOK)
			}
			for range 20 {
				select {
				case r := <-seen:
					if r.Q != tc.query || r.Engine != "duckduckgo" {
						t.Fatalf("responder got %+v", r)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("responder saw fewer than 20 requests")
				}
			}
			if tc.wantOK == 20 {
				if s.Cache["hit"] != 20 {
					t.Errorf("cache %v, want hit 20", s.Cache)
				}
				return
			}
			if s.ErrorsByKind[tc.wantKind] != 20 {
				t.Errorf("errors by kind %v, want %s 20", s.ErrorsByKind, tc.wantKind)
			}
			if tc.wantStatus != "" && s.ErrorsByStatus[tc.wantStatus] != 20 {
				t.Errorf("errors by status %v, want %s 20", s.ErrorsByStatus, tc.wantStatus)
			}
		})
	}

	t.Run("no responders", func(t *testing.T) {
		other := testkit.StartNATS(t)
		s := run(t, cfg(other.ClientURL(), func(c *load.Config) { c.Requests = 10 }))
		if s.ErrorsByKind[load.KindNoResponders] != 10 {
			t.Errorf("errors by kind %v, want no_responders 10", s.ErrorsByKind)
		}
	})
}
