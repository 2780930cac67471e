package cache

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
)

// publishAttempt bounds the wait for one PubAck; publishAttempts bounds the tries.
const (
	publishAttempt  = 2 * time.Second
	publishAttempts = 3
)

// publish queues the job on the fetch stream. A try whose acknowledgement is lost is repeated
// with the same Nats-Msg-Id (the job id), so the stream de-duplicates it and the engine is
// never asked twice for one job.
func (s *Service) publish(ctx context.Context, job *schemas.FetchJob) *schemas.Error {
	data, _ := json.Marshal(job)
	msg := nats.NewMsg(schemas.SubjectFetchPrefix + job.Request.Engine)
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, job.ID)
	msg.Header.Set(schemas.HeaderDeadline, strconv.FormatInt(job.Deadline, 10))
	msg.Header.Set(schemas.HeaderKey, job.Key)
	if job.RequestID != "" {
		msg.Header.Set(schemas.HeaderRequestID, job.RequestID)
	}
	var err error
	for range publishAttempts {
		actx, cancel := context.WithTimeout(ctx, publishAttempt)
		_, err = s.js.PublishMsg(actx, msg)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			break
		}
	}
	if err == nil {
		s.m.jobs.WithLabelValues("ok").Inc()
		return nil
	}
	var apiErr *jetstream.APIError
	switch {
	case errors.As(err, &apiErr):
		// The stream refused the job (full: discard-new): say so at once.
		s.m.jobs.WithLabelValues("refused").Inc()
		e := schemas.Errorf(schemas.TypeOverloaded, "fetch queue is full: %s", apiErr.Description)
		e.RetryAfterMS = 1000
		return e
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		s.m.jobs.WithLabelValues("no_stream").Inc()
		e := schemas.NewError(schemas.TypeUnavailable, "fetch queue is not available")
		e.RetryAfterMS = 1000
		return e
	case errors.Is(err, context.DeadlineExceeded):
		s.m.jobs.WithLabelValues("timeout").Inc()
		e := schemas.NewError(schemas.TypeUnavailable, "fetch queue did not acknowledge the job")
		e.RetryAfterMS = 1000
		return e
	}
	s.m.jobs.WithLabelValues("error").Inc()
	e := schemas.Errorf(schemas.TypeUnavailable, "queueing the fetch: %v", err)
	e.RetryAfterMS = 1000
	return e
}
