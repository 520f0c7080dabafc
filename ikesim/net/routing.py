"""A router's IPv4 routing table, IOS flavour of RFC 1812 §5.2.4, updated incrementally.

- Every route source (connected networks, static routes, OSPF) adds and removes *candidate*
  routes; per prefix the valid candidate with the lowest administrative distance is installed
  (ties: the first configured). A floating static (higher distance) takes over when the better
  route becomes invalid.
- A candidate with an exit interface (connected, ``ip route P M IFACE [NH]``, OSPF) is valid
  while that interface is up/up. A static with only a next hop is valid while the next hop
  resolves *recursively* through other installed routes to an interface (never through the
  route itself, never through a resolution loop, at most ``MAX_RECURSION`` levels).
- Updates are incremental: a change touches the prefixes it changes and, through an index of
  next hops sorted by address, only the recursive statics whose next hop lies inside a changed
  prefix. Building a table route by route costs O(routes · log routes), not O(routes²).
- Lookup is longest-prefix match: one dict per prefix length present, probed longest first, so
  it costs at most 33 dict probes whatever the number of routes. Its answers are memoised per
  destination (a lab sends to few addresses, again and again) until the installed routes
  change; the memo is bounded (``LOOKUP_MEMO_MAX``: destinations can be anything a peer sends).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ikesim.net.addr import MASKS

MAX_RECURSION = 8  # IOS gives up on deeper recursive next-hop chains
LOOKUP_MEMO_MAX = 4096  # destinations whose lookup is remembered (cleared when full)
_UNKNOWN = object()  # not in the lookup memo (None is a memoised "no route")
Key = tuple[int, int]


@dataclass(slots=True)
class StaticSpec:
    """A configured static route in integer form."""

    prefix: int
    length: int
    next_hop: int | None = None
    interface: str | None = None
    distance: int = 1


@dataclass(slots=True, eq=False)
class Route:
    """A candidate route; ``out_interface``/``gateway`` are its resolved forwarding info.

    ``gateway`` None means the destination itself is on the exit interface's segment.
    """

    prefix: int
    length: int
    code: str  # "C" connected, "S" static, "O" OSPF
    distance: int
    next_hop: int | None
    interface: str | None
    order: int  # tie-break and `show ip route` grouping: interfaces, then statics, then OSPF
    out_interface: str = ""
    gateway: int | None = None
    metric: int = 0
    since: float = 0.0  # simulated time it was learned (dynamic routes show their age)
    subtype: str = ""  # OSPF: "" intra-area, "IA" inter-area, "E1"/"E2" external
    valid: bool = False

    @property
    def key(self) -> Key:
        return (self.prefix, self.length)


class PrefixIndex:
    """Items keyed by an IPv4 address, found by the prefix that covers them (sorted list +
    bisect: O(log n + k))."""

    __slots__ = ("_addresses", "_items")

    def __init__(self) -> None:
        self._addresses: list[int] = []
        self._items: dict[int, list[object]] = {}

    def add(self, address: int, item: object) -> None:
        items = self._items.get(address)
        if items is None:
            self._items[address] = [item]
            insort(self._addresses, address)
        else:
            items.append(item)

    def remove(self, address: int, item: object) -> None:
        items = self._items.get(address)
        if items is None or item not in items:
            return
        items.remove(item)
        if not items:
            del self._items[address]
            del self._addresses[bisect_left(self._addresses, address)]

    def covered(self, prefix: int, length: int) -> list[object]:
        """Items whose address lies inside prefix/length."""
        addresses = self._addresses
        low = bisect_left(addresses, prefix)
        high = bisect_right(addresses, prefix | (~MASKS[length] & 0xFFFFFFFF))
        return [item for a in addresses[low:high] for item in self._items[a]]

    def __len__(self) -> int:
        return len(self._addresses)


class RoutingTable:
    """Candidates per prefix, the installed (best valid) route per prefix, and the index
    structures that keep updates incremental. Mutators return the prefixes whose installed
    route or its forwarding info changed."""

    def __init__(self) -> None:
        self._by_len: dict[int, dict[int, Route]] = {}
        self._lengths: list[int] = []
        self._count = 0
        self._candidates: dict[Key, list[Route]] = {}
        self._by_interface: dict[str, list[Route]] = {}
        self._next_hops = PrefixIndex()  # next-hop-only statics by next hop
        self._up: set[str] = set()
        self._work: list[Key] = []
        # dst -> lookup(dst), valid while the installed routes stay (emptied by _reselect)
        self._memo: dict[int, Route | None] = {}

    # -- queries -------------------------------------------------------------------------
    def lookup(self, dst: int) -> Route | None:
        """Longest-prefix match."""
        memo = self._memo
        found = memo.get(dst, _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        route = None
        by_len = self._by_len
        for length in self._lengths:
            route = by_len[length].get(dst & MASKS[length])
            if route is not None:
                break
        if len(memo) >= LOOKUP_MEMO_MAX:
            memo.clear()
        memo[dst] = route
        return route

    def get(self, prefix: int, length: int) -> Route | None:
        table = self._by_len.get(length)
        return None if table is None else table.get(prefix)

    def routes(self) -> list[Route]:
        """Installed routes sorted by prefix then length."""
        return sorted(self._iter(), key=lambda r: (r.prefix, r.length))

    def default_route(self) -> Route | None:
        return self.get(0, 0)

    def candidates(self) -> Iterator[Route]:
        for routes in self._candidates.values():
            yield from routes

    def __len__(self) -> int:
        return self._count

    def _iter(self) -> Iterator[Route]:
        for table in self._by_len.values():
            yield from table.values()

    # -- updates -------------------------------------------------------------------------
    def add(self, route: Route) -> list[Key]:
        route.prefix &= MASKS[route.length]
        self._candidates.setdefault(route.key, []).append(route)
        if route.interface is not None:
            self._by_interface.setdefault(route.interface, []).append(route)
            self._set_interface_validity(route, route.interface in self._up)
        elif route.next_hop is not None:
            self._next_hops.add(route.next_hop, route)
            self._re_resolve(route)
        self._reselect(route.key)
        return self._propagate()

    def remove(self, route: Route) -> list[Key]:
        routes = self._candidates.get(route.key)
        if routes is None or route not in routes:
            return []
        routes.remove(route)
        if not routes:
            del self._candidates[route.key]
        if route.interface is not None:
            self._by_interface[route.interface].remove(route)
        elif route.next_hop is not None:
            self._next_hops.remove(route.next_hop, route)
        route.valid = False
        self._reselect(route.key)
        return self._propagate()

    def set_interface_up(self, name: str, up: bool) -> list[Key]:
        if (name in self._up) == up:
            return []
        if up:
            self._up.add(name)
        else:
            self._up.discard(name)
        for route in self._by_interface.get(name, ()):
            self._set_interface_validity(route, up)
            self._reselect(route.key)
        return self._propagate()

    def interface_up(self, name: str) -> bool:
        return name in self._up

    @staticmethod
    def _set_interface_validity(route: Route, up: bool) -> None:
        route.valid = up
        route.out_interface = route.interface or ""
        route.gateway = route.next_hop

    def _reselect(self, key: Key, *, forced: bool = False) -> None:
        """Install the best valid candidate for ``key``; note the key when that changes."""
        best = None
        for route in self._candidates.get(key, ()):
            if route.valid and (best is None or (route.distance, route.order)
                                < (best.distance, best.order)):
                best = route
        prefix, length = key
        table = self._by_len.get(length)
        current = None if table is None else table.get(prefix)
        if best is current:
            if forced and best is not None:
                self._work.append(key)
            return
        self._memo.clear()       # the installed routes change: memoised answers may be stale
        if current is not None:
            assert table is not None
            del table[prefix]
            self._count -= 1
            if not table:
                del self._by_len[length]
                self._lengths.remove(length)
        if best is not None:
            if table is None or length not in self._by_len:
                table = self._by_len[length] = {}
                insort(self._lengths, length, key=lambda n: -n)
            table[prefix] = best
            self._count += 1
        self._work.append(key)

    def _propagate(self) -> list[Key]:
        """Re-resolve the recursive statics whose next hop lies in a changed prefix, until
        nothing changes (bounded: a pathological chain cannot loop forever)."""
        budget = 64 * (len(self._next_hops) + 16)
        changed: list[Key] = []
        while self._work and budget > 0:
            key = self._work.pop()
            changed.append(key)
            for route in self._next_hops.covered(*key):
                assert isinstance(route, Route)
                budget -= 1
                if self._re_resolve(route):
                    installed = self.get(*route.key)
                    self._reselect(route.key, forced=installed is route)
        self._work = []
        return changed

    def _re_resolve(self, route: Route) -> bool:
        """Recompute a next-hop-only static; True when its validity or forwarding changed."""
        resolved = _resolve(self, route)
        before = (route.valid, route.out_interface, route.gateway)
        if resolved is None:
            route.valid, route.out_interface, route.gateway = False, "", None
        else:
            route.valid = True
            route.out_interface, route.gateway = resolved
        return before != (route.valid, route.out_interface, route.gateway)

    # -- construction for tests and tools ------------------------------------------------
    @classmethod
    def build(
        cls,
        connected: list[tuple[int, int, str]],
        statics: Iterable[StaticSpec],
        up_interfaces: set[str],
    ) -> RoutingTable:
        """A table from connected networks (prefix, length, interface name), static routes
        and the set of up/up interfaces."""
        table = cls()
        order = 0
        for prefix, length, ifname in connected:
            table.add(Route(prefix, length, "C", 0, None, ifname, order))
            order += 1
        for spec in statics:
            table.add(static_route(spec, order))
            order += 1
        for name in sorted(up_interfaces):
            table.set_interface_up(name, True)
        return table


def static_route(spec: StaticSpec, order: int) -> Route:
    return Route(spec.prefix & MASKS[spec.length], spec.length, "S", spec.distance,
                 spec.next_hop, spec.interface, order)


def _lookup_excluding(table: RoutingTable, addr: int, exclude: set[Key]) -> Route | None:
    by_len = table._by_len
    for length in table._lengths:
        prefix = addr & MASKS[length]
        route = by_len[length].get(prefix)
        if route is not None and (prefix, length) not in exclude:
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
            # A route with an exit interface: its next hop if it has one, else hop itself.
            return via.interface, via.next_hop if via.next_hop is not None else hop
        exclude.add(via.key)
        assert via.next_hop is not None
        hop = via.next_hop
    return None
