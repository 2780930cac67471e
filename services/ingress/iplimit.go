package ingress

import (
	"hash/maphash"
	"net"
	"sync"
	"time"
)

// ipPolicies hands out one policy per client address for the optional open-access limit.
// The table is sharded so concurrent requests rarely share a lock, and bounded: a full shard
// forgets addresses whose burst has refilled (they are indistinguishable from new ones), and
// if that frees nothing it starts over, so a flood of addresses cannot grow it without end.
type ipPolicies struct {
	rate   *limit
	seed   maphash.Seed
	shards [64]ipShard
}

type ipShard struct {
	mu sync.Mutex
	m  map[string]*policy
}

const ipShardCap = 4096

func newIPPolicies(perSec float64, burst int) *ipPolicies {
	t := &ipPolicies{rate: newLimit(perSec, burst), seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].m = map[string]*policy{}
	}
	return t
}

func (t *ipPolicies) get(ip net.IP, now time.Time) *policy {
	sh := &t.shards[maphash.Bytes(t.seed, ip)%uint64(len(t.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if p := sh.m[string(ip)]; p != nil {
		return p
	}
	if len(sh.m) >= ipShardCap {
		for k, p := range sh.m {
			if p.local.tat.Load() <= now.UnixNano() {
				delete(sh.m, k)
			}
		}
		if len(sh.m) >= ipShardCap {
			clear(sh.m)
		}
	}
	p := newPolicy("ip:"+ip.String(), t.rate, 0)
	sh.m[string(ip)] = p
	return p
}
