// Package cluster is trawl's multi-node test bench: three nats-server instances (embedded, in
// cluster mode on loopback) forming one JetStream cluster, and every stage twice over (two
// ingresses, two caches, two fetchers, two parsers), each on its own connection to the cluster,
// as separate processes would be. The tests live in the _test.go files:
//
//	go test ./cmd/trawl/cluster                                 # short fault run (seconds)
//	go test ./cmd/trawl/cluster -run TestClusterFaults -full -v # the full fault run (~2 min)
//	go test ./cmd/trawl/cluster -run TestFetcherScaling -scaling -v
//
// The fault run sends steady load through both ingresses and kills, then restarts, one NATS
// node, one fetcher and one cache replica in turn, and reports requests sent, answered, failed
// and lost (sent but never answered), with the p99 latency before, during and after each
// fault. The scaling run measures the miss throughput of 1, 2 and 4 fetchers against a 50 ms
// simulated engine, and how fast the consumer lag drains after a burst.
package cluster
