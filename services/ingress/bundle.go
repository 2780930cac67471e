package ingress

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
)

// The answers of ordinary (synchronous) requests are archived in bundles: one JetStream
// message carries every answer of a few milliseconds. A message per answer cost the server
// about as much as the rest of a near-cache hit (a stored message is a fixed cost, whatever
// its size, and each answer's own subject was one more entry in the stream's subject index);
// a bundle pays it once for dozens.
//
// An answer's id says where it is: a bundled id is its bundle's id (schemas.NewID, 130 random
// bits) followed by 20 characters of its own (100 random bits), so knowing one answer's id
// tells nothing usable about another's. The bundle's subject is ArchiveBundle+"."+bundle id;
// answers that end after their bundle was written go out in a later message on the same
// subject, and a read walks that subject's messages (one or two) for the id. An answer that is
// updated later (async, batch items: Processing, then the answer) keeps a plain id and its own
// subject.
const (
	bundleIDLen  = 26
	bundledIDLen = bundleIDLen + 20
	// bundleRotate is how long answers take ids in one bundle; bundleFlush how long an answer
	// waits to be written; bundleMaxBytes how much is written in one message at most.
	bundleRotate   = 100 * time.Millisecond
	bundleFlush    = 5 * time.Millisecond
	bundleMaxBytes = 1 << 20
	// bundleMaxMsgs bounds the messages a read walks on one bundle's subject.
	bundleMaxMsgs = 64
)

// bundled reports whether id is a bundled answer's.
func bundled(id string) bool { return len(id) == bundledIDLen }

// bundler gathers bundled answers until they are written.
type bundler struct {
	mu      sync.Mutex
	cur     string
	curAt   time.Time
	pending map[string][]byte // bundle id → framed answers not yet written
	size    int
	// last is the largest bundle the previous flush wrote: a new bundle starts with room for
	// about as much, since growing one by doubling from nothing was most of what a hit
	// allocated (66% of the bytes in the hit row's allocation profile).
	last int
	// spare are buffers of bundles whose writes were acknowledged, for the next bundles: a
	// new buffer per flush, and its growth when a flush came late, were 12% of the bytes
	// `trawl serve` allocated on the sustained miss path (allocation profile after 150 s of
	// misses), and the collector's share of its CPU is what grows as its caches fill.
	spare [][]byte
	// writing are the bundles written and not yet stored (acknowledged): an answer is read
	// from here in that window, in which it is neither pending nor in the stream. A client
	// asking for its answer at once got a 404 about one time in eight (TestNearCacheThroughPipeline).
	writing []*inFlight
	// wake tells an idle flusher there is something to write; kick that a bundle is full
	// and is to be written now. The flusher sleeps while nothing is pending or unacknowledged:
	// ticking every bundleFlush regardless cost an idle trawl serve 200 wake-ups a second.
	wake, kick chan struct{}
	stop       chan struct{}
	done       chan struct{}
	// rounds counts the flusher's writes, parked the times it went to wait for an answer with
	// no timer running (TestBundlerSleepsWhenIdle).
	rounds, parked atomic.Uint64
}

// newBundledID is a fresh id for an answer archived in the current bundle.
func (a *archive) newBundledID() string {
	var suffix [16]byte
	rand.Read(suffix[:])
	b := &a.bundles
	now := time.Now()
	b.mu.Lock()
	if b.cur == "" || now.Sub(b.curAt) >= bundleRotate {
		b.cur, b.curAt = schemas.NewID(), now
	}
	cur := b.cur
	b.mu.Unlock()
	// Composed in place: one allocation, the string.
	var id [bundledIDLen]byte
	copy(id[:], cur)
	putBase32(id[bundleIDLen:], suffix[:])
	return string(id[:])
}

// putBase32 fills out with rand.Text's alphabet over b (5 bits a character, as far as out
// goes).
func putBase32(out, b []byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var acc, bits uint
	j := 0
	for _, c := range b {
		acc = acc<<8 | uint(c)
		bits += 8
		for bits >= 5 && j < len(out) {
			bits -= 5
			out[j] = alphabet[(acc>>bits)&31]
			j++
		}
	}
}

// The facts of a bundled answer, in the order they are framed.
var bundleFields = [...]string{schemas.HeaderArchiveKind, schemas.HeaderArchiveStatus, schemas.HeaderTenant,
	schemas.HeaderArchiveCreated, schemas.HeaderArchiveDone, schemas.HeaderPageID, headerBatch}

// bundle adds an answer to its bundle; the flusher writes it within bundleFlush. An answer is
// framed as: id, then its facts, each NUL-terminated (none can hold a NUL), the length of
// its document (4 bytes) and the document.
func (a *archive) bundle(id string, facts *[len(bundleFields)]string, data []byte) {
	if a == nil {
		return
	}
	a.add(id, facts, func(buf []byte) []byte { return append(buf, data...) })
}

// add frames an answer into its bundle, its document appended by doc.
func (a *archive) add(id string, facts *[len(bundleFields)]string, doc func([]byte) []byte) {
	b := &a.bundles
	b.mu.Lock()
	if b.pending == nil {
		b.pending = map[string][]byte{}
	}
	buf := b.pending[id[:bundleIDLen]]
	if buf == nil {
		buf = b.newBuffer()
	}
	n := len(buf)
	buf = append(buf, id...)
	buf = append(buf, 0)
	for _, f := range facts {
		buf = append(buf, f...)
		buf = append(buf, 0)
	}
	lenAt := len(buf)
	buf = binary.BigEndian.AppendUint32(buf, 0)
	buf = doc(buf)
	binary.BigEndian.PutUint32(buf[lenAt:], uint32(len(buf)-lenAt-4))
	b.pending[id[:bundleIDLen]] = buf
	if b.size == 0 {
		// Under the lock, so that a token in wake always stands for answers not yet taken
		// by flush (which drains it as it takes them).
		signal(b.wake)
	}
	b.size += len(buf) - n
	full := b.size >= bundleMaxBytes
	b.mu.Unlock()
	if full {
		signal(b.kick)
	}
}

// maxSpare bounds the buffers kept for reuse: a flush writes one bundle, rarely two (answers
// take ids in the current bundle, which turns over every bundleRotate).
const maxSpare = 4

// newBuffer is an empty buffer for a bundle: a spare one when there is one, else a new one
// with room for about as much as the last flush wrote. Called with b.mu held.
func (b *bundler) newBuffer() []byte {
	want := min(max(b.last+b.last/4, 4<<10), bundleMaxBytes)
	if n := len(b.spare); n > 0 {
		buf := b.spare[n-1]
		b.spare[n-1] = nil
		b.spare = b.spare[:n-1]
		if cap(buf) >= want {
			return buf[:0]
		}
	}
	return make([]byte, 0, want)
}

// recycle keeps the buffer of a bundle the stream acknowledged as stored: the publish copied
// it into the connection's buffer, and the ack ended the future's hold on the message (it
// resends only while it waits). A bundle that failed, or was settled by writingMax alone, is
// left to the collector. Called with b.mu held, once w has left b.writing, so no read can
// still find it.
func (b *bundler) recycle(w *inFlight) {
	if !w.stored || len(b.spare) >= maxSpare || cap(w.data) > bundleMaxBytes+bundleMaxBytes/4 {
		return
	}
	b.spare = append(b.spare, w.data[:0])
	w.data = nil
}

// signal sends on a channel of capacity one without waiting: one token is as good as many.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// bundleParts is bundle for a document in parts, composed in the bundle itself: a dialect's
// near hit needs no JSON of its own.
func (a *archive) bundleParts(id string, facts *[len(bundleFields)]string, meta *schemas.SearchMetadata, tail []byte) {
	if a == nil {
		return
	}
	a.add(id, facts, func(buf []byte) []byte { return schemas.AppendResponse(buf, meta, tail) })
}

// A near hit's answer is the answer of the near cache's entry with metadata of its own, and
// archiving each one whole was most of what a hit cost (copying the tail into the bundle, and
// the file store's copy, checksum and write of every byte): 11 of 46 µs of trawl serve's CPU
// per hit, the hit row at 0.75× of what it was before the archive. A near hit is archived as
// a reference instead: refMark, the bundled id of the answer the entry was first archived as,
// then the hit's own search_metadata. Reading it (resolveRef) puts the two back together.
//
// A search's near hit now writes less (refHitMark): its metadata differs from the answer it
// repeats in five fields alone (id, request_id, age_seconds, timings_ms.cache, and cache,
// which is "hit"), so it writes those four values and the rest is read from that answer. The
// metadata's JSON was 2.5% of a dialect's hit, and 400 of a reference's 500 bytes. Records
// with refMark (scrapes, and searches archived before) read as they always did.
const (
	refMark    = '@'
	refHitMark = '^'
)

// bundleHit archives a search's near hit as a reference to the bundled answer ref and the
// fields of meta its own (see refHitMark): each string with its length (uvarint), the age as
// a varint, the cache time as float64 bits.
func (a *archive) bundleHit(id string, facts *[len(bundleFields)]string, meta *schemas.SearchMetadata, ref string) {
	a.add(id, facts, func(buf []byte) []byte {
		buf = append(buf, refHitMark)
		buf = append(buf, ref...)
		buf = binary.AppendUvarint(buf, uint64(len(meta.ID)))
		buf = append(buf, meta.ID...)
		buf = binary.AppendUvarint(buf, uint64(len(meta.RequestID)))
		buf = append(buf, meta.RequestID...)
		buf = binary.AppendVarint(buf, meta.AgeSeconds)
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(meta.TimingsMS.Cache))
	})
}

// applyHit sets m's own fields of a near hit from what bundleHit wrote; false if b is not that.
func applyHit(m *schemas.SearchMetadata, b []byte) bool {
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, true
	}
	id, ok1 := str()
	reqID, ok2 := str()
	if !ok1 || !ok2 {
		return false
	}
	age, k := binary.Varint(b)
	if k <= 0 || len(b)-k != 8 {
		return false
	}
	m.ID, m.RequestID, m.Cache, m.AgeSeconds = id, reqID, "hit", age
	m.TimingsMS.Cache = math.Float64frombits(binary.BigEndian.Uint64(b[k:]))
	return true
}

// bundleScrapeRef archives a scrape's near hit as a reference (refMark): its own
// scrape_metadata after the reference.
func (a *archive) bundleScrapeRef(id string, facts *[len(bundleFields)]string, meta *schemas.ScrapeMetadata, ref string) {
	a.add(id, facts, func(buf []byte) []byte {
		m, _ := json.Marshal(meta)
		return append(appendRef(buf, ref), m...)
	})
}

func appendRef(buf []byte, ref string) []byte {
	buf = append(buf, refMark)
	return append(buf, ref...)
}

// resolveRef turns a record archived by bundleHit or bundleScrapeRef (or a search's by an
// older trawl, with refMark) into the answer it stands for; any other record is returned as it
// is. A reference whose answer is gone is errNoRecord; a broken one a typed internal problem,
// never the archive's "unavailable, retry".
func (a *archive) resolveRef(ctx context.Context, r *record) (*record, error) {
	if len(r.Data) == 0 || (r.Data[0] != refMark && r.Data[0] != refHitMark) {
		return r, nil
	}
	broken := schemas.Errorf(schemas.TypeInternal, "archived answer unreadable: a broken reference")
	if len(r.Data) < 1+bundledIDLen || !schemas.ValidID(string(r.Data[1:1+bundleIDLen])) {
		return nil, broken
	}
	ref, meta := string(r.Data[1:1+bundledIDLen]), r.Data[1+bundledIDLen:]
	target, err := a.getBundled(ctx, ref)
	if err != nil {
		return nil, err
	}
	var m schemas.SearchMetadata
	if tail, ok := schemas.SplitResponse(target.Data, &m); ok {
		if r.Data[0] == refHitMark {
			if !applyHit(&m, meta) {
				return nil, broken
			}
			return &record{Header: r.Header, Data: schemas.AppendResponse(nil, &m, tail)}, nil
		}
		return &record{Header: r.Header, Data: schemas.JoinResponse(meta, tail)}, nil
	}
	if r.Data[0] == refHitMark {
		return nil, schemas.Errorf(schemas.TypeInternal, "archived answer unreadable: the answer it repeats (%s) is not a composed search answer", ref)
	}
	var sm schemas.ScrapeMetadata
	if tail, ok := schemas.SplitScrapeResponse(target.Data, &sm); ok {
		return &record{Header: r.Header, Data: schemas.JoinScrapeResponse(meta, tail)}, nil
	}
	return nil, schemas.Errorf(schemas.TypeInternal, "archived answer unreadable: the answer it repeats (%s) is not a composed answer", ref)
}

// startBundler runs the flusher until stopBundler. It waits for an answer to write, then
// bundleFlush for more to join it (unless the bundle fills first), writes, and goes on while
// anything is pending or waits for its ack (flush prunes those).
func (a *archive) startBundler() {
	b := &a.bundles
	b.wake, b.kick = make(chan struct{}, 1), make(chan struct{}, 1)
	b.stop, b.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(b.done)
		t := time.NewTimer(bundleFlush)
		t.Stop()
		for {
			if !b.busy() {
				b.parked.Add(1)
				select {
				case <-b.wake:
				case <-b.stop:
					a.flush()
					return
				}
			}
			t.Reset(bundleFlush)
			select {
			case <-t.C:
			case <-b.kick:
				t.Stop()
			case <-b.stop:
				a.flush()
				return
			}
			b.rounds.Add(1)
			a.flush()
		}
	}()
}

// busy reports whether the flusher has work: answers pending, or written and not yet stored.
func (b *bundler) busy() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size > 0 || len(b.writing) > 0
}

// stopBundler writes what is pending and stops the flusher.
func (a *archive) stopBundler() {
	if a == nil || a.bundles.stop == nil {
		return
	}
	close(a.bundles.stop)
	<-a.bundles.done
}

// inFlight is a bundle written and not yet acknowledged.
type inFlight struct {
	id   string
	data []byte
	at   time.Time
	// ack is the write's ack to come; nil while it is being written, or when the write was
	// dropped or failed (failed is then true: there is nothing to wait for).
	ack    jetstream.PubAckFuture
	failed bool
	// stored: the ack came, and said stored (settled takes it off the future's channel).
	stored bool
}

// writingMax is how long a bundle is kept for reading while its ack does not come (a server
// that went away): past it, reads go to the stream alone.
const writingMax = 10 * time.Second

// settled reports whether w's write has an outcome, stored or failed.
func (w *inFlight) settled(now time.Time) bool {
	if w.failed || now.Sub(w.at) >= writingMax {
		return true
	}
	if w.ack == nil {
		return false
	}
	select {
	case <-w.ack.Ok():
		w.stored = true
		return true
	case <-w.ack.Err():
		return true
	default:
		return false
	}
}

// flush writes every pending bundle, one message each. A bundle moves from pending to writing
// in one step, so a read finds every answer in one of them or in the stream.
func (a *archive) flush() {
	b := &a.bundles
	now := time.Now()
	b.mu.Lock()
	kept := b.writing[:0]
	for _, w := range b.writing {
		if !w.settled(now) {
			kept = append(kept, w)
		} else {
			b.recycle(w)
		}
	}
	clear(b.writing[len(kept):])
	b.writing = kept
	if len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	pending := b.pending
	b.pending, b.size, b.last = nil, 0, 0
	select {
	case <-b.wake:
	default:
	}
	ws := make([]*inFlight, 0, len(pending))
	for id, data := range pending {
		b.last = max(b.last, len(data))
		w := &inFlight{id: id, data: data, at: now}
		ws = append(ws, w)
		b.writing = append(b.writing, w)
	}
	b.mu.Unlock()
	acks := make([]jetstream.PubAckFuture, len(ws))
	for i, w := range ws {
		acks[i] = a.write(&nats.Msg{Subject: schemas.ArchiveSubject(schemas.ArchiveBundle, w.id), Data: w.data})
	}
	b.mu.Lock()
	for i, w := range ws {
		w.ack, w.failed = acks[i], acks[i] == nil
	}
	b.mu.Unlock()
}

// getBundled finds a bundled answer: among this replica's answers not yet written, else in
// its bundle's messages.
func (a *archive) getBundled(ctx context.Context, id string) (*record, error) {
	bid := id[:bundleIDLen]
	if r := a.unstored(bid, id); r != nil {
		return r, nil
	}
	st, err := a.handle(ctx)
	if err != nil {
		return nil, err
	}
	subject := schemas.ArchiveSubject(schemas.ArchiveBundle, bid)
	seq := uint64(1)
	for range bundleMaxMsgs {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if err != nil {
			return nil, a.readError(err)
		}
		if r := findInBundle(m.Data, id); r != nil {
			return r, nil
		}
		seq = m.Sequence + 1
	}
	return nil, errNoRecord
}

// unstored finds a bundled answer among this replica's bundles not yet stored: pending, or
// written and not yet acknowledged.
func (a *archive) unstored(bid, id string) *record {
	b := &a.bundles
	b.mu.Lock()
	defer b.mu.Unlock()
	found := func(buf []byte) *record {
		if r := findInBundle(buf, id); r != nil {
			r.Data = bytes.Clone(r.Data)
			return r
		}
		return nil
	}
	if buf := b.pending[bid]; buf != nil {
		if r := found(buf); r != nil {
			return r
		}
	}
	for _, w := range b.writing {
		if w.id == bid {
			if r := found(w.data); r != nil {
				return r
			}
		}
	}
	return nil
}

// findInBundle reads the answer id out of a bundle's framing (nil when it is not there, or the
// framing is broken).
func findInBundle(buf []byte, id string) *record {
	for len(buf) > 0 {
		var fields [1 + len(bundleFields)][]byte
		for i := range fields {
			end := bytes.IndexByte(buf, 0)
			if end < 0 {
				return nil
			}
			fields[i], buf = buf[:end], buf[end+1:]
		}
		if len(buf) < 4 {
			return nil
		}
		n := int(binary.BigEndian.Uint32(buf))
		if len(buf)-4 < n {
			return nil
		}
		data := buf[4 : 4+n]
		buf = buf[4+n:]
		if string(fields[0]) != id {
			continue
		}
		h := nats.Header{}
		for i, f := range bundleFields {
			if v := fields[i+1]; len(v) > 0 {
				h[f] = []string{string(v)}
			}
		}
		return &record{Header: h, Data: data}
	}
	return nil
}

// unixMS formats t for a record's facts ("" for the zero time).
func unixMS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}
