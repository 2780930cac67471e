package load

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
)

// queries hands out the run's queries. Each worker gets its own draw (rand.Zipf is not safe
// for concurrent use); distinct queries share one counter so no two are alike in a run, and
// a salt keeps them apart from an earlier run's against the same cache. A scrape's query is
// the page's URL, told apart by an n parameter in its query string.
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
	// key names distinct or zipf key n: a query, or the page's URL with n in its query string.
	key := func(prefix string) func(n string) string {
		prefix = q.cfg.Query + " " + prefix
		return func(n string) string { return prefix + n }
	}
	sep := " "
	if q.cfg.ScrapeURL != "" {
		key = func(prefix string) func(n string) string { return saltedURL(q.cfg.ScrapeURL, prefix) }
		sep = "-"
	}
	switch q.cfg.QuerySet {
	case QueryDistinct:
		k := key(q.salt + sep)
		return func() string { return k(strconv.FormatInt(q.seq.Add(1), 10)) }
	case QueryZipf:
		rng := rand.New(rand.NewPCG(q.cfg.Seed, uint64(w)+1))
		z := rand.NewZipf(rng, q.cfg.ZipfS, 1, uint64(q.cfg.Keys-1))
		k := key("")
		names := make([]string, q.cfg.Keys) // built lazily: a worker touches few of the tail
		return func() string {
			n := z.Uint64()
			if names[n] == "" {
				names[n] = k(strconv.FormatUint(n, 10))
			}
			return names[n]
		}
	}
	hot := q.cfg.Query
	if q.cfg.ScrapeURL != "" {
		hot = q.cfg.ScrapeURL
	}
	return func() string { return hot }
}

// saltedURL returns a function giving page with n=<prefix><n> added to its query string,
// before any fragment, so each n names another page to a cache but the same to the server.
func saltedURL(page, prefix string) func(n string) string {
	head, frag, hasFrag := strings.Cut(page, "#")
	if hasFrag {
		frag = "#" + frag
	}
	sep := "?"
	switch {
	case strings.HasSuffix(head, "?") || strings.HasSuffix(head, "&"):
		sep = ""
	case strings.Contains(head, "?"):
		sep = "&"
	}
	head += sep + "n=" + prefix
	return func(n string) string { return head + n + frag }
}
