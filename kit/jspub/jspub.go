// Package jspub publishes a message to a JetStream stream and waits for the stream's
// acknowledgement, as jetstream.JetStream.PublishMsg does, but reads the acknowledgement
// without encoding/json.
//
// Every miss publishes twice this way (the cache queues the job, the fetcher queues the page).
// PublishMsg decodes each PubAck by reflection, and that decode was the deepest call of the
// cache's request goroutine: growing its stack for it, after a GC had shrunk it, plus the
// decode itself, was 2.4% of trawl serve's CPU on the sustained miss path (scripts/bench
// miss-aio-60s profile, 2026-12-03). A PubAck is a flat object of a few known keys, so
// DecodeAck reads that form directly and hands anything else to encoding/json, which stays the
// reference: FuzzDecodeAck holds the two to the same answer. The read itself is 170 ns and 2
// allocations against 1,260 ns and 8 (BenchmarkDecodeAck); end to end the gain is below what
// this machine can see: two trawl serve loaded side by side, before and after, differed by
// 0.97-1.02x over five 10 s rounds (2026-12-04).
package jspub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// RetryAttempts is how many times a publish answered "no responders" is tried again, as
// jetstream.DefaultPubRetryAttempts: the stream may be between leaders for a moment.
const RetryAttempts = jetstream.DefaultPubRetryAttempts

// Publish sends m to its stream and returns the stream's acknowledgement, with PublishMsg's
// errors: jetstream.ErrNoStreamResponse when no stream listens after the retries (retryWait
// apart), the context's error when it ends first, a *jetstream.APIError (wrapped) when the
// stream refuses m, jetstream.ErrInvalidJSAck for an answer that is no acknowledgement.
func Publish(ctx context.Context, nc *nats.Conn, m *nats.Msg, retryWait time.Duration) (*jetstream.PubAck, error) {
	resp, err := nc.RequestMsgWithContext(ctx, m)
	for r := 0; errors.Is(err, nats.ErrNoResponders) && r < RetryAttempts; r++ {
		t := time.NewTimer(retryWait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		resp, err = nc.RequestMsgWithContext(ctx, m)
	}
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return nil, jetstream.ErrNoStreamResponse
		}
		return nil, err
	}
	return DecodeAck(resp.Data)
}

// DecodeAck reads a stream's answer to a publish as PublishMsg reads it.
func DecodeAck(b []byte) (*jetstream.PubAck, error) {
	ack, ok := quickAck(b)
	if !ok {
		var r struct {
			Error *jetstream.APIError `json:"error,omitempty"`
			*jetstream.PubAck
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, jetstream.ErrInvalidJSAck
		}
		if r.Error != nil {
			return nil, fmt.Errorf("nats: %w", r.Error)
		}
		ack = r.PubAck
	}
	if ack == nil || ack.Stream == "" {
		return nil, jetstream.ErrInvalidJSAck
	}
	return ack, nil
}

// quickAck reads the acknowledgement the server writes: one flat object, no white space,
// keys among a PubAck's own, strings of printable ASCII without escapes, the sequence a
// plain decimal. ok is false for anything else, which encoding/json then reads.
func quickAck(b []byte) (ack *jetstream.PubAck, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	ack = new(jetstream.PubAck)
	i := 1
	if b[i] == '}' {
		return ack, i == len(b)-1
	}
	for {
		key, n, ok := quickString(b, i)
		if !ok || n >= len(b) || b[n] != ':' {
			return nil, false
		}
		i = n + 1
		switch k := string(key); k {
		case "stream", "domain", "val":
			v, n, ok := quickString(b, i)
			if !ok {
				return nil, false
			}
			switch s := string(v); k {
			case "stream":
				ack.Stream = s
			case "domain":
				ack.Domain = s
			default:
				ack.Value = s
			}
			i = n
		case "seq":
			seq, n, ok := quickUint(b, i)
			if !ok {
				return nil, false
			}
			ack.Sequence, i = seq, n
		case "duplicate":
			switch {
			case hasAt(b, i, "true"):
				ack.Duplicate, i = true, i+4
			case hasAt(b, i, "false"):
				ack.Duplicate, i = false, i+5
			default:
				return nil, false
			}
		default:
			return nil, false
		}
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return ack, i == len(b)-1
		default:
			return nil, false
		}
	}
}

// quickString reads the string starting at b[i] (its opening quote) and returns its bytes
// and the index after its closing quote.
func quickString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// quickUint reads the decimal at b[i] as JSON spells a whole number: no sign, no leading zero,
// no fraction or exponent, no more than a uint64 holds.
func quickUint(b []byte, i int) (uint64, int, bool) {
	start := i
	var v uint64
	for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (1<<64-1-d)/10 {
			return 0, 0, false
		}
		v = v*10 + d
	}
	if i == start || (b[start] == '0' && i-start > 1) {
		return 0, 0, false
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, 0, false
	}
	return v, i, true
}

func hasAt(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}
