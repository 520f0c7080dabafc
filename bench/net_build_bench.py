"""Lab build and route lookup at scale (issue 14): a hub router with N spokes, each spoke a
router with a LAN behind it; the hub has one recursive static route per spoke LAN (via the
spoke's address) and every spoke a default route via the hub. Reports the build cost per router
at N = 100 and N = 1,000 and their ratio (linear build: ratio near 1; the acceptance bound is
1.5), and the cost of a longest-prefix lookup in a table of 100 routes vs. 10,000 routes.

    python3 -m bench.net_build_bench [N_SMALL] [N_LARGE]
"""

from __future__ import annotations

import gc
import ipaddress
import random
import statistics
import sys
import time

from ikesim.net.config import DeviceConfig, InterfaceConfig, StaticRoute
from ikesim.net.lab import Lab
from ikesim.net.routing import RoutingTable, StaticSpec


def _iface(name: str, address: str) -> InterfaceConfig:
    return InterfaceConfig(name, ipaddress.IPv4Interface(address))


def hub_configs(n_spokes: int) -> tuple[DeviceConfig, list[tuple[str, DeviceConfig]]]:
    hub = DeviceConfig(hostname="HUB")
    hub.interfaces["FastEthernet0/0"] = _iface("FastEthernet0/0", "192.168.0.1/24")
    spokes = []
    for k in range(n_spokes):
        link = ipaddress.IPv4Address((10 << 24) + 4 * k)
        lan = ipaddress.IPv4Network(f"172.{16 + k // 256}.{k % 256}.0/24")
        name = f"GigabitEthernet1/{k}"
        hub.interfaces[name] = _iface(name, f"{link + 1}/30")
        hub.static_routes.append(StaticRoute(lan, next_hop=link + 2))
        spoke = DeviceConfig(hostname=f"S{k}")
        spoke.interfaces["FastEthernet0/0"] = _iface("FastEthernet0/0", f"{link + 2}/30")
        spoke.interfaces["FastEthernet1/0"] = _iface(
            "FastEthernet1/0", f"{lan.network_address + 1}/24")
        spoke.static_routes.append(StaticRoute(ipaddress.IPv4Network("0.0.0.0/0"),
                                               next_hop=link + 1))
        spokes.append((name, spoke))
    return hub, spokes


def build_hub(hub: DeviceConfig, spokes: list[tuple[str, DeviceConfig]]) -> Lab:
    """The lab from ready-made configurations (what is timed: devices, links, routing)."""
    lab = Lab(0)
    lab.add_router(hub)
    for name, spoke in spokes:
        lab.add_router(spoke)
        lab.connect("HUB", name, spoke.hostname, "FastEthernet0/0")
    return lab


def build_seconds_per_router(configs: tuple, n_spokes: int, batch: int) -> float:
    """Wall seconds per router to build ``batch`` labs of ``n_spokes`` spokes."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(batch):
        lab = build_hub(*configs)
        assert len(lab.devices["HUB"].table) == 2 * n_spokes  # /30s + spoke LANs
    return (time.perf_counter() - start) / (batch * (n_spokes + 1))


def lookup_seconds(n_routes: int, lookups: int = 200_000) -> float:
    """Seconds per lookup in a table of ``n_routes`` /24 … /30 statics plus a default."""
    rng = random.Random(n_routes)
    statics = [StaticSpec(rng.getrandbits(32), rng.choice((16, 24, 27, 30)), None, "Fa0")
               for _ in range(n_routes)]
    table = RoutingTable.build([(0x0A000000, 8, "Fa0")],
                               [StaticSpec(0, 0, None, "Fa0"), *statics], {"Fa0"})
    probes = [rng.getrandbits(32) for _ in range(1000)]
    lookup = table.lookup
    start = time.perf_counter()
    for _ in range(lookups // len(probes)):
        for dst in probes:
            lookup(dst)
    return (time.perf_counter() - start) / lookups


def run(n_small: int = 100, n_large: int = 1000, pairs: int = 7) -> dict:
    """Small and large builds are measured in pairs of equal work (n_large / n_small small
    labs, then one large lab), and the median of the pairs' ratios is reported: on a shared
    machine the load changes between pairs but rarely within one."""
    small_cfg, large_cfg = hub_configs(n_small), hub_configs(n_large)
    batch = max(1, n_large // n_small)
    smalls, larges, ratios = [], [], []
    for _ in range(pairs):
        small = build_seconds_per_router(small_cfg, n_small, batch)
        large = build_seconds_per_router(large_cfg, n_large, 1)
        smalls.append(small)
        larges.append(large)
        ratios.append(large / small)
    lookup_ratios = []
    for _ in range(3):
        lookup_ratios.append(lookup_seconds(10_000) / lookup_seconds(100))
    return {
        f"build_us_per_router_n{n_small}": round(statistics.median(smalls) * 1e6, 1),
        f"build_us_per_router_n{n_large}": round(statistics.median(larges) * 1e6, 1),
        "build_ratio_large_vs_small": round(statistics.median(ratios), 3),
        "lookup_ratio_10000_vs_100_routes": round(statistics.median(lookup_ratios), 3),
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    print(run(*(args or [100, 1000])))
