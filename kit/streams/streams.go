// Package streams reconciles the JetStream work streams declared in schemas with the server.
package streams

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
)

// Ensure reconciles every stream declared in schemas.Streams with the server: a missing
// stream is created, one whose settings differ is updated, and when the server refuses the
// update (storage type, or replicas > 1 on a server without a cluster) the error is a
// *ConfigError naming the stream and the fields, so a stage never runs silently on a
// stream that is not the one declared.
func Ensure(ctx context.Context, js jetstream.JetStream, l schemas.StreamLimits) error {
	for _, cfg := range schemas.Streams(l) {
		if err := EnsureOne(ctx, js, cfg); err != nil {
			return err
		}
	}
	return nil
}

// ConfigError is an existing stream whose settings differ from the declared ones and
// could not be brought in line.
type ConfigError struct {
	Stream string
	// Fields are the differing settings, "Replicas: 1 → 3".
	Fields []string
	Err    error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("stream %s differs from its declaration (%s) and cannot be updated: %v",
		e.Stream, strings.Join(e.Fields, "; "), e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// EnsureOne creates want, or updates the existing stream of that name when its settings
// differ, and checks that the server kept what was asked.
func EnsureOne(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) error {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, want)
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			if err != nil {
				return fmt.Errorf("stream %s: create: %w", want.Name, err)
			}
			return nil
		}
		// Another stage created it a moment ago, perhaps with other settings: reconcile.
		s, err = js.Stream(ctx, want.Name)
	}
	if err != nil {
		return fmt.Errorf("stream %s: %w", want.Name, err)
	}
	diff := Diff(s.CachedInfo().Config, want)
	if len(diff) == 0 {
		return nil
	}
	s, err = js.UpdateStream(ctx, want)
	if err != nil {
		return &ConfigError{Stream: want.Name, Fields: diff, Err: err}
	}
	if left := Diff(s.CachedInfo().Config, want); len(left) > 0 {
		return &ConfigError{Stream: want.Name, Fields: left, Err: errors.New("the server accepted the update but kept these settings")}
	}
	return nil
}

// Diff lists the declared settings of want that differ in have, as "Field: have → want".
// Fields left at their zero value in want are the server's to default and are not compared,
// except the enumerations whose zero value is itself a choice (storage, retention, discard)
// and Replicas (0 means 1).
func Diff(have, want jetstream.StreamConfig) []string {
	var diff []string
	note := func(field string, h, w any) { diff = append(diff, fmt.Sprintf("%s: %v → %v", field, h, w)) }
	if have.Storage != want.Storage {
		note("Storage", have.Storage, want.Storage)
	}
	if have.Retention != want.Retention {
		note("Retention", have.Retention, want.Retention)
	}
	if have.Discard != want.Discard {
		note("Discard", have.Discard, want.Discard)
	}
	if hr, wr := max(have.Replicas, 1), max(want.Replicas, 1); hr != wr {
		note("Replicas", hr, wr)
	}
	for k, v := range want.Metadata {
		if have.Metadata[k] != v {
			note("Metadata["+k+"]", have.Metadata[k], v)
		}
	}
	skip := map[string]bool{"Storage": true, "Retention": true, "Discard": true, "Replicas": true, "Metadata": true}
	hv, wv := reflect.ValueOf(have), reflect.ValueOf(want)
	for i := range wv.NumField() {
		name := wv.Type().Field(i).Name
		w := wv.Field(i)
		if skip[name] || w.IsZero() {
			continue
		}
		if h := hv.Field(i); !reflect.DeepEqual(h.Interface(), w.Interface()) {
			note(name, h.Interface(), w.Interface())
		}
	}
	slices.Sort(diff)
	return diff
}

// RegisterFlags adds the work streams' limits.
func RegisterFlags(fs *flag.FlagSet, l *schemas.StreamLimits) {
	*l = schemas.DefaultStreamLimits()
	fs.IntVar(&l.Replicas, "stream-replicas", l.Replicas, "JetStream replicas of the work streams (3 in a cluster)")
	fs.Int64Var(&l.FetchMaxMsgs, "fetch-stream-max-msgs", l.FetchMaxMsgs, "fetch jobs that may wait; past it, new searches get 503")
	fs.Int64Var(&l.FetchMaxBytes, "fetch-stream-max-bytes", l.FetchMaxBytes, "bytes of fetch jobs that may wait")
	fs.Int64Var(&l.ParseMaxMsgs, "parse-stream-max-msgs", l.ParseMaxMsgs, "fetched pages that may wait for a parser")
	fs.Int64Var(&l.ParseMaxBytes, "parse-stream-max-bytes", l.ParseMaxBytes, "bytes of fetched pages that may wait")
	fs.BoolVar(&l.Memory, "stream-memory", false, "keep the work streams in memory instead of on disk")
	fs.DurationVar(&l.Archive.TTL, "archive-ttl", l.Archive.TTL, "how long every answer and its raw page are kept (GET /v1/searches/{id})")
	fs.Int64Var(&l.Archive.MaxBytes, "archive-max-bytes", l.Archive.MaxBytes, "bytes the archive may hold on disk; past it the oldest records go first")
}
