"""Reverse route injection: `reverse-route` under a crypto map or dynamic map entry.

Cisco IOS Security Configuration Guide, "Reverse Route Injection": "Each route is created on
the basis of the remote proxy network and mask, with the next hop to this network being the
remote tunnel endpoint"; since 12.4(15)T, for a static crypto map the route exists while the
IPsec SAs do (routes always present only with `reverse-route static`, which ikesim reads as
plain `reverse-route`). The routes are static routes (`S` in `show ip route`, distance 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ikesim.net.addr import MASKS
from ikesim.net.routing import Route

if TYPE_CHECKING:
    from ikesim.ios.crypto import CryptoService
    from ikesim.net.config import DeviceConfig

RRI_DISTANCE = 1               # `reverse-route` without `distance`: a static route's default
RRI_ORDER = 1 << 20            # after the configured statics in `show ip route` grouping


class ReverseRoutes:
    """The routes one router's SA pairs inject."""

    __slots__ = ("service", "_entries", "_installed")

    def __init__(self, service: CryptoService) -> None:
        self.service = service
        self._entries: set[tuple[str, int]] = set()          # (map, sequence) with RRI
        self._installed: dict[tuple[int, int, int], Route] = {}

    def configure(self, config: DeviceConfig) -> None:
        """The map entries (applied to an interface) that have `reverse-route`; an entry naming
        a dynamic map injects when the dynamic entry has it."""
        crypto = config.crypto
        applied = {i.crypto_map for i in config.interfaces.values() if i.crypto_map}
        entries: set[tuple[str, int]] = set()
        for name in applied:
            for entry in crypto.map_entries(name):
                dynamic = crypto.dynamic_maps.get(entry.dynamic_map or "", [])
                if entry.reverse_route or any(d.reverse_route for d in dynamic):
                    entries.add((entry.map_name, entry.sequence))
        self._entries = entries
        self.refresh()

    def refresh(self) -> None:
        """Install the routes of the live pairs of RRI entries; remove the others."""
        wanted: dict[tuple[int, int, int], Any] = {}
        if self._entries:
            for pair in self.service.engine.ipsec_pairs():
                if not pair.deleted and (pair.map_name, pair.map_sequence) in self._entries:
                    proxy = pair.proxy
                    length = bin(proxy.remote_mask).count("1")
                    wanted[(proxy.remote_net & MASKS[length], length, pair.peer)] = pair
        node = self.service.node
        for key in [k for k in self._installed if k not in wanted]:
            node._routes_changed(node.table.remove(self._installed.pop(key)))
        for key in wanted:
            if key in self._installed:
                continue
            prefix, length, peer = key
            route = Route(prefix, length, "S", RRI_DISTANCE, peer, None,
                          RRI_ORDER + len(self._installed))
            route.since = node.env.now
            self._installed[key] = route
            node._routes_changed(node.table.add(route))

    def routes(self) -> list[Route]:
        return list(self._installed.values())


__all__ = ["ReverseRoutes"]
