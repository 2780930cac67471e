// Package testkit starts the real parts trawl's tests run against: an in-process NATS server
// with JetStream, a redis-server process on a free port, and the simulated engine. Each helper
// fails the test itself, and registers its own teardown with t.Cleanup.
package testkit

import (
	"bytes"
	"context"
	"sync"

	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"

	"github.com/trawl-dev/trawl/sim"
)

// StartNATS runs an in-process NATS server with JetStream on a random loopback port, its
// store in t.TempDir().
func StartNATS(t testing.TB) *server.Server {
	t.Helper()
	return StartNATSWith(t, &server.Options{})
}

// StartNATSWith is StartNATS with options; Host, Port, JetStream, StoreDir, NoLog and NoSigs
// are filled in when unset.
func StartNATSWith(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Port == 0 {
		opts.Port = server.RANDOM_PORT
	}
	opts.JetStream = true
	if opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	opts.NoLog, opts.NoSigs = true, true
	if opts.MaxPayload == 0 {
		opts.MaxPayload = 8 << 20
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatalf("nats server not ready")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

// Connect opens a client connection to ns, closed at cleanup.
func Connect(t testing.TB, ns *server.Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("nats connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Redis is a redis-server process started for a test.
type Redis struct {
	Addr string
	URL  string
	port int
	cmd  *exec.Cmd
	t    testing.TB
}

// StartRedis execs redis-server on a free port without persistence, waits until it answers
// PING, and kills it at cleanup. Without redis-server on PATH the test is skipped, except under
// CI, where it fails: a missing install step must never turn Redis tests green by skipping.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not on PATH (CI must install it)")
		}
		t.Skip("redis-server not on PATH; install it (apt-get install redis-server) to run Redis tests")
	}
	r := &Redis{port: FreePort(t), t: t}
	r.Addr = "127.0.0.1:" + strconv.Itoa(r.port)
	r.URL = "redis://" + r.Addr + "/0"
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start (re)starts the process on the same port and waits for PING.
func (r *Redis) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s not answering: %v", r.Addr, err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

// Stop kills the process and waits for it to exit.
func (r *Redis) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// StartSim runs the simulated engine on a free loopback port, closed at cleanup.
func StartSim(t testing.TB, cfg sim.Config) *sim.Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s := sim.New(cfg, nil)
	if err := s.Start(); err != nil {
		t.Fatalf("sim: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Eventually polls cond every interval until it holds or timeout passes, then fails with msg.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %s", timeout, fmt.Sprintf(format, args...))
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}

// SyncBuffer is a bytes.Buffer safe for the concurrent writers of a test's logs.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
