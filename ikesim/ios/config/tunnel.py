"""``interface TunnelN`` lines and the interface lines other tracks' features read: ``tunnel
source|destination|mode|protection|key``, ``ip nat inside|outside``, ``ip ospf ...``, ``ip mtu``,
``ip unnumbered``.

Cisco IOS Interface and Hardware Component Command Reference, `tunnel mode`: the default is
``gre ip`` (RFC 2784 GRE over IPv4); ``ipsec ipv4`` makes a static virtual tunnel interface.
"""

from __future__ import annotations

from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.catalogue import Accept, Unmodelled
from ikesim.ios.config.cursor import Cursor, ParseError, parse_ipv4, starts_with_digit
from ikesim.ios.config.ospf import ospf_area
from ikesim.ios.config.state import ParserState
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import InterfaceConfig, TunnelConfig

_TUNNEL_ACCEPTED = ("path-mtu-discovery", "bandwidth", "tos", "ttl")
_TUNNEL_UNSUPPORTED = ("checksum", "sequence-datagrams", "route-via", "udlr", "rbscp",
                       "entropy", "endpoint")
OSPF_TUNING = "OSPF interface tuning (network type, priority, authentication) not modelled"


def _interface_ref(cur: Cursor) -> str:
    word = cur.word()
    try:
        return canonical_interface_name(word)
    except ValueError:
        raise ParseError("% Invalid interface type and number", cur.i - 1) from None


def tunnel_line(st: ParserState, cur: Cursor, iface: InterfaceConfig, negate: bool) -> None:
    if iface.tunnel is None:
        raise ParseError("% Invalid input detected ('tunnel' lines belong to interface Tunnel)",
                         cur.i - 1)
    tun = iface.tunnel
    what = cur.kw(("source", "destination", "mode", "protection", "key", "vrf")
                  + _TUNNEL_ACCEPTED, _TUNNEL_UNSUPPORTED)
    if what in _TUNNEL_ACCEPTED:
        catalogue_line(st, cur, Accept("interface hardware"), negated=negate)
        return
    if what == "vrf":
        catalogue_line(st, cur, Unmodelled("vrf"), negated=negate)
        return
    if negate:
        cur.skip_rest()
        setattr(tun, what, getattr(TunnelConfig(), what))     # back to the IOS default
        return
    if what == "source":
        word = cur.peek()
        if starts_with_digit(word):
            tun.source = str(cur.ip())
        else:
            tun.source = _interface_ref(cur)
    elif what == "destination":
        word = cur.word()
        addr = parse_ipv4(word)
        if addr is None:
            raise ParseError(f"% Invalid tunnel destination '{word}' (destination hostnames are "
                             "not supported by ikesim)", cur.i - 1)
        tun.destination = addr
    elif what == "mode":
        tun.mode = _tunnel_mode(st, cur)
    elif what == "protection":
        cur.kw(("ipsec",))
        cur.kw(("profile",))
        name = cur.word()
        if name not in st.config.crypto.ipsec_profiles:
            # guess: IOS's exact wording is not in the sources found; it refuses the line (a
            # running-config always defines the profile before the interfaces using it)
            raise ParseError(f"% IPsec profile {name} does not exist (define `crypto ipsec "
                             f"profile {name}` before the tunnel that uses it)", cur.i - 1)
        tun.protection = name
        cur.opt_kw(("shared",))
    else:
        tun.key = cur.integer(0, 4294967295, "tunnel key")
    cur.end()


def _tunnel_mode(st: ParserState, cur: Cursor) -> str:
    encap = cur.kw(("gre", "ipsec"), ("ipip", "mpls", "aurp", "cayman", "dvmrp", "eon",
                                      "iptalk", "ipv6", "ipv6ip", "nos", "rbscp", "udp",
                                      "l3vpn", "ethernet", "vxlan"))
    if encap == "gre":
        transport = cur.kw(("ip", "multipoint"), ("ipv6",)) if not cur.done() else "ip"
        if transport == "multipoint":
            catalogue_line(st, cur, Unmodelled("dmvpn"))
        return "gre"
    cur.kw(("ipv4",), ("ipv6",))
    return "ipsec"


def interface_ip_extra(st: ParserState, cur: Cursor, iface: InterfaceConfig, sub: str,
                       negate: bool) -> None:
    """``ip nat``, ``ip ospf``, ``ip mtu``, ``ip unnumbered`` under an interface."""
    if sub == "nat":
        side = cur.kw(("inside", "outside", "enable"))
        if side == "enable":
            catalogue_line(st, cur, Unmodelled("nat-nvi"), negated=negate)
            return
        cur.end()
        iface.nat = None if negate else side
    elif sub == "mtu":
        if negate:
            cur.skip_rest()
            iface.mtu = None
            return
        iface.mtu = cur.integer(68, 65535, "IP MTU")
        cur.end()
    elif sub == "unnumbered":
        if negate:
            cur.skip_rest()
            iface.unnumbered = None
            return
        iface.unnumbered = _interface_ref(cur)
        cur.end()
    else:
        _ip_ospf(st, cur, iface, negate)


def _ip_ospf(st: ParserState, cur: Cursor, iface: InterfaceConfig, negate: bool) -> None:
    if cur.peek_number():                         # `ip ospf PROCESS area AREA`
        process = cur.integer(1, 65535, "OSPF process ID")
        cur.kw(("area",))
        area = ospf_area(cur)
        cur.end()
        iface.ospf_area = None if negate else (process, area)
        return
    what = cur.kw(("cost", "hello-interval", "dead-interval", "network", "priority",
                   "authentication", "authentication-key", "message-digest-key", "mtu-ignore",
                   "retransmit-interval", "transmit-delay", "bfd", "demand-circuit",
                   "database-filter", "flood-reduction", "lls", "ttl-security",
                   "resync-timeout", "prefix-suppression", "shutdown"),
                  ("fast-reroute", "topology", "multi-area"))
    if what not in ("cost", "hello-interval", "dead-interval"):
        catalogue_line(st, cur, Accept(OSPF_TUNING), negated=negate)
        return
    attr = {"cost": "ospf_cost", "hello-interval": "ospf_hello",
            "dead-interval": "ospf_dead"}[what]
    if negate:
        cur.skip_rest()
        setattr(iface, attr, None)
        return
    # IOS ranges: cost <1-65535>, hello-interval and dead-interval <1-65535> seconds.
    value = cur.integer(1, 65535, f"OSPF {what}")
    cur.end()
    setattr(iface, attr, value)


__all__ = ["interface_ip_extra", "tunnel_line"]
