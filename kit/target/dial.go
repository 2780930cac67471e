package target

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/trawl-dev/trawl/schemas"
)

// Control is a net.Dialer Control function: it refuses to connect a socket to an address
// the policy does not allow. It sees the address after resolution, so a name that
// resolves (or rebinds) to a private address is refused, on every hop of a redirect
// chain, whatever CheckURL concluded from the URL.
func (p *Policy) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return forbidden("network %s", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: an address we cannot read is not one we can vouch for.
		return forbidden("unreadable address %q", address)
	}
	if e := p.checkAddrPort(canon(ap.Addr()), int(ap.Port())); e != nil {
		return e
	}
	return nil
}

// Dialer returns a copy of base (a dialer with a 5s connect timeout and 30s keep-alive
// when nil) that runs Control before base's own Control or ControlContext, and resolves
// through Resolver when base names no resolver.
func (p *Policy) Dialer(base *net.Dialer) *net.Dialer {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if base != nil {
		c := *base
		d = &c
	}
	if d.Resolver == nil {
		d.Resolver = p.Resolver
	}
	prevCtx, prev := d.ControlContext, d.Control
	d.Control = nil
	d.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := p.Control(network, address, c); err != nil {
			return err
		}
		switch {
		case prevCtx != nil:
			return prevCtx(ctx, network, address, c)
		case prev != nil:
			return prev(network, address, c)
		}
		return nil
	}
	return d
}

// DialContext dials through Dialer(nil). A refusal comes back as the *schemas.Error
// itself, naming the host when it was a name: "example.test resolves to loopback address
// 127.0.0.1".
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	conn, err := p.Dialer(nil).DialContext(ctx, network, address)
	if err == nil {
		return conn, nil
	}
	if fe, ok := AsForbidden(err); ok {
		if host, _, serr := net.SplitHostPort(address); serr == nil {
			if _, perr := netip.ParseAddr(host); perr != nil {
				return nil, forbidden("%s resolves to %s", host, fe.Detail)
			}
		}
		return nil, fe
	}
	return nil, err
}

// Transport returns a copy of base (http.DefaultTransport's settings when nil) that
// dials through DialContext. It never uses a proxy, from base or from the environment
// (HTTP_PROXY and friends): through a proxy the dial is to the proxy, and the policy
// would judge the proxy's address instead of the target's. Its custom TLS dialers are
// dropped for the same reason: they would bypass DialContext. Transparent gzip is off,
// since ReadBody decodes (and bounds) every encoding itself; send AcceptEncoding.
func (p *Policy) Transport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	tr.Proxy = nil
	tr.OnProxyConnectResponse = nil
	tr.GetProxyConnectHeader = nil
	tr.ProxyConnectHeader = nil
	tr.Dial = nil
	tr.DialTLS = nil
	tr.DialTLSContext = nil
	tr.DialContext = p.DialContext
	tr.DisableCompression = true
	return tr
}

// AsForbidden finds a policy refusal in err, through the url.Error and net.OpError
// wrappers http.Client and net.Dialer put around it.
func AsForbidden(err error) (*schemas.Error, bool) {
	var e *schemas.Error
	if errors.As(err, &e) && e.Kind == schemas.TypeForbiddenTarget {
		return e, true
	}
	return nil, false
}

func (p *Policy) resolver() *net.Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}
