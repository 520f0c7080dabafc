"""``interface NAME`` and its submode: addresses, shutdown, access groups, crypto map,
description; tunnel, NAT, OSPF, MTU and unnumbered lines (:mod:`tunnel`); everything else
through the catalogue (hardware lines accepted, HSRP/switchport/... not modelled)."""

from __future__ import annotations

import ipaddress

from ikesim.ios.config import catalogue
from ikesim.ios.config.accepted import catalogue_line, keywords
from ikesim.ios.config.catalogue import Unmodelled
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
from ikesim.ios.config.state import Mode, ParserState
from ikesim.ios.config.tunnel import interface_ip_extra, tunnel_line
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import InterfaceConfig, TunnelConfig

# Interface types that exist only for a feature ikesim does not model.
_TYPE_FEATURES = {"Dialer": "pppoe", "Virtual-Template": "virtual-template",
                  "Virtual-Access": "virtual-template", "Port-channel": "switching",
                  "BVI": "switching"}


def type_feature(name: str) -> str | None:
    """The not-modelled feature an interface type exists for (``Dialer1`` -> pppoe)."""
    for prefix, feature in _TYPE_FEATURES.items():
        if name.startswith(prefix):
            return feature
    return None


def interface_block(st: ParserState, cur: Cursor) -> Mode | None:
    """``interface NAME [point-to-point|multipoint]`` (after ``interface``)."""
    if cur.done():
        raise cur.fail(INCOMPLETE)
    words = cur.words[cur.i:]
    if len(words) >= 2 and match_keyword(words[-1], ("point-to-point", "multipoint", "type")):
        cur.words = cur.words[:-1]               # subinterface kind: nothing to model
    elif len(words) == 3 and match_keyword(words[-2], ("type",)):
        cur.words = cur.words[:-2]               # `interface Virtual-Template1 type tunnel`
    start = cur.i
    try:
        kind = canonical_interface_name("".join(cur.words[cur.i:]))
    except ValueError:
        kind = ""
    feature = type_feature(kind)
    if feature is not None:
        cur.i = start + 1
        return catalogue_line(st, cur, Unmodelled(feature, ()))
    return ("interface", get_interface(st, cur))


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
        if name.startswith("Tunnel"):
            iface.tunnel = TunnelConfig(line=st.lineno)
        st.config.interfaces[name] = iface
    return iface

_MODELLED = ("ip", "shutdown", "crypto", "description", "tunnel")
_WORDS = tuple(dict.fromkeys(_MODELLED + keywords(catalogue.INTERFACE)))
_IP_MODELLED = ("address", "access-group", "nat", "ospf", "mtu", "unnumbered")
_IP_WORDS = tuple(dict.fromkeys(_IP_MODELLED + keywords(catalogue.INTERFACE["ip"])))  # type: ignore[arg-type]


def interface_line(st: ParserState, cur: Cursor) -> None:
    iface = st.mode[1]
    assert isinstance(iface, InterfaceConfig)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(_WORDS)
    if cmd == "shutdown":
        cur.end()
        iface.shutdown = not negate
    elif cmd == "description":
        if negate:
            cur.skip_rest()
            iface.description = None
        else:
            iface.description = cur.rest()
    elif cmd == "crypto" and cur.opt_kw(("map",)) is not None:
        if negate:
            if not cur.done():
                cur.word()
            cur.end()
            iface.crypto_map = None
        else:
            name = cur.word()
            if cur.opt_kw(("redundancy",)) is not None:
                cur.skip_rest()            # stateful failover between routers: not modelled
            cur.end()
            iface.crypto_map = name
    elif cmd == "ip":
        interface_ip(st, cur, iface, negate)
    elif cmd == "tunnel":
        tunnel_line(st, cur, iface, negate)
    else:
        mode = catalogue_line(st, cur, catalogue.INTERFACE[cmd], negated=negate,
                              parent=st.mode, matched=cmd)
        if mode is not None:
            st.mode = mode


def interface_ip(st: ParserState, cur: Cursor, iface: InterfaceConfig, negate: bool) -> None:
    sub = cur.kw(_IP_WORDS)
    if sub not in _IP_MODELLED:
        catalogue_line(st, cur, catalogue.INTERFACE["ip"][sub],  # type: ignore[index]
                       negated=negate, parent=st.mode, matched=sub)
        return
    if sub in ("nat", "ospf", "mtu", "unnumbered"):
        interface_ip_extra(st, cur, iface, sub, negate)
        return
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
        how = cur.kw(("dhcp", "negotiated"), ("pool",))
        catalogue_line(st, cur, Unmodelled("dhcp-client" if how == "dhcp" else "pppoe"))
        return
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

