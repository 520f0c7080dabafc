"""IOS access lists as data, and their evaluation against a packet's 5-tuple.

Addresses are held as 32-bit integers with IOS *wildcard* masks (a set bit means "don't care"),
so ``host A`` is (A, 0) and ``any`` is (0, 0xFFFFFFFF). Standard lists match the source only.
Evaluation is first-match in entry order with the implicit ``deny any`` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# IP protocol numbers used by the configuration subset (RFC 790 / IANA).
PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ESP = 50
PROTO_AHP = 51
PROTOCOL_NAMES = {"icmp": PROTO_ICMP, "tcp": PROTO_TCP, "udp": PROTO_UDP, "esp": PROTO_ESP,
                  "ahp": PROTO_AHP}


@dataclass(frozen=True, slots=True)
class PortMatch:
    """A TCP/UDP port condition: ``eq``, ``neq``, ``lt``, ``gt`` or ``range``."""

    op: str
    low: int
    high: int | None = None

    def matches(self, port: int | None) -> bool:
        if port is None:
            return False
        if self.op == "eq":
            return port == self.low
        if self.op == "neq":
            return port != self.low
        if self.op == "lt":
            return port < self.low
        if self.op == "gt":
            return port > self.low
        if self.op == "range":
            assert self.high is not None
            return self.low <= port <= self.high
        raise ValueError(f"unknown port operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One ``permit``/``deny`` line. ``protocol`` None means ``ip`` (any protocol)."""

    action: str                     # "permit" | "deny"
    protocol: int | None
    src: int
    src_wildcard: int
    dst: int = 0
    dst_wildcard: int = 0xFFFFFFFF
    src_port: PortMatch | None = None
    dst_port: PortMatch | None = None
    icmp_type: int | None = None
    line: int = 0                   # line in the configuration text it came from
    text: str = ""                  # the configuration line, for show commands and drop reasons

    def matches(self, src: int, dst: int, protocol: int, sport: int | None = None,
                dport: int | None = None, icmp_type: int | None = None) -> bool:
        if (src & ~self.src_wildcard) != (self.src & ~self.src_wildcard):
            return False
        if (dst & ~self.dst_wildcard) != (self.dst & ~self.dst_wildcard):
            return False
        if self.protocol is not None and protocol != self.protocol:
            return False
        if self.src_port is not None and not self.src_port.matches(sport):
            return False
        if self.dst_port is not None and not self.dst_port.matches(dport):
            return False
        if self.icmp_type is not None and icmp_type != self.icmp_type:
            return False
        return True


@dataclass(slots=True)
class Acl:
    """A numbered or named access list (``kind`` is "standard" or "extended")."""

    name: str
    kind: str
    entries: list[AclEntry] = field(default_factory=list)
    # Per-entry match counters (entry index -> packets), as `show access-lists` prints them.
    matches: dict[int, int] = field(default_factory=dict)
    # The entries compiled for matching, rebuilt when ``entries`` changes (see ``compiled``);
    # a cache, not configuration: never compared or shown.
    _compiled: CompiledAcl | None = field(default=None, repr=False, compare=False, kw_only=True)

    def compiled(self) -> CompiledAcl:
        """The entries as a :class:`CompiledAcl`; recompiled only when ``entries`` no longer
        equals the compiled copy (a C-level identity walk, no per-entry Python work)."""
        compiled = self._compiled
        if compiled is None or compiled.entries != self.entries:
            compiled = self._compiled = CompiledAcl(self.entries)
        return compiled

    def evaluate(self, src: int, dst: int, protocol: int, sport: int | None = None,
                 dport: int | None = None, icmp_type: int | None = None) -> AclEntry | None:
        """The first matching entry, or None when only the implicit ``deny any`` matches."""
        index = self.compiled().first(src, dst, protocol, sport, dport, icmp_type)
        return None if index < 0 else self.entries[index]

    def permits(self, src: int, dst: int, protocol: int, sport: int | None = None,
                dport: int | None = None, icmp_type: int | None = None) -> bool:
        entry = self.evaluate(src, dst, protocol, sport, dport, icmp_type)
        return entry is not None and entry.action == "permit"

    def filter(self, src: int, dst: int, protocol: int, sport: int | None = None,
               dport: int | None = None, icmp_type: int | None = None) -> bool:
        """``permits`` for traffic filtered on an interface: counts the matching entry."""
        index = self.compiled().first(src, dst, protocol, sport, dport, icmp_type)
        if index < 0:
            return False
        self.matches[index] = self.matches.get(index, 0) + 1
        return self.entries[index].action == "permit"


_ANY = 0xFFFFFFFF


class CompiledAcl:
    """An ACL's entries as flat tuples of precomputed masks and values, in entry order:
    ``first`` is the same first-match walk as ``AclEntry.matches`` without its attribute
    look-ups and method calls (RFC-free: IOS semantics, first match wins)."""

    __slots__ = ("entries", "rows")

    def __init__(self, entries: list[AclEntry]) -> None:
        self.entries = list(entries)
        self.rows = tuple(
            (~e.src_wildcard & _ANY, e.src & ~e.src_wildcard & _ANY,
             ~e.dst_wildcard & _ANY, e.dst & ~e.dst_wildcard & _ANY,
             e.protocol, e.src_port, e.dst_port, e.icmp_type, index)
            for index, e in enumerate(self.entries))

    def first(self, src: int, dst: int, protocol: int, sport: int | None = None,
              dport: int | None = None, icmp_type: int | None = None) -> int:
        """Index of the first matching entry, -1 when none matches (implicit deny)."""
        for smask, snet, dmask, dnet, proto, sp, dp, itype, index in self.rows:
            if src & smask != snet or dst & dmask != dnet:
                continue
            if proto is not None and protocol != proto:
                continue
            if sp is not None and not sp.matches(sport):
                continue
            if dp is not None and not dp.matches(dport):
                continue
            if itype is not None and icmp_type != itype:
                continue
            return index
        return -1
