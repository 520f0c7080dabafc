"""Candidate repairs for a cause, smallest and most specific first. Each is what an engineer
would type in configuration mode (or, for a lossy or flapping link, a change to the lab). None
is trusted: :mod:`ikesim.explain.prove` re-runs the scenario with it and keeps it only when the
tunnel then works.

Numbered ACL lines carry IOS's implicit sequence numbers 10, 20, … (``show access-lists``), so a
permit can be inserted before the line that denied (``ip access-list extended 110`` /
`` 5 permit …``, IOS 12.3(2)T and later).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from ikesim.explain import auth, natdpd
from ikesim.explain.ike import config, policy_value
from ikesim.explain.model import Cause, ConfigChange, LinkChange, Repair
from ikesim.ike.policy import IsakmpPolicy
from ikesim.ios.running_config import format_acl_entry
from ikesim.scenario.model import Scenario

PROTOCOL_WORDS = {1: "icmp", 6: "tcp", 17: "udp", 50: "esp", 51: "ahp"}
POLICY_ATTRIBUTES = ("encryption", "hash", "auth", "group")
DEFAULT_POLICY = IsakmpPolicy(priority=0)


def _config(device: str, *lines: str) -> ConfigChange:
    return ConfigChange(device, tuple(lines))


def _wildcard(network: ipaddress.IPv4Network) -> str:
    if network.prefixlen == 32:
        return f"host {network.network_address}"
    return f"{network.network_address} {network.hostmask}"


# -- routes ------------------------------------------------------------------------------------
def _next_hops(scenario: Scenario, device: str, dst: str) -> list[str]:
    """Addresses of the routers next to ``device``, the one towards ``dst``'s owner first."""
    import networkx as nx  # only when a fix is searched: `ikesim run` need not load it

    graph = nx.Graph()
    hops: dict[str, str] = {}
    owner = None
    for spec in scenario.devices.values():
        for iface in spec.config.interfaces.values():
            if iface.address is not None and str(iface.address.ip) == dst:
                owner = spec.name
    for link in scenario.links:
        graph.add_edge(link.a[0], link.b[0])
        for (dev, ifname), (far, far_if) in ((link.a, link.b), (link.b, link.a)):
            far_spec, my_if = scenario.devices[far], scenario.devices[dev].config.interfaces
            far_cfg = far_spec.config.interfaces[far_if]
            if dev == device and far_spec.kind == "router" and far_cfg.address is not None \
                    and not my_if[ifname].shutdown:
                hops[far] = str(far_cfg.address.ip)
    order = sorted(hops)
    if owner is not None and owner in graph and device in graph and nx.has_path(graph, device,
                                                                                owner):
        path = nx.shortest_path(graph, device, owner)
        if len(path) > 1 and path[1] in hops:
            order = [path[1]]
    return [hops[n] for n in order]


def _owner_network(scenario: Scenario, address: str) -> ipaddress.IPv4Network | None:
    for spec in scenario.devices.values():
        for iface in spec.config.interfaces.values():
            if iface.address is not None and str(iface.address.ip) == address:
                return iface.address.network
    return None


def routes(scenario: Scenario, cause: Cause) -> list[Repair]:
    device, dst = cause.device, str(cause.facts["dst"])
    prefixes = [ipaddress.IPv4Network(f"{dst}/32")]
    subnet = _owner_network(scenario, dst)
    if subnet is not None and subnet.prefixlen < 32:
        prefixes.append(subnet)
    prefixes.append(ipaddress.IPv4Network("0.0.0.0/0"))
    out = []
    stale = []
    gateway = cause.facts.get("gateway")
    if gateway:         # a route through a neighbour that does not answer: replace it
        cfg = config(scenario, device)
        for r in cfg.static_routes if cfg is not None else []:
            if r.next_hop is not None and str(r.next_hop) == gateway and \
                    ipaddress.IPv4Address(dst) in r.prefix:
                stale.append(f"no ip route {r.prefix.network_address} {r.prefix.netmask} "
                             f"{r.next_hop}")
    for hop in _next_hops(scenario, device, dst):
        if hop == gateway:
            continue
        for prefix in prefixes:
            line = f"ip route {prefix.network_address} {prefix.netmask} {hop}"
            out.append(Repair((_config(device, *stale, line),),
                              f"a route on {device} to {prefix} via {hop}"))
    return out


# -- access lists ------------------------------------------------------------------------------
def acl_permits(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    device, name, kind = cause.device, str(f.get("acl")), f.get("acl_kind") or "extended"
    cfg = config(scenario, device)
    acl = cfg.acls.get(name) if cfg is not None else None
    if acl is None:
        return []
    index = f.get("entry_index")
    seq = (index + 1) * 10 if index is not None else (len(acl.entries) + 1) * 10
    proto = PROTOCOL_WORDS.get(int(f.get("protocol") or 0), str(f.get("protocol")))
    if kind == "standard":
        flow = f"host {f['src']}"
    else:
        flow = f"{proto} host {f['src']} host {f['dst']}"
        if proto in ("udp", "tcp") and f.get("dport"):
            flow += f" eq {f['dport']}"
    mode = f"ip access-list {kind} {name}"
    out = [Repair((_config(device, mode, f" {seq - 5} permit {flow}"),),
                  f"let the flow through access list {name} on {device}")]
    if index is not None:
        entry = acl.entries[index]
        same = format_acl_entry(entry, kind).split(" ", 1)[1]
        out.append(Repair((_config(device, mode, f" no {seq}", f" {seq} permit {same}"),),
                          f"turn line {seq} of access list {name} on {device} into a permit"))
    return out


def interface_up(scenario: Scenario, cause: Cause) -> list[Repair]:
    device, iface = cause.facts["owner"], cause.facts["interface"]
    return [Repair((_config(device, f"interface {iface}", " no shutdown"),),
                   f"bring {device} {iface} up")]


def peer_address(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    return [Repair((_config(cause.device, f"crypto map {f['map']} {f['sequence']} ipsec-isakmp",
                            f" no set peer {f['wrong']}", f" set peer {f['right']}"),),
                   f"point {cause.device}'s crypto map at {f['right']}")]


def link_repair(scenario: Scenario, cause: Cause) -> list[Repair]:
    link = cause.facts.get("link")
    if not link:
        return []
    if cause.kind == "loss":
        return [Repair((LinkChange(link, no_loss=True),), f"repair link {link}")]
    return [Repair((LinkChange(link, stays_up=True),), f"keep link {link} up")]


# -- IKE ---------------------------------------------------------------------------------------
def _attribute_line(policy: IsakmpPolicy, attribute: str) -> str:
    word = {"encryption": "encr", "hash": "hash", "auth": "authentication", "group": "group",
            "lifetime": "lifetime"}[attribute]
    return f" {word} {policy_value(policy, attribute)}"


def _align(device: str, target: IsakmpPolicy, model: IsakmpPolicy) -> Repair | None:
    lines = [_attribute_line(model, a) for a in POLICY_ATTRIBUTES
             if policy_value(target, a) != policy_value(model, a)]
    if not lines:
        return None
    return Repair((_config(device, f"crypto isakmp policy {target.priority}", *lines),),
                  f"{device}'s policy {target.priority} like the peer's policy {model.priority}")


def isakmp_policies(scenario: Scenario, cause: Cause) -> list[Repair]:
    responder, initiator = cause.facts["responder"], cause.facts["initiator"]
    r_cfg, i_cfg = config(scenario, responder), config(scenario, initiator)
    if r_cfg is None or i_cfg is None:
        return []
    ranked: list[tuple[int, int, int, int, Repair]] = []
    for ti, offered in enumerate(i_cfg.crypto.policies_in_order()):
        for pi, local in enumerate(r_cfg.crypto.policies_in_order()):
            for side, (target, model, device) in enumerate(((local, offered, responder),
                                                            (offered, local, initiator))):
                repair = _align(device, target, model)
                if repair is not None:
                    ranked.append((repair.size, side, ti, pi, repair))
    return [r for *_, r in sorted(ranked, key=lambda x: x[:4])][:4]


def keys(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    if cause.kind == "no-psk":
        key = f.get("partner_key") or "ikesim-lab-key"
        changes: list[ConfigChange] = [_config(cause.device,
                                               f"crypto isakmp key {key} address {f['peer']}")]
        if not f.get("partner_key") and f.get("local"):
            changes.append(_config(f["partner"], f"crypto isakmp key {key} address "
                                                 f"{f['local']}"))
        return [Repair(tuple(changes), f"give {cause.device} the key its peer uses")]
    return [Repair((_config(f["device"], f"crypto isakmp key {f['partner_key']} address "
                                         f"{f['partner_address']}"),),
                   f"give {f['device']} {f['partner']}'s key"),
            Repair((_config(f["partner"], f"crypto isakmp key {f['key']} address "
                                          f"{f['device_address']}"),),
                   f"give {f['partner']} {f['device']}'s key")]


def transform_sets(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    offered, local = f.get("offered") or {}, f.get("local") or {}
    out = []
    if offered and local:
        (mine, _), (theirs, theirs_t) = next(iter(local.items())), next(iter(offered.items()))
        out.append(Repair((_config(f["responder"], f"crypto ipsec transform-set {mine} "
                                                   f"{theirs_t}"),),
                          f"{f['responder']}'s transform set {mine} like {f['initiator']}'s"))
        out.append(Repair((_config(f["initiator"], f"crypto ipsec transform-set {theirs} "
                                                   f"{local[mine]}"),),
                          f"{f['initiator']}'s transform set {theirs} like {f['responder']}'s"))
    return out


def pfs(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    out = []
    imap, rmap = f.get("initiator_map"), f.get("responder_map")
    if imap and f.get("required_group"):
        out.append(Repair((_config(f["initiator"], f"crypto map {imap[0]} {imap[1]} "
                                   "ipsec-isakmp", f" set pfs group{f['required_group']}"),),
                          f"{f['initiator']} asks for the PFS group {f['responder']} requires"))
    if rmap:
        line = f" set pfs group{f['offered_group']}" if f.get("offered_group") else \
            " no set pfs"
        out.append(Repair((_config(f["responder"], f"crypto map {rmap[0]} {rmap[1]} "
                                   "ipsec-isakmp", line),),
                          f"{f['responder']} accepts what {f['initiator']} offers"))
    return out


def proxies(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    name, kind = f.get("acl"), f.get("acl_kind")
    if not name or kind != "extended":
        return []
    local, remote = ipaddress.IPv4Network(f["local"]), ipaddress.IPv4Network(f["remote"])
    entry = f"permit ip {_wildcard(local)} {_wildcard(remote)}"
    lines = (f"access-list {name} {entry}",) if str(name).isdigit() else \
        (f"ip access-list extended {name}", f" {entry}")
    return [Repair((_config(f["responder"], *lines),),
                   f"{f['responder']}'s crypto ACL {name} mirrors {f['initiator']}'s")]


def lifetimes(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    configured = int(f["configured"])
    line = " no lifetime" if configured == DEFAULT_POLICY.lifetime else \
        f" lifetime {configured}"
    return [Repair((_config(f["initiator"], f"crypto isakmp policy {f['initiator_priority']}",
                            line),), f"{f['initiator']} uses {f['responder']}'s lifetime"),
            Repair((_config(f["responder"], f"crypto isakmp policy {f['responder_priority']}",
                            f" lifetime {f['offered']}"),),
                   f"{f['responder']} uses {f['initiator']}'s lifetime")]


def preferred_policy(scenario: Scenario, cause: Cause) -> list[Repair]:
    f = cause.facts
    r_cfg, i_cfg = config(scenario, f["responder"]), config(scenario, f["initiator"])
    if r_cfg is None or i_cfg is None:
        return []
    preferred = i_cfg.crypto.policies.get(int(f["preferred_priority"]))
    if preferred is None:
        return []
    taken = set(r_cfg.crypto.policies)
    number = preferred.priority if preferred.priority not in taken else \
        next(n for n in range(1, 10001) if n not in taken)
    lines = [_attribute_line(preferred, a) for a in (*POLICY_ATTRIBUTES, "lifetime")
             if policy_value(preferred, a) != policy_value(DEFAULT_POLICY, a)]
    return [Repair((_config(f["responder"], f"crypto isakmp policy {number}", *lines),),
                   f"{f['responder']} gets a policy matching {f['initiator']}'s preferred one")]


GENERATORS: dict[str, Callable[[Scenario, Cause], list[Repair]]] = {
    "no-route": routes, "acl": acl_permits, "interface-shutdown": interface_up,
    "wrong-peer": peer_address, "loss": link_repair, "link-down": link_repair,
    "isakmp-policy": isakmp_policies, "no-psk": keys, "psk-mismatch": keys,
    "transform-set": transform_sets, "pfs": pfs, "proxy-ids": proxies, "lifetime": lifetimes,
    "weaker-policy": preferred_policy,
    **auth.GENERATORS,          # aggressive mode and certificates (ikesim.explain.auth)
    **natdpd.REPAIRS,        # NAT traversal and dead peer detection (ikesim.explain.natdpd)
}


def candidates(scenario: Scenario, cause: Cause) -> list[Repair]:
    generator = GENERATORS.get(cause.kind)
    return generator(scenario, cause) if generator is not None else []
