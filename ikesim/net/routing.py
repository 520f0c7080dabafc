"""A router's IPv4 routing table: connected + static routes, IOS flavour of RFC 1812 §5.2.4.

- Connected routes exist for interfaces that are up/up and have an address (distance 0).
- A static route names a next hop, an exit interface, or both. With an exit interface it is
  installed while that interface is up/up; with only a next hop it is installed while the next
  hop resolves *recursively* through other routes to an up interface (never through the route
  itself, and never through a resolution loop).
- Per prefix the lowest administrative distance wins; a floating static (higher distance) takes
  over when the better route becomes invalid.
- Lookup is longest-prefix match: one dict per prefix length, probed longest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ikesim.net.addr import MASKS

MAX_RECURSION = 8  # IOS gives up on deeper recursive next-hop chains


@dataclass(slots=True)
class StaticSpec:
    """A configured static route in integer form."""

    prefix: int
    length: int
    next_hop: int | None = None
    interface: str | None = None
    distance: int = 1


@dataclass(slots=True)
class Route:
    """An installed route; ``out_interface``/``gateway`` are its resolved forwarding info.

    ``gateway`` None means the destination itself is on the exit interface's segment.
    """

    prefix: int
    length: int
    code: str  # "C" connected, "S" static
    distance: int
    next_hop: int | None
    interface: str | None
    order: int  # position among candidates (interfaces first, then statics)
    out_interface: str = ""
    gateway: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.prefix, self.length)


class RoutingTable:
    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._by_len: dict[int, dict[int, Route]] = {}
        self._lengths: list[int] = []
        for route in routes:
            self._by_len.setdefault(route.length, {})[route.prefix] = route
        self._lengths = sorted(self._by_len, reverse=True)

    def lookup(self, dst: int) -> Route | None:
        """Longest-prefix match."""
        by_len = self._by_len
        for length in self._lengths:
            route = by_len[length].get(dst & MASKS[length])
            if route is not None:
                return route
        return None

    def get(self, prefix: int, length: int) -> Route | None:
        return self._by_len.get(length, {}).get(prefix)

    def routes(self) -> list[Route]:
        """Installed routes sorted by prefix then length."""
        return sorted(
            (r for t in self._by_len.values() for r in t.values()),
            key=lambda r: (r.prefix, r.length),
        )

    def default_route(self) -> Route | None:
        return self.get(0, 0)

    def __len__(self) -> int:
        return sum(len(t) for t in self._by_len.values())

    @classmethod
    def build(
        cls,
        connected: list[tuple[int, int, str]],
        statics: list[StaticSpec],
        up_interfaces: set[str],
    ) -> RoutingTable:
        """Compute the table from up/up connected networks (prefix, length, interface name)
        and the configured static routes."""
        candidates: list[Route] = []
        seen: set[tuple[int, int]] = set()
        for prefix, length, ifname in connected:
            if (prefix, length) in seen:  # IOS refuses overlapping addresses; first wins
                continue
            seen.add((prefix, length))
            candidates.append(
                Route(prefix, length, "C", 0, None, ifname, len(candidates), ifname, None)
            )
        for spec in statics:
            prefix = spec.prefix & MASKS[spec.length]
            candidates.append(
                Route(
                    prefix,
                    spec.length,
                    "S",
                    spec.distance,
                    spec.next_hop,
                    spec.interface,
                    len(candidates),
                )
            )

        # Routes valid without recursion: connected, and statics whose exit interface is up.
        valid: list[Route] = []
        pending: list[Route] = []
        for route in candidates:
            if route.interface is not None:
                if route.interface in up_interfaces:
                    route.out_interface = route.interface
                    route.gateway = route.next_hop
                    valid.append(route)
            elif route.next_hop is not None:
                pending.append(route)

        # Fixpoint: a next-hop-only static becomes valid once its next hop resolves through
        # the table made of the other valid routes; then drop any that fail to resolve in the
        # final table (a better route for a prefix may have changed the recursion).
        while True:
            table = cls(_best(valid))
            still: list[Route] = []
            for route in pending:
                (valid if _resolve(table, route) is not None else still).append(route)
            if len(still) == len(pending):
                break
            pending = still
        while True:
            table = cls(_best(valid))
            broken: set[int] = set()
            for route in list(table._iter()):
                if route.interface is None:
                    resolved = _resolve(table, route)
                    if resolved is None:
                        broken.add(id(route))
                    else:
                        route.out_interface, route.gateway = resolved
            if not broken:
                return table
            valid = [r for r in valid if id(r) not in broken]

    def _iter(self) -> Iterable[Route]:
        for t in self._by_len.values():
            yield from t.values()


def _best(routes: list[Route]) -> list[Route]:
    """Per prefix, the route with the lowest distance (ties: first configured)."""
    best: dict[tuple[int, int], Route] = {}
    for route in routes:
        current = best.get(route.key)
        if current is None or route.distance < current.distance:
            best[route.key] = route
    return list(best.values())


def _lookup_excluding(
    table: RoutingTable, addr: int, exclude: set[tuple[int, int]]
) -> Route | None:
    for length in table._lengths:
        prefix = addr & MASKS[length]
        if (prefix, length) in exclude:
            continue
        route = table._by_len[length].get(prefix)
        if route is not None:
            return route
    return None


def _resolve(table: RoutingTable, route: Route) -> tuple[str, int] | None:
    """Exit interface and gateway of a next-hop-only static, by recursive lookup."""
    assert route.next_hop is not None
    exclude = {route.key}
    hop = route.next_hop
    for _ in range(MAX_RECURSION):
        via = _lookup_excluding(table, hop, exclude)
        if via is None:
            return None
        if via.code == "C":
            return via.interface or "", hop
        if via.interface is not None:
            # A static with an exit interface: its next hop if it has one, else hop itself.
            return via.interface, via.next_hop if via.next_hop is not None else hop
        exclude.add(via.key)
        assert via.next_hop is not None
        hop = via.next_hop
    return None
