package ingress

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trawl-dev/trawl/schemas"
)

// archiveMaxPending bounds the archive writes awaiting the server's ack. Past it an answer
// is not archived (counted and logged): the archive never holds up an answer.
const archiveMaxPending = 4096

// archive writes the ingress's records (answers, batches, webhook deliveries) to the archive
// stream and reads any record back. The stream itself is ensured by the other stages'
// keepers (kit/streams); until it exists, writes fail (counted) and reads answer 503.
type archive struct {
	js                      jetstream.JetStream
	written, dropped, fails prometheus.Counter
	log                     *slog.Logger

	mu      sync.Mutex
	stream  jetstream.Stream
	bundles bundler
}

func newArchive(nc *nats.Conn, writes *prometheus.CounterVec, log *slog.Logger) (*archive, error) {
	a := &archive{written: writes.WithLabelValues("written"), dropped: writes.WithLabelValues("dropped"),
		fails: writes.WithLabelValues("failed"), log: log}
	var err error
	a.js, err = jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(archiveMaxPending),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
			a.failed(m.Subject, err)
		}))
	if err != nil {
		return nil, err
	}
	a.startBundler()
	return a, nil
}

// lastFailLog rate-limits the log line of failing writes: a down archive fails every answer.
var lastFailLog struct {
	sync.Mutex
	at time.Time
}

func (a *archive) failed(subject string, err error) {
	a.fails.Inc()
	lastFailLog.Lock()
	defer lastFailLog.Unlock()
	if time.Since(lastFailLog.at) >= 10*time.Second {
		lastFailLog.at = time.Now()
		a.log.Warn("archive write failed; answers go out unarchived until it is back", "subject", subject, "err", err)
	}
}

// put writes m without waiting for the server, or drops it (counted) when too many writes are
// in flight. m's data is copied before put returns.
func (a *archive) put(m *nats.Msg) {
	a.write(m)
}

// write is put that returns the write's ack to come (nil when m was dropped or failed).
func (a *archive) write(m *nats.Msg) jetstream.PubAckFuture {
	if a == nil {
		return nil
	}
	if a.js.PublishAsyncPending() >= archiveMaxPending-1 {
		a.dropped.Inc()
		return nil
	}
	f, err := a.js.PublishMsgAsync(m)
	if err != nil {
		a.failed(m.Subject, err)
		return nil
	}
	a.written.Inc()
	return f
}

// putSync writes m and waits for the server to store it: for a record a client is promised
// (an async request's Processing, a batch's list) before the promise is made.
func (a *archive) putSync(ctx context.Context, m *nats.Msg) error {
	if a == nil {
		return errArchiveOff
	}
	if _, err := a.js.PublishMsg(ctx, m); err != nil {
		a.failed(m.Subject, err)
		return err
	}
	a.written.Inc()
	return nil
}

// errArchiveOff is every archive call's error with --archive=false.
var errArchiveOff = errors.New("the archive is off (--archive=false)")

// errNoRecord is a record that is not (or no longer) in the archive.
var errNoRecord = errors.New("no such record")

// record is an archived record as read back: its facts in Header, its document in Data.
type record struct {
	Header nats.Header
	Data   []byte
}

// get reads the record of kind for id (id must be schemas.ValidID).
func (a *archive) get(ctx context.Context, kind, id string) (*record, error) {
	if a == nil {
		return nil, errArchiveOff
	}
	if kind == schemas.ArchiveAnswer && bundled(id) {
		r, err := a.getBundled(ctx, id)
		if err != nil {
			return nil, err
		}
		return a.resolveRef(ctx, r)
	}
	st, err := a.handle(ctx)
	if err != nil {
		return nil, err
	}
	var m *jetstream.RawStreamMsg
	if kind == schemas.ArchivePage {
		m, err = schemas.ReadArchivedPage(ctx, st, id)
	} else {
		m, err = st.GetLastMsgForSubject(ctx, schemas.ArchiveSubject(kind, id))
	}
	if err != nil {
		return nil, a.readError(err)
	}
	return &record{Header: m.Header, Data: m.Data}, nil
}

// readError maps a failed read, forgetting the stream's handle when the stream is gone.
func (a *archive) readError(err error) error {
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return errNoRecord
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		a.mu.Lock()
		a.stream = nil
		a.mu.Unlock()
	}
	return err
}

// handle is the stream, looked up once (its config says reads go by direct get).
func (a *archive) handle(ctx context.Context) (jetstream.Stream, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stream != nil {
		return a.stream, nil
	}
	st, err := a.js.Stream(ctx, schemas.StreamArchive)
	if err != nil {
		return nil, err
	}
	a.stream = st
	return st, nil
}

// answerMsg is the archive record of an answer: its JSON (or wrapped problem) as data, the
// facts a read needs in headers.
func answerMsg(cl *call, status string, pageID string, data []byte, done time.Time) *nats.Msg {
	h := nats.Header{
		schemas.HeaderArchiveKind:    []string{cl.kind},
		schemas.HeaderArchiveStatus:  []string{status},
		schemas.HeaderArchiveCreated: []string{strconv.FormatInt(cl.start.UnixMilli(), 10)},
	}
	if cl.t != nil {
		h[schemas.HeaderTenant] = cl.t.names
	}
	if !done.IsZero() {
		h[schemas.HeaderArchiveDone] = []string{strconv.FormatInt(done.UnixMilli(), 10)}
	}
	if pageID != "" {
		h[schemas.HeaderPageID] = []string{pageID}
	}
	if cl.batch != "" {
		h[headerBatch] = []string{cl.batch}
	}
	return &nats.Msg{Subject: schemas.ArchiveSubject(schemas.ArchiveAnswer, cl.id), Header: h, Data: data}
}

// headerBatch names, on an archived answer, the batch it belongs to.
const headerBatch = "Trawl-Batch"
