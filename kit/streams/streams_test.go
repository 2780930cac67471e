package streams

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/kit/internal/jstest"
	"github.com/trawl-dev/trawl/schemas"
)

func TestEnsureStreamsReconciles(t *testing.T) {
	base := schemas.DefaultStreamLimits()
	tests := []struct {
		name string
		// first is applied, then second; wantErr names the fields second must be refused for.
		first, second schemas.StreamLimits
		wantErr       []string
		check         func(t *testing.T, cfg jetstream.StreamConfig)
	}{
		{
			name: "same settings twice", first: base, second: base,
			check: func(t *testing.T, cfg jetstream.StreamConfig) {
				if cfg.MaxMsgs != base.FetchMaxMsgs {
					t.Errorf("MaxMsgs = %d, want %d", cfg.MaxMsgs, base.FetchMaxMsgs)
				}
			},
		},
		{
			name: "changed limits are applied", first: base,
			second: func() schemas.StreamLimits { l := base; l.FetchMaxMsgs, l.FetchMaxBytes = 77, 1<<20; return l }(),
			check: func(t *testing.T, cfg jetstream.StreamConfig) {
				if cfg.MaxMsgs != 77 || cfg.MaxBytes != 1<<20 {
					t.Errorf("MaxMsgs, MaxBytes = %d, %d; want 77, %d", cfg.MaxMsgs, cfg.MaxBytes, 1<<20)
				}
			},
		},
		{
			name: "storage cannot change", first: base,
			second:  func() schemas.StreamLimits { l := base; l.Memory = true; return l }(),
			wantErr: []string{"Storage: File → Memory"},
		},
		{
			name: "three replicas on a server without a cluster", first: base,
			second:  func() schemas.StreamLimits { l := base; l.Replicas = 3; return l }(),
			wantErr: []string{"Replicas: 1 → 3"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, js := jstest.Start(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := Ensure(ctx, js, tc.first); err != nil {
				t.Fatalf("first: %v", err)
			}
			err := Ensure(ctx, js, tc.second)
			if tc.wantErr != nil {
				var ce *ConfigError
				t.Logf("refused: %v", err)
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want a *ConfigError", err)
				}
				if ce.Stream != schemas.StreamFetch {
					t.Errorf("stream = %q, want %q", ce.Stream, schemas.StreamFetch)
				}
				for _, f := range tc.wantErr {
					if !strings.Contains(err.Error(), f) {
						t.Errorf("error %q does not name %q", err, f)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("second: %v", err)
			}
			s, err := js.Stream(ctx, schemas.StreamFetch)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s.CachedInfo().Config)
			if d := Diff(s.CachedInfo().Config, schemas.Streams(tc.second)[0]); len(d) != 0 {
				t.Errorf("stream still differs from its declaration: %v", d)
			}
		})
	}
}

func TestStreamDiff(t *testing.T) {
	want := schemas.Streams(schemas.DefaultStreamLimits())[0]
	tests := []struct {
		name   string
		change func(c *jetstream.StreamConfig)
		want   []string
	}{
		{"equal", func(*jetstream.StreamConfig) {}, nil},
		{"server defaults are not differences", func(c *jetstream.StreamConfig) { c.MaxMsgsPerSubject, c.MaxConsumers = -1, -1 }, nil},
		{"replicas 0 is 1", func(c *jetstream.StreamConfig) { c.Replicas = 0 }, nil},
		{"retention", func(c *jetstream.StreamConfig) { c.Retention = jetstream.LimitsPolicy }, []string{"Retention: Limits → WorkQueue"}},
		{"subjects", func(c *jetstream.StreamConfig) { c.Subjects = []string{"x.>"} }, []string{"Subjects: [x.>] → [trawl.v1.fetch.>]"}},
		{"max age", func(c *jetstream.StreamConfig) { c.MaxAge = time.Hour }, []string{"MaxAge: 1h0m0s → 5m0s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			have := want
			tc.change(&have)
			got := Diff(have, want)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Diff = %q, want %q", got, tc.want)
			}
		})
	}
}
