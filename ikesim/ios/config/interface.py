"""``interface NAME`` and its submode: addresses, shutdown, access groups, crypto map,
description, and the hardware lines that are accepted and ignored."""

from __future__ import annotations

import ipaddress

from ikesim.ios.config.cursor import (
    INCOMPLETE,
    INVALID,
    SEMANTIC,
    Cursor,
    ParseError,
    mask_length,
    match_keyword,
    starts_with_digit,
)
from ikesim.ios.config.state import ParserState
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import InterfaceConfig


def get_interface(st: ParserState, cur: Cursor) -> InterfaceConfig:
    if cur.done():
        raise cur.fail(INCOMPLETE)
    start = cur.i
    words = cur.words[cur.i:]
    if len(words) > 2:
        raise ParseError(INVALID, cur.i + 2)
    try:
        name = canonical_interface_name("".join(words))
    except ValueError:
        raise ParseError("% Invalid interface type and number", start) from None
    cur.i = len(cur.words)
    iface = st.config.interfaces.get(name)
    if iface is None:
        iface = InterfaceConfig(name=name, line=st.lineno)
        st.config.interfaces[name] = iface
    return iface

def interface_line(st: ParserState, cur: Cursor) -> None:
    iface = st.mode[1]
    assert isinstance(iface, InterfaceConfig)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("ip", "shutdown", "crypto", "description", "duplex", "speed", "clock"),
                 ("bandwidth", "encapsulation", "mtu", "keepalive", "tunnel", "media-type",
                  "standby", "vrrp", "cdp", "load-interval", "switchport", "mac-address"))
    if cmd == "shutdown":
        cur.end()
        iface.shutdown = not negate
    elif cmd == "description":
        if negate:
            cur.end()
            iface.description = None
        else:
            iface.description = cur.rest()
    elif cmd == "crypto":
        cur.kw(("map",), ("ipsec",))
        if negate:
            if not cur.done():
                cur.word()
            cur.end()
            iface.crypto_map = None
        else:
            name = cur.word()
            cur.end()
            iface.crypto_map = name
    elif cmd == "ip":
        interface_ip(st, cur, iface, negate)
    elif negate:
        raise cur.fail(back=1)
    else:                                   # duplex / speed / clock rate: ignored
        if cmd == "duplex":
            cur.kw(("auto", "half", "full"))
        elif cmd == "speed":
            cur.kw(("auto", "10", "100", "1000"))
        else:
            cur.kw(("rate",))
            cur.integer(300, 8000000, "clock rate")
        cur.end()
        st.ignore(cur.raw.strip())


def interface_ip(st: ParserState, cur: Cursor, iface: InterfaceConfig, negate: bool) -> None:
    sub = cur.kw(("address", "access-group"),
                 ("nat", "ospf", "helper-address", "route-cache", "mtu", "tcp", "policy",
                  "virtual-reassembly", "redirects", "unreachables", "proxy-arp",
                  "directed-broadcast", "split-horizon", "summary-address", "igmp", "pim",
                  "mroute-cache", "flow", "inspect", "verify"))
    if sub == "access-group":
        if negate and cur.peek() is not None and match_keyword(cur.peek() or "",
                                                              ("in", "out")):
            acl = None
        else:
            acl = cur.word()
        direction = cur.kw(("in", "out"),
                           reason="% Invalid access-group direction '{word}' (in|out)")
        cur.end()
        if direction == "in":
            iface.acl_in = None if negate else acl
        else:
            iface.acl_out = None if negate else acl
        return
    if negate:
        cur.i = len(cur.words)      # `no ip address [A M]` clears the address
        iface.address = None
        return
    word = cur.peek()
    if word is not None and not starts_with_digit(word):
        cur.kw((), ("dhcp", "negotiated", "pool"))
    addr = cur.ip()
    mask = cur.ip()
    if not cur.done():
        cur.kw((), ("secondary",))
    plen = mask_length(mask)
    if plen is None:
        raise ParseError(f"% Bad mask {mask} for address {addr}", cur.i - 1)
    ifaddr = ipaddress.IPv4Interface(f"{addr}/{plen}")
    net = ifaddr.network
    if plen == 0 or (plen < 31 and addr in (net.network_address, net.broadcast_address)):
        raise ParseError(f"% Bad mask /{plen} for address {addr}", SEMANTIC)
    for other in st.config.interfaces.values():
        if other is not iface and other.address is not None \
                and other.address.network.overlaps(net):
            raise ParseError(f"% {net.network_address} overlaps with {other.name}", SEMANTIC)
    iface.address = ifaddr

