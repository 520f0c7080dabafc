"""A deterministic drawing of the lab's topology: the longest path of devices (PC - router -
… - router - PC) on one line, every other device hanging below or above the device it is
cabled to. Coordinates are pixels for an SVG."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ikesim.scenario.model import Scenario

X_STEP, Y_STEP, MARGIN = 200, 110, 70


@dataclass(frozen=True)
class Placed:
    name: str
    kind: str
    x: float
    y: float
    label: str               # addresses shown under the name


@dataclass(frozen=True)
class Cable:
    a: Placed
    b: Placed
    a_label: str
    b_label: str
    text: str


def _graph(scenario: Scenario) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(sorted(scenario.devices))
    for link in scenario.links:
        graph.add_edge(link.a[0], link.b[0])
    return graph


def _spine(graph: nx.Graph, nodes: set[str]) -> list[str]:
    start = min(nodes)
    far = max(sorted(nodes), key=lambda n: nx.shortest_path_length(graph, start, n))
    other = max(sorted(nodes), key=lambda n: nx.shortest_path_length(graph, far, n))
    path: list[str] = nx.shortest_path(graph, *sorted((far, other)))
    return path


def layout(scenario: Scenario) -> tuple[list[Placed], list[Cable], int, int]:
    """(devices, cables, width, height) of the drawing."""
    from ikesim.ios.ifnames import short_interface_name

    graph = _graph(scenario)
    grid: dict[str, tuple[float, float]] = {}
    column = 0.0
    for component in sorted((set(c) for c in nx.connected_components(graph)), key=min):
        spine = _spine(graph, component)
        for i, name in enumerate(spine):
            grid[name] = (column + i, 0.0)
        hanging: dict[str, int] = {}
        for parent, child in nx.bfs_edges(graph.subgraph(component), spine[0],
                                          sort_neighbors=sorted):
            if child in grid:
                continue
            px, py = grid[parent]
            n = hanging.get(parent, 0)
            hanging[parent] = n + 1
            side = 1 if py >= 0 else -1
            if py == 0:
                side = 1 if n % 2 == 0 else -1
            grid[child] = (px + (n // 2) * 0.6 * (1 if n % 2 == 0 else -1), py + side)
        column = max(x for n, (x, _) in grid.items() if n in component) + 1.5
    top = min(y for _, y in grid.values())
    placed = {}
    for name, (gx, gy) in grid.items():
        spec = scenario.devices[name]
        addresses = [str(i.address) for i in spec.config.interfaces.values()
                     if i.address is not None]
        label = addresses[0] if spec.kind == "host" and addresses else ""
        placed[name] = Placed(name, spec.kind, MARGIN + gx * X_STEP,
                              MARGIN + (gy - top) * Y_STEP, label)
    cables = []
    for link in scenario.links:
        (da, ia), (db, ib) = link.a, link.b

        def end(dev: str, iface: str) -> str:
            cfg = scenario.devices[dev].config.interfaces[iface]
            shown = short_interface_name(iface)
            if cfg.address is not None and scenario.devices[dev].kind == "router":
                shown += f" .{str(cfg.address.ip).rsplit('.', 1)[1]}"
            return shown
        net = scenario.devices[da].config.interfaces[ia].address
        extra = [f"{link.loss:.0%} loss"] if link.loss else []
        if not link.up:
            extra.append("down at start")
        text = " ".join([str(net.network) if net is not None else "", *extra]).strip()
        cables.append(Cable(placed[da], placed[db], end(da, ia), end(db, ib), text))
    width = int(max(p.x for p in placed.values()) + MARGIN + 40) if placed else 200
    height = int(max(p.y for p in placed.values()) + MARGIN) if placed else 120
    return sorted(placed.values(), key=lambda p: (p.x, p.y)), cables, width, height


def spine_order(scenario: Scenario) -> list[str]:
    """Device names left to right as drawn (the order of a ladder's lifelines)."""
    devices, _, _, _ = layout(scenario)
    return [p.name for p in devices]
