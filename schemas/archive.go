package schemas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The archive keeps every answer trawl gives, and the raw page each came from, for the
// archive's TTL: GET /v1/searches/{id} and /v1/scrapes/{id} read it back, async requests are
// polled from it, and batches keep their list of items in it. It is one JetStream stream
// (StreamArchive) with one subject per record, the latest message per subject kept: a record
// that changes (Processing, then Success) is published again. Reads are direct gets, which
// any replica of the stream answers.
const (
	StreamArchive = "TRAWL_ARCHIVE"
	// SubjectArchivePrefix + one of the kinds below + "." + id is a record's subject.
	SubjectArchivePrefix = "trawl.v1.archive."
	// ArchiveAnswer is an answer (search or scrape) by its id: the JSON as answered, or the
	// problem of a failure, with the ArchiveHeader* facts in headers.
	ArchiveAnswer = "a"
	// ArchivePage is a fetched page by its job id: s2-compressed as it travelled, its job in
	// HeaderJob. Answers point at it by page_id.
	ArchivePage = "p"
	// ArchiveBundle is a bundle of answers given once, by the bundle's id: the ingress writes
	// the answers of a few milliseconds in one message (services/ingress/bundle.go), and an
	// answer's id begins with its bundle's.
	ArchiveBundle = "n"
	// ArchiveBatch is a batch by its id: a Batch with the ids of its items.
	ArchiveBatch = "b"
	// ArchiveWebhook is the delivery record of an answer's webhook, by the answer's id.
	ArchiveWebhook = "w"
)

// ArchiveSubject is the subject of the record of kind (ArchiveAnswer…) for id. id must be
// ValidID: it becomes a subject token.
func ArchiveSubject(kind, id string) string { return SubjectArchivePrefix + kind + "." + id }

// ArchivePageSubject is where page id is archived. Pages share 1,024 subjects, by the first two
// characters of their random ids, and carry their id in HeaderPageID. A subject per page kept
// about 500 bytes of the stream's subject index in the server's memory for as long as the page
// was kept (17 MB after 30 s of misses at 1,100 a second, growing with the archive): under the
// soft memory limit the collector ran ever more often, and the miss path fell to half the plain
// handler's rate within a minute. A read walks its shard (ReadArchivedPage): a page is read
// rarely, to look at it or parse it again.
func ArchivePageSubject(id string) string {
	if len(id) < pageShardLen {
		return ArchiveSubject(ArchivePage, id)
	}
	return SubjectArchivePrefix + ArchivePage + "." + id[:pageShardLen]
}

// pageShardLen is how much of a page id names its shard: base32's 32² = 1,024 shards.
const pageShardLen = 2

// NewJobID is a fresh id for a fetch job, and so for the page it fetches (the page is archived
// under it): its first two characters, the page's shard, step through the 1,024 shards every
// pageShardStep, and the other 24 are random (120 bits, crypto/rand), so it is as unguessable
// as any id. With random shards every block of the archive's file store (about a second of
// pages) held nearly all 1,024 shard subjects, and the server keeps each block's subject index
// for two minutes after its last write (nats-server's SubjectStateExpire, not configurable per
// stream). Measured after 110 s of misses (`trawl serve`, c=64, about 1,400 a second): the live
// heap 60.1 MB with random shards against 51.1 MB stepping, 450,000 live objects against
// 336,000, and the collector's cycles per thousand misses 5.1 against 4.3. Stepping, a block
// holds about ten shards; a page read still walks one shard, 1/1,024 of the archive
// (ReadArchivedPage).
func NewJobID() string {
	id := []byte(NewID())
	slot := time.Now().UnixNano() / int64(pageShardStep) % (32 * 32)
	id[0], id[1] = base32Alphabet[slot/32], base32Alphabet[slot%32]
	return string(id)
}

// pageShardStep is how long jobs take ids in one shard: about ten shards a file-store block.
const pageShardStep = 100 * time.Millisecond

// base32Alphabet is crypto/rand.Text's.
const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// pageWalkMax bounds the messages a page read walks on its shard: 4,096 a shard is about four
// million pages archived at once.
const pageWalkMax = 4096

// ReadArchivedPage finds page id (ValidID) in the archive stream st: on its shard, or on a
// subject of its own where it was archived before the shards. A page not there is
// jetstream.ErrMsgNotFound.
func ReadArchivedPage(ctx context.Context, st jetstream.Stream, id string) (*jetstream.RawStreamMsg, error) {
	if !ValidID(id) {
		// It becomes a subject token: never a wildcard, a dot or another page's shard alone.
		return nil, jetstream.ErrMsgNotFound
	}
	subject := ArchivePageSubject(id)
	for seq, n := uint64(1), 0; n < pageWalkMax; n++ {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		if m.Header.Get(HeaderPageID) == id {
			return m, nil
		}
		seq = m.Sequence + 1
	}
	return st.GetLastMsgForSubject(ctx, ArchiveSubject(ArchivePage, id))
}

// Headers of an archived answer.
const (
	// HeaderArchiveKind is "search" or "scrape".
	HeaderArchiveKind = "Trawl-Kind"
	// HeaderArchiveStatus is StatusProcessing, StatusSuccess or StatusError.
	HeaderArchiveStatus = "Trawl-Status"
	// HeaderArchiveCreated and HeaderArchiveDone are when the request came and when it was
	// answered, Unix milliseconds.
	HeaderArchiveCreated = "Trawl-Created"
	HeaderArchiveDone    = "Trawl-Done"
	// HeaderPageID names the archived page an answer came from (a job id; "" for none, as for
	// a metasearch, whose engines each name theirs in search_metadata.engines).
	HeaderPageID = "Trawl-Page-Id"
	// HeaderSearchID carries, on a search or scrape asked of the cache, the id the ingress
	// gave the answer; the cache puts it in the answer's metadata. Every answer has its own
	// id (a hit too); page_id names the fetched page it came from.
	HeaderSearchID = "Trawl-Search-Id"
)

// The statuses of an answer, as search_metadata.status says them.
const (
	StatusProcessing = "Processing"
	StatusSuccess    = "Success"
	StatusError      = "Error"
)

// The kinds of request, as HeaderArchiveKind and the usage figures name them.
const (
	KindSearch = "search"
	KindScrape = "scrape"
)

// ValidID reports whether id has the form of a trawl id (NewID: base32 letters and digits)
// and may be put in a subject. Anything else, a "*", ">" or "." above all, is refused before
// it reaches NATS, where it would be a wildcard or another subject.
func ValidID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// SubjectDonePrefix + TenantToken(tenant) is where an async request's end is announced: a
// DoneEvent, published by the ingress.
const SubjectDonePrefix = "trawl.v1.done."

// OpenTenantToken stands for "no tenant" (open access) in subjects. Tenant names never hold
// '%', so no tenant's token can be it.
const OpenTenantToken = "%open"

// TenantToken is tenant as one subject token: "." (a tenant name may hold one) and "%" are
// percent-escaped, and no tenant is OpenTenantToken.
func TenantToken(tenant string) string {
	if tenant == "" {
		return OpenTenantToken
	}
	if !strings.ContainsAny(tenant, ".%") {
		return tenant
	}
	return strings.NewReplacer("%", "%25", ".", "%2E").Replace(tenant)
}

// DoneEvent announces on SubjectDonePrefix+tenant that an async search or scrape has ended.
// It carries no results: those are read, with the tenant's key, from the archive.
type DoneEvent struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Error is the failure's kind (a problem type's last segment) when Status is Error.
	Error string `json:"error,omitempty"`
	// Batch is the batch the request belongs to, if any.
	Batch string    `json:"batch,omitempty"`
	Done  time.Time `json:"done"`
}

// Batch is a batch of searches or scrapes as GET /v1/batches/{id} shows it.
type Batch struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"` // Processing until every item has ended, then Success
	CreatedAt time.Time `json:"created_at"`
	Total     int       `json:"total"`
	// Done, Succeeded and Failed count the items that have ended.
	Done      int         `json:"done"`
	Succeeded int         `json:"succeeded"`
	Failed    int         `json:"failed"`
	Items     []BatchItem `json:"items"`
}

// BatchItem is one request of a batch: its answer's id and, once it has ended, its answer
// (the same JSON GET /v1/searches/{id} gives) or its problem.
type BatchItem struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Status string `json:"status"`
	// Response is the answer of a Success (raw JSON, as answered).
	Response json.RawMessage `json:"response,omitempty"`
	// Error is the problem of an Error.
	Error *Error `json:"error,omitempty"`
}

// BatchRequest is the body of POST /v1/searches or /v1/scrapes: the requests of a batch, each
// as its single request's body would be.
type BatchRequest struct {
	Requests []json.RawMessage `json:"requests"`
}

// ArchiveLimits bounds the archive.
type ArchiveLimits struct {
	// TTL is how long a record is kept (--archive-ttl).
	TTL time.Duration
	// MaxBytes bounds the archive; past it the oldest records go first (--archive-max-bytes).
	MaxBytes int64
	// Disabled turns the archive off (--archive=false): nothing is kept, and async requests,
	// batches and reads by id are refused. (The zero value is on.)
	Disabled bool
}

// Validate checks the limits, naming the flag of each bad one.
func (l ArchiveLimits) Validate() error {
	switch {
	case l.Disabled:
	case l.TTL < time.Second:
		return fmt.Errorf("--archive-ttl: %s, want at least 1s", l.TTL)
	case l.MaxBytes < 1<<20:
		return fmt.Errorf("--archive-max-bytes: %d, want at least 1 MiB (1048576)", l.MaxBytes)
	}
	return nil
}

// DefaultArchiveLimits keep a week, within 1 GiB.
func DefaultArchiveLimits() ArchiveLimits {
	return ArchiveLimits{TTL: 7 * 24 * time.Hour, MaxBytes: 1 << 30}
}

// ArchiveMaxRecord bounds one record: NATS's payload limit in trawl's servers (a page that
// travelled the parse stream fits).
const ArchiveMaxRecord = 8 << 20

// ArchiveStream is the archive's stream. It is on disk whenever the server has a store (the
// embedded server without one uses a temporary directory), never in memory: an archive of
// a week would crowd out the process's memory. Old records go first when it is full, so a
// write never fails for space.
func ArchiveStream(l StreamLimits) jetstream.StreamConfig {
	a := l.Archive
	if a.TTL == 0 {
		a = DefaultArchiveLimits()
	}
	return jetstream.StreamConfig{
		Name:        StreamArchive,
		Description: "every answer, its raw page, batches and webhook deliveries, by id",
		Subjects:    []string{SubjectArchivePrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      a.TTL,
		MaxBytes:    a.MaxBytes,
		// A record updated (Processing, then the answer) is read as its last message; a
		// bundle's subject gets a message per write.
		MaxMsgsPerSubject: -1,
		MaxMsgSize:        ArchiveMaxRecord,
		AllowDirect:       true,
		Storage:           jetstream.FileStorage,
		Replicas:          max(l.Replicas, 1),
	}
}
