// Package target decides which URLs trawl may connect to on a caller's behalf, and reads
// their bodies safely: the pages /v1/scrape fetches (services/fetcher) and the webhooks the
// ingress posts (services/ingress/webhook). It lives in kit because both stages need it
// and stages never import each other.
//
// Such a URL comes from the caller, so without a policy trawl would fetch its own
// loopback services, the cloud metadata endpoint or the private network for anyone who
// asks (SSRF). The policy is enforced twice: CheckURL refuses what the URL alone gives
// away (scheme, credentials, port, literal addresses, localhost names) before any
// connection, and Control refuses every address the dialer is about to connect to, which
// covers names that resolve to private addresses, DNS rebinding and every redirect hop.
// When a forward proxy makes the connection, the dial is to the proxy and Control cannot
// see the target; CheckHost resolves the name locally instead, which narrows but cannot
// close that gap (see CheckHost).
//
// Every refusal is a *schemas.Error of kind schemas.TypeForbiddenTarget whose detail
// names the class ("loopback address 127.0.0.1", "port 25 not allowed", "scheme
// gopher"); AsForbidden digs it out of the errors http.Client wraps it in.
package target

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"code.dny.dev/ssrf"
	"github.com/trawl-dev/trawl/schemas"
)

// DefaultPorts are the ports a scrape may connect to when no list is given.
var DefaultPorts = []int{80, 443, 8080, 8443}

// DefaultMaxRedirects is how many redirects CheckRedirect follows unless told otherwise.
const DefaultMaxRedirects = 5

// Policy says which targets may be fetched. Build it with NewPolicy; set its exported
// fields before first use. After that it is safe for concurrent use.
type Policy struct {
	// MaxRedirects is how many redirects CheckRedirect follows (0: none).
	MaxRedirects int
	// Resolver resolves names for Dialer, DialContext and Transport, and for CheckHost
	// when it is given none; nil means net.DefaultResolver.
	Resolver *net.Resolver

	ports    []int // sorted
	portList string
	allow    []netip.Prefix
	// exact are single addresses allowed on one port only (AllowExact): what trawl demo
	// opens for its simulator, and nothing else on that host.
	exact []netip.AddrPort
	// guard decides which addresses are public. Its deny lists follow the IANA special
	// purpose registries, which a hand-written list would drift from; it is told nothing
	// of ports or allow prefixes because Policy lets allowed prefixes bypass the port
	// list, which ssrf.Guardian (ports first, then addresses) cannot express.
	guard *ssrf.Guardian
}

// NewPolicy builds a policy allowing connections to ports (DefaultPorts when empty) on
// public addresses, and to any port on the addresses in allow.
//
// allow (the --scrape-allow flag) is for internal deployments and tests: an address in
// one of its prefixes may be fetched even when private or loopback, and on any port,
// since such a target (a simulator on a random port, an intranet service on :3000) is
// trusted by whoever listed it. Host names must still use a listed port, since CheckURL
// cannot know where they resolve.
func NewPolicy(ports []int, allow []netip.Prefix) (*Policy, error) {
	if len(ports) == 0 {
		ports = DefaultPorts
	}
	ps := slices.Clone(ports)
	for _, n := range ps {
		if n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %d out of range 1-65535", n)
		}
	}
	slices.Sort(ps)
	ps = slices.Compact(ps)
	strs := make([]string, len(ps))
	for i, n := range ps {
		strs[i] = strconv.Itoa(n)
	}
	var al []netip.Prefix
	for _, pf := range allow {
		if !pf.IsValid() {
			return nil, fmt.Errorf("invalid allow prefix %v", pf)
		}
		al = append(al, canonPrefix(pf))
	}
	return &Policy{
		MaxRedirects: DefaultMaxRedirects,
		ports:        ps,
		portList:     strings.Join(strs, ", "),
		allow:        al,
		guard:        ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork()),
	}, nil
}

// ParsePorts reads a comma-separated port list such as "80,443,8080". Blank entries are
// skipped; an empty list means DefaultPorts to NewPolicy.
func ParsePorts(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		switch {
		case err != nil:
			return nil, fmt.Errorf("port %q: not a number", part)
		case n < 1 || n > 65535:
			return nil, fmt.Errorf("port %q: out of range 1-65535", part)
		case slices.Contains(out, n):
			return nil, fmt.Errorf("port %q listed twice", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// ParsePrefixes reads a comma-separated list of CIDR prefixes or bare addresses (a bare
// address is its own /32 or /128), such as "127.0.0.1/32,10.1.0.0/16,::1".
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var pf netip.Prefix
		if strings.Contains(part, "/") {
			var err error
			if pf, err = netip.ParsePrefix(part); err != nil {
				return nil, fmt.Errorf("prefix %q: %v", part, err)
			}
		} else {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("prefix %q: not an address or CIDR prefix", part)
			}
			if a.Zone() != "" {
				return nil, fmt.Errorf("prefix %q: zones are not allowed", part)
			}
			pf = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, canonPrefix(pf))
	}
	return out, nil
}

// canonPrefix masks pf and turns an IPv4-mapped IPv6 prefix into its IPv4 form, since
// addresses are unmapped before they are matched.
func canonPrefix(pf netip.Prefix) netip.Prefix {
	if a := pf.Addr(); a.Is4In6() && pf.Bits() >= 96 {
		pf = netip.PrefixFrom(a.Unmap(), pf.Bits()-96)
	}
	return pf.Masked()
}

func forbidden(format string, args ...any) *schemas.Error {
	return schemas.Errorf(schemas.TypeForbiddenTarget, format, args...)
}

// canon is the address the kernel would connect to: IPv4-mapped IPv6 addresses are dialled
// as IPv4, and a zone does not change which class an address is in.
func canon(a netip.Addr) netip.Addr { return a.WithZone("").Unmap() }

func (p *Policy) allowed(a netip.Addr) bool {
	for _, pf := range p.allow {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// checkAddr refuses a that is neither public nor allowed. a must be canonical.
func (p *Policy) checkAddr(a netip.Addr) *schemas.Error {
	// An allowed NAT64 prefix (IPv6-only hosts need 64:ff9b::/96) must not become a way to
	// reach 127.0.0.1 as 64:ff9b::7f00:1: the embedded address is judged too.
	if nat64.Contains(a) {
		if e := p.checkAddr(embedded4(a, 12)); e != nil {
			return forbidden("NAT64 address %s embeds %s", a, e.Detail)
		}
	}
	if p.allowed(a) {
		return nil
	}
	if p.guard.SafeAddr(a) != nil {
		return forbidden("%s", describe(a))
	}
	return nil
}

// AllowExact lets each address through on its own port, whatever its class: narrower than an
// allow prefix, which opens every port of its addresses. Call it before first use.
func (p *Policy) AllowExact(addrs ...netip.AddrPort) {
	for _, ap := range addrs {
		p.exact = append(p.exact, netip.AddrPortFrom(canon(ap.Addr()), ap.Port()))
	}
}

// FromFlags is the policy a pair of flags describes: a port list (ParsePorts) and an allow
// list (ParseAllow), as --scrape-ports/--scrape-allow and --webhook-ports/--webhook-allow
// give them. An error names the flag at fault.
func FromFlags(portsFlag, ports, allowFlag, allow string) (*Policy, error) {
	ps, err := ParsePorts(ports)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", portsFlag, err)
	}
	al, exact, err := ParseAllow(allow)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", allowFlag, err)
	}
	p, err := NewPolicy(ps, al)
	if err != nil {
		return nil, err
	}
	p.AllowExact(exact...)
	return p, nil
}

// ParseAllow reads the --scrape-allow list: CIDR prefixes and bare addresses (ParsePrefixes),
// and address:port entries ("127.0.0.1:9300", "[::1]:8080") allowed on that port only.
func ParseAllow(s string) ([]netip.Prefix, []netip.AddrPort, error) {
	var prefixes []string
	var exact []netip.AddrPort
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if ap, err := netip.ParseAddrPort(part); err == nil {
			if ap.Port() == 0 || ap.Addr().Zone() != "" {
				return nil, nil, fmt.Errorf("address %q: want a port and no zone", part)
			}
			exact = append(exact, ap)
			continue
		}
		prefixes = append(prefixes, part)
	}
	pf, err := ParsePrefixes(strings.Join(prefixes, ","))
	return pf, exact, err
}

// checkAddrPort is checkAddr plus the port list, which allowed addresses bypass.
func (p *Policy) checkAddrPort(a netip.Addr, port int) *schemas.Error {
	if slices.Contains(p.exact, netip.AddrPortFrom(a, uint16(port))) {
		return nil
	}
	if e := p.checkAddr(a); e != nil {
		return e
	}
	if p.allowed(a) {
		return nil
	}
	return p.checkPort(port)
}

func (p *Policy) checkPort(port int) *schemas.Error {
	if _, ok := slices.BinarySearch(p.ports, port); !ok {
		return forbidden("port %d not allowed (allowed: %s)", port, p.portList)
	}
	return nil
}
