package cluster

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trawl-dev/trawl/kit/logging"
	"github.com/trawl-dev/trawl/kit/natsconn"
	"github.com/trawl-dev/trawl/kit/streams"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/testkit"
)

// natsCluster is three nats-server instances routed to each other on loopback, JetStream on,
// each with its own store. A node keeps its ports and store across a kill and a restart, as a
// machine that reboots does.
type natsCluster struct {
	t     testing.TB
	nodes []*natsNode
}

type natsNode struct {
	name        string
	clientPort  int
	clusterPort int
	storeDir    string
	ns          *server.Server
}

// startCluster starts n nodes and waits until JetStream has a meta leader.
func startCluster(t testing.TB, n int) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t}
	for i := range n {
		c.nodes = append(c.nodes, &natsNode{
			name:        fmt.Sprintf("n%d", i+1),
			clientPort:  testkit.FreePort(t),
			clusterPort: testkit.FreePort(t),
			storeDir:    t.TempDir(),
		})
	}
	for i := range c.nodes {
		c.start(i)
	}
	t.Cleanup(func() {
		for i := range c.nodes {
			c.kill(i)
		}
	})
	c.waitJetStream()
	return c
}

func (c *natsCluster) options(i int) *server.Options {
	nd := c.nodes[i]
	var routes []string
	for j, o := range c.nodes {
		if j != i {
			routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", o.clusterPort))
		}
	}
	return &server.Options{
		ServerName: nd.name,
		Host:       "127.0.0.1",
		Port:       nd.clientPort,
		Cluster: server.ClusterOpts{
			Name: "trawl",
			Host: "127.0.0.1",
			Port: nd.clusterPort,
		},
		Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		JetStream:  true,
		StoreDir:   nd.storeDir,
		MaxPayload: 8 << 20,
		NoLog:      true,
		NoSigs:     true,
	}
}

// start (re)starts node i on its ports and store.
func (c *natsCluster) start(i int) {
	c.t.Helper()
	ns, err := server.NewServer(c.options(i))
	if err != nil {
		c.t.Fatalf("nats %s: %v", c.nodes[i].name, err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		c.t.Fatalf("nats %s not ready", c.nodes[i].name)
	}
	c.nodes[i].ns = ns
}

// kill shuts node i down at once: its clients are cut off, its routes drop.
func (c *natsCluster) kill(i int) {
	if ns := c.nodes[i].ns; ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		c.nodes[i].ns = nil
	}
}

// URLs is the client URL list every stage is given, as in TRAWL_NATS_URL.
func (c *natsCluster) URLs() string {
	var u []string
	for _, nd := range c.nodes {
		u = append(u, fmt.Sprintf("nats://127.0.0.1:%d", nd.clientPort))
	}
	return strings.Join(u, ",")
}

// index returns the node named name.
func (c *natsCluster) index(name string) int {
	for i, nd := range c.nodes {
		if nd.name == name {
			return i
		}
	}
	c.t.Fatalf("no node %q", name)
	return -1
}

// waitJetStream waits until the cluster answers JetStream management requests.
func (c *natsCluster) waitJetStream() {
	c.t.Helper()
	nc, err := natsconn.Connect(c.URLs(), "probe", logging.Discard())
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	testkit.Eventually(c.t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := js.AccountInfo(ctx)
		return err == nil
	}, "JetStream cluster has no meta leader")
}

// waitCurrent waits until every running node is current with the cluster (meta and every
// stream replica caught up), so the next fault starts from a healthy cluster.
func (c *natsCluster) waitCurrent(streams ...string) {
	c.t.Helper()
	nc, err := natsconn.Connect(c.URLs(), "probe", logging.Discard())
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	testkit.Eventually(c.t, 60*time.Second, func() bool {
		for _, nd := range c.nodes {
			if nd.ns == nil || !nd.ns.JetStreamIsCurrent() {
				return false
			}
		}
		for _, name := range streams {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			s, err := js.Stream(ctx, name)
			cancel()
			if err != nil {
				return false
			}
			ci := s.CachedInfo().Cluster
			if ci == nil || ci.Leader == "" || len(ci.Replicas) != len(c.nodes)-1 {
				return false
			}
			for _, r := range ci.Replicas {
				if !r.Current || r.Offline {
					return false
				}
			}
		}
		return true
	}, "cluster not current after a restart")
}

// waitInterest waits until every running node routes subject to exactly n subscriptions: its
// own clients' and one per route that leads to a node with any. With one live queue
// subscriber anywhere, that is 1 on every node, and no node still knows a dead one.
func (c *natsCluster) waitInterest(subject string, n int) {
	c.t.Helper()
	testkit.Eventually(c.t, 30*time.Second, func() bool {
		for _, nd := range c.nodes {
			if nd.ns != nil && nd.ns.GlobalAccount().Interest(subject) != n {
				return false
			}
		}
		return true
	}, "cluster still routes %s to other than %d subscription(s)", subject, n)
}

// streamLeader is the node leading the stream's replicas.
func streamLeader(t testing.TB, nc *nats.Conn, stream string) string {
	t.Helper()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	if s.CachedInfo().Cluster == nil {
		t.Fatalf("stream %s has no cluster info", stream)
	}
	return s.CachedInfo().Cluster.Leader
}

// TestStreamsReplicateAcrossTheCluster: with --stream-replicas 3 the work streams get three
// replicas, and an existing single-replica stream is scaled up at start-up, not used as it is.
func TestStreamsReplicateAcrossTheCluster(t *testing.T) {
	c := startCluster(t, 3)
	nc, err := natsconn.Connect(c.URLs(), "test", logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	l := schemas.DefaultStreamLimits()
	if err := streams.Ensure(ctx, js, l); err != nil {
		t.Fatalf("R1: %v", err)
	}
	l.Replicas = 3
	if err := streams.Ensure(ctx, js, l); err != nil {
		t.Fatalf("R1 → R3: %v", err)
	}
	for _, name := range []string{schemas.StreamFetch, schemas.StreamParse} {
		testkit.Eventually(t, 20*time.Second, func() bool {
			s, err := js.Stream(ctx, name)
			if err != nil {
				return false
			}
			info := s.CachedInfo()
			return info.Config.Replicas == 3 && info.Cluster != nil && len(info.Cluster.Replicas) == 2
		}, "stream %s does not have 3 replicas", name)
	}
}
