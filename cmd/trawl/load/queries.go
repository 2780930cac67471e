package load

import (
	"math/rand/v2"
	"strconv"
	"sync/atomic"
)

// queries hands out the run's queries. Each worker gets its own draw (rand.Zipf is not safe
// for concurrent use); distinct queries share one counter so no two are alike in a run, and
// a salt keeps them apart from an earlier run's against the same cache.
type queries struct {
	cfg  Config
	salt string
	seq  atomic.Int64
}

func newQueries(cfg Config) *queries {
	q := &queries{cfg: cfg}
	if cfg.QuerySet == QueryDistinct {
		q.salt = strconv.FormatUint(rand.New(rand.NewPCG(cfg.Seed, 0x51ed)).Uint64()&0xffffffffff, 36)
	}
	return q
}

// forWorker returns worker w's query source.
func (q *queries) forWorker(w int) func() string {
	switch q.cfg.QuerySet {
	case QueryDistinct:
		prefix := q.cfg.Query + " " + q.salt + " "
		return func() string { return prefix + strconv.FormatInt(q.seq.Add(1), 10) }
	case QueryZipf:
		rng := rand.New(rand.NewPCG(q.cfg.Seed, uint64(w)+1))
		z := rand.NewZipf(rng, q.cfg.ZipfS, 1, uint64(q.cfg.Keys-1))
		names := make([]string, q.cfg.Keys) // built lazily: a worker touches few of the tail
		return func() string {
			k := z.Uint64()
			if names[k] == "" {
				names[k] = q.cfg.Query + " " + strconv.FormatUint(k, 10)
			}
			return names[k]
		}
	}
	hot := q.cfg.Query
	return func() string { return hot }
}
