"""NAT and route maps: ``ip nat inside source list|route-map|static ...``, ``ip nat pool``,
``ip nat translation ...`` timeouts, and ``route-map NAME [permit|deny] [SEQ]`` with its ``match
ip address`` lines (the only clause NAT reads; other clauses are accepted with a warning).

Cisco IOS IP Addressing Services Command Reference, `ip nat inside source`: ``list ACL``/
``route-map MAP`` with ``interface IF`` or ``pool NAME`` and optional ``overload``; ``static
[tcp|udp] LOCAL [PORT] GLOBAL [PORT] [extendable]``. `route-map`: the action defaults to permit
and the sequence to 10.
"""

from __future__ import annotations

from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.catalogue import Accept
from ikesim.ios.config.cursor import INCOMPLETE, SEMANTIC, Cursor, ParseError, mask_length
from ikesim.ios.config.state import Mode, ParserState
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import NatPool, NatRule, RouteMapEntry

ROUTE_MAP_OTHER = Accept("route-map clauses not modelled (only match ip address is)")
_TIMEOUTS = ("timeout", "udp-timeout", "tcp-timeout", "icmp-timeout", "dns-timeout",
             "finrst-timeout", "syn-timeout", "port-timeout", "pptp-timeout", "max-entries",
             "arp-ping-timeout", "routemap-entry-timeout")


def _interface(cur: Cursor) -> str:
    word = cur.word()
    try:
        return canonical_interface_name(word)
    except ValueError:
        raise ParseError("% Invalid interface type and number", cur.i - 1) from None


def ip_nat(st: ParserState, cur: Cursor) -> None:
    """``ip nat ...`` (after ``ip nat``)."""
    what = cur.kw(("inside", "pool", "translation", "log", "service"),
                  ("outside", "stateful", "switchover", "create", "piggyback-support"))
    if what in ("log", "service"):
        catalogue_line(st, cur, Accept("NAT logging and ALG settings"))
        return
    if what == "pool":
        _pool(st, cur)
        return
    if what == "translation":
        which = cur.kw(_TIMEOUTS)
        value = 0 if cur.opt_kw(("never",)) else cur.integer(0, 2147483, f"NAT {which}")
        cur.end()
        st.config.nat_timeouts[which] = value
        return
    cur.kw(("source",), ("destination",))
    st.config.nat_rules.append(_source_rule(st, cur))


def _source_rule(st: ParserState, cur: Cursor) -> NatRule:
    kind = cur.kw(("list", "route-map", "static"), ("network",))
    rule = NatRule(kind=kind, line=st.lineno)
    if kind == "static":
        proto = cur.opt_kw(("tcp", "udp"))
        rule.local = cur.ip()
        if proto is not None:
            rule.protocol = 6 if proto == "tcp" else 17
            rule.local_port = cur.integer(1, 65535, "port")
        if cur.opt_kw(("interface",)) is not None:
            rule.interface = _interface(cur)
        else:
            rule.global_ = cur.ip()
        if proto is not None:
            rule.global_port = cur.integer(1, 65535, "port")
        while not cur.done():
            cur.kw(("extendable", "no-alias", "no-payload"), ("route-map", "redundancy", "vrf",
                                                               "reversible"))
        return rule
    rule.match = cur.word()
    target = cur.kw(("interface", "pool"))
    if target == "interface":
        rule.interface = _interface(cur)
    else:
        rule.pool = cur.word()
    while not cur.done():
        opt = cur.kw(("overload",), ("vrf", "reversible", "oer", "portmap"))
        rule.overload = rule.overload or opt == "overload"
    return rule


def _pool(st: ParserState, cur: Cursor) -> None:
    name = cur.word()
    start = cur.ip()
    end = cur.ip()
    how = cur.kw(("netmask", "prefix-length"))
    if how == "netmask":
        mask = cur.ip()
        plen = mask_length(mask)
        if plen is None:
            raise ParseError(f"% Bad mask {mask}", cur.i - 1)
    else:
        plen = cur.integer(1, 32, "prefix length")
    while not cur.done():
        cur.kw(("type",))
        cur.kw(("match-host", "rotary"))
    if int(end) < int(start):
        raise ParseError(f"%Start address {start} is greater than end address {end}", SEMANTIC)
    st.config.nat_pools[name] = NatPool(name=name, start=start, end=end, prefix_length=plen,
                                        line=st.lineno)


def no_ip_nat(st: ParserState, cur: Cursor) -> None:
    """``no ip nat pool NAME`` / ``no ip nat inside source ...`` / ``no ip nat translation X``."""
    what = cur.kw(("inside", "pool", "translation", "log", "service"))
    if what == "pool":
        st.config.nat_pools.pop(cur.word(), None)
        cur.skip_rest()
    elif what == "translation":
        st.config.nat_timeouts.pop(cur.kw(_TIMEOUTS), None)
        cur.skip_rest()
    elif what in ("log", "service"):
        catalogue_line(st, cur, Accept("NAT logging and ALG settings"), negated=True)
    else:
        cur.kw(("source",))
        wanted = _source_rule(st, cur)
        key = _rule_key(wanted)
        before = len(st.config.nat_rules)
        st.config.nat_rules = [r for r in st.config.nat_rules if _rule_key(r) != key]
        if len(st.config.nat_rules) == before:
            raise ParseError("%Translation not found", SEMANTIC)


def _rule_key(rule: NatRule) -> tuple[object, ...]:
    return (rule.kind, rule.match, rule.interface, rule.pool, rule.local, rule.global_,
            rule.protocol, rule.local_port, rule.global_port)


def _map_header(cur: Cursor) -> tuple[str, str, int]:
    name = cur.word()
    action = cur.opt_kw(("permit", "deny")) or "permit"
    seq = cur.integer(0, 65535, "route-map sequence number") if not cur.done() else 10
    cur.end()
    return name, action, seq


def route_map(st: ParserState, cur: Cursor) -> Mode:
    name, action, seq = _map_header(cur)
    entries = st.config.route_maps.setdefault(name, [])
    for entry in entries:
        if entry.sequence == seq:
            entry.action = action
            return ("route-map", entry)
    entry = RouteMapEntry(name=name, sequence=seq, action=action, line=st.lineno)
    entries.append(entry)
    entries.sort(key=lambda e: e.sequence)
    return ("route-map", entry)


def no_route_map(st: ParserState, cur: Cursor) -> None:
    name = cur.word()
    if cur.done():
        st.config.route_maps.pop(name, None)
        return
    cur.opt_kw(("permit", "deny"))
    seq = cur.integer(0, 65535, "route-map sequence number") if not cur.done() else 10
    cur.end()
    left = [e for e in st.config.route_maps.get(name, []) if e.sequence != seq]
    if left:
        st.config.route_maps[name] = left
    else:
        st.config.route_maps.pop(name, None)


def route_map_line(st: ParserState, cur: Cursor) -> None:
    entry = st.mode[1]
    assert isinstance(entry, RouteMapEntry)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("match", "set", "description", "continue"))
    if cmd == "match" and cur.opt_kw(("ip",)) is not None \
            and cur.opt_kw(("address",)) is not None:
        if cur.opt_kw(("prefix-list",)) is not None:
            catalogue_line(st, cur, ROUTE_MAP_OTHER, negated=negate)
            return
        names = []
        while not cur.done():
            names.append(cur.word())
        if negate:
            entry.match_acls = [n for n in entry.match_acls if n not in names] if names else []
        elif not names:
            raise cur.fail(INCOMPLETE)
        else:
            entry.match_acls += [n for n in names if n not in entry.match_acls]
        return
    catalogue_line(st, cur, ROUTE_MAP_OTHER, negated=negate)


__all__ = ["ip_nat", "no_ip_nat", "no_route_map", "route_map", "route_map_line"]
