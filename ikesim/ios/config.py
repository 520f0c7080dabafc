"""IOS configuration text -> :class:`ikesim.net.config.DeviceConfig`.

Every line is either understood (and lands in the data model with its 1-based line number), or
accepted-and-ignored (see :data:`IGNORED_LINES_DOC`; kept in ``DeviceConfig.ignored``), or it
raises :class:`ikesim.errors.InputError` with the line number, the line and an IOS-like reason.

Parsing follows the IOS CLI: keywords are case-insensitive and may be abbreviated to any
unambiguous prefix (``int fa0/0``, ``no shut``, ``ip add``, ``encr 3des``); an ambiguous prefix
is ``% Ambiguous command``. Submode lines (under ``interface``, ``crypto isakmp policy``, ...)
may be indented or not. As on IOS, a line that is not valid in the current submode but is a valid
global command leaves the submode; when neither parses, the error that got further into the line
is reported (ties go to the submode), which mirrors where IOS puts its ``^`` marker.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ikesim.errors import InputError
from ikesim.ike.policy import (
    CryptoMapEntry,
    IsakmpPolicy,
    PresharedKey,
    TransformSet,
)
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.acl import Acl, AclEntry, PortMatch
from ikesim.net.config import DeviceConfig, InterfaceConfig, StaticRoute

IGNORED_LINES_DOC = """\
Configuration lines ikesim accepts but does not model (recorded in DeviceConfig.ignored):

  !  (and any line starting with !), blank lines
  Building configuration..., Current configuration : N bytes   (pasted show running-config)
  version X
  service ...                      / no service ...
  enable secret ... / enable password ...
  boot-start-marker, boot-end-marker
  ip cef, no ip cef, ip classless, ip subnet-zero, ip routing, no ip routing
  ip domain lookup, no ip domain lookup, no ip domain-lookup, ip domain-name X, ip domain name X
  ip http server, no ip http server, no ip http secure-server
  control-plane
  banner motd|login|exec|incoming DtextD   (one-line banners only)
  line con 0 / line aux 0 / line vty 0 4 blocks and, under them:
      logging synchronous, login, no login, exec-timeout M [S], password X,
      transport input|output ..., privilege level N
  crypto isakmp identity address, crypto isakmp enable
  under interface: duplex auto|half|full, speed auto|10|100|1000, clock rate N
  under crypto map: description TEXT
  access-list N remark TEXT, remark TEXT (named access lists)
  end, exit
Kept rather than ignored: interface `description TEXT` (InterfaceConfig.description).
`no ip address` is understood: it clears the interface address.
"""

INVALID = "% Invalid input detected"
INCOMPLETE = "% Incomplete command"
AMBIGUOUS = "% Ambiguous command"
INCONSISTENT = "%Inconsistent address and mask"   # IOS prints it without the space

# Standard / extended numbered access-list ranges (IOS).
_STD_RANGES = ((1, 99), (1300, 1999))
_EXT_RANGES = ((100, 199), (2000, 2699))

# IP protocol keywords of extended ACLs (IANA numbers); `ip` means any protocol.
ACL_PROTOCOLS = {"icmp": 1, "igmp": 2, "ipinip": 4, "tcp": 6, "udp": 17, "gre": 47, "esp": 50,
                 "ahp": 51, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103, "pcp": 108}
# IOS port names (`?` after `eq` on a 12.x router); TCP and UDP tables differ.
TCP_PORTS = {"bgp": 179, "chargen": 19, "cmd": 514, "daytime": 13, "discard": 9, "domain": 53,
             "echo": 7, "exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "gopher": 70,
             "hostname": 101, "ident": 113, "irc": 194, "klogin": 543, "kshell": 544,
             "login": 513, "lpd": 515, "nntp": 119, "pop2": 109, "pop3": 110, "smtp": 25,
             "sunrpc": 111, "tacacs": 49, "talk": 517, "telnet": 23, "time": 37, "uucp": 540,
             "whois": 43, "www": 80}
UDP_PORTS = {"biff": 512, "bootpc": 68, "bootps": 67, "discard": 9, "dnsix": 195, "domain": 53,
             "echo": 7, "isakmp": 500, "mobile-ip": 434, "nameserver": 42, "netbios-dgm": 138,
             "netbios-ns": 137, "netbios-ss": 139, "non500-isakmp": 4500, "ntp": 123,
             "rip": 520, "snmp": 161, "snmptrap": 162, "sunrpc": 111, "syslog": 514,
             "tacacs": 49, "talk": 517, "tftp": 69, "time": 37, "who": 513, "xdmcp": 177}
ICMP_TYPES = {"echo-reply": 0, "unreachable": 3, "source-quench": 4, "redirect": 5,
              "alternate-address": 6, "echo": 8, "router-advertisement": 9,
              "router-solicitation": 10, "time-exceeded": 11, "parameter-problem": 12,
              "timestamp-request": 13, "timestamp-reply": 14, "information-request": 15,
              "information-reply": 16, "mask-request": 17, "mask-reply": 18, "traceroute": 30}
_PORT_OPS = ("eq", "neq", "lt", "gt", "range")
_ACL_TAIL_UNSUPPORTED = ("established", "dscp", "precedence", "tos", "fragments", "time-range",
                         "option", "ttl", "reflect", "match-any", "match-all", "ack", "fin",
                         "psh", "rst", "syn", "urg")

# IPsec transforms (`crypto ipsec transform-set`), by role; IOS allows one of each role.
ESP_ENCRYPTION = ("esp-des", "esp-3des", "esp-aes", "esp-null")
ESP_AUTH = ("esp-md5-hmac", "esp-sha-hmac", "esp-sha256-hmac", "esp-sha384-hmac",
            "esp-sha512-hmac")
AH_AUTH = ("ah-md5-hmac", "ah-sha-hmac", "ah-sha256-hmac")
_TRANSFORMS_UNSUPPORTED = ("esp-seal", "esp-gcm", "esp-gmac", "comp-lzs", "esp-192-aes",
                           "esp-256-aes")
PFS_GROUPS = {"group1": 1, "group2": 2, "group5": 5, "group14": 14}


class _Err(Exception):
    """A parse failure at token index ``pos`` (the furthest-parsed error wins, as on IOS)."""

    def __init__(self, reason: str, pos: int, *, weak: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pos = pos
        self.weak = weak     # "known IOS keyword we do not model": loses ties

    def rank(self) -> tuple[int, int]:
        """Further wins; at the same word a specific reason beats a generic one."""
        return (self.pos, -1 if self.weak else 0 if self.reason in (INVALID, INCOMPLETE) else 1)


_SEMANTIC = 1000   # position of errors found after the whole line was read
# The header of pasted `show running-config` output.
_SHOW_RUN_HEADER = re.compile(r"Building configuration\.\.\.|Current configuration : \d+ bytes")


@dataclass
class _Cur:
    """A cursor over one line's whitespace-separated words."""

    raw: str
    words: list[str]
    starts: list[int]
    i: int = 0

    @classmethod
    def of(cls, raw: str) -> _Cur:
        ms = list(re.finditer(r"\S+", raw))
        return cls(raw, [m.group(0) for m in ms], [m.start() for m in ms])

    def done(self) -> bool:
        return self.i >= len(self.words)

    def peek(self) -> str | None:
        return None if self.done() else self.words[self.i]

    def fail(self, reason: str = INVALID, back: int = 0) -> _Err:
        return _Err(reason, self.i - back)

    def word(self) -> str:
        if self.done():
            raise _Err(INCOMPLETE, self.i)
        self.i += 1
        return self.words[self.i - 1]

    def kw(self, choices: Iterable[str], unsupported: Iterable[str] = (),
           reason: str | None = None) -> str:
        """Match the next word against IOS keywords (unambiguous prefixes allowed)."""
        word = self.word()
        supported = tuple(choices)
        found = match_keyword(word, supported + tuple(unsupported))
        if found is None:
            raise _Err(reason.format(word=word) if reason else INVALID, self.i - 1)
        if found == "":
            raise _Err(AMBIGUOUS, self.i - 1)
        if found not in supported:
            raise _Err(f"% '{found}' is not supported by ikesim", self.i - 1, weak=True)
        return found

    def opt_kw(self, choices: Iterable[str]) -> str | None:
        """The next word as one of ``choices`` (consumed), or None (not consumed)."""
        word = self.peek()
        if word is None:
            return None
        found = match_keyword(word, tuple(choices))
        if not found:
            return None
        self.i += 1
        return found

    def integer(self, lo: int, hi: int, what: str) -> int:
        word = self.word()
        if not word.isdigit():
            raise _Err(INVALID, self.i - 1)
        value = int(word)
        if not lo <= value <= hi:
            raise _Err(f"% Invalid {what} {value} (valid range {lo}-{hi})", self.i - 1)
        return value

    def ip(self) -> ipaddress.IPv4Address:
        word = self.word()
        addr = parse_ipv4(word)
        if addr is None:
            raise _Err(f"% Invalid IP address '{word}'", self.i - 1)
        return addr

    def rest(self) -> str:
        """The raw remainder of the line (original spacing kept)."""
        if self.done():
            raise _Err(INCOMPLETE, self.i)
        text = self.raw[self.starts[self.i]:].rstrip()
        self.i = len(self.words)
        return text

    def end(self) -> None:
        if not self.done():
            raise _Err(INVALID, self.i)


def match_keyword(word: str, choices: tuple[str, ...]) -> str | None:
    """IOS keyword matching: exact match, else the unique keyword ``word`` is a prefix of.

    Returns None when nothing matches and ``""`` when the prefix is ambiguous.
    """
    low = word.lower()
    if low in choices:
        return low
    hits = [c for c in choices if c.startswith(low)]
    if not hits:
        return None
    return hits[0] if len(hits) == 1 else ""


_DOTTED = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")


def parse_ipv4(word: str) -> ipaddress.IPv4Address | None:
    """Dotted-quad as IOS reads it (leading zeros allowed), or None."""
    if not _DOTTED.match(word):
        return None
    octets = [int(o) for o in word.split(".")]
    if any(o > 255 for o in octets):
        return None
    return ipaddress.IPv4Address(".".join(map(str, octets)))


def mask_length(mask: ipaddress.IPv4Address) -> int | None:
    """Prefix length of a contiguous netmask, None for a non-contiguous one (255.0.255.0)."""
    value = int(mask)
    inverted = ~value & 0xFFFFFFFF
    if inverted & (inverted + 1):
        return None
    return 32 - inverted.bit_length()


def _numbered_acl_kind(number: int) -> str | None:
    if any(lo <= number <= hi for lo, hi in _STD_RANGES):
        return "standard"
    if any(lo <= number <= hi for lo, hi in _EXT_RANGES):
        return "extended"
    return None


_Mode = tuple[str, object]
_GLOBAL: _Mode = ("global", None)


@dataclass
class _Parser:
    config: DeviceConfig
    file: str | None
    line_offset: int
    mode: _Mode = _GLOBAL
    acl_seqs: dict[str, list[int]] = field(default_factory=dict)
    lineno: int = 0

    def __post_init__(self) -> None:
        # Existing ACLs (apply_config_lines) get the sequence numbers IOS would show: 10, 20...
        for name, acl in self.config.acls.items():
            self.acl_seqs[name] = [10 * (k + 1) for k in range(len(acl.entries))]

    # ---- driver -----------------------------------------------------------------------------
    def feed(self, lineno: int, raw: str) -> None:
        self.lineno = lineno
        text = raw.strip()
        if not text or text.startswith("!") or _SHOW_RUN_HEADER.fullmatch(text):
            self.ignore(text)
            return
        first = text.split()[0].lower()
        if first in ("end", "exit") and len(text.split()) == 1:
            self.mode = _GLOBAL
            self.ignore(text)
            return
        try:
            self.dispatch(text)
        except _Err as err:
            raise InputError(err.reason, file=self.file, line=self.line_offset + lineno,
                             text=text) from None

    def dispatch(self, text: str) -> None:
        kind, _obj = self.mode
        if kind == "global":
            self.mode = self.global_line(_Cur.of(text)) or _GLOBAL
            return
        handler = self._submode_handlers()[kind]
        try:
            handler(_Cur.of(text))
            return
        except _Err as sub_err:
            try:
                new_mode = self.global_line(_Cur.of(text))
            except _Err as glob_err:
                raise glob_err if glob_err.rank() > sub_err.rank() else sub_err from None
            self.mode = new_mode or _GLOBAL

    def _submode_handlers(self) -> dict[str, Callable[[_Cur], None]]:
        return {"interface": self.interface_line, "isakmp": self.isakmp_line,
                "tset": self.tset_line, "cmap": self.cmap_line, "acl": self.acl_line,
                "line": self.vty_line, "control-plane": self.control_plane_line}

    def ignore(self, text: str) -> None:
        self.config.ignored.append((self.lineno, text))

    # ---- global mode --------------------------------------------------------------------------
    def global_line(self, cur: _Cur) -> _Mode | None:
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
                raise _Err("% Hostname contains one or more illegal characters", _SEMANTIC)
            self.config.hostname = name
            return None
        if cmd == "interface":
            return ("interface", self.get_interface(cur))
        if cmd == "ip":
            return self.global_ip(cur)
        if cmd == "access-list":
            self.numbered_acl(cur)
            return None
        if cmd == "crypto":
            return self.global_crypto(cur)
        if cmd == "no":
            self.global_no(cur)
            return None
        if cmd in ("set", "match"):
            raise _Err(f"% Invalid input detected ('{cmd}' is only valid under a crypto map)",
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
            self.banner(cur)
        elif cmd == "line":
            cur.kw(("console", "aux", "vty"))
            cur.integer(0, 1000, "line number")
            if not cur.done():
                cur.integer(0, 1000, "line number")
        cur.end()
        self.ignore(cur.raw.strip())
        if cmd == "line":
            return ("line", None)
        if cmd == "control-plane":
            return ("control-plane", None)
        return None

    def banner(self, cur: _Cur) -> None:
        cur.opt_kw(("motd", "login", "exec", "incoming"))
        body = cur.rest()
        delim = "^C" if body.startswith("^C") else body[0]
        if body.find(delim, len(delim)) < 0:
            raise _Err("% Multi-line banners are not supported by ikesim (close the banner "
                       f"with {delim} on the same line)", _SEMANTIC)

    def get_interface(self, cur: _Cur) -> InterfaceConfig:
        if cur.done():
            raise cur.fail(INCOMPLETE)
        start = cur.i
        words = cur.words[cur.i:]
        if len(words) > 2:
            raise _Err(INVALID, cur.i + 2)
        try:
            name = canonical_interface_name("".join(words))
        except ValueError:
            raise _Err("% Invalid interface type and number", start) from None
        cur.i = len(cur.words)
        iface = self.config.interfaces.get(name)
        if iface is None:
            iface = InterfaceConfig(name=name, line=self.lineno)
            self.config.interfaces[name] = iface
        return iface

    def global_ip(self, cur: _Cur) -> _Mode | None:
        sub = cur.kw(("route", "default-gateway", "access-list", "classless", "cef",
                      "subnet-zero", "routing", "domain", "domain-lookup", "domain-name",
                      "http"),
                     ("dhcp", "nat", "host", "name-server", "ospf", "multicast-routing", "sla",
                      "ssh", "forward-protocol", "bootp", "local", "vrf", "tcp", "ftp", "scp",
                      "audit", "inspect", "flow-export", "finger", "source-route",
                      "prefix-list", "default-network", "as-path", "community-list"))
        if sub == "route":
            self.ip_route(cur)
            return None
        if sub == "default-gateway":
            addr = cur.ip()
            cur.end()
            self.config.default_gateway = addr
            return None
        if sub == "access-list":
            kind = cur.kw(("standard", "extended"), ("log-update", "logging", "resequence"))
            name = cur.word()
            cur.end()
            return ("acl", self.get_acl(name, kind))
        if sub == "domain":
            word = cur.kw(("lookup", "name"))
            if word == "name":
                cur.word()
        elif sub == "domain-name":
            cur.word()
        elif sub == "http":
            cur.kw(("server",))
        cur.end()
        self.ignore(cur.raw.strip())
        return None

    def ip_route(self, cur: _Cur, *, removing: bool = False) -> StaticRoute | None:
        prefix = cur.ip()
        mask = cur.ip()
        plen = mask_length(mask)
        if plen is None or int(prefix) & ~int(mask) & 0xFFFFFFFF:
            raise _Err(INCONSISTENT, cur.i - 1)
        network = ipaddress.IPv4Network(f"{prefix}/{plen}")
        next_hop: ipaddress.IPv4Address | None = None
        interface: str | None = None
        if removing and cur.done():
            self.remove_routes(network, None, None)
            return None
        target = cur.word()
        if re.fullmatch(r"[\d.]+", target):
            next_hop = parse_ipv4(target)
            if next_hop is None:
                raise _Err(f"% Invalid IP address '{target}'", cur.i - 1)
        else:
            try:
                interface = canonical_interface_name(target)
            except ValueError:
                raise _Err("% Invalid interface type and number", cur.i - 1) from None
            peek = cur.peek()
            if peek is not None and re.fullmatch(r"\d+\.[\d.]*", peek):
                next_hop = cur.ip()
        distance = 1
        seen: set[str] = set()
        while not cur.done():
            word = cur.peek() or ""
            if word.isdigit() and not seen:   # DISTANCE comes before the keywords
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
            for iface in self.config.interfaces.values():
                if iface.address is not None and iface.address.ip == next_hop:
                    raise _Err("%Invalid next hop address (it's this router)", _SEMANTIC)
        if removing:
            self.remove_routes(network, next_hop, interface)
            return None
        for route in self.config.static_routes:
            if (route.prefix, route.next_hop, route.interface) == (network, next_hop, interface):
                route.distance = distance    # IOS replaces the existing route's distance
                route.line = self.lineno
                return route
        route = StaticRoute(prefix=network, next_hop=next_hop, interface=interface,
                            distance=distance, line=self.lineno)
        self.config.static_routes.append(route)
        return route

    def remove_routes(self, network: ipaddress.IPv4Network, next_hop: ipaddress.IPv4Address
                      | None, interface: str | None) -> None:
        def hit(r: StaticRoute) -> bool:
            if r.prefix != network:
                return False
            if next_hop is None and interface is None:
                return True
            return r.next_hop == next_hop and r.interface == interface

        keep = [r for r in self.config.static_routes if not hit(r)]
        if len(keep) == len(self.config.static_routes):
            raise _Err("%No matching route to delete", _SEMANTIC)
        self.config.static_routes = keep

    # ---- access lists -------------------------------------------------------------------------
    def get_acl(self, name: str, kind: str) -> Acl:
        if name.isdigit():
            numbered = _numbered_acl_kind(int(name))
            if numbered != kind:
                raise _Err(f"% Invalid access list number {name} for a {kind} access list",
                           _SEMANTIC)
        elif not re.fullmatch(r"[A-Za-z][\w.-]*", name):
            raise _Err(f"% Invalid access list name '{name}'", _SEMANTIC)
        acl = self.config.acls.get(name)
        if acl is None:
            acl = Acl(name=name, kind=kind)
            self.config.acls[name] = acl
            self.acl_seqs[name] = []
        elif acl.kind != kind:
            raise _Err("% Access-list type conflicts with prior definition", _SEMANTIC)
        return acl

    def numbered_acl(self, cur: _Cur) -> None:
        word = cur.word()
        if not word.isdigit():
            raise cur.fail(back=1)
        kind = _numbered_acl_kind(int(word))
        if kind is None:
            raise _Err(f"% Invalid access list number {word}", cur.i - 1)
        action = cur.kw(("permit", "deny", "remark"), ("dynamic", "rate-limit"))
        if action == "remark":
            cur.rest()
            self.ignore(cur.raw.strip())
            return
        entry = self.acl_entry(cur, action, kind)
        acl = self.get_acl(word, kind)
        self.add_acl_entry(acl, entry, None)

    def add_acl_entry(self, acl: Acl, entry: AclEntry, seq: int | None) -> None:
        seqs = self.acl_seqs.setdefault(acl.name, [])
        if seq is None:
            seq = (max(seqs) // 10 + 1) * 10 if seqs else 10
        if seq in seqs:
            raise _Err(f"% Duplicate sequence number {seq}", _SEMANTIC)
        pos = sum(1 for s in seqs if s < seq)
        seqs.insert(pos, seq)
        acl.entries.insert(pos, entry)

    def acl_line(self, cur: _Cur) -> None:
        acl = self.mode[1]
        assert isinstance(acl, Acl)
        seq: int | None = None
        if (cur.peek() or "").isdigit():
            seq = cur.integer(1, 2147483647, "sequence number")
        action = cur.kw(("permit", "deny", "remark", "no"), ("dynamic", "evaluate"))
        if action == "remark" and seq is None:
            cur.rest()
            self.ignore(cur.raw.strip())
            return
        if action == "no" and seq is None:
            self.acl_no(cur, acl)
            return
        if action in ("remark", "no"):
            raise cur.fail(back=1)
        entry = self.acl_entry(cur, action, acl.kind)
        self.add_acl_entry(acl, entry, seq)

    def acl_no(self, cur: _Cur, acl: Acl) -> None:
        seqs = self.acl_seqs[acl.name]
        if (cur.peek() or "").isdigit():
            seq = cur.integer(1, 2147483647, "sequence number")
            cur.end()
            if seq not in seqs:
                raise _Err(f"% Sequence number {seq} not found", _SEMANTIC)
            idx = seqs.index(seq)
        else:
            action = cur.kw(("permit", "deny"))
            wanted = self.acl_entry(cur, action, acl.kind)
            keys = [_entry_key(e) for e in acl.entries]
            if _entry_key(wanted) not in keys:
                raise _Err("% Entry not found in access list", _SEMANTIC)
            idx = keys.index(_entry_key(wanted))
        del seqs[idx]
        del acl.entries[idx]

    def acl_entry(self, cur: _Cur, action: str, kind: str) -> AclEntry:
        text = cur.raw.strip()
        if kind == "standard":
            src, src_wc = self.acl_address(cur, wildcard_optional=True)
            cur.opt_kw(("log",))
            cur.end()
            return AclEntry(action=action, protocol=None, src=src, src_wildcard=src_wc,
                            line=self.lineno, text=text)
        protocol = self.acl_protocol(cur)
        ported = protocol in (6, 17)
        ports = TCP_PORTS if protocol == 6 else UDP_PORTS
        src, src_wc = self.acl_address(cur)
        src_port = self.port_match(cur, ports) if ported else None
        dst, dst_wc = self.acl_address(cur)
        dst_port = self.port_match(cur, ports) if ported else None
        icmp_type: int | None = None
        if protocol == 1 and not cur.done() and match_keyword(cur.words[cur.i],
                                                              ("log", "log-input")) is None:
            word = cur.words[cur.i]
            if word.isdigit():
                icmp_type = cur.integer(0, 255, "ICMP message type")
                if (cur.peek() or "").isdigit():
                    raise cur.fail("% ICMP message codes are not supported by ikesim")
            else:
                icmp_type = ICMP_TYPES[cur.kw(tuple(ICMP_TYPES), ("port-unreachable",
                                                                   "host-unreachable",
                                                                   "net-unreachable",
                                                                   "packet-too-big",
                                                                   "ttl-exceeded"))]
        while not cur.done():
            cur.kw(("log", "log-input"), _ACL_TAIL_UNSUPPORTED)
        return AclEntry(action=action, protocol=protocol, src=src, src_wildcard=src_wc,
                        dst=dst, dst_wildcard=dst_wc, src_port=src_port, dst_port=dst_port,
                        icmp_type=icmp_type, line=self.lineno, text=text)

    def acl_protocol(self, cur: _Cur) -> int | None:
        word = cur.peek()
        if word is None:
            raise cur.fail(INCOMPLETE)
        if word.isdigit():
            number = cur.integer(0, 255, "protocol number")
            return None if number == 0 else number   # IOS shows protocol 0 as `ip`
        name = cur.kw(("ip", *ACL_PROTOCOLS), ("ipv6", "object-group"))
        return None if name == "ip" else ACL_PROTOCOLS[name]

    def acl_address(self, cur: _Cur, *, wildcard_optional: bool = False) -> tuple[int, int]:
        word = cur.peek()
        if word is None:
            raise cur.fail(INCOMPLETE)
        if not word[0].isdigit():
            which = cur.kw(("any", "host"), ("object-group",))
            if which == "any":
                return 0, 0xFFFFFFFF
            return int(cur.ip()), 0
        addr = int(cur.ip())
        if wildcard_optional and (cur.peek() is None or not cur.peek()[0].isdigit()):
            return addr, 0
        wildcard = int(cur.ip())
        return addr & ~wildcard & 0xFFFFFFFF, wildcard   # IOS stores the masked address

    def port_match(self, cur: _Cur, names: dict[str, int]) -> PortMatch | None:
        op = cur.opt_kw(_PORT_OPS)
        if op is None:
            return None
        low = self.port(cur, names)
        if op != "range":
            return PortMatch(op, low)
        high = self.port(cur, names)
        if high < low:
            raise _Err(f"% Invalid port range {low} {high}", cur.i - 1)
        return PortMatch(op, low, high)

    def port(self, cur: _Cur, names: dict[str, int]) -> int:
        word = cur.peek()
        if word is not None and word.isdigit():
            return cur.integer(0, 65535, "port")
        return names[cur.kw(tuple(names), reason="% Unknown port name '{word}'")]

    # ---- crypto (global) ----------------------------------------------------------------------
    def global_crypto(self, cur: _Cur) -> _Mode | None:
        sub = cur.kw(("isakmp", "ipsec", "map"),
                     ("ca", "key", "pki", "dynamic-map", "engine", "gdoi", "logging", "call",
                      "identity", "keyring", "ikev2"))
        if sub == "isakmp":
            return self.crypto_isakmp(cur)
        if sub == "ipsec":
            cur.kw(("transform-set",), ("security-association", "df-bit", "fragmentation",
                                        "nat-transparency", "profile", "client"))
            return ("tset", self.transform_set(cur))
        name = cur.word()
        word = cur.peek()
        if word is not None and not word.isdigit():
            cur.kw((), ("local-address", "isakmp-profile", "client", "isakmp", "redundancy"))
        seq = cur.integer(1, 65535, "crypto map sequence number")
        if not cur.done():
            cur.kw(("ipsec-isakmp",), ("ipsec-manual", "dynamic", "gdoi"))
        cur.end()
        entries = self.config.crypto.maps.setdefault(name, [])
        for entry in entries:
            if entry.sequence == seq:
                return ("cmap", entry)
        entry = CryptoMapEntry(map_name=name, sequence=seq, line=self.lineno)
        entries.append(entry)
        entries.sort(key=lambda e: e.sequence)
        return ("cmap", entry)

    def crypto_isakmp(self, cur: _Cur) -> _Mode | None:
        sub = cur.kw(("policy", "key", "keepalive", "identity", "enable"),
                     ("nat", "profile", "client", "aggressive-mode", "invalid-spi-recovery",
                      "xauth", "fragmentation", "peer"))
        if sub == "policy":
            priority = cur.integer(1, 10000, "ISAKMP policy priority")
            cur.end()
            policy = self.config.crypto.policies.get(priority)
            if policy is None:
                policy = IsakmpPolicy(priority=priority, line=self.lineno)
                self.config.crypto.policies[priority] = policy
            return ("isakmp", policy)
        if sub == "key":
            key = self.isakmp_key(cur)
            keys = self.config.crypto.keys
            for k, old in enumerate(keys):
                if (old.address, old.mask) == (key.address, key.mask):
                    keys[k] = key     # IOS keeps one key per address/mask
                    return None
            keys.append(key)
            return None
        if sub == "keepalive":
            seconds = cur.integer(10, 3600, "keepalive interval")
            retry = 2
            if (cur.peek() or "").isdigit():
                retry = cur.integer(2, 60, "keepalive retry interval")
            cur.opt_kw(("periodic", "on-demand"))
            cur.end()
            self.config.crypto.keepalive = (seconds, retry)
            return None
        if sub == "identity":
            cur.kw(("address",), ("hostname", "dn"))
        cur.end()
        self.ignore(cur.raw.strip())
        return None

    def isakmp_key(self, cur: _Cur) -> PresharedKey:
        """``crypto isakmp key [0|6] KEY address A [MASK] [no-xauth]`` (after ``key``)."""
        first = cur.word()
        if first in ("0", "6") and cur.peek() is not None and cur.peek() != "address":
            if first == "6":
                raise _Err("% Encrypted (type 6) keys are not supported by ikesim; give the "
                           "key in clear", cur.i - 1)
            first = cur.word()
        key = first
        cur.kw(("address",), ("hostname", "ipv6"))
        addr = cur.ip()
        mask = ipaddress.IPv4Address("255.255.255.255")
        if (cur.peek() or "")[:1].isdigit():
            mask = cur.ip()
            if mask_length(mask) is None:
                raise _Err(f"% Bad mask {mask}", cur.i - 1)
        cur.opt_kw(("no-xauth",))
        cur.end()
        return PresharedKey(key=key, address=addr, mask=mask, line=self.lineno)

    def transform_set(self, cur: _Cur) -> TransformSet:
        name = cur.word()
        transforms: list[str] = []
        roles: dict[str, str] = {}
        every = ESP_ENCRYPTION + ESP_AUTH + AH_AUTH
        while not cur.done():
            t = cur.kw(every, _TRANSFORMS_UNSUPPORTED, reason="% Unknown transform '{word}'")
            role = ("ESP encryption" if t in ESP_ENCRYPTION else
                    "ESP authentication" if t in ESP_AUTH else "AH authentication")
            if role in roles:
                raise _Err(f"% Transform set can hold one {role} transform "
                           f"({roles[role]} and {t})", cur.i - 1)
            roles[role] = t
            if t == "esp-aes" and (cur.peek() or "").isdigit():
                bits = cur.word()
                if bits not in ("128", "192", "256"):
                    raise _Err(f"% Invalid AES key size {bits} (128, 192, 256)", cur.i - 1)
                if bits != "128":
                    t = f"esp-aes {bits}"
            transforms.append(t)
        if not transforms:
            raise cur.fail(INCOMPLETE)
        existing = self.config.crypto.transform_sets.get(name)
        if existing is not None:
            existing.transforms = transforms
            return existing
        tset = TransformSet(name=name, transforms=transforms, line=self.lineno)
        self.config.crypto.transform_sets[name] = tset
        return tset

    # ---- `no` in global mode ------------------------------------------------------------------
    def global_no(self, cur: _Cur) -> None:
        what = cur.kw(("ip", "access-list", "crypto", "hostname", "interface", "service"))
        if what == "hostname":
            cur.end()
            self.config.hostname = "Router"
        elif what == "service":
            cur.rest()
            self.ignore(cur.raw.strip())
        elif what == "access-list":
            number = cur.word()
            cur.end()
            if self.config.acls.pop(number, None) is not None:
                self.acl_seqs.pop(number, None)
        elif what == "interface":
            iface = self.get_interface(cur)
            if not iface.name.startswith(("Loopback", "Tunnel")) and "." not in iface.name:
                raise _Err("% Physical interfaces cannot be removed", _SEMANTIC)
            del self.config.interfaces[iface.name]
        elif what == "ip":
            self.global_no_ip(cur)
        else:
            self.global_no_crypto(cur)

    def global_no_ip(self, cur: _Cur) -> None:
        sub = cur.kw(("route", "default-gateway", "access-list", "cef", "domain",
                      "domain-lookup", "http", "routing", "classless", "subnet-zero"))
        if sub == "route":
            self.ip_route(cur, removing=True)
            return
        if sub == "default-gateway":
            if not cur.done():
                cur.ip()
            cur.end()
            self.config.default_gateway = None
            return
        if sub == "access-list":
            cur.kw(("standard", "extended"))
            name = cur.word()
            cur.end()
            self.config.acls.pop(name, None)
            self.acl_seqs.pop(name, None)
            return
        if sub == "domain":
            cur.kw(("lookup",))
        elif sub == "http":
            cur.kw(("server", "secure-server"))
        cur.end()
        self.ignore(cur.raw.strip())

    def global_no_crypto(self, cur: _Cur) -> None:
        crypto = self.config.crypto
        sub = cur.kw(("isakmp", "ipsec", "map"))
        if sub == "isakmp":
            what = cur.kw(("policy", "key", "keepalive"))
            if what == "policy":
                priority = cur.integer(1, 10000, "ISAKMP policy priority")
                cur.end()
                crypto.policies.pop(priority, None)
            elif what == "keepalive":
                cur.i = len(cur.words)
                crypto.keepalive = None
            else:
                key = self.isakmp_key(cur)
                before = len(crypto.keys)
                crypto.keys = [k for k in crypto.keys
                               if (k.key, k.address, k.mask) != (key.key, key.address, key.mask)]
                if len(crypto.keys) == before:
                    raise _Err("% No such pre-shared key", _SEMANTIC)
        elif sub == "ipsec":
            cur.kw(("transform-set",))
            name = cur.word()
            cur.end()
            crypto.transform_sets.pop(name, None)
        else:
            name = cur.word()
            if cur.done():
                crypto.maps.pop(name, None)
                return
            seq = cur.integer(1, 65535, "crypto map sequence number")
            cur.opt_kw(("ipsec-isakmp",))
            cur.end()
            entries = [e for e in crypto.maps.get(name, []) if e.sequence != seq]
            if entries:
                crypto.maps[name] = entries
            else:
                crypto.maps.pop(name, None)

    # ---- submodes -----------------------------------------------------------------------------
    def interface_line(self, cur: _Cur) -> None:
        iface = self.mode[1]
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
            self.interface_ip(cur, iface, negate)
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
            self.ignore(cur.raw.strip())

    def interface_ip(self, cur: _Cur, iface: InterfaceConfig, negate: bool) -> None:
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
        if word is not None and not word[0].isdigit():
            cur.kw((), ("dhcp", "negotiated", "pool"))
        addr = cur.ip()
        mask = cur.ip()
        if not cur.done():
            cur.kw((), ("secondary",))
        plen = mask_length(mask)
        if plen is None:
            raise _Err(f"% Bad mask {mask} for address {addr}", cur.i - 1)
        ifaddr = ipaddress.IPv4Interface(f"{addr}/{plen}")
        net = ifaddr.network
        if plen == 0 or (plen < 31 and addr in (net.network_address, net.broadcast_address)):
            raise _Err(f"% Bad mask /{plen} for address {addr}", _SEMANTIC)
        for other in self.config.interfaces.values():
            if other is not iface and other.address is not None \
                    and other.address.network.overlaps(net):
                raise _Err(f"% {net.network_address} overlaps with {other.name}", _SEMANTIC)
        iface.address = ifaddr

    def isakmp_line(self, cur: _Cur) -> None:
        policy = self.mode[1]
        assert isinstance(policy, IsakmpPolicy)
        negate = cur.opt_kw(("no", "default")) is not None
        attr = cur.kw(("encryption", "hash", "authentication", "group", "lifetime"),
                      reason="% Unknown ISAKMP policy attribute '{word}'")
        if negate:
            cur.i = len(cur.words)
            setattr(policy, attr, getattr(IsakmpPolicy(priority=0), attr))  # IOS default
            return
        if attr == "encryption":
            cipher = cur.kw(("des", "3des", "aes"),
                            reason="% Invalid encryption '{word}' (des, 3des, aes)")
            if cipher == "aes":
                bits = "128"
                if not cur.done():
                    bits = cur.word()
                    if bits not in ("128", "192", "256"):
                        raise _Err(f"% Invalid AES key size {bits} (128, 192, 256)", cur.i - 1)
                cipher = f"aes{bits}"
            cur.end()
            policy.encryption = cipher
        elif attr == "hash":
            digest = cur.kw(("md5", "sha", "sha256", "sha384", "sha512"),
                            reason="% Invalid hash '{word}' (md5, sha, sha256, sha384, sha512)")
            cur.end()
            policy.hash = digest
        elif attr == "authentication":
            auth = cur.kw(("pre-share", "rsa-sig", "rsa-encr"),
                          reason="% Invalid authentication '{word}' (pre-share, rsa-sig, "
                                 "rsa-encr)")
            cur.end()
            policy.authentication = auth
        elif attr == "group":
            word = cur.word()
            if not word.isdigit() or int(word) not in (1, 2, 5, 14):
                raise _Err(f"% Unsupported Diffie-Hellman group '{word}' (1, 2, 5, 14)",
                           cur.i - 1)
            cur.end()
            policy.group = int(word)
        else:
            policy.lifetime = cur.integer(60, 86400, "ISAKMP SA lifetime")
            cur.end()

    def tset_line(self, cur: _Cur) -> None:
        tset = self.mode[1]
        assert isinstance(tset, TransformSet)
        negate = cur.opt_kw(("no", "default")) is not None
        cur.kw(("mode",))
        if negate:
            cur.i = len(cur.words)
            tset.mode = "tunnel"
            return
        mode = cur.kw(("tunnel", "transport"))
        cur.end()
        tset.mode = mode

    def cmap_line(self, cur: _Cur) -> None:
        entry = self.mode[1]
        assert isinstance(entry, CryptoMapEntry)
        negate = cur.opt_kw(("no",)) is not None
        cmd = cur.kw(("set", "match", "description"), ("reverse-route", "qos"))
        if cmd == "description":
            cur.rest()
            self.ignore(cur.raw.strip())
            return
        if cmd == "match":
            cur.kw(("address",))
            if negate:
                cur.i = len(cur.words)
                entry.match_acl = None
                return
            acl = cur.word()
            cur.end()
            entry.match_acl = acl    # may reference an undefined ACL, as on IOS
            return
        what = cur.kw(("peer", "transform-set", "pfs", "security-association"),
                      ("isakmp-profile", "nat", "ip", "reverse-route", "identity"))
        if what == "peer":
            word = cur.word()
            peer = parse_ipv4(word)
            if peer is None:
                raise _Err(f"% Invalid peer address '{word}' (peer hostnames are not "
                           "supported)", cur.i - 1)
            cur.opt_kw(("default",))
            cur.end()
            if negate:
                if peer in entry.peers:
                    entry.peers.remove(peer)
            elif peer not in entry.peers:
                entry.peers.append(peer)
        elif what == "transform-set":
            if negate:
                cur.i = len(cur.words)
                entry.transform_sets = []
                return
            names = []
            while not cur.done():
                names.append(cur.word())
                if names[-1] not in self.config.crypto.transform_sets:
                    raise _Err(f'ERROR: transform set with tag "{names[-1]}" does not exist.',
                               cur.i - 1)
                if len(names) > 6:
                    raise cur.fail(back=1)
            if not names:
                raise cur.fail(INCOMPLETE)
            entry.transform_sets = names
        elif what == "pfs":
            if negate:
                cur.i = len(cur.words)
                entry.pfs_group = None
                return
            group = 1                      # bare `set pfs` is group1 (IOS default)
            if not cur.done():
                group = PFS_GROUPS[cur.kw(tuple(PFS_GROUPS),
                                          ("group15", "group16", "group19", "group20",
                                           "group24"),
                                          reason="% Invalid PFS group '{word}' "
                                                 "(group1, group2, group5, group14)")]
            cur.end()
            entry.pfs_group = group
        else:
            cur.kw(("lifetime",), ("level", "idle-time", "replay", "dummy"))
            unit = cur.kw(("seconds", "kilobytes"), ("days",))
            if negate:
                cur.i = len(cur.words)
                value = None
            elif unit == "seconds":
                value = cur.integer(120, 86400, "IPsec SA lifetime in seconds")
            else:
                value = cur.integer(2560, 4294967295, "IPsec SA lifetime in kilobytes")
            cur.end()
            if unit == "seconds":
                entry.lifetime_seconds = value
            else:
                entry.lifetime_kilobytes = value

    def vty_line(self, cur: _Cur) -> None:
        cmd = cur.kw(("logging", "login", "no", "exec-timeout", "password", "transport",
                      "privilege"))
        if cmd == "no":
            cur.kw(("login",))
        elif cmd == "logging":
            cur.kw(("synchronous",))
        elif cmd == "exec-timeout":
            cur.integer(0, 35791, "exec-timeout minutes")
            if not cur.done():
                cur.integer(0, 2147483, "exec-timeout seconds")
        elif cmd in ("password", "transport"):
            cur.rest()
        elif cmd == "privilege":
            cur.kw(("level",))
            cur.integer(0, 15, "privilege level")
        cur.end()
        self.ignore(cur.raw.strip())

    def control_plane_line(self, cur: _Cur) -> None:
        raise cur.fail()       # nothing is configured under control-plane here


def _entry_key(entry: AclEntry) -> tuple[object, ...]:
    return (entry.action, entry.protocol, entry.src, entry.src_wildcard, entry.dst,
            entry.dst_wildcard, entry.src_port, entry.dst_port, entry.icmp_type)


def _run(parser: _Parser, lines: Iterable[str]) -> DeviceConfig:
    lines = list(lines)
    before = {id(r) for r in parser.config.static_routes}
    for n, raw in enumerate(lines, start=1):
        parser.feed(n, raw)
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
    return _run(_Parser(config, file, line_offset), text.splitlines())


def apply_config_lines(config: DeviceConfig, lines: list[str], *, file: str | None = None,
                       line_offset: int = 0) -> DeviceConfig:
    """``configure terminal`` semantics: ``lines`` applied to a deep copy of ``config``.

    Same grammar as :func:`parse_config` plus the ``no`` forms; the input is left untouched.
    """
    return _run(_Parser(copy.deepcopy(config), file, line_offset), lines)


__all__ = ["IGNORED_LINES_DOC", "apply_config_lines", "mask_length", "match_keyword",
           "parse_config", "parse_ipv4"]
