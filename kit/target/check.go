package target

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/trawl-dev/trawl/schemas"
)

// CheckURL refuses what u alone shows to be out of bounds: a scheme other than http and
// https, credentials, a port not in the list, a literal address that is not public, a
// localhost name. A host name passing here is judged again, by address, when dialled
// (Control) or before a proxy is asked for it (CheckHost).
func (p *Policy) CheckURL(u *url.URL) error {
	if u == nil {
		return forbidden("no URL")
	}
	switch u.Scheme {
	case "http", "https":
	case "":
		return forbidden("URL has no scheme")
	default:
		return forbidden("scheme %s", u.Scheme)
	}
	if u.User != nil {
		return forbidden("URL with credentials")
	}
	host := u.Hostname()
	if u.Opaque != "" || host == "" {
		return forbidden("URL has no host")
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if s := u.Port(); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return forbidden("port %s not allowed", s)
		}
		port = n
	}
	a, named, known, e := literal(host)
	switch {
	case e != nil:
		return e
	case !known:
		if e := p.checkPort(port); e != nil {
			return e
		}
	default:
		if e := p.checkAddrPort(a, port); e != nil {
			return named(e)
		}
	}
	return nil
}

// CheckHost refuses host unless every address it resolves to (through r, or Resolver when
// r is nil) is allowed. It is for requests through a forward proxy, where the dial is to
// the proxy and Control cannot see the target; call it after CheckURL, which checks the
// port.
//
// It narrows the gap a proxy opens but cannot close it: the proxy resolves the name again,
// and a name whose DNS answers a public address here and a private one to the proxy (DNS
// rebinding with a short TTL, or split-horizon DNS) gets through. Only the proxy's own
// egress rules can stop that. An error that is not a refusal (the name does not resolve)
// is returned wrapped, not typed; the caller should not fetch then either.
func (p *Policy) CheckHost(ctx context.Context, r *net.Resolver, host string) error {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return forbidden("URL has no host")
	}
	a, named, known, e := literal(host)
	switch {
	case e != nil:
		return e
	case known:
		if e := p.checkAddr(a); e != nil {
			return named(e)
		}
		return nil
	}
	if r == nil {
		r = p.resolver()
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolving %s: no addresses", host)
	}
	// Every address, not just the first: the proxy may pick any of them.
	for _, a := range addrs {
		if e := p.checkAddr(canon(a)); e != nil {
			return forbidden("%s resolves to %s", host, e.Detail)
		}
	}
	return nil
}

// CheckRedirect is an http.Client CheckRedirect: it follows at most MaxRedirects
// redirects (one more is a TypeUpstream error: the page, not the target, is at fault),
// and refuses a hop that CheckURL refuses before anything connects to it.
// Through a direct Transport the hop's addresses are checked again at dial time; through
// a proxy use CheckRedirectProxied.
func (p *Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > p.MaxRedirects {
		return schemas.Errorf(schemas.TypeUpstream, "more than %d redirects", p.MaxRedirects)
	}
	return p.CheckURL(req.URL)
}

// CheckRedirectProxied is CheckRedirect plus CheckHost on each hop, for a client whose
// transport goes through a forward proxy.
func (p *Policy) CheckRedirectProxied(r *net.Resolver) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if err := p.CheckRedirect(req, via); err != nil {
			return err
		}
		return p.CheckHost(req.Context(), r, req.URL.Hostname())
	}
}

// literal reports the address host stands for without a lookup: an IP literal, or
// 127.0.0.1 for a localhost name (RFC 6761: those never leave the machine). named
// rewrites a refusal of such a name to say which name it was. A host that only looks
// numeric ("2130706433", "0x7f.1", "127.1") is refused: resolvers and browsers read those
// as IPv4 addresses in ways that differ, so none of them is trusted to mean a public one.
func literal(host string) (a netip.Addr, named func(*schemas.Error) *schemas.Error, known bool, e *schemas.Error) {
	named = func(e *schemas.Error) *schemas.Error { return e }
	if a, err := netip.ParseAddr(host); err == nil {
		return canon(a), named, true, nil
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if isLocalhost(h) {
		named = func(e *schemas.Error) *schemas.Error {
			return forbidden("%s resolves to %s", host, e.Detail)
		}
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), named, true, nil
	}
	if endsInNumber(h) {
		return netip.Addr{}, named, false, forbidden("non-canonical IPv4 address %s", host)
	}
	return netip.Addr{}, named, false, nil
}

func isLocalhost(h string) bool {
	switch h {
	case "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback":
		return true
	}
	return strings.HasSuffix(h, ".localhost")
}

// endsInNumber is the WHATWG URL test for a host that is to be parsed as IPv4: its last
// label is decimal digits or 0x followed by hex digits.
func endsInNumber(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	digits, hex := last, false
	if strings.HasPrefix(last, "0x") {
		digits, hex = last[2:], true
	}
	for _, c := range digits {
		switch {
		case c >= '0' && c <= '9':
		case hex && (c >= 'a' && c <= 'f'):
		default:
			return false
		}
	}
	return true
}
