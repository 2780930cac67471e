package schemas

import (
	"bytes"

	"encoding/json"
)

// responsePrefix opens every composed response. search_metadata is always the first member,
// so SplitResponse finds it without reading the rest of the document.
const responsePrefix = `{"search_metadata":`

// ComposeResponse joins a fresh search_metadata object and a stored SearchBody encoding into
// one SearchResponse document without decoding or re-encoding the body: body must be a JSON
// object ({"search_parameters":…}); the result is {"search_metadata":meta,…body's members}.
func ComposeResponse(meta *SearchMetadata, body []byte) []byte {
	return AppendComposed(make([]byte, 0, len(responsePrefix)+300+len(body)+1), meta, body)
}

// AppendComposed appends ComposeResponse(meta, body) to out.
func AppendComposed(out []byte, meta *SearchMetadata, body []byte) []byte {
	out = append(out, responsePrefix...)
	out = appendMetadata(out, meta)
	if len(body) > 2 {
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}

// SplitResponse takes apart a document made by ComposeResponse: it decodes the search_metadata
// into meta and returns the rest of the document after it, `,"search_parameters":…}` (or `}`
// for an empty body), which AppendResponse puts back behind other metadata. The rest is a
// slice of resp, not a copy. ok is false for anything ComposeResponse does not produce.
func SplitResponse(resp []byte, meta *SearchMetadata) (rest []byte, ok bool) {
	return splitDocument(resp, responsePrefix, meta)
}

// SplitScrapeResponse is SplitResponse for a scrape's answer (ComposeScrapeResponse): the
// scrape_metadata into meta, and the rest of the document after it.
func SplitScrapeResponse(resp []byte, meta *ScrapeMetadata) (rest []byte, ok bool) {
	return splitDocument(resp, scrapeResponsePrefix, meta)
}

// AppendScrapeResponse appends to dst the scrape answer SplitScrapeResponse took apart, with
// meta as its scrape_metadata.
func AppendScrapeResponse(dst []byte, meta *ScrapeMetadata, rest []byte) []byte {
	m, _ := json.Marshal(meta)
	dst = append(dst, scrapeResponsePrefix...)
	dst = append(dst, m...)
	return append(dst, rest...)
}

// JoinScrapeResponse is AppendScrapeResponse for metadata already encoded.
func JoinScrapeResponse(meta, rest []byte) []byte {
	out := make([]byte, 0, len(scrapeResponsePrefix)+len(meta)+len(rest))
	out = append(out, scrapeResponsePrefix...)
	out = append(out, meta...)
	return append(out, rest...)
}

// splitDocument splits a document that opens with prefix and a metadata object into the
// metadata, decoded into meta, and the rest after it.
func splitDocument(resp []byte, prefix string, meta any) (rest []byte, ok bool) {
	if !bytes.HasPrefix(resp, []byte(prefix)) {
		return nil, false
	}
	m := resp[len(prefix):]
	n := objectEnd(m)
	if n < 0 || json.Unmarshal(m[:n], meta) != nil {
		return nil, false
	}
	rest = m[n:]
	if len(rest) == 1 && rest[0] == '}' {
		return rest, true
	}
	if len(rest) < 3 || rest[0] != ',' || rest[len(rest)-1] != '}' {
		return nil, false
	}
	return rest, true
}

// AppendResponse appends to dst the document SplitResponse took apart, with meta as its
// search_metadata: ComposeResponse for a body that was already split off.
func AppendResponse(dst []byte, meta *SearchMetadata, rest []byte) []byte {
	dst = append(dst, responsePrefix...)
	dst = appendMetadata(dst, meta)
	return append(dst, rest...)
}

// AppendMetadata appends meta's JSON, which JoinResponse puts back in front of a rest.
func AppendMetadata(dst []byte, meta *SearchMetadata) []byte {
	return appendMetadata(dst, meta)
}

// JoinResponse is AppendResponse for metadata already encoded (AppendMetadata).
func JoinResponse(meta, rest []byte) []byte {
	out := make([]byte, 0, len(responsePrefix)+len(meta)+len(rest))
	out = append(out, responsePrefix...)
	out = append(out, meta...)
	return append(out, rest...)
}

// objectEnd returns the length of the JSON object b starts with, or -1. It only matches
// brackets outside strings, which finds the end of any valid object; json.Unmarshal then
// rejects what is not one. A json.Decoder would find the end too, but copies the whole rest of
// the document into its buffer to do so.
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return -1
	}
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return -1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}
