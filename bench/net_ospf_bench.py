"""OSPF convergence at scale (issue 9): N routers in a near-square grid of Ethernet links, every
interface in area 0, each router with a loopback. The lab runs until every router has an O route
to every other router's loopback. Reports the simulated convergence time (deterministic), the
wall time, and the wall time per simulation event as a ratio to a bare simpy event loop
measured in the same run (what the protocol work costs on top of the event engine).

    python3 -m bench.net_ospf_bench [N_ROUTERS]
"""

from __future__ import annotations

import ipaddress
import sys
import time

from bench.net_bench import _grid, bare_simpy_events_per_s
from ikesim.net.config import DeviceConfig, InterfaceConfig, OspfNetwork, OspfProcess
from ikesim.net.lab import Lab

ALL = (ipaddress.IPv4Address("0.0.0.0"), ipaddress.IPv4Address("255.255.255.255"))


def build(n_routers: int) -> Lab:
    graph = _grid(n_routers)
    configs = []
    for i in range(n_routers):
        config = DeviceConfig(hostname=f"R{i}")
        config.interfaces["Loopback0"] = InterfaceConfig(
            "Loopback0", ipaddress.IPv4Interface(f"10.255.{i // 256}.{i % 256}/32"))
        config.ospf[1] = OspfProcess(1, networks=[OspfNetwork(*ALL, 0)])
        configs.append(config)
    ports: dict[tuple[int, int], str] = {}
    for k, (a, b) in enumerate(sorted(graph.edges)):
        base = ipaddress.IPv4Address((10 << 24) + 4 * k)
        for end, here, there in ((1, a, b), (2, b, a)):
            name = f"GigabitEthernet0/{sum(1 for n in configs[here].interfaces if n[0] == 'G')}"
            configs[here].interfaces[name] = InterfaceConfig(
                name, ipaddress.IPv4Interface(f"{base + end}/30"))
            ports[(here, there)] = name
    lab = Lab(0)
    for config in configs:
        lab.add_router(config)
    for a, b in sorted(graph.edges):
        lab.connect(f"R{a}", ports[(a, b)], f"R{b}", ports[(b, a)])
    return lab


def converged(lab: Lab, n_routers: int) -> bool:
    return all(sum(1 for r in device.table.routes() if r.code == "O" and r.length == 32)
               == n_routers - 1 for device in lab.devices.values())


def run(n_routers: int = 50, step: float = 5.0, limit: float = 600.0) -> dict:
    lab = build(n_routers)
    start = time.perf_counter()
    while not converged(lab, n_routers) and lab.env.now < limit:
        lab.run(lab.env.now + step)
    wall = time.perf_counter() - start
    events = next(lab.env._eid)  # simpy's count of scheduled events (internal counter)
    bare = bare_simpy_events_per_s()
    return {
        "routers": n_routers,
        "converged_sim_s": round(lab.env.now, 1) if converged(lab, n_routers) else None,
        "wall_s": round(wall, 3),
        "packet_hops": lab.packet_hops,
        "events": events,
        "wall_per_event_vs_bare_simpy": round(wall / events * bare, 1) if events else None,
        "adjacencies_full": sum(1 for e in lab.events.of_kind("ospf")
                                if e.fields["event"] == "neighbor-state"
                                and e.fields["new"] == "FULL") // 2,
    }


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
