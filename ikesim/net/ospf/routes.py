"""From the link-state databases to ``O`` routes (RFC 2328 §16), and the summaries an area
border router originates (§12.4.3).

SPF runs after a change, throttled as IOS does by default (``timers throttle spf 5000 10000
10000``: first run 5 s after a change, then at most every 10 s). Intra-area routes come from
each area's shortest paths (ikesim.net.ospf.spf); inter-area routes (``O IA``) from the
summary-LSAs of the backbone (on an ABR) or of the router's area, at the cost to the ABR plus
the summary's metric (§16.2); external routes (``O E2``/``O E1``) from AS-external-LSAs whose
ASBR is reachable, directly or through an ASBR-summary (§16.4). Intra-area beats inter-area
beats external. Routes enter the routing table with administrative distance 110.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ikesim.net.addr import mask_to_len
from ikesim.net.ospf.neighbor import FULL
from ikesim.net.ospf.packets import (
    ROUTER_LSA,
    SUMMARY_LSA,
    ExternalLsa,
    RouterLsa,
    SummaryLsa,
)
from ikesim.net.ospf.spf import AreaPaths, Hop, area_paths
from ikesim.net.routing import Key, Route
from ikesim.net.timers import Timer

if TYPE_CHECKING:
    from ikesim.net.ospf.process import OspfProcess

SPF_START, SPF_HOLD = 5.0, 10.0
OSPF_DISTANCE = 110
OSPF_ORDER = 2 << 20  # OSPF routes sort after connected and static ones in `show ip route`
ASBR_SUMMARY_LSA = 4
LS_INFINITY = 0xFFFFFF


class RouteCalculation:
    def __init__(self: OspfProcess) -> None:
        self._spf_timer = Timer(self.device.env, self.run_spf)
        self._last_spf = float("-inf")
        self.routes: dict[Key, Route] = {}
        self.paths: dict[int, AreaPaths] = {}

    def schedule_spf(self: OspfProcess) -> None:
        if self._spf_timer.active:
            return
        now = self.device.env.now
        wait = self._last_spf + SPF_HOLD - now
        self._spf_timer.start(max(SPF_START, wait))

    def is_abr(self: OspfProcess) -> bool:
        return len({oi.area for oi in self.interfaces.values() if oi.state != "DOWN"}) > 1

    def run_spf(self: OspfProcess) -> None:
        now = self.device.env.now
        self._last_spf = now
        if self.router_id is None:
            self.withdraw_routes()
            return
        self.paths = {area: area_paths(list(db.live(now)), self.router_id, self._interface_of,
                                       self._neighbor_address)
                      for area, db in sorted(self.areas.items())}
        found: dict[Key, tuple[int, Hop, str, int]] = {}  # cost, hop, subtype, tie-break
        for paths in self.paths.values():
            for key, (cost, hop) in paths.networks.items():
                if hop is not None and (key not in found or cost < found[key][0]):
                    found[key] = (cost, hop, "", 0)
        intra = set(found)
        considered = [0] if self.is_abr() and 0 in self.paths else sorted(self.paths)
        for area in considered:
            for lsa in self.areas[area].live(now):
                body = lsa.body
                if lsa.header.type != SUMMARY_LSA or not isinstance(body, SummaryLsa) or \
                        lsa.header.advertising_router == self.router_id or \
                        body.metric >= LS_INFINITY:
                    continue
                via = self.paths[area].routers.get(lsa.header.advertising_router)
                key = (lsa.header.link_state_id & body.mask, mask_to_len(body.mask))
                if via is None or via[1] is None or key in intra:
                    continue
                cost = via[0] + body.metric
                if key not in found or cost < found[key][0]:
                    found[key] = (cost, via[1], "IA", 0)
        internal = set(found)
        for lsa in self.externals.live(now):
            body = lsa.body
            if not isinstance(body, ExternalLsa) or body.metric >= LS_INFINITY or \
                    lsa.header.advertising_router == self.router_id:
                continue
            asbr = self._asbr(lsa.header.advertising_router, considered, now)
            key = (lsa.header.link_state_id & body.mask, mask_to_len(body.mask))
            if asbr is None or key in internal:
                continue
            cost = body.metric if body.e2 else body.metric + asbr[0]
            subtype = "E2" if body.e2 else "E1"
            rank = (cost, asbr[0])
            if key not in found or rank < (found[key][0], found[key][3]):
                found[key] = (cost, asbr[1], subtype, asbr[0])
        self._install(found)
        if self.is_abr():
            self._originate_summaries(now)
        self.event("spf", routes=len(self.routes))

    def _asbr(self: OspfProcess, rid: int, areas: list[int], now: float) -> tuple[int, Hop] | None:
        best: tuple[int, Hop] | None = None
        for paths in self.paths.values():
            via = paths.routers.get(rid)
            if via is not None and via[1] is not None and (best is None or via[0] < best[0]):
                best = (via[0], via[1])
        for area in areas:
            for lsa in self.areas[area].live(now):
                body = lsa.body
                if lsa.header.type != ASBR_SUMMARY_LSA or lsa.header.link_state_id != rid or \
                        not isinstance(body, SummaryLsa):
                    continue
                via = self.paths[area].routers.get(lsa.header.advertising_router)
                if via is not None and via[1] is not None:
                    cost = via[0] + body.metric
                    if best is None or cost < best[0]:
                        best = (cost, via[1])
        return best

    def _interface_of(self: OspfProcess, link_data: int) -> str | None:
        for name, oi in self.interfaces.items():
            if oi.iface.address is not None and oi.address == link_data:
                return name
            if oi.iface.address is None and self.device._if_order.get(name, -2) + 1 == link_data:
                return name
        return None

    def _neighbor_address(self: OspfProcess, iface: str, rid: int) -> int | None:
        oi = self.interfaces.get(iface)
        if oi is None:
            return None
        for neighbor in oi.neighbors.values():
            if neighbor.router_id == rid and neighbor.state == FULL:
                return neighbor.address
        return None

    # -- the routing table ---------------------------------------------------------------
    def _install(self: OspfProcess, found: dict[Key, tuple[int, Hop, str, int]]) -> None:
        device = self.device
        table = device.table
        now = device.env.now
        for key in [k for k in self.routes if k not in found]:
            device._routes_changed(table.remove(self.routes.pop(key)))
        for position, key in enumerate(sorted(found)):
            cost, (iface, next_hop), subtype, _ = found[key]
            old = self.routes.get(key)
            if old is not None and (old.metric, old.interface, old.next_hop, old.subtype) == (
                    cost, iface, next_hop, subtype):
                continue
            route = Route(key[0], key[1], "O", OSPF_DISTANCE, next_hop, iface,
                          OSPF_ORDER + position, metric=cost, since=now, subtype=subtype)
            if old is not None:
                device._routes_changed(table.remove(old))
            self.routes[key] = route
            device._routes_changed(table.add(route))

    def withdraw_routes(self: OspfProcess) -> None:
        self._install({})

    # -- area border router (§12.4.3) ----------------------------------------------------
    def _originate_summaries(self: OspfProcess, now: float) -> None:
        for area in sorted(self.areas):
            wanted: dict[tuple[int, int], SummaryLsa] = {}
            intra_here = set(self.paths.get(area, AreaPaths({}, {})).networks)
            for other, paths in self.paths.items():
                if other == area:
                    continue
                networks = dict(paths.networks)
                for oi in self.interfaces.values():
                    if oi.area == other and oi.state != "DOWN" and oi.iface.address is not None:
                        mask = 0xFFFFFFFF if oi.state == "LOOPBACK" else oi.mask
                        networks[(oi.address & mask, mask_to_len(mask))] = (oi.cost, None)
                for (prefix, length), (cost, _) in networks.items():
                    if (prefix, length) in intra_here:
                        continue
                    mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
                    current = wanted.get((SUMMARY_LSA, prefix))
                    if current is None or cost < current.metric:
                        wanted[(SUMMARY_LSA, prefix)] = SummaryLsa(mask, cost)
                for rid, (cost, _) in paths.routers.items():
                    lsa = self.areas[other].get((ROUTER_LSA, rid, rid))
                    if rid != self.router_id and lsa is not None and \
                            isinstance(lsa.body, RouterLsa) and lsa.body.flags & 0x02:
                        wanted[(ASBR_SUMMARY_LSA, rid)] = SummaryLsa(0, cost)
            for (kind, lsid), body in sorted(wanted.items()):
                self._originate(area, kind, lsid, body)
            for key, origin in list(self._originated.items()):
                if origin == area and key[0] in (SUMMARY_LSA, ASBR_SUMMARY_LSA) and \
                        (key[0], key[1]) not in wanted:
                    self._flush(key)


