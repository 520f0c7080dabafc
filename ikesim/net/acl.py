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

    def evaluate(self, src: int, dst: int, protocol: int, sport: int | None = None,
                 dport: int | None = None, icmp_type: int | None = None) -> AclEntry | None:
        """The first matching entry, or None when only the implicit ``deny any`` matches."""
        for entry in self.entries:
            if entry.matches(src, dst, protocol, sport, dport, icmp_type):
                return entry
        return None

    def permits(self, src: int, dst: int, protocol: int, sport: int | None = None,
                dport: int | None = None, icmp_type: int | None = None) -> bool:
        entry = self.evaluate(src, dst, protocol, sport, dport, icmp_type)
        return entry is not None and entry.action == "permit"

    def filter(self, src: int, dst: int, protocol: int, sport: int | None = None,
               dport: int | None = None, icmp_type: int | None = None) -> bool:
        """``permits`` for traffic filtered on an interface: counts the matching entry."""
        for index, entry in enumerate(self.entries):
            if entry.matches(src, dst, protocol, sport, dport, icmp_type):
                self.matches[index] = self.matches.get(index, 0) + 1
                return entry.action == "permit"
        return False
