"""``router ospf ID`` and its submode: ``network A WILDCARD area N``, ``passive-interface
[default] | IFACE``, ``router-id``, ``default-information originate [always]``; tuning lines are
accepted through the catalogue (``auto-cost``, ``timers``, ``log-adjacency-changes`` ...).

Cisco IOS IP Routing: OSPF Command Reference: ``network ip-address wildcard-mask area area-id``
(the area as a decimal number or in dotted form), ``passive-interface default`` makes every
interface passive and ``no passive-interface IF`` exempts one.
"""

from __future__ import annotations

from ikesim.ios.config import catalogue
from ikesim.ios.config.accepted import catalogue_line, keywords
from ikesim.ios.config.catalogue import Unmodelled
from ikesim.ios.config.cursor import SEMANTIC, Cursor, ParseError, starts_with_digit
from ikesim.ios.config.state import Mode, ParserState
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import OspfNetwork, OspfProcess

_MODELLED = ("network", "passive-interface", "router-id", "default-information")
_WORDS = tuple(dict.fromkeys(_MODELLED + keywords(catalogue.ROUTER_OSPF)))


def ospf_area(cur: Cursor) -> int:
    """An OSPF area as a number or a dotted quad (``area 0`` is ``area 0.0.0.0``)."""
    word = cur.peek()
    if word is not None and "." in word:
        return int(cur.ip())
    return cur.integer(0, 4294967295, "OSPF area ID")


def router_ospf(st: ParserState, cur: Cursor) -> Mode | None:
    """``router ospf PROCESS [vrf NAME]`` (after ``router ospf``)."""
    process_id = cur.integer(1, 65535, "OSPF process ID")
    if cur.opt_kw(("vrf",)) is not None:
        return catalogue_line(st, cur, Unmodelled("vrf", catalogue.ROUTING_WORDS))
    cur.end()
    proc = st.config.ospf.get(process_id)
    if proc is None:
        proc = OspfProcess(process_id=process_id, line=st.lineno)
        st.config.ospf[process_id] = proc
    return ("router-ospf", proc)


def _interface(cur: Cursor) -> str:
    word = cur.word()
    rest = cur.peek()
    if starts_with_digit(rest) and not any(c.isdigit() for c in word):   # `Ethernet 0/1`
        word += cur.word()
    try:
        return canonical_interface_name(word)
    except ValueError:
        raise ParseError("% Invalid interface type and number", cur.i - 1) from None


def ospf_line(st: ParserState, cur: Cursor) -> None:
    proc = st.mode[1]
    assert isinstance(proc, OspfProcess)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(_WORDS)
    if cmd == "network":
        address = cur.ip()
        wildcard = cur.ip()
        cur.kw(("area",))
        area = ospf_area(cur)
        cur.end()
        net = OspfNetwork(address=address, wildcard=wildcard, area=area, line=st.lineno)
        same = [n for n in proc.networks if (n.address, n.wildcard) == (address, wildcard)]
        if negate:
            if not same:
                raise ParseError("% Network not found in OSPF process", SEMANTIC)
            proc.networks.remove(same[0])
        elif same:
            same[0].area = area
            same[0].line = st.lineno
        else:
            proc.networks.append(net)
    elif cmd == "passive-interface":
        if cur.opt_kw(("default",)) is not None:
            cur.end()
            proc.passive_default = not negate
            return
        name = _interface(cur)
        cur.end()
        if negate:
            proc.passive.discard(name)
            proc.not_passive.add(name)
        else:
            proc.passive.add(name)
            proc.not_passive.discard(name)
    elif cmd == "router-id":
        if negate:
            cur.skip_rest()
            proc.router_id = None
            return
        proc.router_id = cur.ip()
        cur.end()
    elif cmd == "default-information":
        cur.kw(("originate",))
        always = False
        while not cur.done():
            opt = cur.kw(("always", "metric", "metric-type", "route-map"))
            if opt == "always":
                always = True
            elif opt == "route-map":
                cur.word()
            else:
                cur.integer(0, 16777214, f"OSPF {opt}")
        proc.default_originate = not negate
        proc.default_originate_always = always and not negate
    else:
        catalogue_line(st, cur, catalogue.ROUTER_OSPF[cmd], negated=negate, parent=st.mode,
                       matched=cmd)


__all__ = ["ospf_area", "ospf_line", "router_ospf"]
