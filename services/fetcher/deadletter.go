package fetcher

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/schemas"
)

// watchDeadLetters moves jobs that ran out of deliveries to the dead-letter subject.
func (s *Service) watchDeadLetters() error {
	sub, err := s.nc.QueueSubscribe(schemas.SubjectFetchMaxDeliveries, schemas.QueueFetchDeadLetters, s.onMaxDeliveries)
	if err != nil {
		return err
	}
	s.deadSub = sub
	return nil
}

// onMaxDeliveries fetches the job by its stream sequence, publishes it with the reason on
// trawl.v1.dead.fetch, answers its requester when it is still waiting, and deletes it from the
// work queue (where it would otherwise sit until the stream's max age).
func (s *Service) onMaxDeliveries(m *nats.Msg) {
	var adv struct {
		Stream     string `json:"stream"`
		Consumer   string `json:"consumer"`
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries uint64 `json:"deliveries"`
	}
	if err := json.Unmarshal(m.Data, &adv); err != nil || adv.StreamSeq == 0 {
		s.log.Warn("unreadable max-deliveries advisory", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := s.js.Stream(ctx, schemas.StreamFetch)
	if err != nil {
		s.log.Warn("dead letter: fetch stream", "err", err)
		return
	}
	raw, err := stream.GetMsg(ctx, adv.StreamSeq)
	if err != nil {
		// Already gone (acked late, or another replica's watcher took it).
		s.log.Debug("dead letter: job not in stream", "seq", adv.StreamSeq, "err", err)
		return
	}
	reason := fmt.Sprintf("delivered %d times without being acked (max deliveries)", adv.Deliveries)
	s.deadLetter(raw.Subject, raw.Data, "max_deliveries", reason)
	if job, err := schemas.DecodeFetchJob(raw.Data); err == nil && !job.Expired(time.Now()) {
		e := schemas.NewError(schemas.TypeUnavailable, "the fetch failed on every delivery")
		e.Engine = job.Request.Engine
		e.RetryAfterMS = 1000
		if err := s.publishFailure(job, raw.Data, e); err != nil {
			s.log.Warn("dead letter: failure not queued", "job", job.ID, "err", err)
		}
	}
	if err := stream.DeleteMsg(ctx, adv.StreamSeq); err != nil {
		s.log.Debug("dead letter: delete", "seq", adv.StreamSeq, "err", err)
	}
	s.log.Warn("fetch job dead-lettered", "seq", adv.StreamSeq, "subject", raw.Subject, "reason", reason)
}

// deadLetter records a job that can never be done, with the reason.
func (s *Service) deadLetter(subject string, data []byte, kind, reason string) {
	if err := s.nc.PublishMsg(schemas.DeadLetterMsg(schemas.StageFetch, subject, data, reason)); err != nil {
		s.log.Warn("dead letter: publish", "err", err)
		return
	}
	s.m.deadLetters.WithLabelValues(kind).Inc()
}
