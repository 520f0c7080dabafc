"""A crypto map compiled for the data path: which entry (if any) a departing packet belongs to.

IOS checks a packet leaving an interface with a crypto map against the map's entries in sequence
order; the first entry whose ``match address`` ACL *permits* the packet claims it (a ``deny`` line
only means "not this entry"). Done literally that is a sort and an ACL walk over every entry per
packet: with one entry per spoke, a hub pays for all its spokes on every packet.

``MapClassifier`` is built once per interface when the configuration is applied: each entry's
ACL lines are indexed by their destination prefix (a contiguous wildcard; the rest, and
``any``, are checked for every packet), so a packet only evaluates the entries that can match
its destination, still in sequence order and still with the ACL's own first-match rule.
The phase-2 policy of each entry is built here too, once, instead of per dropped packet, and
so are what a dropped packet reports and requests: the proxy identities of each permit line,
the entry's label ("MAP SEQ") and its peer as text. The classifier lives as long as the
configuration it was compiled from (``CryptoService`` compiles it again when the configuration
is applied, and applying one never edits the old one in place: ``apply_config_lines`` works
on a deep copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ikesim.ike.quick import Phase2Policy
from ikesim.ios.crypto_records import dotted
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import EspTransform, TransformError, from_keywords
from ikesim.net.acl import Acl, AclEntry, CompiledAcl
from ikesim.net.config import DeviceConfig

_ALL = 0xFFFFFFFF
ANY = Proxy(0, 0, 0, 0, 0)


def proxy_of(entry: AclEntry) -> Proxy:
    """Proxy identities of a crypto ACL permit line (wildcards become masks; an `eq` port
    is carried, other port operators are not expressible and become 0)."""
    def port(match: Any) -> int:
        return match.low if match is not None and match.op == "eq" else 0
    return Proxy(entry.src & ~entry.src_wildcard & _ALL, ~entry.src_wildcard & _ALL,
                 entry.dst & ~entry.dst_wildcard & _ALL, ~entry.dst_wildcard & _ALL,
                 entry.protocol or 0, port(entry.src_port), port(entry.dst_port))


def _transforms(config: DeviceConfig, names: list[str]) -> tuple[tuple[str, EspTransform], ...]:
    out = []
    for name in names:
        tset = config.crypto.transform_sets.get(name)
        if tset is None:
            continue
        try:
            out.append((name, from_keywords(tset.transforms, tset.mode)))
        except TransformError:
            continue
    return tuple(out)


def map_local_address(config: DeviceConfig, map_name: str) -> int:
    """`crypto map M local-address IF`: IKE and ESP of the map use IF's address (Cisco IOS
    Security Command Reference, `crypto map local-address`); 0 when not configured (the
    address of the interface the traffic leaves by)."""
    name = config.crypto.map_local_address.get(map_name)
    iface = config.interfaces.get(name or "")
    return int(iface.address.ip) if iface is not None and iface.address is not None else 0


def phase2_policy(config: DeviceConfig, entry: Any, iface: str) -> Phase2Policy | None:
    """Quick mode's view of one map entry; None for an incomplete entry (IOS ignores it).
    Lifetimes default to the global `crypto ipsec security-association lifetime`."""
    acl = config.acls.get(entry.match_acl or "")
    if acl is None or not entry.peers:
        return None
    transforms = _transforms(config, entry.transform_sets)
    if not transforms:
        return None
    crypto = config.crypto
    proxies = tuple(proxy_of(e) for e in acl.entries if e.action == "permit")
    return Phase2Policy(entry.map_name, entry.sequence, int(entry.peers[0]), transforms,
                        proxies, entry.pfs_group,
                        entry.lifetime_seconds or crypto.ipsec_lifetime_seconds,
                        entry.lifetime_kilobytes or crypto.ipsec_lifetime_kilobytes, iface,
                        entry.isakmp_profile, local=map_local_address(config, entry.map_name))


def dynamic_policies(config: DeviceConfig, entry: Any, iface: str) -> list[Phase2Policy]:
    """The entries of the dynamic map that `crypto map M N ipsec-isakmp dynamic D` names, as
    responder-only policies of map M entry N for any peer (Cisco PIX Firewall and VPN
    Configuration Guide 78-15033-01, "Using Dynamic Crypto Maps", the same crypto map model as
    IOS: "Only the transform-set parameter is required"; "Dynamic crypto maps can only be used
    for negotiating SAs with remote peers that initiate the connection"). The peer's proxies
    are accepted inside the entry's `match address` ACL, any proxies without one; an entry
    without a transform set, or whose ACL does not exist, is incomplete and ignored."""
    crypto = config.crypto
    out: list[Phase2Policy] = []
    for dyn in sorted(crypto.dynamic_maps.get(entry.dynamic_map or "", []),
                      key=lambda e: e.sequence):
        transforms = _transforms(config, dyn.transform_sets)
        if not transforms:
            continue
        acl = config.acls.get(dyn.match_acl or "")
        if dyn.match_acl and acl is None:
            continue               # `match address` naming no ACL: incomplete, as a static one
        proxies = (tuple(proxy_of(e) for e in acl.entries if e.action == "permit")
                   if acl is not None else (ANY,))
        out.append(Phase2Policy(
            entry.map_name, entry.sequence, 0, transforms, proxies, dyn.pfs_group,
            dyn.lifetime_seconds or crypto.ipsec_lifetime_seconds,
            dyn.lifetime_kilobytes or crypto.ipsec_lifetime_kilobytes, iface,
            dyn.isakmp_profile or entry.isakmp_profile,
            local=map_local_address(config, entry.map_name), dynamic=True))
    return out


@dataclass(frozen=True, slots=True)
class MapRule:
    """One usable map entry: its ACL, peer and (when complete) phase-2 policy, with what the
    data path needs of them computed once: the ACL compiled, the proxy identities of each ACL
    line (None for a deny line), the entry as drop records name it, the peer as text."""

    entry: Any                   # ikesim.ike.policy.CryptoMapEntry
    acl: Acl
    peer: int
    policy: Phase2Policy | None
    compiled: CompiledAcl
    proxies: tuple[Proxy | None, ...]       # by ACL line index
    label: str                              # "MAP SEQUENCE"
    peer_text: str

    @classmethod
    def build(cls, entry: Any, acl: Acl, policy: Phase2Policy | None) -> MapRule:
        compiled = acl.compiled()
        proxies = tuple(proxy_of(line) if line.action == "permit" else None
                        for line in compiled.entries)
        peer = int(entry.peers[0])
        return cls(entry, acl, peer, policy, compiled, proxies,
                   f"{entry.map_name} {entry.sequence}", dotted(peer))


def _prefix_length(wildcard: int) -> int | None:
    """32 - bits of a contiguous wildcard (0.0.0.255 -> 24), None when not contiguous."""
    if wildcard & (wildcard + 1):
        return None
    return 32 - wildcard.bit_length()


CLASSIFY_MEMO_LIMIT = 1024     # distinct packet 6-tuples remembered per classifier


class MapClassifier:
    """The entries of one crypto map on one interface, indexed by destination prefix."""

    __slots__ = ("map_name", "rules", "dynamic", "_dynamic_acls", "_tables", "_always", "_memo")

    def __init__(self, config: DeviceConfig, map_name: str, iface: str) -> None:
        self.map_name = map_name
        self.rules: list[MapRule] = []
        # the responder-only policies of the entries that name a dynamic map
        self.dynamic: list[Phase2Policy] = []
        self._dynamic_acls: list[Acl] = []
        tables: dict[int, dict[int, list[int]]] = {}
        always: list[int] = []
        for entry in config.crypto.map_entries(map_name):
            if entry.dynamic_map is not None:
                self.dynamic += dynamic_policies(config, entry, iface)
                self._dynamic_acls += [
                    config.acls[d.match_acl]
                    for d in config.crypto.dynamic_maps.get(entry.dynamic_map, [])
                    if d.match_acl in config.acls and _transforms(config, d.transform_sets)]
                continue
            acl = config.acls.get(entry.match_acl or "")
            if acl is None or not entry.peers:
                continue            # IOS: an incomplete map entry is ignored
            order = len(self.rules)
            self.rules.append(MapRule.build(entry, acl, phase2_policy(config, entry, iface)))
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
        # classify's verdict per packet 6-tuple: a flow's packets (a ping's echoes) are
        # classified once. A classifier is built per configuration (CryptoService._install
        # rebuilds them all when it changes), so the memo never outlives the ACLs it read;
        # bounded against many distinct flows (emptied when full).
        self._memo: dict[tuple, tuple[MapRule, AclEntry, Proxy] | None] = {}

    def policies(self) -> list[Phase2Policy]:
        return [r.policy for r in self.rules if r.policy is not None] + self.dynamic

    def dynamic_claims(self, src: int, dst: int, protocol: int, sport: int | None,
                       dport: int | None, icmp_type: int | None) -> bool:
        """Whether the ACL of a (complete) dynamic entry permits the packet: without an SA
        IOS drops it, since a dynamic entry cannot initiate."""
        for acl in self._dynamic_acls:
            line = acl.evaluate(src, dst, protocol, sport, dport, icmp_type)
            if line is not None and line.action == "permit":
                return True
        return False

    def classify(self, src: int, dst: int, protocol: int, sport: int | None,
                 dport: int | None, icmp_type: int | None
                 ) -> tuple[MapRule, AclEntry, Proxy] | None:
        """The first entry (sequence order) whose ACL permits the packet, with the permitting
        line and its proxy identities; None when no entry claims it."""
        key = (src, dst, protocol, sport, dport, icmp_type)
        memo = self._memo
        if key in memo:
            return memo[key]
        if len(memo) >= CLASSIFY_MEMO_LIMIT:
            memo.clear()
        hit = memo[key] = self._classify(src, dst, protocol, sport, dport, icmp_type)
        return hit

    def _classify(self, src: int, dst: int, protocol: int, sport: int | None,
                  dport: int | None, icmp_type: int | None
                  ) -> tuple[MapRule, AclEntry, Proxy] | None:
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
            index = rule.compiled.first(src, dst, protocol, sport, dport, icmp_type)
            if index >= 0:
                proxy = rule.proxies[index]
                if proxy is not None:        # a permit line (a deny: "not this entry")
                    return rule, rule.compiled.entries[index], proxy
        return None
