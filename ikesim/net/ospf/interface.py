"""OSPF on one interface: the hello protocol (RFC 2328 §9.5, §10.5), the interface states of
§9.1, and the DR/BDR election of §9.4 on broadcast networks.

Network types as IOS picks them: Ethernet is broadcast (DR/BDR), tunnels and serial lines are
point-to-point, loopbacks are advertised as host routes. Hello/dead intervals default to 10/40 s
(`ip ospf hello-interval`, `ip ospf dead-interval`, dead = 4 × hello when only the hello is
set). A hello whose mask (broadcast only), hello interval or dead interval differs from ours
is discarded (§10.5), so the neighbour never appears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ikesim.net.addr import MASKS
from ikesim.net.interface import LOOPBACK, TUNNEL, Interface
from ikesim.net.ospf.neighbor import EXCHANGE, TWO_WAY, Neighbor
from ikesim.net.ospf.packets import (
    ALL_DR_ROUTERS,
    ALL_SPF_ROUTERS,
    OPTION_E,
    Hello,
    Lsa,
    LsUpdate,
)
from ikesim.net.timers import Timer

if TYPE_CHECKING:
    from ikesim.net.ospf.process import OspfProcess

BROADCAST, POINT_TO_POINT, LOOPBACK_NET = "BROADCAST", "POINT_TO_POINT", "LOOPBACK"
REFERENCE_BANDWIDTH_KBIT = 100_000  # IOS auto-cost reference bandwidth: 10^8 bit/s
FLOOD_PACING = 0.033  # seconds (IOS `timers pacing flood` default)
MAX_UPDATE_BYTES = 1400  # LSAs per Link State Update: keep it within one 1500-byte MTU


def default_cost(iface: Interface) -> int:
    """IOS: reference bandwidth / interface bandwidth, at least 1 (FastEthernet 1, Ethernet
    10, Serial T1 64, Tunnel 100 Kbit 1000, Loopback 1)."""
    return max(1, REFERENCE_BANDWIDTH_KBIT // max(1, iface.bandwidth))


def network_type(iface: Interface) -> str:
    if iface.kind is LOOPBACK:
        return LOOPBACK_NET
    if iface.kind is TUNNEL or iface.name.startswith("Serial"):
        return POINT_TO_POINT
    return BROADCAST


class OspfInterface:
    def __init__(self, process: OspfProcess, iface: Interface, area: int, *, cost: int,
                 hello: int, dead: int, passive: bool) -> None:
        self.process = process
        self.iface = iface
        self.area = area
        self.cost = cost
        self.hello_interval = hello
        self.dead_interval = dead
        self.passive = passive
        self.type = network_type(iface)
        self.state = "DOWN"
        self.dr = self.bdr = 0  # interface addresses, as hellos carry them
        self.neighbors: dict[int, Neighbor] = {}  # by address (broadcast) or router ID
        env = process.device.env
        self.hello_timer = Timer(env, self._hello_tick)
        self.wait_timer = Timer(env, self._wait_done)
        self._flood_queue: dict[tuple[int, int, int], Lsa] = {}
        self._flood_timer = Timer(env, self._send_floods)

    @property
    def address(self) -> int:
        return self.iface.source_address or 0

    @property
    def mask(self) -> int:
        return MASKS[self.iface.length] if self.iface.address is not None else 0

    @property
    def mtu(self) -> int:
        return self.process.mtu_of(self.iface)

    # -- state -------------------------------------------------------------------------
    def up(self) -> None:
        if self.state != "DOWN":
            return
        if self.type == LOOPBACK_NET:
            self.state = LOOPBACK_NET
        elif self.passive:
            self.state = "PASSIVE"
        elif self.type == POINT_TO_POINT:
            self.state = POINT_TO_POINT
            self._hello_tick()
        else:
            self.state = "WAITING"
            self.wait_timer.start(self.dead_interval)
            self._hello_tick()
        self.process.interface_changed(self)

    def down(self, reason: str = "Interface down or detached") -> None:
        if self.state == "DOWN":
            return
        self.state = "DOWN"
        self.hello_timer.cancel()
        self.wait_timer.cancel()
        self._flood_timer.cancel()
        self._flood_queue = {}
        for neighbor in list(self.neighbors.values()):
            neighbor.kill(reason)
        self.neighbors.clear()
        self.dr = self.bdr = 0
        self.process.interface_changed(self)

    def neighbor_gone(self, neighbor: Neighbor) -> None:
        for key, known in list(self.neighbors.items()):
            if known is neighbor:
                del self.neighbors[key]
        if self.type == BROADCAST and self.state not in ("DOWN", "WAITING"):
            self.elect()

    # -- hellos ------------------------------------------------------------------------
    def _hello_tick(self) -> None:
        self.send_hello()
        self.hello_timer.start(self.hello_interval)

    def send_hello(self) -> None:
        seen = tuple(sorted(n.router_id for n in self.neighbors.values() if n.state >= 1))
        hello = Hello(self.mask, self.hello_interval, OPTION_E, 1, self.dead_interval,
                      self.dr, self.bdr, seen)
        self.process.send(self, hello, ALL_SPF_ROUTERS)

    def receive_hello(self, source: int, router_id: int, hello: Hello) -> None:
        if self.type == BROADCAST and hello.mask != self.mask:
            self.process.mismatch(self, None, "mask", hello.mask, source=source)
            return
        if hello.hello_interval != self.hello_interval:
            self.process.mismatch(self, None, "hello", hello.hello_interval, source=source)
            return
        if hello.dead_interval != self.dead_interval:
            self.process.mismatch(self, None, "dead", hello.dead_interval, source=source)
            return
        key = source if self.type == BROADCAST else router_id
        neighbor = self.neighbors.get(key)
        if neighbor is None:
            neighbor = self.neighbors[key] = Neighbor(self, router_id, source)
        neighbor.router_id, neighbor.address = router_id, source
        declared = (neighbor.priority, neighbor.dr, neighbor.bdr)
        neighbor.priority, neighbor.dr, neighbor.bdr = hello.priority, hello.dr, hello.bdr
        neighbor.hello_received()
        if self.process.router_id in hello.neighbors:
            neighbor.two_way_received()
        else:
            neighbor.one_way_received()
            return
        if self.type != BROADCAST:
            return
        if self.state == "WAITING":
            if (hello.dr == source and hello.bdr == 0) or hello.bdr == source:
                self.wait_timer.cancel()
                self.elect()  # §9.3 BackupSeen
        elif declared != (hello.priority, hello.dr, hello.bdr):
            self.elect()  # §9.2 NeighborChange

    def _wait_done(self) -> None:
        if self.state == "WAITING":
            self.elect()

    # -- DR election (§9.4) --------------------------------------------------------------
    def elect(self) -> None:
        me = (1, self.process.router_id or 0, self.address)
        eligible = [(n.priority, n.router_id, n.address, n.dr, n.bdr)
                    for n in self.neighbors.values() if n.state >= TWO_WAY and n.priority > 0]

        def run(dr: int, bdr: int) -> tuple[int, int]:
            routers = [*eligible, (*me, dr, bdr)]
            not_dr = [r for r in routers if r[3] != r[2]]
            claims = [r for r in not_dr if r[4] == r[2]]
            backup = max(claims or not_dr, default=None, key=lambda r: (r[0], r[1]))
            dr_claims = [r for r in routers if r[3] == r[2]]
            chosen = max(dr_claims, default=None, key=lambda r: (r[0], r[1]))
            new_bdr = backup[2] if backup is not None else 0
            new_dr = chosen[2] if chosen is not None else new_bdr
            if chosen is None:
                new_bdr = 0 if backup is None else new_bdr
            return new_dr, new_bdr

        dr, bdr = run(self.dr, self.bdr)
        mine = self.address
        if (dr == mine) != (self.dr == mine) or (bdr == mine) != (self.bdr == mine):
            dr, bdr = run(dr, bdr)  # §9.4 step 4: our role changed, compute again
        if dr == bdr:
            bdr = 0
        self.dr, self.bdr = dr, bdr
        self.state = "DR" if dr == mine else "BDR" if bdr == mine else "DROTHER"
        for neighbor in list(self.neighbors.values()):
            neighbor.adjacency_ok()
        self.process.interface_changed(self)

    def should_be_adjacent(self, neighbor: Neighbor) -> bool:
        if self.type != BROADCAST:
            return True
        if self.state == "WAITING":
            return False
        return self.state in ("DR", "BDR") or neighbor.address in (self.dr, self.bdr)

    # -- addressing ----------------------------------------------------------------------
    def unicast_to(self, neighbor: Neighbor) -> int:
        """Where packets for one neighbour go: its address on broadcast networks, AllSPFRouters
        on point-to-point ones (§8.1)."""
        return neighbor.address if self.type == BROADCAST else ALL_SPF_ROUTERS

    def flood_address(self) -> int:
        """§13.3: the DR and BDR flood to AllSPFRouters, other routers to AllDRouters."""
        if self.type != BROADCAST or self.state in ("DR", "BDR"):
            return ALL_SPF_ROUTERS
        return ALL_DR_ROUTERS

    def queue_flood(self, lsa: Lsa) -> None:
        """Flooding is paced as IOS paces it (``timers pacing flood``, 33 ms by default): LSAs
        queued within one pacing interval leave in one Link State Update."""
        self._flood_queue[lsa.key] = lsa
        if not self._flood_timer.active:
            self._flood_timer.start(FLOOD_PACING)

    def _send_floods(self) -> None:
        queued, self._flood_queue = list(self._flood_queue.values()), {}
        batch: list[Lsa] = []
        size = 0
        for lsa in queued:
            lsa = self.process.refreshed(lsa, self.area)
            if batch and size + lsa.header.length > MAX_UPDATE_BYTES:
                self.process.send(self, LsUpdate(tuple(batch)), self.flood_address())
                batch, size = [], 0
            batch.append(lsa)
            size += lsa.header.length
        if batch:
            self.process.send(self, LsUpdate(tuple(batch)), self.flood_address())

    def exchanging(self) -> list[Neighbor]:
        return [n for n in self.neighbors.values() if n.state >= EXCHANGE]
