// Command floor is the benchmark's reference for trawl's cache-hit path: the least work that path
// can do, with no auth, no validation and no metrics, so scripts/bench can print trawl's figures as
// a ratio of it, measured in the same run, on the same cores, under the same load tool.
//
//	-mode direct  fasthttp handler → Redis GET → body
//	-mode nats    fasthttp handler → one NATS request (embedded server) → responder's Redis GET → body
//	              (in-process connections; -nats-tcp puts both on loopback TCP, as the separate
//	              ingress and cache processes talk)
//
// At start it stores one 4 KiB value under k:golang, so it is loaded with GET /?q=golang.
//
// The flags and the work per request match the floor the earlier figures were measured with
// (../shared/bench/floor): a change here moves every ratio in the table, so scripts/bench also
// runs that one, when present, as floor-ref-* rows to show any drift.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
)

const (
	subject = "cache.get"
	// keyPrefix is prepended to the q parameter, as trawl's cache keys are derived from the query.
	keyPrefix = "k:"
)

func main() {
	mode := flag.String("mode", "direct", "direct or nats")
	addr := flag.String("addr", "127.0.0.1:8091", "listen address")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address")
	natsTCP := flag.Bool("nats-tcp", false, "mode nats: connect over loopback TCP instead of in-process")
	flag.Parse()

	// The pool matches the benchmark's concurrency of 64, so no request waits for a connection.
	rdb := redis.NewClient(&redis.Options{Addr: *redisAddr, PoolSize: 64})
	if err := seed(context.Background(), rdb); err != nil {
		log.Fatalf("floor: seeding Redis at %s: %v", *redisAddr, err)
	}
	var h fasthttp.RequestHandler
	switch *mode {
	case "direct":
		h = direct(rdb)
	case "nats":
		var err error
		if h, err = viaNATS(rdb, *natsTCP); err != nil {
			log.Fatalf("floor: %v", err)
		}
	default:
		fmt.Fprintf(os.Stderr, "floor: -mode %q: want direct or nats\n", *mode)
		os.Exit(2)
	}
	log.Printf("floor %s on %s", *mode, *addr)
	log.Fatal(fasthttp.ListenAndServe(*addr, h))
}

// seed stores the 4 KiB body the hot key answers with; the hour's TTL outlives any run.
func seed(ctx context.Context, rdb *redis.Client) error {
	body := make([]byte, 4096)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	return rdb.Set(ctx, keyPrefix+"golang", body, time.Hour).Err()
}

func direct(rdb *redis.Client) fasthttp.RequestHandler {
	return func(c *fasthttp.RequestCtx) {
		b, err := rdb.Get(c, keyPrefix+string(c.QueryArgs().Peek("q"))).Bytes()
		if err != nil {
			c.SetStatusCode(fasthttp.StatusNotFound)
			return
		}
		c.SetContentType("application/json")
		c.SetBody(b)
	}
}

// viaNATS starts an embedded NATS server with a responder that reads Redis, and returns a
// handler that asks it once per request.
func viaNATS(rdb *redis.Client, tcp bool) (fasthttp.RequestHandler, error) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, DontListen: !tcp, NoSigs: true})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		return nil, fmt.Errorf("embedded NATS server not ready within 5s")
	}
	connect := func() (*nats.Conn, error) {
		if tcp {
			return nats.Connect(ns.ClientURL())
		}
		return nats.Connect("", nats.InProcessServer(ns))
	}
	resp, err := connect()
	if err != nil {
		return nil, fmt.Errorf("responder's connection: %w", err)
	}
	ctx := context.Background()
	// A subscription delivers its messages one at a time: the Redis round trip goes to a goroutine
	// of its own, or the responder would cap the path at one request per Redis RTT.
	_, err = resp.QueueSubscribe(subject, "cache", func(m *nats.Msg) {
		go func() {
			b, err := rdb.Get(ctx, keyPrefix+string(m.Data)).Bytes()
			if err != nil {
				b = nil // an empty reply is the miss
			}
			m.Respond(b)
		}()
	})
	if err != nil {
		return nil, fmt.Errorf("subscribing the responder: %w", err)
	}
	// The responder's subscription must reach the server before the first request, or that one
	// finds no responder.
	if err := resp.Flush(); err != nil {
		return nil, err
	}
	req, err := connect()
	if err != nil {
		return nil, fmt.Errorf("requester's connection: %w", err)
	}
	return func(c *fasthttp.RequestCtx) {
		m, err := req.Request(subject, c.QueryArgs().Peek("q"), 2*time.Second)
		if err != nil || len(m.Data) == 0 {
			c.SetStatusCode(fasthttp.StatusServiceUnavailable)
			return
		}
		c.SetContentType("application/json")
		c.SetBody(m.Data)
	}, nil
}
