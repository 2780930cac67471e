package target

import (
	"net/netip"
)

// class names a range for error details. ssrf.Guardian decides what is refused; this
// table only says why in words a user recognises, so it lists the common ranges and falls
// back to "reserved" for the rest of the registry.
type class struct {
	prefix netip.Prefix
	name   string
	note   string
	// embed is the byte offset of an IPv4 address carried inside an IPv6 one (0: none).
	embed int
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// classes is ordered most specific first.
var classes = []class{
	{prefix: pfx("0.0.0.0/32"), name: "unspecified"},
	{prefix: pfx("0.0.0.0/8"), name: "this-network"},
	{prefix: pfx("127.0.0.0/8"), name: "loopback"},
	{prefix: pfx("10.0.0.0/8"), name: "private"},
	{prefix: pfx("172.16.0.0/12"), name: "private"},
	{prefix: pfx("192.168.0.0/16"), name: "private"},
	{prefix: pfx("169.254.169.254/32"), name: "link-local", note: "cloud metadata"},
	{prefix: pfx("169.254.0.0/16"), name: "link-local"},
	{prefix: pfx("100.64.0.0/10"), name: "carrier-grade NAT"},
	{prefix: pfx("192.0.2.0/24"), name: "documentation"},
	{prefix: pfx("198.51.100.0/24"), name: "documentation"},
	{prefix: pfx("203.0.113.0/24"), name: "documentation"},
	{prefix: pfx("198.18.0.0/15"), name: "benchmarking"},
	{prefix: pfx("224.0.0.0/4"), name: "multicast"},
	{prefix: pfx("255.255.255.255/32"), name: "broadcast"},

	{prefix: pfx("::/128"), name: "unspecified"},
	{prefix: pfx("::1/128"), name: "loopback"},
	{prefix: pfx("::/96"), name: "IPv4-compatible", embed: 12},
	{prefix: nat64, name: "NAT64", embed: 12},
	{prefix: pfx("64:ff9b:1::/48"), name: "NAT64 (local use)"},
	{prefix: pfx("fe80::/10"), name: "link-local"},
	{prefix: pfx("fd00:ec2::254/128"), name: "unique-local", note: "cloud metadata"},
	{prefix: pfx("fc00::/7"), name: "unique-local"},
	{prefix: pfx("fec0::/10"), name: "site-local"},
	{prefix: pfx("ff00::/8"), name: "multicast"},
	{prefix: pfx("2001:db8::/32"), name: "documentation"},
	{prefix: pfx("3fff::/20"), name: "documentation"},
	{prefix: pfx("2002::/16"), name: "6to4", embed: 2},
	{prefix: pfx("2001::/32"), name: "Teredo"},
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// describe names a's class for a refusal: "loopback address 127.0.0.1".
func describe(a netip.Addr) string {
	for _, c := range classes {
		if !c.prefix.Contains(a) {
			continue
		}
		s := c.name + " address " + a.String()
		switch {
		case c.note != "":
			s += " (" + c.note + ")"
		case c.embed > 0:
			s += " (embeds " + embedded4(a, c.embed).String() + ")"
		}
		return s
	}
	return "reserved address " + a.String()
}

// embedded4 is the IPv4 address at byte offset off of the IPv6 address a.
func embedded4(a netip.Addr, off int) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[off : off+4]))
}
