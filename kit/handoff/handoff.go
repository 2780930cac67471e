// Package handoff lets a fetcher give its pages to a parser of the same process in memory,
// in place of the parse stream.
//
// In `trawl serve` both stages run in one process, and a page's trip through the parse
// stream (the fetcher's publish and its ack, the stream's copy, the delivery to the parser
// and the parser's ack) was about a quarter of what the embedded NATS server and the NATS
// client did per miss. Handed over, the page skips it; the job stays unacked on the fetch
// stream until the page's outcome is out, so a process that dies mid-parse leaves the job to
// be fetched again, as a fetcher dying mid-fetch always did. Stage processes of their own
// have no parser beside the fetcher and use the stream, as does a fetcher started with
// --parse-inline=false. A page handed over is parsed on the fetcher's goroutine, so in one
// process --fetch-concurrency bounds the parses too.
package handoff

import (
	"sync/atomic"

	"github.com/trawl-dev/trawl/schemas"
)

// Parser takes a fetched page, or a job's typed failure (page.Err), as the parse stage takes
// one off its stream: it publishes the outcome and archives the page. html is the page
// decompressed (nil for a failure); neither may be kept once TakePage returns. An error means
// the outcome could not be published: the job is to be tried again.
type Parser interface {
	TakePage(page *schemas.PageMsg, html []byte) error
}

// Point is where a process's parser offers itself and its fetchers look for it: one per
// process (kit/app.Shared), empty in a process without a parser.
type Point struct {
	p atomic.Pointer[Parser]
}

// Offer makes p the process's parser.
func (pt *Point) Offer(p Parser) {
	if pt == nil || p == nil {
		return
	}
	pt.p.Store(&p)
}

// Withdraw takes p back (a parser that is stopping), unless another has been offered since.
func (pt *Point) Withdraw(p Parser) {
	if pt == nil {
		return
	}
	if cur := pt.p.Load(); cur != nil && *cur == p {
		pt.p.CompareAndSwap(cur, nil)
	}
}

// Parser returns the process's parser, nil when none is offered.
func (pt *Point) Parser() Parser {
	if pt == nil {
		return nil
	}
	if p := pt.p.Load(); p != nil {
		return *p
	}
	return nil
}
