// Package handoff lets stages of one process hand work to each other in memory: the fetcher
// its pages to the parser, in place of the parse stream, and the ingress its requests to the
// cache, in place of a NATS request.
//
// In `trawl serve` every stage runs in one process, and on a busy machine each hop through
// the embedded NATS server (a client's flusher, an in-process pipe, the server's read and
// write loops, the receiver's read loop and subscription) waits for a CPU of its own: a miss
// took about thirty such hops, and they, not the CPU, set its latency under load. A page's trip
// through the parse stream (the fetcher's publish and its ack, the stream's copy, the delivery
// to the parser and the parser's ack) was also about a quarter of what the NATS server and
// client did per miss. Handed over, the work skips it:
//   - a page: the job stays unacked on the fetch stream until the page's outcome is out, so a
//     process that dies mid-parse leaves the job to be fetched again, as a fetcher dying
//     mid-fetch always did. The parse runs on the fetcher's goroutine, holding its fetch
//     slot, and waits there for one of the parser's --parse-concurrency slots.
//   - a request: the cache answers it on the ingress's goroutine, under the same limits,
//     deadline and drain as one that came over NATS, with the same reply.
//
// Stage processes of their own have no such neighbour and use NATS, as does a process started
// with --handoff=false. Results still go out on NATS: every cache replica waiting on a key
// must hear them.
package handoff

import (
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trawl-dev/trawl/schemas"
)

// Parser takes a fetched page, or a job's typed failure (page.Err), as the parse stage takes
// one off its stream: it publishes the outcome and archives the page. html is the page
// decompressed (nil for a failure); neither may be kept once TakePage returns. parsed, when
// not nil, is Judge's reading of html: TakePage publishes it rather than reading the page a
// second time. An error means the outcome could not be published: the job is to be tried
// again.
//
// Judge is the parser's reading of a search page for the fetcher's judgement of it (results,
// no results, a block page or an unknown one), in place of the engine's Classify. A stage of
// its own classifies each page and has the parser read it again; a parser in the process
// reads it once, and that reading is both the judgement and the answer. Its SERP holds copies
// of html's text.
type Parser interface {
	Judge(engine string, html []byte, r *schemas.SearchRequest) *Parsed
	TakePage(page *schemas.PageMsg, html []byte, parsed *Parsed) error
}

// Parsed is a page as Parser.Judge read it.
type Parsed struct {
	SERP *schemas.SERP
	Err  error         // what the engine made of the page when it has no results to give
	Took time.Duration // the parse alone, without the wait for a parse slot
}

// Cache answers a request as the cache stage answers one on its NATS subject: subject is
// schemas.SubjectSearch or SubjectScrape, req its headers and body, and the reply what the
// stage would have published to the requester (its own memory). ok is false for a subject
// it does not answer: ask over NATS.
type Cache interface {
	Ask(subject string, req *nats.Msg) (reply *nats.Msg, ok bool)
}

// Point is where a process's parser and cache offer themselves and its fetchers and ingress
// look for them: one per process (kit/app.Shared), nil with --handoff=false. Every method
// may be called on a nil Point.
type Point struct {
	parser slot[Parser]
	cache  slot[Cache]
}

// OfferParser makes p the process's parser.
func (pt *Point) OfferParser(p Parser) {
	if pt != nil && p != nil {
		pt.parser.offer(p)
	}
}

// WithdrawParser takes p back (a parser that is stopping), unless another has been offered
// since.
func (pt *Point) WithdrawParser(p Parser) {
	if pt != nil {
		pt.parser.withdraw(p)
	}
}

// Parser returns the process's parser, nil when none is offered.
func (pt *Point) Parser() Parser {
	if pt == nil {
		return nil
	}
	return pt.parser.get()
}

// OfferCache makes c the process's cache.
func (pt *Point) OfferCache(c Cache) {
	if pt != nil && c != nil {
		pt.cache.offer(c)
	}
}

// WithdrawCache takes c back, unless another has been offered since.
func (pt *Point) WithdrawCache(c Cache) {
	if pt != nil {
		pt.cache.withdraw(c)
	}
}

// Cache returns the process's cache, nil when none is offered.
func (pt *Point) Cache() Cache {
	if pt == nil {
		return nil
	}
	return pt.cache.get()
}

// slot holds one offered stage.
type slot[T comparable] struct {
	p atomic.Pointer[T]
}

func (s *slot[T]) offer(v T) { s.p.Store(&v) }

func (s *slot[T]) withdraw(v T) {
	if cur := s.p.Load(); cur != nil && *cur == v {
		s.p.CompareAndSwap(cur, nil)
	}
}

func (s *slot[T]) get() (v T) {
	if p := s.p.Load(); p != nil {
		v = *p
	}
	return v
}
