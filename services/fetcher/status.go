package fetcher

import (
	"encoding/json"
	"strconv"

	"github.com/nats-io/nats.go/micro"

	"github.com/trawl-dev/trawl/schemas"
)

// Status is this fetcher's view of its engines' breakers and its proxies.
func (s *Service) Status() schemas.EnginesStatus {
	id := s.nc.Opts.Name
	if cid, err := s.nc.GetClientID(); err == nil {
		id += "#" + strconv.FormatUint(cid, 10)
	}
	return schemas.EnginesStatus{Fetcher: id, Engines: s.breakers.status(s.engines.Names()), Proxies: s.pool.status()}
}

func (s *Service) serveStatus(req micro.Request) {
	b, _ := json.Marshal(s.Status())
	req.Respond(b)
}
