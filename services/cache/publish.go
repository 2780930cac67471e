package cache

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/kit/jspub"
	"github.com/trawl-dev/trawl/schemas"
)

// publishAttempt bounds the wait for one PubAck; publishAttempts bounds the tries.
// publishFailover is how long a publish rides out a fetch stream that has no leader (the
// server answers "no responders" while a clustered stream elects one: under load on 2 cores
// that took over 2 s, longer than nats.go's own two retries 250 ms apart), retrying every
// publishRetryWait, within the request's deadline.
const (
	publishAttempt   = 2 * time.Second
	publishAttempts  = 3
	publishFailover  = 6 * time.Second
	publishRetryWait = 250 * time.Millisecond
)

// publish queues the job on the fetch stream. A try whose acknowledgement is lost is repeated
// with the same Nats-Msg-Id (the job id), so the stream de-duplicates it and the engine is
// never asked twice for one job.
func (s *Service) publish(ctx context.Context, job *schemas.FetchJob) *schemas.Error {
	msg, err := job.Msg()
	if err != nil {
		s.m.jobs.WithLabelValues("error").Inc()
		return schemas.Errorf(schemas.TypeInternal, "encoding the job: %v", err)
	}
	failover := time.Now().Add(publishFailover)
	for tries := 0; ; {
		actx, cancel := context.WithTimeout(ctx, publishAttempt)
		_, err = jspub.Publish(actx, s.nc, msg, publishRetryWait)
		cancel()
		if err == nil || ctx.Err() != nil {
			break
		}
		if errors.Is(err, context.DeadlineExceeded) {
			// The ack was lost or late: the same Nats-Msg-Id makes a second copy harmless.
			if tries++; tries < publishAttempts {
				continue
			}
			break
		}
		if !errors.Is(err, jetstream.ErrNoStreamResponse) || !time.Now().Before(failover) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(publishRetryWait):
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
