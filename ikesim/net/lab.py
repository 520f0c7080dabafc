"""The lab: a simpy environment, devices, links, and a networkx graph of the topology.

The graph is built on demand (``Lab.graph``, ``Lab.path``) from the devices and links: networkx
is the largest import of a run that never asks for it, so it is imported only then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from ikesim.errors import InputError
from ikesim.net.config import DeviceConfig
from ikesim.net.device import Device
from ikesim.net.events import EventLog
from ikesim.net.interface import Interface
from ikesim.net.link import Link
from ikesim.net.nodes import Host, Router
from ikesim.net.packet import Packet

if TYPE_CHECKING:
    import networkx as nx

Tap = Callable[[float, Link, Packet, Interface], None]
# (time, device, interface or None, reason, packet) for every drop record
DropTap = Callable[[float, Device, Interface | None, str, Packet], None]
# (time, device, tunnel interface, inner packet, "out" | "in") for packets entering/leaving tunnels
TunnelTap = Callable[[float, Device, Interface, Packet, str], None]


class Lab:
    def __init__(self, seed: int = 0, events: EventLog | None = None) -> None:
        self.seed = seed
        self.env = simpy.Environment()
        self.events = events if events is not None else EventLog()
        # topology edges: (device, device) in first-connection order -> (link names, delay)
        self._edges: dict[tuple[str, str], tuple[list[str], float]] = {}
        self.devices: dict[str, Device] = {}
        self.links: list[Link] = []
        self._links_by_name: dict[str, Link] = {}
        self.taps: list[Tap] = []  # called for every packet put on a link (captures)
        self.drop_taps: list[DropTap] = []  # called for every drop (captures)
        self.tunnel_taps: list[TunnelTap] = []  # inner packets of tunnels (captures)
        self.packet_hops = 0  # packets carried by links so far
        self.started = False  # interface state changes are events once running

    # -- building ------------------------------------------------------------------------
    def _add(self, device: Device) -> None:
        if device.name in self.devices:
            raise InputError(f"duplicate device name {device.name!r}")
        self.devices[device.name] = device

    def add_router(self, config: DeviceConfig, *, uptime: float = 0.0) -> Router:
        router = Router(self, config, uptime=uptime)
        self._add(router)
        return router

    def add_host(self, config: DeviceConfig, *, uptime: float = 0.0) -> Host:
        host = Host(self, config, uptime=uptime)
        self._add(host)
        return host

    def interface(self, device: str, name: str) -> Interface:
        dev = self.devices.get(device)
        if dev is None:
            raise InputError(f"unknown device {device!r}")
        iface = dev.find_interface(name)
        if iface is None:
            raise InputError(f"{device} has no interface {name!r}")
        return iface

    def connect(
        self,
        dev_a: str,
        if_a: str,
        dev_b: str,
        if_b: str,
        *,
        delay: float = 0.001,
        loss: float = 0.0,
        up: bool = True,
        name: str | None = None,
    ) -> Link:
        a, b = self.interface(dev_a, if_a), self.interface(dev_b, if_b)
        for iface in (a, b):
            if iface.link is not None:
                raise InputError(
                    f"{iface.device.name} {iface.name} is already connected ({iface.link.name})"
                )
        if a is b:
            raise InputError(f"cannot connect {dev_a} {a.name} to itself")
        name = name or f"{dev_a}:{a.name}--{dev_b}:{b.name}"
        if name in self._links_by_name:
            raise InputError(f"duplicate link name {name!r}")
        try:
            link = Link(self, name, a, b, delay=delay, loss=loss, up=up)
        except ValueError as err:
            raise InputError(str(err)) from None
        a.link = b.link = link
        self.links.append(link)
        self._links_by_name[name] = link
        edge = self._edges.get((dev_a, dev_b)) or self._edges.get((dev_b, dev_a))
        if edge is not None:
            edge[0].append(name)
        else:
            self._edges[(dev_a, dev_b)] = ([name], delay)
        a.device.update_interface(a)
        b.device.update_interface(b)
        return link

    def link(self, name: str) -> Link:
        try:
            return self._links_by_name[name]
        except KeyError:
            raise InputError(f"unknown link {name!r}") from None

    # -- queries / running ---------------------------------------------------------------
    @property
    def graph(self) -> nx.Graph:
        """The topology as a networkx graph: a node per device (``kind``), an edge per pair of
        connected devices (``links``: their names, ``delay``: the first link's). Built anew on
        each call, in the order devices and links were added."""
        import networkx as nx

        graph = nx.Graph()
        for name, device in self.devices.items():
            graph.add_node(name, kind=device.kind)
        for (a, b), (links, delay) in self._edges.items():
            graph.add_edge(a, b, links=list(links), delay=delay)
        return graph

    def path(self, a: str, b: str) -> list[str]:
        """Device names on a shortest path between two devices (topology, not routing)."""
        import networkx as nx

        return nx.shortest_path(self.graph, a, b)

    def run(self, until: float | None = None) -> None:
        self.started = True
        self.env.run(until=until)
