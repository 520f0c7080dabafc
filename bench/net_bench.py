"""Network-model benchmark: a generated grid of routers with one host each, static routes from
networkx shortest paths, every host pinging a far host. Compares packet hops per wall second
with a bare simpy timeout loop on the same machine (``ratio``).

    python3 -m bench.net_bench [N_ROUTERS] [SIM_SECONDS]
"""

from __future__ import annotations

import ipaddress
import math
import sys
import time

import networkx as nx
import simpy

from ikesim.net.config import DeviceConfig, InterfaceConfig, StaticRoute
from ikesim.net.lab import Lab

HOST_IF = "FastEthernet0/0"
PING_INTERVAL = 0.25  # each host sends one echo every 250 ms (simulated)


def _grid(n: int) -> nx.Graph:
    """A near-square grid of ``n`` routers numbered 0..n-1."""
    cols = max(1, int(math.sqrt(n)))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for i in range(n):
        if (i + 1) % cols and i + 1 < n:
            graph.add_edge(i, i + 1)
        if i + cols < n:
            graph.add_edge(i, i + cols)
    return graph


def _lan(i: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"172.{16 + i // 256}.{i % 256}.0/24")


def build(n_routers: int, seed: int = 0) -> Lab:
    graph = _grid(n_routers)
    lab = Lab(seed)
    configs = [DeviceConfig(hostname=f"R{i}") for i in range(n_routers)]
    for i, config in enumerate(configs):
        lan = _lan(i)
        config.interfaces[HOST_IF] = InterfaceConfig(
            HOST_IF, ipaddress.IPv4Interface(f"{lan.network_address + 1}/24")
        )
    # One /30 per link; remember each router's address facing each neighbour.
    facing: dict[tuple[int, int], ipaddress.IPv4Address] = {}
    ports: dict[tuple[int, int], str] = {}
    for k, (a, b) in enumerate(sorted(graph.edges)):
        base = ipaddress.IPv4Address((10 << 24) + 4 * k)
        for end, here, there in ((1, a, b), (2, b, a)):
            name = f"FastEthernet{len(configs[here].interfaces)}/0"
            configs[here].interfaces[name] = InterfaceConfig(
                name, ipaddress.IPv4Interface(f"{base + end}/30")
            )
            facing[(here, there)] = base + end
            ports[(here, there)] = name
    # Static routes: towards each LAN, the next hop is the BFS parent towards its router.
    lans = [_lan(i) for i in range(n_routers)]
    for dst in range(n_routers):
        for node, parent in nx.bfs_predecessors(graph, dst):
            configs[node].static_routes.append(
                StaticRoute(lans[dst], next_hop=facing[(parent, node)])
            )
    for config in configs:
        lab.add_router(config)
    for i in range(n_routers):
        lan = lans[i]
        host = DeviceConfig(hostname=f"H{i}", default_gateway=lan.network_address + 1)
        host.interfaces[HOST_IF] = InterfaceConfig(
            HOST_IF, ipaddress.IPv4Interface(f"{lan.network_address + 2}/24")
        )
        lab.add_host(host)
        lab.connect(f"H{i}", HOST_IF, f"R{i}", HOST_IF)
    for a, b in sorted(graph.edges):
        lab.connect(f"R{a}", ports[(a, b)], f"R{b}", ports[(b, a)])
    return lab


def _pinger(lab: Lab, src: int, dst: int, replies: list[int]):
    env = lab.env
    host = lab.devices[f"H{src}"]
    target = int(_lan(dst).network_address + 2)
    ident = host.next_icmp_ident()
    seq = 0
    yield env.timeout(src * PING_INTERVAL / len(replies))  # spread the senders
    while True:
        waiter = env.event()
        waiter.callbacks.append(lambda e: replies.__setitem__(src, replies[src] + 1))
        host.echo_waiters[(ident, seq)] = waiter
        host.send_echo(target, ident, seq)
        yield env.timeout(PING_INTERVAL)
        host.echo_waiters.pop((ident, seq), None)
        seq = (seq + 1) & 0xFFFF


def bare_simpy_events_per_s(n_events: int = 300_000) -> float:
    env = simpy.Environment()

    def loop(env):
        for _ in range(n_events):
            yield env.timeout(1)

    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return n_events / (time.perf_counter() - start)


def run(n_routers: int = 500, sim_seconds: float = 20.0) -> dict:
    build_start = time.perf_counter()
    lab = build(n_routers)
    build_s = time.perf_counter() - build_start
    replies = [0] * n_routers
    for i in range(n_routers):
        lab.env.process(_pinger(lab, i, (i + n_routers // 2) % n_routers, replies))
    start = time.perf_counter()
    lab.run(sim_seconds)
    wall = time.perf_counter() - start
    hops = lab.packet_hops
    rate = hops / wall if wall else 0.0
    bare = bare_simpy_events_per_s()
    return {
        "packet_hops": hops,
        "wall_s": round(wall, 3),
        "hops_per_wall_s": round(rate),
        "bare_simpy_events_per_s": round(bare),
        "ratio": round(rate / bare, 4),
        "build_s": round(build_s, 3),
        "echo_replies": sum(replies),
        "drops": len(lab.events.of_kind("drop")),
    }


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    print(run(int(args[0]) if args else 500, args[1] if len(args) > 1 else 20.0))
