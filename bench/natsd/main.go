// Command natsd is the benchmark's NATS server: nats-server with JetStream embedded in a
// small binary, so the stage processes have a standalone server on loopback without a
// separate install.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4222", "listen address")
	store := flag.String("store", "", "JetStream store directory (default: a temporary one, removed at exit)")
	flag.Parse()
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		log.Fatal(err)
	}
	dir := *store
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-natsd-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	ns, err := server.NewServer(&server.Options{Host: host, Port: p, JetStream: true, StoreDir: dir,
		NoSigs: true, MaxPayload: 8 << 20})
	if err != nil {
		log.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		log.Fatal("nats not ready")
	}
	log.Printf("natsd on %s, store %s", ns.ClientURL(), dir)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	ns.Shutdown()
	ns.WaitForShutdown()
}
