package schemas

import _ "embed"

//go:embed openapi.json
var openAPI []byte

// OpenAPI is the HTTP API's OpenAPI 3.1 document, as the ingress serves it at /openapi.json.
// The caller must not modify the returned bytes.
func OpenAPI() []byte { return openAPI }
