// Package schemas holds trawl's contracts: NATS subjects and headers, the messages that cross
// them, the HTTP request and response shapes, and the typed errors that map one-to-one between
// NATS (micro error headers) and HTTP (RFC 9457 problem+json).
//
// Services and internal clients code against this package, never against each other's
// internals. The schema version is part of every subject (trawl.v1.…).
package schemas
