// Package buffers pools byte slices for the page-sized buffers of hot paths.
package buffers

import "sync"

// Pool keeps byte slices for reuse on hot paths where a buffer lives only for the length
// of one job (a page being compressed or decompressed), so each job does not leave a page-sized
// allocation behind for the collector. A buffer grown past Max is dropped, so one odd huge
// page is not kept for good.
type Pool struct {
	Max  int
	pool sync.Pool // *[]byte: a pointer, so Put does not allocate
}

// Get returns a buffer whose length is its whole capacity, ready to be handed to an API that
// writes into dst when it is large enough (s2.Encode, s2.Decode).
func (b *Pool) Get() *[]byte {
	if p, ok := b.pool.Get().(*[]byte); ok {
		*p = (*p)[:cap(*p)]
		return p
	}
	return new([]byte)
}

// Put gives a buffer back, keeping used (what an API returned, possibly newly allocated) when it
// fits under Max. Nothing may use either slice afterwards.
func (b *Pool) Put(p *[]byte, used []byte) {
	if cap(used) > b.Max {
		return
	}
	*p = used
	b.pool.Put(p)
}
