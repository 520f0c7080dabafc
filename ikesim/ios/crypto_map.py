"""A crypto map compiled for the data path: which entry (if any) a departing packet belongs to.

IOS checks a packet leaving an interface with a crypto map against the map's entries in sequence
order; the first entry whose ``match address`` ACL *permits* the packet claims it (a ``deny`` line
only means "not this entry"). Done literally that is a sort and an ACL walk over every entry per
packet: with one entry per spoke, a hub pays for all its spokes on every packet.

``MapClassifier`` is built once per interface when the configuration is applied: each entry's
ACL lines are indexed by their destination prefix (a contiguous wildcard; the rest, and
``any``, are checked for every packet), so a packet only evaluates the entries that can match
its destination, still in sequence order and still with the ACL's own first-match rule.
The phase-2 policy of each entry is built here too, once, instead of per dropped packet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ikesim.ike.quick import Phase2Policy
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import TransformError, from_keywords
from ikesim.net.acl import Acl, AclEntry
from ikesim.net.config import DeviceConfig

_ALL = 0xFFFFFFFF


def proxy_of(entry: AclEntry) -> Proxy:
    """Proxy identities of a crypto ACL permit line (wildcards become masks; an `eq` port
    is carried, other port operators are not expressible and become 0)."""
    def port(match: Any) -> int:
        return match.low if match is not None and match.op == "eq" else 0
    return Proxy(entry.src & ~entry.src_wildcard & _ALL, ~entry.src_wildcard & _ALL,
                 entry.dst & ~entry.dst_wildcard & _ALL, ~entry.dst_wildcard & _ALL,
                 entry.protocol or 0, port(entry.src_port), port(entry.dst_port))


def phase2_policy(config: DeviceConfig, entry: Any, iface: str) -> Phase2Policy | None:
    """Quick mode's view of one map entry; None for an incomplete entry (IOS ignores it)."""
    acl = config.acls.get(entry.match_acl or "")
    if acl is None or not entry.peers:
        return None
    transforms = []
    for name in entry.transform_sets:
        tset = config.crypto.transform_sets.get(name)
        if tset is None:
            continue
        try:
            transforms.append((name, from_keywords(tset.transforms, tset.mode)))
        except TransformError:
            continue
    if not transforms:
        return None
    proxies = tuple(proxy_of(e) for e in acl.entries if e.action == "permit")
    return Phase2Policy(entry.map_name, entry.sequence, int(entry.peers[0]), tuple(transforms),
                        proxies, entry.pfs_group, entry.lifetime_seconds or 3600,
                        entry.lifetime_kilobytes or 4608000, iface, entry.isakmp_profile)


@dataclass(frozen=True, slots=True)
class MapRule:
    """One usable map entry: its ACL, peer and (when complete) phase-2 policy."""

    entry: Any                   # ikesim.ike.policy.CryptoMapEntry
    acl: Acl
    peer: int
    policy: Phase2Policy | None


def _prefix_length(wildcard: int) -> int | None:
    """32 - bits of a contiguous wildcard (0.0.0.255 -> 24), None when not contiguous."""
    if wildcard & (wildcard + 1):
        return None
    return 32 - wildcard.bit_length()


class MapClassifier:
    """The entries of one crypto map on one interface, indexed by destination prefix."""

    __slots__ = ("map_name", "rules", "_tables", "_always")

    def __init__(self, config: DeviceConfig, map_name: str, iface: str) -> None:
        self.map_name = map_name
        self.rules: list[MapRule] = []
        tables: dict[int, dict[int, list[int]]] = {}
        always: list[int] = []
        for entry in config.crypto.map_entries(map_name):
            acl = config.acls.get(entry.match_acl or "")
            if acl is None or not entry.peers:
                continue            # IOS: an incomplete map entry is ignored
            order = len(self.rules)
            self.rules.append(MapRule(entry, acl, int(entry.peers[0]),
                                      phase2_policy(config, entry, iface)))
            for line in acl.entries:
                length = _prefix_length(line.dst_wildcard)
                if length is None:
                    always.append(order)
                    continue
                mask = (_ALL << (32 - length)) & _ALL
                bucket = tables.setdefault(mask, {}).setdefault(line.dst & mask, [])
                if not bucket or bucket[-1] != order:
                    bucket.append(order)
        self._tables = tuple(tables.items())
        self._always = tuple(sorted(set(always)))

    def policies(self) -> list[Phase2Policy]:
        return [r.policy for r in self.rules if r.policy is not None]

    def classify(self, src: int, dst: int, protocol: int, sport: int | None,
                 dport: int | None, icmp_type: int | None) -> tuple[MapRule, AclEntry] | None:
        """The first entry (sequence order) whose ACL permits the packet, with the permitting
        line; None when no entry claims it."""
        found: list[int] = list(self._always)
        for mask, table in self._tables:
            orders = table.get(dst & mask)
            if orders:
                found += orders
        if not found:
            return None
        if len(found) > 1:
            found = sorted(set(found))
        rules = self.rules
        for order in found:
            rule = rules[order]
            line = rule.acl.evaluate(src, dst, protocol, sport, dport, icmp_type)
            if line is not None and line.action == "permit":
                return rule, line
        return None
