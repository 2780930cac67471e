package serpapi

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// appendJSON writes what json.Marshal writes, for ordinary metadata and for strings and numbers
// that need escapes or exponents.
func TestMetadataJSON(t *testing.T) {
	cases := []Metadata{
		{ID: "EBZMAJ2YVPFCFRJWRRGMKYKMK4", Status: "Success", JSONEndpoint: "http://127.0.0.1:8080/searches/EBZ.json",
			RawHTMLFile: "http://127.0.0.1:8080/searches/EBZ.html", CreatedAt: "2026-12-02 10:53:44 UTC", ProcessedAt: "2026-12-02 10:53:44 UTC", TotalTimeTaken: 0.00123},
		{ID: "x", Status: "Error", JSONEndpoint: `http://h"<&>\/searches/x.json`, CreatedAt: "é ✓ \x01 \u2028", ProcessedAt: "\xff", TotalTimeTaken: 0, Error: "bad <b>"},
		{TotalTimeTaken: 1e-7},
		{TotalTimeTaken: 1e22},
		{TotalTimeTaken: -3.5},
		{TotalTimeTaken: 123456789.125},
	}
	for _, m := range cases {
		want, err := json.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.appendJSON(nil); string(got) != string(want) {
			t.Errorf("appendJSON:\n got %s\nwant %s", got, want)
		}
	}
	// NaN has no JSON: the answer stays valid JSON rather than failing.
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		if b := (&Metadata{TotalTimeTaken: f}).appendJSON(nil); !json.Valid(b) {
			t.Errorf("%v: %s is not JSON", f, b)
		}
	}
}

// appendMetadata writes what metadata(m, base).appendJSON writes, the hit path's shortcut
// held to the reference on plain and odd ids, bases, statuses and times.
func TestAppendMetadata(t *testing.T) {
	at := time.Date(2026, 12, 3, 7, 30, 1, 123456789, time.FixedZone("x", 3600))
	for _, base := range []string{"http://127.0.0.1:8080", "https://trawl.example/serpapi", `http://h"<&>`, "http://é", ""} {
		for _, m := range []schemas.SearchMetadata{
			{ID: "EBZMAJ2YVPFCFRJWRRGMKYKMK4", Status: "Success", CreatedAt: at, TimingsMS: schemas.Timings{Fetch: 21.5, Parse: 0.25, Cache: 0.031}},
			{ID: "x\"y", Status: "error", CreatedAt: at},
			{ID: "Q", Status: "PROCESSING", CreatedAt: time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), TimingsMS: schemas.Timings{Cache: 1e-9}},
			{Status: "", TimingsMS: schemas.Timings{Cache: math.Inf(1)}},
		} {
			md := metadata(&m, base)
			want := md.appendJSON([]byte("prefix"))
			if got := appendMetadata([]byte("prefix"), &m, base); string(got) != string(want) {
				t.Errorf("base %q, %+v:\n got %s\nwant %s", base, m, got, want)
			}
		}
	}
}
