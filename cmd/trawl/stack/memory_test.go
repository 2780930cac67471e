package stack_test

import (
	"runtime/debug"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/cmd/trawl/stack"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
)

// Where the all-in-one keeps its work streams: in memory when the embedded server's store is a
// temporary directory (nothing would find it after a restart), on disk when a store is named.
func TestStreamStorage(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*stack.Config)
		want   jetstream.StorageType
	}{
		{"temporary store: memory", func(c *stack.Config) { c.NATSStoreDir = "" }, jetstream.MemoryStorage},
		{"named store: disk", nil, jetstream.FileStorage},
		{"named store, --stream-memory: memory", func(c *stack.Config) { c.Streams.Memory = true }, jetstream.MemoryStorage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, tc.mutate, nil)
			if rp := e.get(t, "/v1/search?q=stream+storage"); rp.status != 200 {
				t.Fatalf("status %d: %s", rp.status, rp.body)
			}
			nc, err := nats.Connect(e.st.UserURL(natsauth.UserAdmin))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{schemas.StreamFetch, schemas.StreamParse} {
				st, err := js.Stream(t.Context(), name)
				if err != nil {
					t.Fatalf("stream %s: %v", name, err)
				}
				if got := st.CachedInfo().Config.Storage; got != tc.want {
					t.Errorf("stream %s: storage %v, want %v", name, got, tc.want)
				}
			}
		})
	}
}

// The all-in-one under its automatic soft memory limit, as `trawl serve` runs it, with the
// work streams in memory: the embedded server must still accept them (left to itself it
// sizes JetStream's memory from the limit and refuses the streams).
func TestMemoryStreamsUnderMemoryLimit(t *testing.T) {
	cfg := stack.DefaultConfig()
	if !cfg.StreamsInMemory() {
		t.Fatal("the default all-in-one keeps its streams on disk in a temporary directory")
	}
	prev := debug.SetMemoryLimit(cfg.MemoryAuto())
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	e := start(t, func(c *stack.Config) { c.NATSStoreDir = "" }, nil)
	if rp := e.get(t, "/v1/search?q=memory+streams"); rp.status != 200 || len(decodeResponse(t, rp.body).OrganicResults) == 0 {
		t.Fatalf("status %d: %s", rp.status, rp.body)
	}
}

// The automatic limit counts the block the embedded server's archive writes, and only where
// there is one: no archive, or a NATS server of its own, adds nothing.
func TestMemoryAutoCountsTheArchive(t *testing.T) {
	with := stack.DefaultConfig()
	without := stack.DefaultConfig()
	without.Streams.Archive.Disabled = true
	if d := with.MemoryAuto() - without.MemoryAuto(); d != 8<<20 {
		t.Errorf("the archive adds %d bytes to the limit, want one 8 MiB block", d)
	}
	remote := stack.DefaultConfig()
	remote.Common.NATSURL = "nats://127.0.0.1:4222"
	remoteOff := remote
	remoteOff.Streams.Archive.Disabled = true
	if remote.MemoryAuto() != remoteOff.MemoryAuto() {
		t.Errorf("with a NATS server of its own the archive is that server's memory: %d, want %d", remote.MemoryAuto(), remoteOff.MemoryAuto())
	}
}
