"""Peer pairs of a scenario and what a run did between them.

A pair is two routers whose crypto map entries point at each other (``set peer``), or a router
and the address its entry names when no device owns it. When one side names an address nobody
owns but the other side's entry points back at it, the two still form a pair (a wrong peer
address). Everything else here scopes the run's events to one pair: its IKE events (by peer
address), the drops of datagrams between its addresses, the drops of the traffic its crypto ACLs
protect, and the pings that cross it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ikesim.net.acl import AclEntry
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario
from ikesim.teach import facts

PING = re.compile(r"^\s*ping\s+(\d+\.\d+\.\d+\.\d+)")
MARKS = set(".!UQM?&")


def ip(value: Any) -> str:
    """Dotted form of an address given as an int or a string (events carry both)."""
    return str(ipaddress.IPv4Address(value)) if isinstance(value, int) else str(value)


@dataclass(frozen=True, slots=True)
class MapEntryRef:
    """One crypto map entry applied on an interface, as a pair sees it."""

    device: str
    interface: str
    local: str                   # the interface's address
    map_name: str
    sequence: int
    peer: str                    # the first ``set peer`` (IOS tries it first)
    acl: str | None


@dataclass(slots=True)
class Pair:
    a: str
    b: str                       # device name, or an address nobody owns
    a_entry: MapEntryRef | None
    b_entry: MapEntryRef | None
    a_addresses: set[str] = field(default_factory=set)
    b_addresses: set[str] = field(default_factory=set)
    protected: list[tuple[int, int, int, int]] = field(default_factory=list)  # src/mask/dst/mask

    @property
    def a_address(self) -> str:
        return self.a_entry.local if self.a_entry else ""

    @property
    def b_address(self) -> str:
        if self.b_entry is not None:
            return self.b_entry.local
        return self.b if self.b not in self.a_addresses else ""

    @property
    def is_device_pair(self) -> bool:
        return self.b_entry is not None

    def side_addresses(self, device: str) -> set[str]:
        return self.a_addresses if device == self.a else self.b_addresses

    def other(self, device: str) -> str:
        return self.b if device == self.a else self.a

    def entry(self, device: str) -> MapEntryRef | None:
        return self.a_entry if device == self.a else self.b_entry

    def protects(self, src: str, dst: str) -> bool:
        s, d = int(ipaddress.IPv4Address(src)), int(ipaddress.IPv4Address(dst))
        return any((s & sm) == sn & sm and (d & dm) == dn & dm
                   for sn, sm, dn, dm in self.protected)


def device_addresses(scenario: Scenario, device: str) -> set[str]:
    spec = scenario.devices.get(device)
    if spec is None:
        return set()
    return {str(i.address.ip) for i in spec.config.interfaces.values() if i.address is not None}


def map_entries(scenario: Scenario) -> list[MapEntryRef]:
    """Crypto map entries applied to interfaces (an entry naming a dynamic map has no peer:
    ``peer`` ""), and protected tunnels as IOS shows them (map ``Tunnel0-head-0``, the tunnel
    source as local address, the destination as peer, no ACL: everything routed into the
    tunnel is protected)."""
    out = []
    for spec in scenario.routers:
        config = spec.config
        for name, iface in config.interfaces.items():
            tunnel = iface.tunnel
            if tunnel is not None and tunnel.protection and tunnel.destination is not None:
                source = config.interfaces.get(tunnel.source or "")
                local = (str(source.address.ip) if source is not None and source.address
                         else tunnel.source or "")
                out.append(MapEntryRef(spec.name, name, local, f"{name}-head-0", 65537,
                                       str(tunnel.destination), None))
            if not iface.crypto_map or iface.address is None:
                continue
            for entry in config.crypto.map_entries(iface.crypto_map):
                if entry.peers or entry.dynamic_map:
                    out.append(MapEntryRef(spec.name, name, str(iface.address.ip),
                                           entry.map_name, entry.sequence,
                                           str(entry.peers[0]) if entry.peers else "",
                                           entry.match_acl))
    return out


def _permits(scenario: Scenario, entry: MapEntryRef) -> list[AclEntry]:
    config = scenario.devices[entry.device].config
    acl = config.acls.get(entry.acl or "")
    return [e for e in acl.entries if e.action == "permit"] if acl is not None else []


def find_pairs(scenario: Scenario) -> list[Pair]:
    from ikesim.explain.natdpd import nat_owners  # (it uses this module's Pair)

    # a peer address a NAT router owns belongs to the crypto router translated to it
    owners = {**facts.addresses(scenario), **nat_owners(scenario)}
    every = map_entries(scenario)
    entries = [e for e in every if e.peer]
    dynamic = [e for e in every if not e.peer]
    pairs: dict[tuple[str, str], Pair] = {}
    for ref in entries:
        owner = owners.get(ref.peer)
        other: str = owner if owner is not None and owner != ref.device else ""
        if not other:
            back = [e for e in entries if e.device != ref.device
                    and owners.get(e.peer) == ref.device]
            other = back[0].device if back else ref.peer
        a, b = sorted((ref.device, other)) if other in scenario.devices else (ref.device, other)
        pair = pairs.get((a, b))
        if pair is None:
            pair = pairs[(a, b)] = Pair(a, b, None, None)
            pair.a_addresses = device_addresses(scenario, a)
            pair.b_addresses = device_addresses(scenario, b) or {b}
        if ref.device == a and pair.a_entry is None:
            pair.a_entry = ref
        elif ref.device == b and pair.b_entry is None:
            pair.b_entry = ref
        if ref.acl is None:          # a protected tunnel: whatever is routed into it
            pair.protected.append((0, 0, 0, 0))
        for e in _permits(scenario, ref):
            pair.protected.append((e.src & ~e.src_wildcard & 0xFFFFFFFF,
                                   ~e.src_wildcard & 0xFFFFFFFF,
                                   e.dst & ~e.dst_wildcard & 0xFFFFFFFF,
                                   ~e.dst_wildcard & 0xFFFFFFFF))
    for ref in dynamic:              # a hub's dynamic entry answers every spoke pointing at it
        for pair in pairs.values():
            if ref.device in (pair.a, pair.b) and pair.entry(ref.device) is None:
                other = pair.entry(pair.other(ref.device))
                filled = replace(ref, peer=other.local if other is not None else "")
                if ref.device == pair.a:
                    pair.a_entry = filled
                else:
                    pair.b_entry = filled
    for pair in pairs.values():     # a wrong peer address belongs to the pair too
        for ref in (pair.a_entry, pair.b_entry):
            if ref is not None:
                pair.side_addresses(pair.other(ref.device)).add(ref.peer)
    return [pairs[k] for k in sorted(pairs)]


# -- the run, scoped to a pair -------------------------------------------------------------------
def ike_event(e: SimEvent) -> str:
    return str(e.fields.get("event", "")) if e.kind == "ike" else ""


def pair_events(pair: Pair, events: list[SimEvent]) -> list[SimEvent]:
    """The pair's IKE and ESP events, the reloads of its routers, and every drop of a packet
    between its addresses or of the traffic it protects."""
    out = []
    everything = pair.a_addresses | pair.b_addresses
    for e in events:
        if e.kind in ("ike", "esp") and e.device in (pair.a, pair.b):
            peer = e.fields.get("peer")
            if peer is None or ip(peer) in pair.side_addresses(pair.other(e.device)):
                out.append(e)
        elif e.kind == "drop":
            src, dst = str(e.fields.get("src")), str(e.fields.get("dst"))
            if {src, dst} <= everything or _protected(pair, src, dst):
                out.append(e)
        elif e.kind == "link" or (e.kind == "reload" and e.device in (pair.a, pair.b)):
            out.append(e)
    return out


def _protected(pair: Pair, src: str, dst: str) -> bool:
    try:
        return pair.protects(src, dst) or pair.protects(dst, src)
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Ping:
    device: str
    target: str
    marks: str
    time: float

    @property
    def ok(self) -> bool:
        """The pings succeed once the tunnel is up: at least one reply, and every echo after
        the first reply answered (the first echoes are lost while IKE negotiates)."""
        return "!" in self.marks and set(self.marks[self.marks.index("!"):]) == {"!"}

    def __str__(self) -> str:
        return f"{self.device} -> {self.target}: {self.marks or '(no echo sent)'}"


def pings(scenario: Scenario, events: list[SimEvent], pair: Pair) -> list[Ping]:
    """The pings of the run whose echoes the pair's crypto ACLs protect."""
    out = []
    for e in events:
        if e.kind != "console" or "command" not in e.fields:
            continue
        m = PING.match(str(e.fields["command"]))
        if not m:
            continue
        sources = device_addresses(scenario, e.device)
        target = m.group(1)
        if not any(_protected(pair, src, target) for src in sources):
            continue
        marks = "".join(s for s in e.fields.get("output", [])
                        if s and set(s) <= MARKS)
        out.append(Ping(e.device, target, marks, float(e.fields.get("started", e.time))))
    return out
