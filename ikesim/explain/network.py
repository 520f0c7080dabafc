"""Causes found in the network's drop records: a packet of the pair (an ISAKMP datagram, an ESP
packet, protected traffic) discarded somewhere, and why — with the configuration fact behind the
reason (the ACL line that matched, the interface that is shut down, the link that went down)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ikesim.explain.model import Cause, Evidence
from ikesim.explain.pairs import Pair
from ikesim.net.addr import ip_to_int
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario
from ikesim.teach import facts

SUMMARY_PORTS = re.compile(r"^UDP \S+?:(\d+) > \S+?:(\d+)")
# the first packets while IKE negotiates: IOS drops them (a crypto map, a protected tunnel)
IGNORED = ("crypto-no-ipsec-sa", "tunnel-no-ipsec-sa")
WHAT = {17: "UDP", 1: "ICMP", 50: "ESP", 47: "GRE", 89: "OSPF", 6: "TCP"}


def _what(e: SimEvent) -> str:
    proto = int(e.fields.get("protocol") or 0)
    summary = str(e.fields.get("summary") or "")
    if proto == 17 and ":500 " in summary + " ":
        return "ISAKMP datagram"
    if proto == 17 and ":4500 " in summary + " ":
        return "NAT-T datagram"
    return f"{WHAT.get(proto, f'IP protocol {proto}')} packet"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "AEIOU" else "a ") + noun


def _evidence(group: list[SimEvent]) -> Evidence:
    first, last = group[0], group[-1]
    f = first.fields
    text = (f"{first.device} discarded {_what(first)} {f.get('src')} > {f.get('dst')}"
            f"{' on ' + str(f.get('interface')) if f.get('interface') else ''}: "
            f"{f.get('reason')}")
    if f.get("acl"):
        text += f" (access list {f['acl']})"
    if f.get("gateway"):
        text += f" (nobody answers ARP for {f['gateway']})"
    if len(group) > 1:
        text += f", {len(group)} times until {last.time:.3f}s"
    return Evidence(first.time, first.device, text)


def _owner_interface(scenario: Scenario, address: str) -> tuple[str, str, bool] | None:
    """(device, interface, shut down) of the interface that has ``address``."""
    for spec in scenario.devices.values():
        for name, iface in spec.config.interfaces.items():
            if iface.address is not None and str(iface.address.ip) == address:
                return spec.name, name, iface.shutdown
    return None


def _link_of(scenario: Scenario, device: str, interface: str | None) -> str | None:
    for link in scenario.links:
        if (device, interface) in (link.a, link.b):
            return link.name
    return None


def _acl_match(scenario: Scenario, e: SimEvent) -> dict[str, Any]:
    """The ACL line that denied the packet (the first entry matching its header)."""
    f = e.fields
    acl = scenario.devices[e.device].config.acls.get(str(f.get("acl")))
    out: dict[str, Any] = {"acl": f.get("acl"), "interface": f.get("interface"),
                           "direction": "in" if f.get("reason") == "acl-in" else "out",
                           "protocol": int(f.get("protocol") or 0), "src": f.get("src"),
                           "dst": f.get("dst"), "sport": None, "dport": None}
    m = SUMMARY_PORTS.match(str(f.get("summary") or ""))
    if m:
        out["sport"], out["dport"] = int(m.group(1)), int(m.group(2))
    if acl is None:
        return out
    src, dst = ip_to_int(str(f.get("src"))), ip_to_int(str(f.get("dst")))
    for index, entry in enumerate(acl.entries):
        if entry.matches(src, dst, out["protocol"], out["sport"], out["dport"]):
            out["entry_index"], out["entry"] = index, entry.text.strip()
            out["acl_kind"] = acl.kind
            break
    else:
        out["entry_index"], out["entry"], out["acl_kind"] = None, "implicit deny", acl.kind
    return out


def drop_causes(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> list[Cause]:
    """One cause per (device, reason, destination) group of drops, first drop first."""
    groups: dict[tuple[str, str, str], list[SimEvent]] = defaultdict(list)
    for e in events:
        if e.kind == "drop" and e.fields.get("reason") not in IGNORED:
            groups[(e.device, str(e.fields.get("reason")), str(e.fields.get("dst")))].append(e)
    owners = facts.addresses(scenario)
    link_events = [e for e in events if e.kind == "link"]
    out = []
    for (device, reason, dst), group in groups.items():
        first = group[0]
        evidence = [_evidence(group)]
        base = {"device": device, "reason": reason, "dst": dst,
                "src": first.fields.get("src"), "protocol": first.fields.get("protocol"),
                "count": len(group), "what": _what(first)}
        cause = _classify(scenario, pair, first, base, owners, link_events, evidence)
        out.append(cause)
    return out


def _classify(scenario: Scenario, pair: Pair, first: SimEvent, base: dict[str, Any],
              owners: dict[str, str], link_events: list[SimEvent],
              evidence: list[Evidence]) -> Cause:
    device, reason, dst = base["device"], base["reason"], base["dst"]
    what = base["what"]
    owner = _owner_interface(scenario, dst)
    t = first.time
    if reason in ("no-route", "arp", "interface-down") and owner is not None and owner[2]:
        dev, iface, _ = owner
        evidence.append(Evidence(t, dev, f"{dev} {iface} ({dst}) is administratively down "
                                 f"(shutdown in its configuration)"))
        return Cause("interface-shutdown", dev, f"{dev} {iface}, which has {dst}, is shut "
                     f"down: {device} cannot deliver the {what}s to it", t, evidence,
                     {**base, "owner": dev, "interface": iface})
    if reason in ("no-route", "arp") and owner is None and dst in pair.a_addresses | \
            pair.b_addresses:
        sender = next((r.device for r in (pair.a_entry, pair.b_entry)
                       if r is not None and r.peer == dst), device)
        ref = pair.entry(sender)
        partner = pair.other(sender)
        partner_ref = pair.entry(partner)
        if partner_ref is not None and ref is not None:
            evidence.append(Evidence(t, sender, f"{sender}'s crypto map {ref.map_name} "
                                     f"{ref.sequence} sets peer {dst}, which no device has; "
                                     f"{partner}'s crypto map points back at {sender} from "
                                     f"{partner_ref.local}"))
            return Cause("wrong-peer", sender, f"{sender} sends IKE to {dst}, an address no "
                         f"device has; its peer {partner} is {partner_ref.local}", t, evidence,
                         {**base, "sender": sender, "wrong": dst, "right": partner_ref.local,
                          "map": ref.map_name, "sequence": ref.sequence})
        return Cause("unreachable-peer", sender, f"{sender}'s peer {dst} is no device of the "
                     f"lab", t, evidence, base)
    if reason == "no-route":
        where = f"{device} has no route to {dst}"
        return Cause("no-route", device, f"{where}: its {what}s to {dst} never leave it"
                     if first.fields.get("interface") is None else
                     f"{where}: it discards the {what}s it should forward", t, evidence, base)
    if reason == "arp":
        return Cause("no-route", device, f"{device} forwards to {first.fields.get('gateway')}, "
                     f"which does not answer: the {what}s to {dst} are lost", t, evidence,
                     {**base, "gateway": first.fields.get("gateway")})
    if reason in ("acl-in", "acl-out"):
        match = _acl_match(scenario, first)
        evidence.append(Evidence(t, device, f"access list {match['acl']} ("
                                 f"{match['direction']} on {match['interface']}): the first "
                                 f"matching line is '{match['entry']}'"))
        return Cause("acl", device, f"access list {match['acl']} on {device} "
                     f"{match['interface']} ({match['direction']}) denies the {what}s "
                     f"{base['src']} > {dst}", t, evidence, {**base, **match})
    if reason == "loss":
        link = _link_of(scenario, device, first.fields.get("interface"))
        spec = next((lk for lk in scenario.links if lk.name == link), None)
        loss = spec.loss if spec is not None else 0.0
        return Cause("loss", device, f"link {link} loses {loss:.0%} of its packets: "
                     f"{_a(what)} {base['src']} > {dst} was lost", t, evidence,
                     {**base, "link": link, "loss": loss})
    if reason in ("link-down", "interface-down"):
        link = _link_of(scenario, device, first.fields.get("interface"))
        downs = [e for e in link_events if e.fields.get("name") == link]
        for e in downs:
            evidence.append(Evidence(e.time, "", f"link {link} "
                                     f"{'up' if e.fields.get('up') else 'down'}"))
        return Cause("link-down", device, f"link {link} was down: {_a(what)} "
                     f"{base['src']} > {dst} could not cross it", t, evidence, {**base, "link": link})
    if reason in ("port-unreachable", "protocol-unreachable"):
        return Cause("not-ipsec-peer", device, f"{device} does not run IPsec: it refuses the "
                     f"{what}s from {base['src']}", t, evidence, base)
    if reason.startswith("esp-"):
        return Cause("esp", device, f"{device} rejects ESP from {base['src']}: {reason}", t,
                     evidence, base)
    return Cause("dropped", device, f"{device} discards the {what}s {base['src']} > {dst}: "
                 f"{reason}", t, evidence, base)
