"""The lab a set of configurations implies.

* Interfaces of different routers on the same subnet are linked directly.
* An interface that is not linked that way and carries IPsec (a crypto map, or the source of a
  tunnel) while its crypto peers or tunnel destinations sit on other subnets is joined to an
  ISP router; so is a NAT router's `ip nat outside` interface (the sites of a VPN behind NAT:
  its far side is the internet, not a LAN). The ISP takes, on each such subnet, the address the router's static routes use as
  next hop (else the lowest free address) and has connected routes only: a router without a
  route to its peer stays broken, as it would be on a real network.
* Every other addressed interface is a LAN and gets a PC (the lowest free address, the router as
  gateway).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ikesim.labgen.analyse import Router

End = tuple[Router, str]            # (router, canonical interface name)


@dataclass
class Host:
    name: str
    address: ipaddress.IPv4Interface
    gateway: ipaddress.IPv4Address
    router: Router
    interface: str


@dataclass
class Plan:
    routers: list[Router]
    links: list[tuple[End, End]] = field(default_factory=list)
    isp_interfaces: list[tuple[str, ipaddress.IPv4Interface, End]] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    isp_name: str = "ISP"


def _free_address(net: ipaddress.IPv4Network, taken: set[ipaddress.IPv4Address],
                  prefer: list[ipaddress.IPv4Address]) -> ipaddress.IPv4Address | None:
    for addr in prefer:
        if addr in net and addr not in taken and addr not in (net.network_address,
                                                               net.broadcast_address):
            return addr
    if net.prefixlen >= 31:
        hosts = list(net) if net.prefixlen == 31 else []
    else:
        hosts = net.hosts()          # type: ignore[assignment]
    for addr in hosts:
        if addr not in taken:
            return addr
    return None


def _ipsec_interfaces(router: Router) -> set[str]:
    """Interfaces that carry its IKE: crypto map interfaces and tunnel sources."""
    config = router.config
    found = {name for name, iface in config.interfaces.items() if iface.crypto_map}
    for iface in config.interfaces.values():
        source = iface.tunnel.source if iface.tunnel is not None else None
        if source is None:
            continue
        if source in config.interfaces:
            found.add(source)
        else:                        # a dotted source: the interface that owns it
            found |= {n for n, i in config.interfaces.items()
                      if i.address is not None and str(i.address.ip) == source}
    return found


def make_plan(routers: list[Router]) -> Plan:
    plan = Plan(routers=routers)
    taken: set[ipaddress.IPv4Address] = set()
    by_net: dict[ipaddress.IPv4Network, list[End]] = {}
    for router in routers:
        for name, addr in router.physical():
            taken.add(addr.ip)
            by_net.setdefault(addr.network, []).append((router, name))
    linked: set[tuple[str, str]] = set()
    for net, ends in by_net.items():
        owners = {r.name for r, _ in ends}
        if len(ends) >= 2 and len(owners) >= 2:
            first, second = ends[0], next(e for e in ends[1:] if e[0] is not ends[0][0])
            plan.links.append((first, second))
            linked |= {(first[0].name, first[1]), (second[0].name, second[1])}
            if len(ends) > 2:
                plan.notes.append(f"{net}: {len(ends)} interfaces share this subnet; links are "
                                  "point to point, so only the first two are joined")
    names = {r.name for r in routers}
    while plan.isp_name in names:
        plan.isp_name += "-0"
    for router in routers:
        ipsec = _ipsec_interfaces(router)
        gateways = router.gateways()
        for name, addr in router.physical():
            if (router.name, name) in linked:
                continue
            outside = router.config.interfaces[name].nat == "outside"
            if outside or (name in ipsec and any(p not in addr.network
                                                 for p in router.peers())):
                isp_addr = _free_address(addr.network, taken, gateways)
                if isp_addr is None:
                    plan.notes.append(f"{router.name} {name} ({addr}): no free address on the "
                                      "subnet for the ISP; not connected")
                    continue
                taken.add(isp_addr)
                isp_iface = f"GigabitEthernet0/{len(plan.isp_interfaces)}"
                plan.isp_interfaces.append(
                    (isp_iface, ipaddress.IPv4Interface(f"{isp_addr}/{addr.network.prefixlen}"),
                     (router, name)))
                continue
            pc_addr = _free_address(addr.network, taken, [])
            if pc_addr is None or addr.network.prefixlen >= 31:
                plan.notes.append(f"{router.name} {name} ({addr}): no room for a PC")
                continue
            taken.add(pc_addr)
            plan.hosts.append(Host(f"PC{len(plan.hosts) + 1}",
                                   ipaddress.IPv4Interface(f"{pc_addr}/{addr.network.prefixlen}"),
                                   addr.ip, router, name))
    return plan


__all__ = ["Host", "Plan", "make_plan"]
