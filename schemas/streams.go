package schemas

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamLimits bounds the work streams. When a stream is full, new jobs are refused
// (DiscardNew) and the requester gets a 503 at once: nothing queues without bound.
type StreamLimits struct {
	Replicas int
	// FetchMaxMsgs and ParseMaxMsgs bound the number of waiting jobs per stream.
	FetchMaxMsgs int64
	ParseMaxMsgs int64
	// FetchMaxBytes and ParseMaxBytes bound the bytes held per stream.
	FetchMaxBytes int64
	ParseMaxBytes int64
	// Memory keeps the streams in memory rather than on disk (never the archive).
	Memory bool
	// Archive bounds the archive stream (StreamArchive).
	Archive ArchiveLimits
}

// Validate checks the limits, naming the flag of each bad one.
func (l StreamLimits) Validate() error {
	var errs []error
	if l.Replicas < 1 || l.Replicas > 5 {
		errs = append(errs, fmt.Errorf("--stream-replicas: %d, want 1 to 5", l.Replicas))
	}
	for _, f := range []struct {
		flag string
		v    int64
	}{{"fetch-stream-max-msgs", l.FetchMaxMsgs}, {"fetch-stream-max-bytes", l.FetchMaxBytes},
		{"parse-stream-max-msgs", l.ParseMaxMsgs}, {"parse-stream-max-bytes", l.ParseMaxBytes}} {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s: %d, must be positive", f.flag, f.v))
		}
	}
	if err := l.Archive.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// DefaultStreamLimits are sized for one machine.
func DefaultStreamLimits() StreamLimits {
	return StreamLimits{Replicas: 1, FetchMaxMsgs: 10000, ParseMaxMsgs: 10000, FetchMaxBytes: 64 << 20, ParseMaxBytes: 512 << 20,
		Archive: DefaultArchiveLimits()}
}

// DuplicateWindow is how long a stream remembers a Nats-Msg-Id (the job id) to drop a second
// copy. Fetch jobs carry one: copies come from the cache's publish retries (up to 6 s riding
// out a stream without a leader, then up to three tries of 2 s for a lost ack: within 12 s),
// and a job published twice would be fetched twice. Pages no longer do (PageMsg.Msg): a page
// parsed twice costs one parse, and its ids were half of the live objects of `trawl serve`
// after 110 s of misses (336,000 with them, 156,000 without; the live heap 51.1 MB against
// 43.4). The server keeps every id of the window in memory, so JetStream's default of two
// minutes held about 50 MB of ids at 1,600 misses a second, and the collector of `trawl serve`
// ran ever more often as they piled up: a 5-minute soak at c=256 misses went from 775 to
// 1,249 req/s with 20 s.
const DuplicateWindow = 20 * time.Second

// Streams declares every stream trawl uses, in one place.
func Streams(l StreamLimits) []jetstream.StreamConfig {
	storage := jetstream.FileStorage
	if l.Memory {
		storage = jetstream.MemoryStorage
	}
	if l.Replicas < 1 {
		l.Replicas = 1
	}
	out := []jetstream.StreamConfig{
		{
			Name:        StreamFetch,
			Description: "fetch jobs: one per cache miss, consumed by fetchers",
			Subjects:    []string{SubjectFetchPrefix + ">"},
			Retention:   jetstream.WorkQueuePolicy,
			Discard:     jetstream.DiscardNew,
			MaxMsgs:     l.FetchMaxMsgs,
			MaxBytes:    l.FetchMaxBytes,
			// A job older than this has outlived any requester's deadline.
			MaxAge:     5 * time.Minute,
			Duplicates: DuplicateWindow,
			Storage:    storage,
			Replicas:   l.Replicas,
		},
		{
			Name:        StreamParse,
			Description: "fetched pages waiting for a parser",
			Subjects:    []string{SubjectParsePrefix + ">"},
			Retention:   jetstream.WorkQueuePolicy,
			Discard:     jetstream.DiscardNew,
			MaxMsgs:     l.ParseMaxMsgs,
			MaxBytes:    l.ParseMaxBytes,
			MaxAge:      5 * time.Minute,
			Duplicates:  DuplicateWindow,
			Storage:     storage,
			Replicas:    l.Replicas,
		},
	}
	if !l.Archive.Disabled {
		out = append(out, ArchiveStream(l))
	}
	return out
}

// FetchConsumer is the fetchers' shared durable pull consumer. maxInFlight is the number of
// unacked jobs the server hands out across all fetchers; each fetcher bounds its own share.
func FetchConsumer(maxInFlight int, ackWait time.Duration, maxDeliver int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       ConsumerFetch,
		Description:   "fetchers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
		MaxAckPending: maxInFlight,
		FilterSubject: SubjectFetchPrefix + ">",
	}
}

// ParseConsumer is the parsers' shared durable pull consumer.
func ParseConsumer(maxInFlight int, ackWait time.Duration, maxDeliver int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       ConsumerParse,
		Description:   "parsers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
		MaxAckPending: maxInFlight,
		FilterSubject: SubjectParsePrefix + ">",
	}
}
