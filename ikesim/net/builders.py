"""Build :class:`DeviceConfig` objects from short strings (tests, benches, generated labs),
and the seed's five-device topology PC1–RT1–ISP–RT2–PC2."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

from ikesim.net.acl import Acl
from ikesim.net.config import DeviceConfig, InterfaceConfig, StaticRoute
from ikesim.net.events import EventLog
from ikesim.net.lab import Lab


def static_route(spec: str) -> StaticRoute:
    """``"PREFIX/LEN [NEXTHOP] [INTERFACE] [DISTANCE]"`` in any order after the prefix."""
    words = spec.split()
    route = StaticRoute(prefix=ipaddress.IPv4Network(words[0]))
    for word in words[1:]:
        if word.isdigit():
            route.distance = int(word)
            continue
        try:
            route.next_hop = ipaddress.IPv4Address(word)
        except ValueError:
            route.interface = word
    return route


def make_config(
    hostname: str,
    interfaces: Mapping[str, str | None],
    *,
    routes: Iterable[str] = (),
    gateway: str | None = None,
    shutdown: Iterable[str] = (),
    acls: Iterable[Acl] = (),
    acl_in: Mapping[str, str] | None = None,
    acl_out: Mapping[str, str] | None = None,
) -> DeviceConfig:
    """A configuration: ``interfaces`` maps names to ``"A.B.C.D/LEN"`` (or None)."""
    down = set(shutdown)
    config = DeviceConfig(hostname=hostname)
    for name, address in interfaces.items():
        config.interfaces[name] = InterfaceConfig(
            name=name,
            address=ipaddress.IPv4Interface(address) if address else None,
            shutdown=name in down,
            acl_in=(acl_in or {}).get(name),
            acl_out=(acl_out or {}).get(name),
        )
    config.static_routes = [static_route(r) for r in routes]
    config.acls = {acl.name: acl for acl in acls}
    config.default_gateway = ipaddress.IPv4Address(gateway) if gateway else None
    return config


FA0, FA1 = "FastEthernet0/0", "FastEthernet1/0"


def seed_configs(*, rt2_default: bool = True, isp_routes: bool = False) -> dict[str, DeviceConfig]:
    """The seed's addressing (PC1 and PC2 as hosts; RT2 without its default route when
    ``rt2_default`` is False, which is the seed's fault). The seed's ISP only knows its
    connected networks (the LANs talk through the VPN); ``isp_routes`` gives it static routes
    to both LANs so that plain, unencrypted traffic can cross it."""
    isp = ["172.16.1.0/24 10.10.10.2", "172.16.2.0/24 11.11.11.2"] if isp_routes else []
    return {
        "PC1": make_config("PC1", {FA0: "172.16.1.2/24"}, gateway="172.16.1.1"),
        "RT1": make_config(
            "RT1", {FA0: "172.16.1.1/24", FA1: "10.10.10.2/24"}, routes=["0.0.0.0/0 10.10.10.1"]
        ),
        "ISP": make_config("ISP", {FA0: "10.10.10.1/24", FA1: "11.11.11.1/24"}, routes=isp),
        "RT2": make_config(
            "RT2",
            {FA0: "172.16.2.1/24", FA1: "11.11.11.2/24"},
            routes=["0.0.0.0/0 11.11.11.1"] if rt2_default else [],
        ),
        "PC2": make_config("PC2", {FA0: "172.16.2.2/24"}, gateway="172.16.2.1"),
    }


def seed_lab(
    seed: int = 0,
    *,
    rt2_default: bool = True,
    isp_routes: bool = False,
    delay: float = 0.001,
    events: EventLog | None = None,
    configs: dict[str, DeviceConfig] | None = None,
) -> Lab:
    """PC1 — RT1 — ISP — RT2 — PC2, every link ``delay`` seconds one way; links are named
    PC1-RT1, RT1-ISP, ISP-RT2 and RT2-PC2."""
    configs = configs or seed_configs(rt2_default=rt2_default, isp_routes=isp_routes)
    lab = Lab(seed, events)
    lab.add_host(configs["PC1"])
    for name in ("RT1", "ISP", "RT2"):
        lab.add_router(configs[name])
    lab.add_host(configs["PC2"])
    lab.connect("PC1", FA0, "RT1", FA0, delay=delay, name="PC1-RT1")
    lab.connect("RT1", FA1, "ISP", FA0, delay=delay, name="RT1-ISP")
    lab.connect("ISP", FA1, "RT2", FA1, delay=delay, name="ISP-RT2")
    lab.connect("RT2", FA0, "PC2", FA0, delay=delay, name="RT2-PC2")
    return lab
