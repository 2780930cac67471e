package schemas

import "encoding/json"

// ComposeResponse joins a fresh search_metadata object and a stored SearchBody encoding into
// one SearchResponse document without decoding or re-encoding the body: body must be a JSON
// object ({"search_parameters":…}); the result is {"search_metadata":meta,…body's members}.
func ComposeResponse(meta *SearchMetadata, body []byte) []byte {
	m, _ := json.Marshal(meta)
	out := make([]byte, 0, len(m)+len(body)+24)
	out = append(out, `{"search_metadata":`...)
	out = append(out, m...)
	if len(body) > 2 {
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}
