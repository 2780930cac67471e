package schemas

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestSplitResponseRoundTrip(t *testing.T) {
	meta := &SearchMetadata{
		ID: "abc", RequestID: `r"1\`, Status: "Success", Engine: "duckduckgo", Cache: "miss",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC), AgeSeconds: 7,
		TimingsMS: Timings{Fetch: 12.5, Parse: 1.25, Cache: 0.5},
	}
	for _, body := range []string{
		`{"search_parameters":{"q":"go"},"organic_results":[{"title":"a } ] \" {","link":"https://go.dev/"}]}`,
		`{"search_parameters":{"q":"{"}}`,
		`{}`,
	} {
		resp := ComposeResponse(meta, []byte(body))
		if !json.Valid(resp) {
			t.Fatalf("composed %s is not JSON", resp)
		}
		var got SearchMetadata
		rest, ok := SplitResponse(resp, &got)
		if !ok {
			t.Fatalf("split %s: not ok", resp)
		}
		if want, _ := json.Marshal(meta); !bytes.Equal(mustJSON(t, &got), want) {
			t.Fatalf("metadata %s, want %s", mustJSON(t, &got), want)
		}
		// rest is the body with its opening brace turned into the comma that follows metadata.
		if wantRest := restOf(body); string(rest) != wantRest {
			t.Fatalf("rest %s, want %s", rest, wantRest)
		}
		if again := AppendResponse(nil, meta, rest); !bytes.Equal(again, resp) {
			t.Fatalf("recomposed %s, want %s", again, resp)
		}
	}
}

func TestSplitResponseRejects(t *testing.T) {
	for _, resp := range []string{
		``,
		`{}`,
		`{"organic_results":[],"search_metadata":{"id":"a"}}`,
		`{"search_metadata":{"id":"a"}`,
		`{"search_metadata":{"id":"a"},"x":1`,
		`{"search_metadata":{"id":"a"}]`,
		`{"search_metadata":{"id":"a"},}`,
		`{"search_metadata":{"id":"a}`,
		`{"search_metadata":{"id":1},"x":1}`,
		`{"search_metadata":[],"x":1}`,
		`{"search_metadata": {"id":"a"},"x":1}`,
	} {
		var m SearchMetadata
		if rest, ok := SplitResponse([]byte(resp), &m); ok {
			t.Errorf("split %q: ok with rest %q", resp, rest)
		}
	}
}

func restOf(body string) string {
	if len(body) <= 2 {
		return "}"
	}
	return "," + body[1:]
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzSplitResponse(f *testing.F) {
	meta := &SearchMetadata{ID: "a", Status: "Success", CreatedAt: time.Unix(1, 0).UTC()}
	f.Add(ComposeResponse(meta, []byte(`{"search_parameters":{"q":"go"},"organic_results":[]}`)))
	f.Add(ComposeResponse(meta, []byte(`{}`)))
	f.Add([]byte(`{"search_metadata":{"id":"a\"}"},"x":"}"}`))
	f.Add([]byte(`{"search_metadata":{"id":"a","engines":null},"x":{}}`))
	f.Add([]byte(`{"search_metadata":`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m SearchMetadata
		rest, ok := SplitResponse(b, &m)
		if !ok {
			return
		}
		// What was split off is put back behind fresh metadata on every near-cache hit: the
		// result must be one JSON document whenever the input was, and split the same way again.
		again := AppendResponse(nil, &m, rest)
		if json.Valid(b) && !json.Valid(again) {
			t.Fatalf("recomposed %q from valid %q is not JSON", again, b)
		}
		var m2 SearchMetadata
		rest2, ok := SplitResponse(again, &m2)
		if !ok || !bytes.Equal(rest2, rest) {
			t.Fatalf("recomposed %q splits to %q, %v; want %q", again, rest2, ok, rest)
		}
		if a, b := mustJSON(t, &m), mustJSON(t, &m2); !bytes.Equal(a, b) {
			t.Fatalf("metadata %s came back as %s", a, b)
		}
	})
}
