// Package scrape is the domain layer of page scraping, as engines is of search: pure
// functions from a fetched page to trawl's scrape formats, with no network and no NATS.
//
// Convert turns a page (HTML, XHTML, plain text or JSON, in any charset) into markdown,
// cleaned HTML, raw HTML, text, links, metadata and typed extract fields. Accepts lets the
// fetcher refuse other content types before downloading them, and Challenge recognises the
// bot challenges and block pages that must be reported as blocked rather than converted.
//
// Work is bounded on hostile input: bodies over MaxBodyBytes are refused, the element tree is
// flattened below a few hundred levels before parsing (see flatten), oversized attributes are
// dropped, CSS selectors that scan subtrees are limited, and every walk over the tree is
// iterative or bounded by that depth.
package scrape
