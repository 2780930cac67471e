package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/trawl-dev/trawl/kit/app"
)

// TestMCPStdio runs `trawl mcp` on pipes against a stand-in for a running trawl: each tool
// call is a native request carrying the key of TRAWL_API_KEY, and its answer comes back as
// structured content.
func TestMCPStdio(t *testing.T) {
	var gotKey, gotBody string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey = r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		if r.URL.Path != "/v1/search" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(404)
			w.Write([]byte(`{"type":"https://trawl.dev/problems/not_found","kind":"not_found","status":404,"detail":"no route"}`))
			return
		}
		w.Write([]byte(`{"search_metadata":{"id":"s1","status":"Success"},"search_parameters":{"q":"golang","engine":"duckduckgo","page":1},"organic_results":[{"position":1,"title":"Go","url":"https://go.dev/"}],"pagination":{"current":1}}`))
	}))
	t.Cleanup(api.Close)
	t.Setenv("TRAWL_API_KEY", "k1")

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runMCP(ctx, []string{"--url", api.URL}, inR, outW, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		<-done
	})

	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	s, err := c.Connect(ctx, &sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	r, err := s.CallTool(ctx, &sdk.CallToolParams{Name: "search", Arguments: map[string]any{"q": "golang"}})
	if err != nil || r.IsError {
		t.Fatalf("search: %+v %v", r, err)
	}
	if gotKey != "Bearer k1" || !strings.Contains(gotBody, `"q":"golang"`) {
		t.Fatalf("trawl was asked with %q: %s", gotKey, gotBody)
	}
	sc, _ := json.Marshal(r.StructuredContent)
	if !strings.Contains(string(sc), `"title":"Go"`) || !strings.Contains(r.Content[0].(*sdk.TextContent).Text, "1. Go") {
		t.Fatalf("answer: %s / %+v", sc, r.Content)
	}
	r, _ = s.CallTool(ctx, &sdk.CallToolParams{Name: "get_search", Arguments: map[string]any{"id": "s1"}})
	if !r.IsError || !strings.Contains(r.Content[0].(*sdk.TextContent).Text, "404 not_found") {
		t.Fatalf("get_search of a trawl without it: %+v", r)
	}
}

func TestMCPFlags(t *testing.T) {
	err := run([]string{"mcp", "--url", "ftp://x"}, io.Discard, io.Discard)
	var ce *app.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("--url ftp://x: %v, want a config error", err)
	}
}
