"""Global configuration mode: the first words of a line, dispatched to the feature modules or
to the catalogue of accepted / not-modelled lines; ``hostname``, ``service``, ``ip ...`` and the
global ``no`` forms."""

from __future__ import annotations

import re

from ikesim.ios.config import catalogue, natroute, ospf
from ikesim.ios.config.accepted import catalogue_line, keywords
from ikesim.ios.config.acl import get_acl, numbered_acl
from ikesim.ios.config.crypto_global import global_crypto, global_no_crypto
from ikesim.ios.config.cursor import SEMANTIC, Cursor, ParseError
from ikesim.ios.config.ignored import banner
from ikesim.ios.config.interface import get_interface, interface_block
from ikesim.ios.config.routing import ip_route
from ikesim.ios.config.state import Mode, ParserState

_MODELLED = ("hostname", "interface", "ip", "access-list", "crypto", "no", "router",
             "route-map", "service", "banner", "set", "match")
GLOBAL_WORDS = tuple(dict.fromkeys(_MODELLED + keywords(catalogue.GLOBAL)))
_IP_MODELLED = ("route", "default-gateway", "access-list", "nat")
_IP_WORDS = tuple(dict.fromkeys(_IP_MODELLED + keywords(catalogue.GLOBAL["ip"])))  # type: ignore[arg-type]
_CATALOGUE_IP = catalogue.GLOBAL["ip"]

# Cisco IOS Configuration Fundamentals Command Reference, `hostname`: a name "must start with a
# letter ... 63 characters or fewer"; IOS does not enforce the ARPANET interior-character rule
# (real saved configurations hold `hostname SIEGE(R1)` and names with underscores).
_HOSTNAME = re.compile(r"[A-Za-z][\x21-\x7e]{0,62}")


def global_line(st: ParserState, cur: Cursor) -> Mode | None:
    cmd = cur.kw(GLOBAL_WORDS)
    if cmd == "hostname":
        name = cur.word()
        cur.end()
        if not _HOSTNAME.fullmatch(name) or any(c in name for c in "?#>"):
            raise ParseError("% Hostname contains one or more illegal characters", SEMANTIC)
        st.config.hostname = name
        return None
    if cmd == "interface":
        return interface_block(st, cur)
    if cmd == "ip":
        return global_ip(st, cur)
    if cmd == "access-list":
        numbered_acl(st, cur)
        return None
    if cmd == "crypto":
        return global_crypto(st, cur)
    if cmd == "no":
        global_no(st, cur)
        return None
    if cmd == "router":
        if cur.opt_kw(("ospf",)) is not None:
            return ospf.router_ospf(st, cur)
        return catalogue_line(st, cur, catalogue.GLOBAL["router"], matched="router")
    if cmd == "route-map":
        return natroute.route_map(st, cur)
    if cmd == "service":
        return service(st, cur)
    if cmd == "banner":
        return banner(st, cur)
    if cmd in ("set", "match"):
        raise ParseError(f"% Invalid input detected ('{cmd}' is only valid under a crypto map "
                         "or a route-map)", 1)
    return catalogue_line(st, cur, catalogue.GLOBAL[cmd], matched=cmd)


def service(st: ParserState, cur: Cursor, *, negate: bool = False) -> None:
    """``service timestamps debug|log [uptime | datetime [msec] [localtime] [show-timezone]
    [year]]`` is kept (IOS default: uptime); other ``service`` lines are accepted."""
    if cur.opt_kw(("timestamps",)) is None:
        return catalogue_line(st, cur, catalogue.GLOBAL["service"], negated=negate)
    kind = cur.kw(("debug", "log"))
    if negate:
        cur.skip_rest()
        st.config.timestamps[kind] = "none"
        return None
    style = cur.opt_kw(("uptime", "datetime")) or "uptime"
    flags = []
    while not cur.done():
        flags.append(cur.kw(("msec", "localtime", "show-timezone", "year")))
    st.config.timestamps[kind] = "datetime msec" if style == "datetime" and "msec" in flags \
        else style
    return None


def global_ip(st: ParserState, cur: Cursor) -> Mode | None:
    sub = cur.kw(_IP_WORDS)
    if sub == "route":
        ip_route(st, cur)
        return None
    if sub == "default-gateway":
        addr = cur.ip()
        cur.end()
        st.config.default_gateway = addr
        return None
    if sub == "access-list":
        kind = cur.kw(("standard", "extended"), ("log-update", "logging", "resequence"))
        name = cur.word()
        cur.end()
        return ("acl", get_acl(st, name, kind))
    if sub == "nat":
        natroute.ip_nat(st, cur)
        return None
    return catalogue_line(st, cur, _CATALOGUE_IP[sub], matched=sub)  # type: ignore[index]


def global_no(st: ParserState, cur: Cursor) -> None:
    what = cur.kw(GLOBAL_WORDS)
    if what == "hostname":
        cur.skip_rest()
        st.config.hostname = "Router"
    elif what == "service":
        service(st, cur, negate=True)
    elif what == "access-list":
        number = cur.word()
        cur.skip_rest()
        if st.config.acls.pop(number, None) is not None:
            st.acl_seqs.pop(number, None)
    elif what == "interface":
        iface = get_interface(st, cur)
        if not iface.name.startswith(("Loopback", "Tunnel")) and "." not in iface.name:
            raise ParseError("% Physical interfaces cannot be removed", SEMANTIC)
        del st.config.interfaces[iface.name]
    elif what == "ip":
        global_no_ip(st, cur)
    elif what == "crypto":
        global_no_crypto(st, cur)
    elif what == "router" and cur.opt_kw(("ospf",)) is not None:
        process = cur.integer(1, 65535, "OSPF process ID")
        cur.skip_rest()
        st.config.ospf.pop(process, None)
    elif what == "route-map":
        natroute.no_route_map(st, cur)
    elif what in ("banner", "set", "match"):
        cur.skip_rest()
        st.ignore(cur.raw.strip(), "management plane")
    elif what == "router":
        catalogue_line(st, cur, catalogue.GLOBAL["router"], negated=True)
    else:
        catalogue_line(st, cur, catalogue.GLOBAL[what], negated=True)


def global_no_ip(st: ParserState, cur: Cursor) -> None:
    sub = cur.kw(_IP_WORDS)
    if sub == "route":
        ip_route(st, cur, removing=True)
        return
    if sub == "default-gateway":
        if not cur.done():
            cur.ip()
        cur.end()
        st.config.default_gateway = None
        return
    if sub == "access-list":
        cur.kw(("standard", "extended"))
        name = cur.word()
        cur.end()
        st.config.acls.pop(name, None)
        st.acl_seqs.pop(name, None)
        return
    if sub == "nat":
        natroute.no_ip_nat(st, cur)
        return
    catalogue_line(st, cur, _CATALOGUE_IP[sub], negated=True)    # type: ignore[index]
