package streams

import (
	"context"
	"log/slog"
	"testing"

	"github.com/trawl-dev/trawl/kit/internal/jstest"
	"github.com/trawl-dev/trawl/schemas"
)

// A deleted stream or consumer makes the keeper not ready, and its next check brings them back.
func TestKeeperRecreatesWhatWasDeleted(t *testing.T) {
	_, js := jstest.Start(t)
	ctx := context.Background()
	limits := schemas.DefaultStreamLimits()
	limits.Memory = true
	k := NewKeeper(js, limits, schemas.StreamFetch, schemas.FetchConsumer(16, 5e9, 3), slog.New(slog.DiscardHandler))
	if _, err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	k.check()
	if err := k.Ready(); err != nil {
		t.Fatalf("ready after Ensure: %v", err)
	}
	for _, del := range []struct {
		name string
		do   func() error
	}{
		{"stream", func() error { return js.DeleteStream(ctx, schemas.StreamFetch) }},
		{"consumer", func() error { return js.DeleteConsumer(ctx, schemas.StreamFetch, schemas.ConsumerFetch) }},
	} {
		if err := del.do(); err != nil {
			t.Fatalf("delete %s: %v", del.name, err)
		}
		if err := k.missing(ctx); err == nil {
			t.Fatalf("the deleted %s is not seen missing", del.name)
		}
		k.check()
		if err := k.Ready(); err != nil {
			t.Errorf("after recreating the %s: %v", del.name, err)
		}
		if _, err := js.Consumer(ctx, schemas.StreamFetch, schemas.ConsumerFetch); err != nil {
			t.Errorf("%s deleted: consumer not back: %v", del.name, err)
		}
	}
}
