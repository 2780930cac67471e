// Package embedded runs a NATS server with JetStream inside the process. Only the all-in-one
// (trawl serve) links it; stage binaries connect to a NATS server by URL.
package embedded

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/trawl-dev/trawl/kit/lifecycle"
	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/kit/natsconn"
)

// Config configures the in-process NATS server of the all-in-one binary.
type Config struct {
	// Listen is host:port for outside clients; "off" accepts in-process connections only.
	Listen string
	// StoreDir holds JetStream's file store; empty uses a fresh temporary directory.
	StoreDir string
	// MaxPayload bounds one message (pages travel compressed; 8 MiB leaves room).
	MaxPayload int32
	// MaxMemory bounds JetStream's memory storage (0: 1 GiB). Set it explicitly: left to
	// itself the server takes 75% of the process's soft memory limit (memlimit.Apply), too
	// little for memory-backed work streams.
	MaxMemory int64
	// Passwords are the users' passwords (kit/natsauth). A user without one gets a random
	// password for the life of the process: the stages in this process learn it in memory, and
	// no one outside can connect as that user.
	Passwords map[string]string
	// TLSCert and TLSKey put the outside listener behind TLS.
	TLSCert, TLSKey string
	// WriteClientPassword writes the client user's password to client.password in the store
	// directory (mode 0600), for a generated password that an outside client must learn.
	WriteClientPassword bool
}

// ensurePasswords fills in a random password for every user that has none.
func (c *Config) ensurePasswords() {
	if c.Passwords == nil {
		c.Passwords = map[string]string{}
	}
	for _, u := range natsauth.Users() {
		if c.Passwords[u] == "" {
			c.Passwords[u] = rand.Text()
		}
	}
}

// serverOptions are nats-server's options for cfg: the accounts, users and permissions of
// kit/natsauth, every connection authenticated, the in-process ones included.
func serverOptions(cfg Config) (*server.Options, error) {
	opts := &server.Options{}
	if err := opts.ProcessConfigString(natsauth.Conf(func(u string) string { return strconv.Quote(cfg.Passwords[u]) })); err != nil {
		return nil, fmt.Errorf("embedded nats: accounts: %w", err)
	}
	if cfg.TLSCert != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey})
		if err != nil {
			return nil, fmt.Errorf("embedded nats: tls: %w", err)
		}
		opts.TLSConfig, opts.TLS = tc, true
	}
	return opts, nil
}

// start runs a NATS server with JetStream in this process. The returned cleanup shuts
// it down and removes a temporary store.
func start(cfg Config, log *slog.Logger) (*server.Server, string, func(), error) {
	opts, err := serverOptions(cfg)
	if err != nil {
		return nil, "", nil, err
	}
	pwFile := ""
	opts.ServerName = "trawl-embedded"
	opts.JetStream, opts.NoSigs, opts.NoLog = true, true, true
	opts.MaxPayload = cfg.MaxPayload
	// A cap on what streams may reserve, not an allocation.
	opts.JetStreamMaxMemory = cmp.Or(cfg.MaxMemory, 1<<30)
	if opts.MaxPayload == 0 {
		opts.MaxPayload = 8 << 20
	}
	if cfg.Listen == "off" || cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, "", nil, fmt.Errorf("nats listen %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, "", nil, fmt.Errorf("nats listen %q: bad port", cfg.Listen)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
		if p != server.RANDOM_PORT {
			// nats-server reports a taken port only as "not ready" after its timeout; ask first
			// so the error names the address at once.
			ln, err := lifecycle.Listen("nats-listen", cfg.Listen)
			if err != nil {
				return nil, "", nil, err
			}
			ln.Close()
		}
	}
	release := func() {}
	if cfg.StoreDir == "" {
		d, rel, err := newTempStore(log)
		if err != nil {
			return nil, "", nil, fmt.Errorf("embedded nats: temporary store: %w", err)
		}
		release, cfg.StoreDir = rel, d
	}
	opts.StoreDir = cfg.StoreDir
	ns, err := server.NewServer(opts)
	if err != nil {
		release()
		return nil, "", nil, fmt.Errorf("embedded nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		release()
		return nil, "", nil, fmt.Errorf("embedded nats on %s: not ready after 10s", cfg.Listen)
	}
	if !opts.DontListen {
		log.Info("embedded nats listening", "url", ns.ClientURL(), "store", cfg.StoreDir, "user", natsauth.UserClient)
		if cfg.WriteClientPassword {
			f := filepath.Join(cfg.StoreDir, "client.password")
			if err := os.WriteFile(f, []byte(cfg.Passwords[natsauth.UserClient]+"\n"), 0o600); err != nil {
				log.Warn("client password not written", "err", err)
			} else {
				log.Info("nats client password written", "file", f)
				pwFile = f
			}
		}
	}
	cleanup := func() {
		ns.Shutdown()
		ns.WaitForShutdown()
		release()
	}
	return ns, pwFile, cleanup, nil
}

// Server is the embedded NATS server as a lifecycle.Component, and the way the process's
// components reach it: in-process connections, no sockets.
type Server struct {
	cfg     Config
	log     *slog.Logger
	ns      *server.Server
	pwFile  string
	cleanup func()
}

// ClientPasswordFile is where the generated client password was written ("" when none was).
func (s *Server) ClientPasswordFile() string { return s.pwFile }

// New returns the embedded server for cfg; Start runs it.
func New(cfg Config, log *slog.Logger) *Server {
	cfg.ensurePasswords()
	return &Server{cfg: cfg, log: log}
}

// Start runs the server and returns once it accepts connections.
func (s *Server) Start(context.Context) (err error) {
	s.ns, s.pwFile, s.cleanup, err = start(s.cfg, s.log)
	return err
}

// Stop shuts the server down and removes a temporary store. The stages' connections have
// drained by then (they stop first).
func (s *Server) Stop() {
	if s.cleanup != nil {
		s.cleanup()
		s.cleanup = nil
	}
}

// Connect opens an in-process connection for the stage of that name, as its user.
func (s *Server) Connect(stage string, log *slog.Logger) (*nats.Conn, error) {
	return s.ConnectAs(stage, "trawl-"+stage, log)
}

// ConnectAs opens an in-process connection as user, named name.
func (s *Server) ConnectAs(user, name string, log *slog.Logger) (*nats.Conn, error) {
	return natsconn.Connect("", name, log, nats.InProcessServer(s.ns),
		nats.UserInfo(user, s.cfg.Passwords[user]), nats.CustomInboxPrefix(natsauth.InboxPrefix(user)))
}

// UserURL is the outside client URL with user's credentials in it, for tests and tools in
// this process ("" when the server listens in-process only). Never log it.
func (s *Server) UserURL(user string) string {
	u := s.ClientURL()
	if u == "" {
		return ""
	}
	return strings.Replace(u, "://", "://"+user+":"+s.cfg.Passwords[user]+"@", 1)
}

// NATS is the running server (nil before Start).
func (s *Server) NATS() *server.Server { return s.ns }

// ClientURL is the URL outside clients use, "" when the server listens in-process only.
func (s *Server) ClientURL() string {
	if s.ns == nil || s.cfg.Listen == "off" || s.cfg.Listen == "" {
		return ""
	}
	return s.ns.ClientURL()
}
