package cache

import (
	"context"

	"github.com/trawl-dev/trawl/schemas"
)

// metasearch fans a multi-engine request out; see merge.go.
func (s *Service) metasearch(ctx context.Context, r *schemas.SearchRequest, reqID string, start interface{}) ([]byte, string, *schemas.Error) {
	return nil, "miss", schemas.NewError(schemas.TypeValidation, "metasearch is not available yet")
}
