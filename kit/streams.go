package kit

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
)

// EnsureStreams creates or updates every stream declared in schemas.Streams, so a stage that
// starts first sets them up and a changed limit is applied, not silently ignored.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, l schemas.StreamLimits) error {
	for _, cfg := range schemas.Streams(l) {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
