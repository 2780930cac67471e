package cache

import (
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// How a request may use a stored entry.
type freshness int

const (
	// unusable: too old for the request, or the request refuses the cache.
	unusable freshness = iota
	// fresh: answer with it (hit).
	fresh
	// staleRevalidate: answer with it now (stale) and refresh the key in the background.
	staleRevalidate
	// staleIfError: answer with it only if the fetch fails or outlasts the deadline.
	staleIfError
)

// Answer states, reported in search_metadata.cache and the Trawl-Cache header.
const (
	stateHit       = "hit"
	stateMiss      = "miss"
	stateStale     = "stale"
	stateCoalesced = "coalesced"
)

// windows are the freshness settings for one engine.
type windows struct {
	ttl, revalidate, ifError time.Duration
}

func (c *Config) windows(engine string) windows {
	return windows{ttl: c.ttl(engine), revalidate: c.StaleWhileRevalidate, ifError: c.StaleIfError}
}

// judge decides how a request may use an entry of the given age. The client's max_age only
// ever narrows what is served: an entry at or past max_age is not served even as stale, and
// no_cache (or max_age=0) refuses stored entries altogether.
func judge(age time.Duration, w windows, a *ask) freshness {
	maxAge, noCache := a.controls()
	if noCache {
		return unusable
	}
	age = max(age, 0) // an entry from a replica whose clock runs ahead
	if maxAge != nil && age >= time.Duration(*maxAge)*time.Second {
		return unusable
	}
	switch {
	case age < w.ttl:
		return fresh
	case age < w.ttl+w.revalidate:
		return staleRevalidate
	case age < w.ttl+w.ifError:
		return staleIfError
	}
	return unusable
}

// servesStale reports whether a failed fetch may be answered with a stale entry: every
// failure of the upstream or the pipeline may, a rejected request may not.
func servesStale(e *schemas.Error) bool {
	switch e.Kind {
	case schemas.TypeValidation, schemas.TypeNotFound, schemas.TypeTooLarge:
		return false
	}
	return true
}
