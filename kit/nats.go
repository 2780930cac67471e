package kit

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Connect dials NATS with the reconnect behaviour every stage wants: retry on the first connect,
// reconnect forever, and buffer a bounded amount while disconnected. The handlers log state
// changes; a stage keeps serving from its subscriptions once the server is back.
func Connect(url, name string, log *slog.Logger, extra ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectBufSize(8 << 20),
		nats.DrainTimeout(10 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", "url", c.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Error("nats async error", "subject", subj, "err", err)
		}),
	}
	opts = append(opts, extra...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("nats connect %s: %w", url, err)
	}
	return nc, nil
}

// EmbeddedConfig configures the in-process NATS server of the all-in-one binary.
type EmbeddedConfig struct {
	// Listen is host:port for outside clients; "off" accepts in-process connections only.
	Listen string
	// StoreDir holds JetStream's file store; empty uses a fresh temporary directory.
	StoreDir string
	// MaxPayload bounds one message (pages travel compressed; 8 MiB leaves room).
	MaxPayload int32
	// MaxMemory bounds JetStream's memory storage (0: 1 GiB). Set it explicitly: left to
	// itself the server takes 75% of the process's soft memory limit (ApplyMemoryLimit), too
	// little for memory-backed work streams.
	MaxMemory int64
}

// StartEmbedded runs a NATS server with JetStream in this process. The returned cleanup shuts
// it down and removes a temporary store.
func StartEmbedded(cfg EmbeddedConfig, log *slog.Logger) (*server.Server, func(), error) {
	opts := &server.Options{
		ServerName: "trawl-embedded",
		JetStream:  true,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: cfg.MaxPayload,
		// A cap on what streams may reserve, not an allocation.
		JetStreamMaxMemory: cmp.Or(cfg.MaxMemory, 1<<30),
	}
	if opts.MaxPayload == 0 {
		opts.MaxPayload = 8 << 20
	}
	if cfg.Listen == "off" || cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, nil, fmt.Errorf("nats listen %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, nil, fmt.Errorf("nats listen %q: bad port", cfg.Listen)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	tmp := ""
	if cfg.StoreDir == "" {
		d, err := os.MkdirTemp("", "trawl-js-")
		if err != nil {
			return nil, nil, err
		}
		tmp, cfg.StoreDir = d, d
	}
	opts.StoreDir = cfg.StoreDir
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, nil, fmt.Errorf("embedded nats: not ready after 10s")
	}
	if !opts.DontListen {
		log.Info("embedded nats listening", "url", ns.ClientURL(), "store", cfg.StoreDir)
	}
	cleanup := func() {
		ns.Shutdown()
		ns.WaitForShutdown()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	return ns, cleanup, nil
}
