// Package natsconn dials NATS with the reconnect behaviour every component wants.
package natsconn

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	neturl "net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/nats-io/nats.go"
)

// unreachableEvery spaces the "unreachable" warnings of one connection.
const unreachableEvery = 10 * time.Second

// cause replaces the client's "no servers available" with what a dial to each server says
// (connection refused, no such host), which is what a person fixing the URL needs.
func cause(c *nats.Conn, err error) error {
	if !errors.Is(err, nats.ErrNoServers) {
		return err
	}
	var errs []string
	for _, s := range c.Servers() {
		u, perr := neturl.Parse(s)
		if perr != nil {
			continue
		}
		conn, derr := net.DialTimeout("tcp", u.Host, time.Second)
		if derr != nil {
			errs = append(errs, derr.Error())
			continue
		}
		conn.Close()
	}
	if len(errs) == 0 {
		return err
	}
	return errors.New(strings.Join(errs, "; "))
}

// Redact drops credentials from a comma-separated URL list, for logs.
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := neturl.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = nil
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}

// Connect dials NATS with the reconnect behaviour every stage wants: retry on the first connect,
// reconnect forever, and buffer a bounded amount while disconnected. The handlers log state
// changes; a stage keeps serving from its subscriptions once the server is back.
func Connect(url, name string, log *slog.Logger, extra ...nats.Option) (*nats.Conn, error) {
	// A server that cannot be reached is said at once, naming it, and then every
	// unreachableEvery while the retries go on, so a wrong --nats-url is never silence.
	var unreachable rate.Sometimes
	unreachable.Interval = unreachableEvery
	unreachable.First = 1
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectBufSize(8 << 20),
		nats.DrainTimeout(10 * time.Second),
		nats.DisconnectErrHandler(func(c *nats.Conn, err error) {
			// Our own Drain or Close ends the connection with no error: not news.
			if err == nil && (c.IsClosed() || c.IsDraining()) {
				return
			}
			log.Warn("nats disconnected", "url", c.ConnectedUrlRedacted(), "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", "url", c.ConnectedUrlRedacted())
		}),
		nats.ConnectHandler(func(c *nats.Conn) {
			// With RetryOnFailedConnect the first connection is announced here too.
			log.Info("nats connected", "url", c.ConnectedUrlRedacted())
		}),
		nats.ReconnectErrHandler(func(c *nats.Conn, err error) {
			unreachable.Do(func() {
				log.Warn("nats unreachable; retrying", "url", Redact(url), "err", cause(c, err))
			})
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
		return nil, fmt.Errorf("nats connect %s: %w", Redact(url), err)
	}
	return nc, nil
}
