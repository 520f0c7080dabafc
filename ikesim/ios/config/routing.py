"""Static routes: ``ip route PREFIX MASK {NEXTHOP | IFACE [NEXTHOP]} [DISTANCE] [name N]
[permanent] [tag T]`` and ``no ip route ...``."""

from __future__ import annotations

import ipaddress
import re

from ikesim.ios.config.cursor import (
    INCONSISTENT,
    SEMANTIC,
    Cursor,
    ParseError,
    is_number,
    mask_length,
    parse_ipv4,
)
from ikesim.ios.config.state import ParserState
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import StaticRoute


def ip_route(st: ParserState, cur: Cursor, *, removing: bool = False) -> StaticRoute | None:
    prefix = cur.ip()
    mask = cur.ip()
    plen = mask_length(mask)
    if plen is None or int(prefix) & ~int(mask) & 0xFFFFFFFF:
        raise ParseError(INCONSISTENT, cur.i - 1)
    network = ipaddress.IPv4Network(f"{prefix}/{plen}")
    next_hop: ipaddress.IPv4Address | None = None
    interface: str | None = None
    if removing and cur.done():
        remove_routes(st, network, None, None)
        return None
    target = cur.word()
    if re.fullmatch(r"[\d.]+", target):
        next_hop = parse_ipv4(target)
        if next_hop is None:
            raise ParseError(f"% Invalid IP address '{target}'", cur.i - 1)
    else:
        try:
            interface = canonical_interface_name(target)
        except ValueError:
            raise ParseError("% Invalid interface type and number", cur.i - 1) from None
        peek = cur.peek()
        if peek is not None and re.fullmatch(r"\d+\.[\d.]*", peek):
            next_hop = cur.ip()
    distance = 1
    seen: set[str] = set()
    while not cur.done():
        word = cur.peek() or ""
        if is_number(word) and not seen:   # DISTANCE comes before the keywords
            distance = cur.integer(1, 255, "administrative distance")
            seen.add("distance")
            continue
        opt = cur.kw(("name", "permanent", "tag"), ("track", "global", "multicast"))
        if opt in seen:
            raise cur.fail(back=1)
        seen.add(opt)
        if opt == "name":
            cur.word()
        elif opt == "tag":
            cur.integer(1, 4294967295, "route tag")
    if next_hop is not None:
        for iface in st.config.interfaces.values():
            if iface.address is not None and iface.address.ip == next_hop:
                raise ParseError("%Invalid next hop address (it's this router)", SEMANTIC)
    if removing:
        remove_routes(st, network, next_hop, interface)
        return None
    for route in st.config.static_routes:
        if (route.prefix, route.next_hop, route.interface) == (network, next_hop, interface):
            route.distance = distance    # IOS replaces the existing route's distance
            route.line = st.lineno
            return route
    route = StaticRoute(prefix=network, next_hop=next_hop, interface=interface,
                        distance=distance, line=st.lineno)
    st.config.static_routes.append(route)
    return route


def remove_routes(st: ParserState, network: ipaddress.IPv4Network, next_hop: ipaddress.IPv4Address
                  | None, interface: str | None) -> None:
    def hit(r: StaticRoute) -> bool:
        if r.prefix != network:
            return False
        if next_hop is None and interface is None:
            return True
        return r.next_hop == next_hop and r.interface == interface

    keep = [r for r in st.config.static_routes if not hit(r)]
    if len(keep) == len(st.config.static_routes):
        raise ParseError("%No matching route to delete", SEMANTIC)
    st.config.static_routes = keep

