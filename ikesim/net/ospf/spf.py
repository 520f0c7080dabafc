"""Shortest paths over an area's link-state database with networkx (RFC 2328 §16).

The graph has a vertex per router (router-LSA) and per transit network (network-LSA). A
router→router edge (point-to-point link) or router→network edge (transit link) is used only
when the other end points back (§16.1 step 2b: the two-way check); network→router edges cost 0.
Stub links are leaves added after Dijkstra (§16.1 step 2). Next hops are the first hop of each
shortest path: a point-to-point neighbour (its address from the neighbour table), or, across a
directly attached transit network, the next router's interface address on it (§16.1.1).
Equal-cost paths: one is kept (guess: IOS installs up to 4 in parallel; not modelled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from ikesim.net.addr import mask_to_len
from ikesim.net.ospf.packets import (
    NETWORK_LSA,
    P2P_LINK,
    ROUTER_LSA,
    STUB_LINK,
    TRANSIT_LINK,
    Lsa,
    NetworkLsa,
    RouterLsa,
)

Hop = tuple[str, int]  # (outgoing interface, next-hop address)


@dataclass(slots=True)
class AreaPaths:
    """What SPF found in one area: routers (cost, first hop) and intra-area networks."""

    routers: dict[int, tuple[int, Hop | None]]
    networks: dict[tuple[int, int], tuple[int, Hop | None]]


def area_paths(lsas: list[Lsa], root: int, interface_of: Callable[[int], str | None],
               neighbor_address: Callable[[str, int], int | None]) -> AreaPaths:
    """``interface_of(link data)``: our interface for one of our links' data (its address, or
    its index when unnumbered); ``neighbor_address(interface, router ID)``: the address a
    neighbour sends its hellos from on that interface."""
    routers = {lsa.header.advertising_router: lsa.body for lsa in lsas
               if lsa.header.type == ROUTER_LSA and isinstance(lsa.body, RouterLsa)}
    networks = {lsa.header.link_state_id: (lsa.header.advertising_router, lsa.body)
                for lsa in lsas if lsa.header.type == NETWORK_LSA
                and isinstance(lsa.body, NetworkLsa)}
    empty = AreaPaths({}, {})
    if root not in routers:
        return empty
    graph = nx.DiGraph()
    for rid in sorted(routers):
        graph.add_node(("R", rid))
        for link in routers[rid].links:
            if link.type == P2P_LINK and _points_back(routers.get(link.link_id), rid):
                _edge(graph, ("R", rid), ("R", link.link_id), link.metric)
            elif link.type == TRANSIT_LINK and link.link_id in networks and \
                    rid in networks[link.link_id][1].routers:
                _edge(graph, ("R", rid), ("N", link.link_id), link.metric)
    for dr_address in sorted(networks):
        for rid in networks[dr_address][1].routers:
            body = routers.get(rid)
            if body is not None and any(link.type == TRANSIT_LINK and link.link_id == dr_address
                                        for link in body.links):
                _edge(graph, ("N", dr_address), ("R", rid), 0)
    distances, paths = nx.single_source_dijkstra(graph, ("R", root), weight="weight")

    def first_hop(path: list[tuple[str, int]]) -> Hop | None:
        if len(path) < 2:
            return None
        kind, first = path[1]
        if kind == "R":  # a point-to-point neighbour
            link = min((link for link in routers[root].links
                        if link.type == P2P_LINK and link.link_id == first),
                       key=lambda link: link.metric, default=None)
            iface = interface_of(link.link_data) if link is not None else None
            address = neighbor_address(iface, first) if iface is not None else None
            return None if iface is None or address is None else (iface, address)
        mine = next((link for link in routers[root].links
                     if link.type == TRANSIT_LINK and link.link_id == first), None)
        iface = interface_of(mine.link_data) if mine is not None else None
        if iface is None or len(path) < 3:
            return None
        theirs = next((link for link in routers[path[2][1]].links
                       if link.type == TRANSIT_LINK and link.link_id == first), None)
        return None if theirs is None else (iface, theirs.link_data)

    result = AreaPaths({}, {})
    for node, cost in distances.items():
        kind, ident = node
        hop = first_hop(paths[node])
        if kind == "R":
            result.routers[ident] = (int(cost), hop)
            if ident == root:
                continue
            for link in routers[ident].links:
                if link.type == STUB_LINK:
                    _better(result.networks, (link.link_id & link.link_data,
                                              mask_to_len(link.link_data)),
                            int(cost) + link.metric, hop)
        elif len(paths[node]) > 2:  # a transit network we are not attached to
            mask = networks[ident][1].mask
            _better(result.networks, (ident & mask, mask_to_len(mask)), int(cost), hop)
    # Stub networks of the root itself are connected routes, never OSPF ones.
    for link in routers[root].links:
        if link.type == STUB_LINK:
            result.networks.pop((link.link_id & link.link_data, mask_to_len(link.link_data)),
                                None)
    return result


def _points_back(body: RouterLsa | None, rid: int) -> bool:
    return body is not None and any(link.type == P2P_LINK and link.link_id == rid
                                    for link in body.links)


def _edge(graph: nx.DiGraph, a: tuple[str, int], b: tuple[str, int], weight: int) -> None:
    if not graph.has_edge(a, b) or graph.edges[a, b]["weight"] > weight:
        graph.add_edge(a, b, weight=weight)


def _better(table: dict, key: tuple[int, int], cost: int, hop: Hop | None) -> None:
    if hop is not None and (key not in table or cost < table[key][0]):
        table[key] = (cost, hop)
