package jspub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/kit/internal/jstest"
)

// TestPublishAnswersAsPublishMsg publishes the same messages through Publish and through
// jetstream's PublishMsg to a real server and wants the same acknowledgements and errors.
func TestPublishAnswersAsPublishMsg(t *testing.T) {
	nc, js := jstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "JOBS", Subjects: []string{"jobs.>"},
		MaxMsgs: 4, Discard: jetstream.DiscardNew, Duplicates: time.Minute}); err != nil {
		t.Fatal(err)
	}
	msg := func(id string) *nats.Msg {
		m := nats.NewMsg("jobs.x")
		m.Data = []byte("job " + id)
		m.Header.Set(jetstream.MsgIDHeader, id)
		return m
	}

	ack, err := Publish(ctx, nc, msg("a"), time.Millisecond)
	if err != nil || ack.Stream != "JOBS" || ack.Sequence != 1 || ack.Duplicate {
		t.Fatalf("first publish: %+v, %v; want JOBS seq 1", ack, err)
	}
	// The same Nats-Msg-Id again: a duplicate, as PublishMsg reports it.
	ack, err = Publish(ctx, nc, msg("a"), time.Millisecond)
	want, werr := js.PublishMsg(ctx, msg("a"))
	if err != nil || werr != nil || !reflect.DeepEqual(ack, want) || !ack.Duplicate {
		t.Fatalf("duplicate: %+v, %v; PublishMsg says %+v, %v", ack, err, want, werr)
	}
	for _, id := range []string{"b", "c", "d"} {
		if _, err := Publish(ctx, nc, msg(id), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	// The stream is full (discard new): the server's refusal is an APIError either way.
	_, err = Publish(ctx, nc, msg("e"), time.Millisecond)
	_, werr = js.PublishMsg(ctx, msg("f"))
	var apiErr, wantAPI *jetstream.APIError
	if !errors.As(err, &apiErr) || !errors.As(werr, &wantAPI) || apiErr.ErrorCode != wantAPI.ErrorCode || err.Error() != werr.Error() {
		t.Fatalf("full stream: %v; PublishMsg says %v", err, werr)
	}
	// No stream on the subject: no responders, tried again, then ErrNoStreamResponse.
	if _, err := Publish(ctx, nc, nats.NewMsg("nowhere"), time.Millisecond); !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Fatalf("no stream: %v, want ErrNoStreamResponse", err)
	}
	// A context that has ended: its error, not a wait.
	done, stop := context.WithCancel(ctx)
	stop()
	if _, err := Publish(done, nc, msg("g"), time.Millisecond); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended context: %v, want context.Canceled", err)
	}
}

// reference is how jetstream's PublishMsg reads an acknowledgement (nats.go v1.55
// jetstream/publish.go): the answer DecodeAck must give for every input.
func reference(b []byte) (*jetstream.PubAck, error) {
	var r struct {
		Type  string              `json:"type"`
		Error *jetstream.APIError `json:"error,omitempty"`
		*jetstream.PubAck
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, jetstream.ErrInvalidJSAck
	}
	if r.Error != nil {
		return nil, fmt.Errorf("nats: %w", r.Error)
	}
	if r.PubAck == nil || r.PubAck.Stream == "" {
		return nil, jetstream.ErrInvalidJSAck
	}
	return r.PubAck, nil
}

var ackSeeds = []string{
	`{"stream":"JOBS","seq":1}`,
	`{"stream":"JOBS","domain":"hub","seq":18446744073709551615,"duplicate":true}`,
	`{"stream":"JOBS","seq":18446744073709551616}`,
	`{"stream":"PAGES","seq":7,"duplicate":false,"val":"3"}`,
	`{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}`,
	`{"stream":"","seq":1}`,
	`{"stream":"J\u004fBS","seq":1}`,
	`{"Stream":"JOBS","SEQ":2}`,
	`{"stream":"JOBS","seq":01}`,
	`{"stream":"JOBS","seq":1.0}`,
	`{"stream":"JOBS","seq":-1}`,
	`{"stream":"JOBS","seq":1,}`,
	`{"stream":"JOBS","seq":1}x`,
	`{"stream":"JOBS","stream":"PAGES","seq":1}`,
	`{"stream":"JOBS","seq":1,"type":"io.nats.jetstream.api.v1.pub_ack"}`,
	`{"stream":null,"seq":1}`,
	`{}`, `{`, ``, `null`, `[]`, "{\"stream\":\"J\xffOBS\",\"seq\":1}",
	`{"stream":"JOBS","seq":1,"duplicate":tru}`,
	`{ "stream": "JOBS", "seq": 1 }`,
}

func TestDecodeAckAgreesWithPublishMsg(t *testing.T) {
	for _, s := range ackSeeds {
		checkSame(t, []byte(s))
	}
	// The common form is read without encoding/json.
	if _, ok := quickAck([]byte(ackSeeds[0])); !ok {
		t.Errorf("quickAck declined %s", ackSeeds[0])
	}
}

func FuzzDecodeAck(f *testing.F) {
	for _, s := range ackSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkSame(t, b) })
}

func checkSame(t *testing.T, b []byte) {
	t.Helper()
	got, err := DecodeAck(b)
	want, werr := reference(b)
	if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) || !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeAck(%q) = %+v, %v; PublishMsg reads %+v, %v", b, got, err, want, werr)
	}
}

// BenchmarkDecodeAck is the common acknowledgement read both ways.
func BenchmarkDecodeAck(b *testing.B) {
	ack := []byte(`{"stream":"TRAWL_JOBS","seq":123456,"duplicate":true}`)
	b.Run("quick", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeAck(ack); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reference(ack); err != nil {
				b.Fatal(err)
			}
		}
	})
}
