"""The configuration parser's driver: one line at a time, in the current mode, as IOS reads a
configuration. Global lines are dispatched to the feature modules; a line that is not valid in
the current submode but is a valid global command leaves the submode; when neither parses, the
error that got further into the line is reported (ties go to the submode), which mirrors where
IOS puts its ``^`` marker."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable

from ikesim.errors import InputError
from ikesim.ios.config import acl, cryptomap, ignored, interface, ipsec, isakmp
from ikesim.ios.config.acl import get_acl, numbered_acl
from ikesim.ios.config.crypto_global import global_crypto, global_no_crypto
from ikesim.ios.config.cursor import SEMANTIC, Cursor, ParseError
from ikesim.ios.config.ignored import banner
from ikesim.ios.config.interface import get_interface
from ikesim.ios.config.routing import ip_route
from ikesim.ios.config.state import GLOBAL, Mode, ParserState
from ikesim.net.config import DeviceConfig

# The header of pasted `show running-config` output.
_SHOW_RUN_HEADER = re.compile(r"Building configuration\.\.\.|Current configuration : \d+ bytes")

SubmodeHandler = Callable[[ParserState, Cursor], None]
SUBMODES: dict[str, SubmodeHandler] = {
    "interface": interface.interface_line,
    "isakmp": isakmp.isakmp_line,
    "tset": ipsec.tset_line,
    "cmap": cryptomap.cmap_line,
    "acl": acl.acl_line,
    "line": ignored.vty_line,
    "control-plane": ignored.control_plane_line,
}


def feed(st: ParserState, lineno: int, raw: str) -> None:
    st.lineno = lineno
    text = raw.strip()
    if not text or text.startswith("!") or _SHOW_RUN_HEADER.fullmatch(text):
        st.ignore(text)
        return
    first = text.split()[0].lower()
    if first in ("end", "exit") and len(text.split()) == 1:
        st.mode = GLOBAL
        st.ignore(text)
        return
    try:
        dispatch(st, text)
    except ParseError as err:
        raise InputError(err.reason, file=st.file, line=st.line_offset + lineno,
                         text=text) from None


def dispatch(st: ParserState, text: str) -> None:
    kind, _obj = st.mode
    if kind == "global":
        st.mode = global_line(st, Cursor.of(text)) or GLOBAL
        return
    handler = SUBMODES[kind]
    try:
        handler(st, Cursor.of(text))
        return
    except ParseError as sub_err:
        try:
            new_mode = global_line(st, Cursor.of(text))
        except ParseError as glob_err:
            raise glob_err if glob_err.rank() > sub_err.rank() else sub_err from None
        st.mode = new_mode or GLOBAL


def global_line(st: ParserState, cur: Cursor) -> Mode | None:
    cmd = cur.kw(("hostname", "interface", "ip", "access-list", "crypto", "no", "version",
                  "service", "line", "enable", "boot-start-marker", "boot-end-marker",
                  "banner", "control-plane", "set", "match"),
                 ("aaa", "alias", "archive", "arp", "boot", "cdp", "class-map", "clock",
                  "dial-peer", "do", "ipv6", "key", "logging", "ntp", "policy-map",
                  "router", "snmp-server", "username", "vpdn", "multilink"))
    if cmd == "hostname":
        name = cur.word()
        cur.end()
        if not re.fullmatch(r"[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", name):
            raise ParseError("% Hostname contains one or more illegal characters", SEMANTIC)
        st.config.hostname = name
        return None
    if cmd == "interface":
        return ("interface", get_interface(st, cur))
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
    if cmd in ("set", "match"):
        raise ParseError(f"% Invalid input detected ('{cmd}' is only valid under a crypto map)",
                         1)
    # Accepted-and-ignored global commands (see IGNORED_LINES_DOC).
    if cmd == "version":
        cur.word()
    elif cmd == "service":
        cur.word()
        cur.i = len(cur.words)
    elif cmd == "enable":
        cur.kw(("secret", "password"))
        cur.rest()
    elif cmd == "banner":
        banner(st, cur)
    elif cmd == "line":
        cur.kw(("console", "aux", "vty"))
        cur.integer(0, 1000, "line number")
        if not cur.done():
            cur.integer(0, 1000, "line number")
    cur.end()
    st.ignore(cur.raw.strip())
    if cmd == "line":
        return ("line", None)
    if cmd == "control-plane":
        return ("control-plane", None)
    return None


def global_ip(st: ParserState, cur: Cursor) -> Mode | None:
    sub = cur.kw(("route", "default-gateway", "access-list", "classless", "cef",
                  "subnet-zero", "routing", "domain", "domain-lookup", "domain-name",
                  "http"),
                 ("dhcp", "nat", "host", "name-server", "ospf", "multicast-routing", "sla",
                  "ssh", "forward-protocol", "bootp", "local", "vrf", "tcp", "ftp", "scp",
                  "audit", "inspect", "flow-export", "finger", "source-route",
                  "prefix-list", "default-network", "as-path", "community-list"))
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
    if sub == "domain":
        word = cur.kw(("lookup", "name"))
        if word == "name":
            cur.word()
    elif sub == "domain-name":
        cur.word()
    elif sub == "http":
        cur.kw(("server",))
    cur.end()
    st.ignore(cur.raw.strip())
    return None


def global_no(st: ParserState, cur: Cursor) -> None:
    what = cur.kw(("ip", "access-list", "crypto", "hostname", "interface", "service"))
    if what == "hostname":
        cur.end()
        st.config.hostname = "Router"
    elif what == "service":
        cur.rest()
        st.ignore(cur.raw.strip())
    elif what == "access-list":
        number = cur.word()
        cur.end()
        if st.config.acls.pop(number, None) is not None:
            st.acl_seqs.pop(number, None)
    elif what == "interface":
        iface = get_interface(st, cur)
        if not iface.name.startswith(("Loopback", "Tunnel")) and "." not in iface.name:
            raise ParseError("% Physical interfaces cannot be removed", SEMANTIC)
        del st.config.interfaces[iface.name]
    elif what == "ip":
        global_no_ip(st, cur)
    else:
        global_no_crypto(st, cur)


def global_no_ip(st: ParserState, cur: Cursor) -> None:
    sub = cur.kw(("route", "default-gateway", "access-list", "cef", "domain",
                  "domain-lookup", "http", "routing", "classless", "subnet-zero"))
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
    if sub == "domain":
        cur.kw(("lookup",))
    elif sub == "http":
        cur.kw(("server", "secure-server"))
    cur.end()
    st.ignore(cur.raw.strip())


def _run(parser: ParserState, lines: Iterable[str]) -> DeviceConfig:
    lines = list(lines)
    before = {id(r) for r in parser.config.static_routes}
    for n, raw in enumerate(lines, start=1):
        feed(parser, n, raw)
    # IOS only accepts an exit interface that exists; interfaces may be configured after the
    # route in a hand-written text, so this is checked once the whole text is read.
    config = parser.config
    for route in config.static_routes:
        missing = route.interface and route.interface not in config.interfaces \
            and not route.interface.startswith("Null")      # Null0 always exists
        if id(route) not in before and missing:
            raise InputError(f"% Invalid input detected: no interface {route.interface} on "
                             f"{config.hostname}", file=parser.file,
                             line=parser.line_offset + route.line,
                             text=lines[route.line - 1].strip())
    return config


def parse_config(text: str, *, file: str | None = None, line_offset: int = 0,
                 hostname: str | None = None) -> DeviceConfig:
    """Parse a whole IOS configuration (``show running-config`` style) into a DeviceConfig.

    Error line numbers are ``line_offset`` + the 1-based line in ``text``; ``file`` is put in
    the error. ``hostname`` is used when the text has no ``hostname`` line (IOS: "Router").
    """
    config = DeviceConfig(hostname=hostname or "Router")
    return _run(ParserState(config, file, line_offset), text.splitlines())


def apply_config_lines(config: DeviceConfig, lines: list[str], *, file: str | None = None,
                       line_offset: int = 0) -> DeviceConfig:
    """``configure terminal`` semantics: ``lines`` applied to a deep copy of ``config``.

    Same grammar as :func:`parse_config` plus the ``no`` forms; the input is left untouched.
    """
    return _run(ParserState(copy.deepcopy(config), file, line_offset), lines)
