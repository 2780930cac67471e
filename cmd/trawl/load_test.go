package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trawl-dev/trawl/kit/app"
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

// TestLoadCommandRefuses: a bad setting is a configuration error (exit status 2), before any
// request is sent.
func TestLoadCommandRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"remote target", []string{"--target", "http://192.0.2.1:80/"}, "--allow-remote"},
		{"unknown flag", []string{"--colour", "red"}, "colour"},
		{"stray argument", []string{"now"}, "unexpected arguments"},
		{"error rate as a percentage", []string{"--max-error-rate", "5"}, "--max-error-rate 5: want a fraction from 0 to 1"},
		{"negative error rate", []string{"--max-error-rate=-1"}, "--max-error-rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(append([]string{"load", "--requests", "1"}, tc.args...), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
			if !app.IsConfigError(err) {
				t.Errorf("%v is not a configuration error: it would exit 1, not 2", err)
			}
		})
	}
}

// TestLoadCommandFailsOnErrors: against a dead target the command still prints its summary and
// writes --out, says once on stderr why requests fail, and returns the reason it failed (exit 1).
func TestLoadCommandFailsOnErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "http://" + ln.Addr().String() + "/v1/search"
	ln.Close()
	out := filepath.Join(t.TempDir(), "summary.json")
	var stdout, stderr bytes.Buffer
	err = run([]string{"load", "--target", target, "--requests", "300", "--duration", "0", "--progress", "0", "--out", out},
		&stdout, &stderr)
	want := "load: 300 of 300 requests failed (100.0%), over --max-error-rate 1.0%"
	if err == nil || err.Error() != want || app.IsConfigError(err) {
		t.Fatalf("error %v, want %q (exit 1)", err, want)
	}
	if !strings.Contains(stdout.String(), "requests  300 (ok 0, errors 300)") {
		t.Errorf("no summary before the failure:\n%s", stdout.String())
	}
	if n := strings.Count(stderr.String(), "first failure: "+target+": "); n != 1 || !strings.Contains(stderr.String(), "connection refused") {
		t.Errorf("stderr names the cause %d times, want once with the refusal:\n%s", n, stderr.String())
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("--out not written for a failed run: %v", err)
	}

	// The same run with the check off passes.
	stdout.Reset()
	stderr.Reset()
	if err := run([]string{"load", "--target", target, "--requests", "10", "--duration", "0", "--progress", "0",
		"--max-error-rate", "1"}, &stdout, &stderr); err != nil {
		t.Errorf("--max-error-rate 1: %v", err)
	}
}
