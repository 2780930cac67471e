package cache

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/testkit"
)

func TestEntryRoundTrip(t *testing.T) {
	in := &entry{Created: time.UnixMilli(1700000000123), FetchUS: 12345, ParseUS: 678, ID: "abc", Body: []byte(`{"organic_results":[]}`)}
	out, err := decodeEntry(in.encode())
	if err != nil {
		t.Fatal(err)
	}
	if !out.Created.Equal(in.Created) || out.FetchUS != in.FetchUS || out.ParseUS != in.ParseUS || out.ID != in.ID || !bytes.Equal(out.Body, in.Body) {
		t.Fatalf("round trip: %+v, want %+v", out, in)
	}
	for _, bad := range [][]byte{nil, []byte("t1"), append(in.encode()[:18], 200)} {
		if _, err := decodeEntry(bad); err == nil {
			t.Fatalf("decoded a malformed entry %q", bad)
		}
	}
}

// The in-process store keeps its byte bound however much is written, and drops an entry after
// the ttl it was written with.
func TestMemoryBound(t *testing.T) {
	const bound = 1 << 20
	m := NewMemory(bound)
	defer m.Close()
	ctx := context.Background()
	val := bytes.Repeat([]byte("x"), 10<<10)
	for i := range 500 {
		m.Set(ctx, strings.Repeat("k", i%7)+string(rune('a'+i%26))+string(rune(i)), val, time.Hour)
	}
	m.c.CleanUp()
	if got := m.Bytes(); got > bound || got == 0 {
		t.Fatalf("holds %d bytes, bound %d", got, bound)
	}
	m.Set(ctx, "short", []byte("v"), 20*time.Millisecond)
	if got, _ := m.Get(ctx, "short"); string(got) != "v" {
		t.Fatalf("fresh entry missing")
	}
	testkit.Eventually(t, 2*time.Second, func() bool { got, _ := m.Get(ctx, "short"); return got == nil }, "entry outlives its ttl")
}

// Entries are kept compressed, in buffers of exactly their size (the byte bound is only
// honest if an entry holds no more than it weighs), and read back as written.
func TestMemoryCompressedExact(t *testing.T) {
	m := NewMemory(1 << 20)
	defer m.Close()
	ctx := context.Background()
	page := []byte(strings.Repeat(`{"position":1,"title":"Go","url":"https://go.dev/"},`, 100))
	for i := range 3 { // the second and later writes reuse the pooled encode buffer
		key := "k" + string(rune('a'+i))
		m.Set(ctx, key, page, time.Hour)
		v, ok := m.c.GetIfPresent(key)
		if !ok || len(v.b) >= len(page) || cap(v.b) != len(v.b) {
			t.Fatalf("entry %d: %d bytes in a buffer of %d for a %d-byte value", i, len(v.b), cap(v.b), len(page))
		}
		if got, err := m.Get(ctx, key); err != nil || !bytes.Equal(got, page) {
			t.Fatalf("entry %d read back wrong: %v", i, err)
		}
	}
}

func TestEngineTTLsFlag(t *testing.T) {
	tests := []struct {
		spec    string
		want    string
		wantErr bool
	}{
		{spec: "", want: ""},
		{spec: "google=30m,bing=1h", want: "bing=1h0m0s,google=30m0s"},
		{spec: " Google = 90s , ", want: "google=1m30s"},
		{spec: "google", wantErr: true},
		{spec: "google=soon", wantErr: true},
		{spec: "google=0s", wantErr: true},
		{spec: "=1m", wantErr: true},
		{spec: "google=1m,google=2m", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			var c Config
			fs := flag.NewFlagSet("", flag.ContinueOnError)
			c.RegisterFlags(fs)
			err := fs.Set("cache-ttl-engines", tc.spec)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if err == nil && c.EngineTTLs.String() != tc.want {
				t.Fatalf("parsed %q, want %q", c.EngineTTLs.String(), tc.want)
			}
		})
	}
	c := DefaultConfig()
	c.EngineTTLs.Set("google=30m")
	if c.ttl("google") != 30*time.Minute || c.ttl("bing") != c.TTL {
		t.Fatalf("ttl: google %v bing %v", c.ttl("google"), c.ttl("bing"))
	}
	if want := 30*time.Minute + max(c.StaleWhileRevalidate, c.StaleIfError); c.retention("google") != want {
		t.Fatalf("retention %v, want %v", c.retention("google"), want)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"ttl", func(c *Config) { c.TTL = 0 }},
		{"negative stale", func(c *Config) { c.StaleIfError = -time.Second }},
		{"lock ttl", func(c *Config) { c.LockTTL = time.Millisecond }},
		{"redis timeout", func(c *Config) { c.RedisTimeout = 0 }},
		{"redis skip", func(c *Config) { c.RedisSkip = 0 }},
		{"max bytes", func(c *Config) { c.MaxBytes = 1 }},
		{"workers", func(c *Config) { c.Workers = 0 }},
	}
	if c := DefaultConfig(); c.Validate() != nil {
		t.Fatalf("default config invalid: %v", c.Validate())
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			if c.Validate() == nil {
				t.Fatalf("accepted")
			}
		})
	}
}
