"""NAT traversal and dead peer detection in explanations.

- Peers seen through a NAT router: a crypto router whose map-interface address a NAT router
  translates owns the global address its peer names (``nat_owners``, used by ``pairs``).
- Causes of the NAT-T and DPD faults (``causes``) and their repairs (``REPAIRS``): NAT-T turned
  off with a NAT in the path ("nat-t-off"), a PAT mapping that expired for want of NAT
  keepalives ("nat-keepalive"), traffic translated before the crypto map saw it
  ("nat-exemption"), a rebooted peer whose stale SAs nobody cleared ("no-dpd").
- What a reload explains (``unexplained``): drops while a router of the pair is off, and the
  invalid-SPI drops of a rebooted router until dead peer detection cleared the stale SAs, are
  the scenario's doing, not a fault.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from ikesim.explain.model import Cause, ConfigChange, Evidence, Repair
from ikesim.explain.pairs import Pair, ike_event, map_entries
from ikesim.net.acl import PROTO_UDP
from ikesim.net.config import DeviceConfig
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario

KINDS = ("nat-t-off", "nat-keepalive", "nat-exemption", "no-dpd")
# more specific than the drops they explain (analyse.RANK)
RANK = {"nat-t-off": 0, "nat-keepalive": 0, "nat-exemption": 0, "no-dpd": 0}
NAT_KEEPALIVE = 20           # seconds: the keepalive suggested (below any sensible UDP timeout)
DPD_KEEPALIVE = "crypto isakmp keepalive 10 2"


def _ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _crypto_interfaces(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(router, local address, peer) of every crypto map entry with a peer and of every
    protected tunnel (its source address and destination)."""
    return [(e.device, e.local, e.peer) for e in map_entries(scenario) if e.peer and e.local]


def _translates(config: DeviceConfig, rule: Any, src: int, dst: int) -> bool:
    """Whether NAT ``rule`` of ``config`` takes IKE from ``src`` to ``dst``."""
    args = (src, dst, PROTO_UDP, 500, 500, None)
    if rule.kind == "list":
        acl = config.acls.get(rule.match or "")
        return acl is not None and acl.permits(*args)
    if rule.kind == "route-map":
        for entry in sorted(config.route_maps.get(rule.match or "", ()),
                            key=lambda e: e.sequence):
            acls = [config.acls.get(name) for name in entry.match_acls]
            if not entry.match_acls or any(a is not None and a.permits(*args) for a in acls):
                return entry.action == "permit"
    return False


def _global_address(config: DeviceConfig, rule: Any) -> str | None:
    if rule.kind == "static":
        return str(rule.global_) if rule.global_ is not None else None
    if rule.interface is not None:
        iface = config.interfaces.get(rule.interface)
        return str(iface.address.ip) if iface is not None and iface.address else None
    pool = config.nat_pools.get(rule.pool or "")
    return str(pool.start) if pool is not None else None


def nat_owners(scenario: Scenario) -> dict[str, str]:
    """Global address -> crypto router behind the NAT router that translates it there."""
    owners: dict[str, str] = {}
    crypto = _crypto_interfaces(scenario)
    for spec in scenario.routers:
        config = spec.config
        for rule in config.nat_rules:
            for router, local, peer in crypto:
                if router == spec.name:
                    continue
                if rule.kind == "static":
                    hit = rule.local is not None and str(rule.local) == local
                else:
                    hit = _translates(config, rule, _ip(local), _ip(peer))
                address = _global_address(config, rule) if hit else None
                if address is not None:
                    owners.setdefault(address, router)
    return owners


def nat_devices(scenario: Scenario) -> dict[str, str]:
    """Global address -> the NAT router that owns it (for the routers ``nat_owners`` names)."""
    out = {}
    for spec in scenario.routers:
        for rule in spec.config.nat_rules:
            address = _global_address(spec.config, rule)
            if address is not None:
                out[address] = spec.name
    return out


# ---------------------------------------------------------------------- causes
def causes(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> list[Cause]:
    out = []
    for finder in (_natt_off, _nat_keepalive, _nat_exemption, _no_dpd):
        cause = finder(scenario, pair, events)
        if cause is not None:
            out.append(cause)
    return out


def _behind_nat(scenario: Scenario, pair: Pair) -> list[tuple[str, str, str]]:
    """(router behind the NAT, its global address, the NAT router) for this pair."""
    owners, devices = nat_owners(scenario), nat_devices(scenario)
    out = []
    for ref in (pair.a_entry, pair.b_entry):
        if ref is not None and ref.peer in owners and owners[ref.peer] in (pair.a, pair.b):
            out.append((owners[ref.peer], ref.peer, devices.get(ref.peer, "")))
    return out


def _config(scenario: Scenario, device: str) -> DeviceConfig | None:
    spec = scenario.devices.get(device)
    return spec.config if spec is not None else None


def _natt_off(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> Cause | None:
    behind = _behind_nat(scenario, pair)
    if not behind:
        return None
    off = [d for d in (pair.a, pair.b) if (c := _config(scenario, d)) is not None
           and not c.crypto.nat_transparency]
    if not off:
        return None
    inside, address, nat = behind[0]
    esp = [e for e in events if e.kind == "drop" and e.device == nat
           and e.fields.get("protocol") == 50]
    done = [e for e in events if ike_event(e) == "phase1_complete"]
    first = esp[0] if esp else done[0] if done else None
    if first is None:
        return None
    device = off[0]
    evidence = [Evidence(first.time, device, f"{device} has `no crypto ipsec nat-transparency "
                         "udp-encapsulation`: no NAT-T vendor ID, no NAT-D, IKE stays on UDP "
                         "500")]
    if esp:
        evidence.append(Evidence(esp[0].time, nat, f"{nat} discards ESP for {address}, its own "
                                 f"address, {len(esp)} time(s): PAT cannot translate ESP"))
    return Cause("nat-t-off", device, f"{inside} is behind {nat} ({address}) and NAT-T is off on "
                 f"{device}: the tunnel's ESP cannot cross the PAT", first.time, evidence,
                 {"device": device, "nat": nat, "global": address, "inside": inside})


def _nat_keepalive(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> Cause | None:
    for inside, address, nat in _behind_nat(scenario, pair):
        config = _config(scenario, inside)
        if config is None or config.crypto.nat_keepalive:
            continue
        lost = [e for e in events if e.kind == "drop" and e.device == nat
                and e.fields.get("protocol") == 17 and str(e.fields.get("dst")) == address
                and e.fields.get("dport") == 4500]
        if not lost:
            continue
        nat_config = _config(scenario, nat)
        timeout = (nat_config.nat_timeouts.get("udp-timeout", 300) if nat_config is not None
                   else 300)
        e = lost[0]
        evidence = [Evidence(e.time, nat, f"{nat} has no translation left for UDP 4500 to "
                             f"{address}: it discards {len(lost)} datagram(s) from "
                             f"{e.fields.get('src')}"),
                    Evidence(e.time, inside, f"{inside} sends no NAT keepalives (`crypto isakmp "
                             f"nat keepalive`); {nat} forgets idle UDP translations after "
                             f"{timeout} s")]
        return Cause("nat-keepalive", inside, f"{nat}'s UDP 4500 mapping for {inside} expired "
                     f"while the tunnel was idle: nothing kept it alive", e.time, evidence,
                     {"device": inside, "nat": nat, "global": address, "udp_timeout": timeout})
    return None


def _nat_exemption(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> Cause | None:
    """The crypto router translates, on its crypto-map interface, traffic its crypto ACL
    protects (IOS translates before the crypto map looks)."""
    for ref in (pair.a_entry, pair.b_entry):
        config = _config(scenario, ref.device) if ref is not None else None
        if ref is None or config is None or config.interfaces[ref.interface].nat != "outside":
            continue
        acl = config.acls.get(ref.acl or "")
        flows = [e for e in (acl.entries if acl is not None else []) if e.action == "permit"]
        for rule in config.nat_rules:
            if rule.kind != "list" or (rule.interface not in (None, ref.interface)):
                continue
            nat_acl = config.acls.get(rule.match or "")
            for flow in flows:
                src, dst = flow.src & ~flow.src_wildcard, flow.dst & ~flow.dst_wildcard
                if nat_acl is None or not nat_acl.permits(src, dst, 1, None, None, 8):
                    continue
                sent = [e for e in events if e.kind == "console" and e.device != ref.device
                        and str(e.fields.get("command", "")).startswith("ping")]
                t = sent[0].time if sent else 0.0
                local = f"{ipaddress.IPv4Address(src)} {ipaddress.IPv4Address(flow.src_wildcard)}"
                remote = f"{ipaddress.IPv4Address(dst)} {ipaddress.IPv4Address(flow.dst_wildcard)}"
                evidence = [Evidence(t, ref.device, f"NAT access list {rule.match} on "
                                     f"{ref.device} permits {local} -> {remote}, the traffic "
                                     f"crypto ACL {ref.acl} protects: it is translated to "
                                     f"{ref.local} before the crypto map looks")]
                return Cause("nat-exemption", ref.device, f"{ref.device} translates the VPN "
                             f"traffic (NAT access list {rule.match} has no deny for it): it "
                             f"never matches crypto ACL {ref.acl}", t, evidence,
                             {"device": ref.device, "acl": rule.match, "local": local,
                              "remote": remote, "acl_kind": nat_acl.kind})
    return None


def _reloads(events: list[SimEvent]) -> dict[str, list[tuple[float, float]]]:
    """Router -> (down, up) periods of its reloads (up: inf when still off)."""
    out: dict[str, list[tuple[float, float]]] = {}
    for e in events:
        if e.kind != "reload":
            continue
        periods = out.setdefault(e.device, [])
        if e.fields.get("state") == "down":
            periods.append((e.time, float("inf")))
        elif periods:
            periods[-1] = (periods[-1][0], e.time)
    return out


def _no_dpd(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> Cause | None:
    for rebooted, periods in _reloads(events).items():
        if rebooted not in (pair.a, pair.b):
            continue
        survivor = pair.other(rebooted)
        config = _config(scenario, survivor)
        if config is None or config.crypto.keepalive is not None:
            continue
        stale = [e for e in events if e.kind == "drop" and e.device == rebooted
                 and e.fields.get("reason") == "esp-invalid-spi"
                 and e.time >= periods[0][1]]
        if not stale:
            continue
        e = stale[0]
        evidence = [Evidence(periods[0][0], rebooted, f"{rebooted} reloaded: its SAs are gone"),
                    Evidence(e.time, rebooted, f"{rebooted} discards {len(stale)} ESP packet(s)"
                             f" from {e.fields.get('src')} with an SPI it no longer knows"),
                    Evidence(e.time, survivor, f"{survivor} has no `crypto isakmp keepalive`: "
                             "it keeps its stale SAs until their lifetimes end")]
        return Cause("no-dpd", survivor, f"{rebooted} rebooted and {survivor}, without dead "
                     f"peer detection, keeps sending into SAs {rebooted} forgot", e.time,
                     evidence, {"device": survivor, "rebooted": rebooted})
    return None


def unexplained(pair: Pair, events: list[SimEvent], drops: list[Cause]) -> list[Cause]:
    """``drops`` without those a reload explains: drops while a router of the pair was off (or
    on the way to it), and a rebooted router's invalid-SPI drops until its peer's dead peer
    detection deleted the stale SAs."""
    periods = {d: p for d, p in _reloads(events).items() if d in (pair.a, pair.b)}
    if not periods:
        return drops
    cleared = {pair.other(d): min((e.time for e in events if e.device == pair.other(d)
                                   and ike_event(e) == "dpd_dead"), default=None)
               for d in periods}

    def expected(c: Cause) -> bool:
        for device, spans in periods.items():
            if any(down <= c.time <= up for down, up in spans):
                return True
            dead = cleared.get(pair.other(device))
            if (c.device == device and c.facts.get("reason") == "esp-invalid-spi"
                    and dead is not None and c.time <= dead):
                return True
        return False
    return [c for c in drops if not expected(c)]


# ---------------------------------------------------------------------- repairs
def _change(device: str, *lines: str) -> ConfigChange:
    return ConfigChange(device, tuple(lines))


def _natt_on(scenario: Scenario, cause: Cause) -> list[Repair]:
    return [Repair((_change(cause.device, "crypto ipsec nat-transparency udp-encapsulation"),),
                   f"turn NAT traversal back on at {cause.device}")]


def _keepalives(scenario: Scenario, cause: Cause) -> list[Repair]:
    seconds = min(NAT_KEEPALIVE, max(5, int(cause.facts.get("udp_timeout", 300)) // 2))
    return [Repair((_change(cause.device, f"crypto isakmp nat keepalive {seconds}"),),
                   f"{cause.device} keeps the NAT mapping alive with keepalives every "
                   f"{seconds} s")]


def _exempt(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    if f.get("acl_kind") != "extended":
        return []
    return [Repair((_change(cause.device, f"ip access-list extended {f['acl']}",
                            f" 5 deny ip {f['local']} {f['remote']}"),),
                   f"exempt the VPN traffic from NAT on {cause.device}")]


def _dpd(scenario: Scenario, cause: Cause) -> list[Repair]:
    return [Repair((_change(cause.device, DPD_KEEPALIVE),),
                   f"dead peer detection on {cause.device}")]


REPAIRS: dict[str, Callable[[Scenario, Cause], list[Repair]]] = {
    "nat-t-off": _natt_on, "nat-keepalive": _keepalives, "nat-exemption": _exempt,
    "no-dpd": _dpd}
