package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestLoadCommand runs `trawl load` as a user would: flags, the TRAWL_* twin of one, the text
// summary on stdout and the JSON summary in --out.
func TestLoadCommand(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-Cache", "HIT")
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "summary.json")
	t.Setenv("TRAWL_REQUESTS", "25")
	var stdout, stderr bytes.Buffer
	err := run([]string{"load", "--target", srv.URL + "/v1/search", "--duration", "0", "--concurrency", "2",
		"--progress", "0", "--out", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("trawl load: %v\n%s", err, stderr.String())
	}
	if hits.Load() != 25 {
		t.Errorf("server saw %d requests, want TRAWL_REQUESTS=25", hits.Load())
	}
	if !strings.Contains(stdout.String(), "requests  25 (ok 25, errors 0)") || !strings.Contains(stdout.String(), "p99") {
		t.Errorf("summary text:\n%s", stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Requests int64            `json:"requests"`
		Cache    map[string]int64 `json:"cache"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Requests != 25 || s.Cache["hit"] != 25 {
		t.Errorf("--out: %v %+v\n%s", err, s, b)
	}
}

func TestLoadCommandRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"remote target", []string{"--target", "http://192.0.2.1:80/"}, "--allow-remote"},
		{"unknown flag", []string{"--colour", "red"}, "colour"},
		{"stray argument", []string{"now"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(append([]string{"load", "--requests", "1"}, tc.args...), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
