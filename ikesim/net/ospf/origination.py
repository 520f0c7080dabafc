"""Originating and flooding LSAs (RFC 2328 §12.4, §13).

- Router-LSA per area (§12.4.1): loopbacks as host routes (stub /32), point-to-point interfaces
  as a link to each FULL neighbour plus a stub for the subnet (option 1 of §12.4.1.1),
  broadcast interfaces as a transit link once FULL with the DR (or DR with a FULL neighbour),
  else a stub; passive interfaces as stubs. Bits E (ASBR) and B (ABR).
- Network-LSA (§12.4.2) by the DR of a broadcast network with at least one FULL neighbour; a
  former DR flushes it (premature aging, §14.1).
- ``default-information originate [always]``: an AS-external-LSA for 0.0.0.0/0, type 2, metric
  1 (as IOS shows it: ``O*E2 0.0.0.0/0 [110/1]``), while the router has a default route from
  another source, or always.
- Self-originated LSAs are re-originated every LSRefreshTime (1,800 s).
- Flooding: a new or changed LSA goes to every neighbour in Exchange or later (except the one
  it came from), stays on their retransmission lists until acknowledged (direct LSAcks),
  and is retransmitted every RxmtInterval. A received copy of our own LSA that is newer than
  ours (a previous life) makes us jump past its sequence number (§13.4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ikesim.net.ospf.lsdb import LS_REFRESH_TIME, Lsdb, compare
from ikesim.net.ospf.neighbor import FULL
from ikesim.net.ospf.packets import (
    EXTERNAL_LSA,
    INITIAL_SEQUENCE,
    MAX_AGE,
    NETWORK_LSA,
    OPTION_E,
    P2P_LINK,
    ROUTER_LSA,
    STUB_LINK,
    TRANSIT_LINK,
    ExternalLsa,
    Lsa,
    LsaBody,
    LsAck,
    LsaHeader,
    LsUpdate,
    NetworkLsa,
    RouterLink,
    RouterLsa,
    make_lsa,
)
from ikesim.net.timers import Timer

if TYPE_CHECKING:
    from ikesim.net.ospf.interface import OspfInterface
    from ikesim.net.ospf.neighbor import Neighbor
    from ikesim.net.ospf.process import OspfProcess

INF_TRANS_DELAY = 1  # seconds added to LS age on each transmission (Appendix C.3)


class Origination:
    def __init__(self: OspfProcess) -> None:
        self._originated: dict[tuple[int, int, int], int] = {}  # key -> area (-1: AS scope)
        self._refresh = Timer(self.device.env, self._refresh_all)
        self.originating_default = False

    # -- what we originate ---------------------------------------------------------------
    def interface_changed(self: OspfProcess, oi: OspfInterface) -> None:
        self.originate_router_lsa(oi.area)
        if oi.type == "BROADCAST":
            self._originate_network_lsa(oi)
        self.schedule_spf()

    def originate_router_lsa(self: OspfProcess, area: int) -> None:
        if self.router_id is None:
            return
        links: list[RouterLink] = []
        for name in sorted(self.interfaces):
            oi = self.interfaces[name]
            if oi.area != area or oi.state == "DOWN":
                continue
            links.extend(self._links(oi))
        flags = (0x02 if self.originating_default else 0) | (0x01 if self.is_abr() else 0)
        self._originate(area, ROUTER_LSA, self.router_id, RouterLsa(tuple(links), flags))

    def _links(self: OspfProcess, oi: OspfInterface) -> list[RouterLink]:
        iface, address, cost = oi.iface, oi.address, oi.cost
        numbered = iface.address is not None
        stub = [RouterLink(address & oi.mask, oi.mask, STUB_LINK, cost)] if numbered else []
        if oi.state == "LOOPBACK":
            return [RouterLink(address, 0xFFFFFFFF, STUB_LINK, cost)]
        if oi.state == "PASSIVE":
            return stub
        if oi.type == "POINT_TO_POINT":
            data = address if numbered else self.device._if_order.get(iface.name, 0) + 1
            full = sorted({n.router_id for n in oi.neighbors.values() if n.state == FULL})
            return [RouterLink(rid, data, P2P_LINK, cost) for rid in full] + stub
        full_with_dr = any(n.state == FULL and n.address == oi.dr for n in oi.neighbors.values())
        dr_with_full = oi.dr == address and any(n.state == FULL for n in oi.neighbors.values())
        if oi.state != "WAITING" and oi.dr and (full_with_dr or dr_with_full):
            return [RouterLink(oi.dr, address, TRANSIT_LINK, cost)]
        return stub

    def _originate_network_lsa(self: OspfProcess, oi: OspfInterface) -> None:
        assert self.router_id is not None
        key = (NETWORK_LSA, oi.address, self.router_id)
        full = sorted(n.router_id for n in oi.neighbors.values() if n.state == FULL)
        if oi.state == "DR" and full:
            routers = tuple(sorted({self.router_id, *full}))
            self._originate(oi.area, NETWORK_LSA, oi.address, NetworkLsa(oi.mask, routers))
        elif key in self._originated:
            self._flush(key)

    def default_route_changed(self: OspfProcess) -> None:
        pconf = self.pconf
        if pconf is None or self.router_id is None:
            return
        default = self.device.table.default_route()
        wanted = pconf.default_originate and (
            pconf.default_originate_always or (default is not None and default.code != "O"))
        key = (EXTERNAL_LSA, 0, self.router_id)
        if wanted:
            self.originating_default = True
            self._originate(-1, EXTERNAL_LSA, 0, ExternalLsa(0, 1, True, 0, 1))
        elif key in self._originated:
            self.originating_default = False
            self._flush(key)
        else:
            return
        for area in sorted(self.areas):
            self.originate_router_lsa(area)

    # -- origination machinery -----------------------------------------------------------
    def database(self: OspfProcess, area: int) -> Lsdb:
        return self.externals if area == -1 else self.areas.setdefault(area, Lsdb())

    def _originate(self: OspfProcess, area: int, kind: int, lsid: int, body: LsaBody,
                   *, force: bool = False) -> None:
        assert self.router_id is not None
        key = (kind, lsid, self.router_id)
        db = self.database(area)
        current = db.get(key)
        if current is not None and current.body == body and not force and \
                current.header.age < MAX_AGE:
            return
        seq = INITIAL_SEQUENCE if current is None else (current.header.sequence + 1) & 0xFFFFFFFF
        header = LsaHeader(0, OPTION_E, kind, lsid, self.router_id, seq)
        lsa = make_lsa(header, body)
        self._install_and_flood(area, lsa, None)
        self._originated[key] = area
        if not self._refresh.active:
            self._refresh.start(LS_REFRESH_TIME)

    def _flush(self: OspfProcess, key: tuple[int, int, int]) -> None:
        area = self._originated.pop(key)
        db = self.database(area)
        current = db.get(key)
        if current is not None:
            self._install_and_flood(area, current.with_age(MAX_AGE), None)

    def _refresh_all(self: OspfProcess) -> None:
        for key, area in list(self._originated.items()):
            current = self.database(area).get(key)
            if current is not None:
                self._originate(area, key[0], key[1], current.body, force=True)
        self._refresh.start(LS_REFRESH_TIME)

    def _install_and_flood(self: OspfProcess, area: int, lsa: Lsa, source: Neighbor | None) -> None:
        self.database(area).install(lsa, self.device.env.now)
        for oi in self.interfaces.values():
            if area != -1 and oi.area != area:
                continue
            targets = [n for n in oi.exchanging() if n is not source]
            if not targets:
                continue
            for neighbor in targets:
                neighbor.queue_flood(lsa)
            oi.queue_flood(lsa)
        self.schedule_spf()

    def refreshed(self: OspfProcess, lsa: Lsa, area: int) -> Lsa:
        """The LSA as sent: its current age plus InfTransDelay (§13.3)."""
        scope = -1 if lsa.header.type == EXTERNAL_LSA else area
        current = self.database(scope).aged(lsa.key, self.device.env.now)
        if current is None or compare(current.header, lsa.header) != 0:
            current = lsa
        age = min(MAX_AGE, current.header.age + INF_TRANS_DELAY)
        return current.with_age(age)

    # -- receiving (§13) -----------------------------------------------------------------
    def receive_update(self: OspfProcess, neighbor: Neighbor, update: LsUpdate) -> None:
        if neighbor.state < 4:  # Exchange or later (§13)
            return
        now = self.device.env.now
        area = neighbor.interface.area
        acks: list[LsaHeader] = []
        for lsa in update.lsas:
            scope = -1 if lsa.header.type == EXTERNAL_LSA else area
            db = self.database(scope)
            ours = db.aged(lsa.key, now)
            order = 1 if ours is None else compare(lsa.header, ours.header)
            if order > 0:
                if lsa.header.advertising_router == self.router_id or (
                        lsa.header.type == NETWORK_LSA and self._own_address(lsa.header.link_state_id)):
                    acks.append(lsa.header)
                    self._own_lsa_returned(scope, lsa)
                    continue
                self._install_and_flood(scope, lsa, neighbor)
                acks.append(lsa.header)
                for other in self._all_neighbors():
                    other.request_satisfied(lsa.key, lsa.header)
            elif order == 0:
                if lsa.key in neighbor.retransmit:
                    del neighbor.retransmit[lsa.key]  # implied acknowledgment (§13.7)
                else:
                    acks.append(lsa.header)
                neighbor.request_satisfied(lsa.key, lsa.header)
            elif ours is not None and ours.header.age < MAX_AGE:
                self.send(neighbor.interface, LsUpdate((self.refreshed(ours, area),)),
                          neighbor.interface.unicast_to(neighbor))
        if acks:
            self.send(neighbor.interface, LsAck(tuple(acks)),
                      neighbor.interface.unicast_to(neighbor))

    def _own_lsa_returned(self: OspfProcess, area: int, lsa: Lsa) -> None:
        """§13.4: take over the newer sequence number, then re-originate or flush."""
        db = self.database(area)
        mine = db.get(lsa.key)
        db.install(lsa, self.device.env.now)
        if lsa.key in self._originated and mine is not None:
            self._originate(area, lsa.header.type, lsa.header.link_state_id, mine.body,
                            force=True)
        elif lsa.header.age < MAX_AGE:
            self._install_and_flood(area, lsa.with_age(MAX_AGE), None)

    def _own_address(self: OspfProcess, address: int) -> bool:
        return any(oi.address == address for oi in self.interfaces.values())

    def _all_neighbors(self: OspfProcess) -> list[Neighbor]:
        return [n for oi in self.interfaces.values() for n in oi.neighbors.values()]

    def database_headers(self: OspfProcess, area: int) -> list[LsaHeader]:
        now = self.device.env.now
        return [*self.database(area).headers(now), *self.externals.headers(now)]

    def is_newer(self: OspfProcess, area: int, header: LsaHeader) -> bool:
        scope = -1 if header.type == EXTERNAL_LSA else area
        return self.database(scope).newer_than_ours(header, self.device.env.now)

    def lookup(self: OspfProcess, area: int, key: Any) -> Lsa | None:
        scope = -1 if key[0] == EXTERNAL_LSA else area
        return self.database(scope).aged(key, self.device.env.now)
