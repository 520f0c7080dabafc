"""OSPF processes of a router (``router ospf N``), built from ``DeviceConfig.ospf``.

- Interfaces join a process by ``ip ospf PROCESS area AREA`` or by ``network A.B.C.D WILDCARD
  area N`` (the first statement that covers the interface address, in configuration order),
  ``ip unnumbered`` ones by the address they borrow; ``passive-interface`` (and ``passive-interface default`` / ``no
  passive-interface``) keeps the network advertised but sends and accepts no hellos.
- Router ID (IOS): ``router-id``, else the highest address of an up loopback, else the highest
  address of an up interface, chosen once when the process starts; with no address at all the
  process cannot start.
- Packets are real RFC 2328 bytes carried as IP protocol 89 (multicast 224.0.0.5/6, TTL 1),
  so loss, ACLs, crypto maps and tunnels affect them like any other traffic.
- Events (kind "ospf", fields ``process`` and ``event``): ``neighbor-state`` (neighbor,
  interface, old, new, reason; IOS logs %OSPF-5-ADJCHG for those reaching FULL or DOWN),
  ``mismatch`` (interface, source, what: "area" | "hello" | "dead" | "mask" | "mtu", value),
  ``router-id`` (router_id), ``no-router-id``, ``spf`` (area count, routes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ikesim.net.addr import int_to_ip
from ikesim.net.config import DeviceConfig
from ikesim.net.config import OspfProcess as OspfConfig
from ikesim.net.interface import LOOPBACK, TUNNEL, Interface
from ikesim.net.ospf.interface import BROADCAST, OspfInterface, default_cost
from ikesim.net.ospf.lsdb import Lsdb
from ikesim.net.ospf.neighbor import FULL, STATE_NAMES, Neighbor
from ikesim.net.ospf.origination import Origination
from ikesim.net.ospf.packets import (
    ALL_DR_ROUTERS,
    PROTO_OSPF,
    DbDescription,
    Hello,
    LsAck,
    LsRequest,
    LsUpdate,
    OspfError,
    OspfPacket,
    decode_ospf,
    encode_ospf,
)
from ikesim.net.ospf.routes import RouteCalculation
from ikesim.net.packet import IP_HEADER_LEN, Packet
from ikesim.net.routing import Key

if TYPE_CHECKING:
    from ikesim.net.device import Device

DEFAULT_HELLO = 10
GRE_IP_MTU = 1476  # a GRE tunnel's IP MTU ("Tunnel transport MTU 1476 bytes")


class Ospf:
    """Every ``router ospf`` process of one router."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.processes: dict[int, OspfProcess] = {}
        device.protocol_handlers[PROTO_OSPF] = self.receive
        device.multicast_handlers[PROTO_OSPF] = self.receive

    def configure(self, config: DeviceConfig) -> None:
        for pid in [p for p in self.processes if p not in config.ospf]:
            self.processes.pop(pid).shutdown()
        for pid, pconf in sorted(config.ospf.items()):
            process = self.processes.get(pid)
            if process is None:
                process = self.processes[pid] = OspfProcess(self.device, pid)
            process.configure(config, pconf)

    def receive(self, packet: Packet, iface: Interface) -> None:
        for process in self.processes.values():
            if iface.name in process.interfaces:
                process.receive(packet, iface)
                return

    def line_changed(self, iface: Interface, up: bool) -> None:
        for process in list(self.processes.values()):
            process.line_changed(iface, up)

    def routes_changed(self, keys: list[Key]) -> None:
        if (0, 0) in keys:
            for process in self.processes.values():
                process.default_route_changed()

    def interface(self, name: str) -> OspfInterface | None:
        for process in self.processes.values():
            if name in process.interfaces:
                return process.interfaces[name]
        return None


class OspfProcess(Origination, RouteCalculation):
    def __init__(self, device: Device, pid: int) -> None:
        self.device = device
        self.pid = pid
        self.pconf: OspfConfig | None = None
        self.config: DeviceConfig | None = None
        self.router_id: int | None = None
        self.interfaces: dict[str, OspfInterface] = {}
        self.areas: dict[int, Lsdb] = {}
        self.externals = Lsdb()
        self._dd_sequence = 0
        self._start_pending = False
        Origination.__init__(self)
        RouteCalculation.__init__(self)

    # -- configuration -------------------------------------------------------------------
    def configure(self, config: DeviceConfig, pconf: OspfConfig) -> None:
        self.config, self.pconf = config, pconf
        wanted: dict[str, tuple[int, int, int, int, bool]] = {}
        for name, iface in self.device.interfaces.items():
            area = self._area_of(iface, pconf, config)
            if area is None:
                continue
            ic = config.interfaces.get(name)
            hello = (ic.ospf_hello if ic and ic.ospf_hello else DEFAULT_HELLO)
            dead = ic.ospf_dead if ic and ic.ospf_dead else 4 * hello
            cost = ic.ospf_cost if ic and ic.ospf_cost else default_cost(iface)
            passive = (name in pconf.passive or (pconf.passive_default
                                                 and name not in pconf.not_passive))
            wanted[name] = (area, cost, hello, dead, passive)
        for name in [n for n in self.interfaces if wanted.get(n) != self._params(n)]:
            self.interfaces.pop(name).down()
        for name, (area, cost, hello, dead, passive) in wanted.items():
            if name in self.interfaces:
                continue
            self.areas.setdefault(area, Lsdb())
            self.interfaces[name] = OspfInterface(self, self.device.interfaces[name], area,
                                                  cost=cost, hello=hello, dead=dead,
                                                  passive=passive)
        self._start()

    def _params(self, name: str) -> tuple[int, int, int, int, bool] | None:
        oi = self.interfaces.get(name)
        if oi is None:
            return None
        return (oi.area, oi.cost, oi.hello_interval, oi.dead_interval, oi.passive)

    def _area_of(self, iface: Interface, pconf: OspfConfig,
                 config: DeviceConfig | None = None) -> int | None:
        """``ip ospf PROCESS area AREA`` on the interface (it wins, as on IOS), else the first
        ``network`` statement that covers the interface's address."""
        ic = config.interfaces.get(iface.name) if config is not None else None
        if ic is not None and ic.ospf_area is not None:
            return ic.ospf_area[1] if ic.ospf_area[0] == self.pid else None
        address = iface.source_address
        if address is None:
            return None
        for network in pconf.networks:
            care = ~int(network.wildcard) & 0xFFFFFFFF
            if address & care == int(network.address) & care:
                return network.area
        return None

    def shutdown(self) -> None:
        for oi in self.interfaces.values():
            oi.down()
        self.interfaces.clear()
        self.withdraw_routes()

    def _start(self) -> None:
        """Pick the router ID (once) and bring up the interfaces that are up. While the lab is
        being built the start waits for the first instant of the run, when every interface
        cabled at build time is up (as after an IOS boot)."""
        device = self.device
        if self.router_id is None and not device.lab.started:
            if not self._start_pending:
                self._start_pending = True
                event = device.env.timeout(0)
                event.callbacks.append(lambda _e: self._deferred_start())
            return
        if self.router_id is None:
            self.router_id = self._select_router_id()
            if self.router_id is None:
                self.event("no-router-id")
                return
            self.event("router-id", router_id=int_to_ip(self.router_id))
        for oi in self.interfaces.values():
            if oi.iface.line_up:
                oi.up()
        self.default_route_changed()

    def _deferred_start(self) -> None:
        self._start_pending = False
        if self.router_id is None:
            self._start()

    def _select_router_id(self) -> int | None:
        assert self.pconf is not None
        if self.pconf.router_id is not None:
            return int(self.pconf.router_id)
        up = [i for i in self.device.interfaces.values() if i.line_up and i.address is not None]
        loopbacks = [i.address for i in up if i.kind is LOOPBACK]
        candidates = loopbacks or [i.address for i in up]
        return max(candidates) if candidates else None  # type: ignore[type-var]

    def line_changed(self, iface: Interface, up: bool) -> None:
        if self.router_id is None:
            if up:
                self._start()
            return
        oi = self.interfaces.get(iface.name)
        if oi is None and self.pconf is not None and self.config is not None:
            if self._area_of(iface, self.pconf, self.config) is not None:  # e.g. a lender
                self.configure(self.config, self.pconf)
            return
        if oi is not None:
            if up:
                oi.up()
            else:
                oi.down()

    def mtu_of(self, iface: Interface) -> int:
        ic = self.config.interfaces.get(iface.name) if self.config is not None else None
        if ic is not None and ic.mtu:
            return ic.mtu
        return GRE_IP_MTU if iface.kind is TUNNEL else 1500

    def next_dd_sequence(self) -> int:
        """A DD sequence number unique per exchange (§10.8: "some unique value")."""
        self._dd_sequence += 1
        return (int(self.device.env.now) * 1000 + self._dd_sequence) & 0x7FFFFFFF

    # -- events ------------------------------------------------------------------------
    def event(self, kind: str, **fields: Any) -> None:
        device = self.device
        device.lab.events.emit(device.env.now, device.name, "ospf", process=self.pid,
                               event=kind, **fields)

    def mismatch(self, oi: OspfInterface, neighbor: Neighbor | None, what: str, value: int,
                 *, source: int | None = None) -> None:
        address = source if source is not None else (neighbor.address if neighbor else 0)
        self.event("mismatch", interface=oi.iface.name, source=int_to_ip(address), what=what,
                   value=value, area=oi.area)

    def neighbor_state_changed(self, neighbor: Neighbor, old: int, new: int,
                               reason: str) -> None:
        oi = neighbor.interface
        self.event("neighbor-state", neighbor=int_to_ip(neighbor.router_id),
                   interface=oi.iface.name, old=STATE_NAMES[old], new=STATE_NAMES[new],
                   reason=reason)
        if FULL in (old, new):
            self.interface_changed(oi)
        elif oi.type == BROADCAST and (old >= 2) != (new >= 2) and \
                oi.state not in ("DOWN", "WAITING"):
            oi.elect()

    # -- packets -------------------------------------------------------------------------
    def send(self, oi: OspfInterface, body: Any, destination: int) -> None:
        if self.router_id is None or oi.state == "DOWN":
            return
        data = encode_ospf(OspfPacket(self.router_id, oi.area, body))
        device = self.device
        packet = Packet(oi.address, destination, PROTO_OSPF, 1, data, IP_HEADER_LEN + len(data),
                        device.next_ip_ident())
        device.send_on(packet, oi.iface)

    def receive(self, packet: Packet, iface: Interface) -> None:
        oi = self.interfaces.get(iface.name)
        if oi is None or oi.passive or oi.state == "DOWN" or self.router_id is None:
            return
        try:
            ospf = decode_ospf(packet.payload if isinstance(packet.payload, bytes) else b"")
        except OspfError as exc:
            self.device.drop("ospf-malformed", packet, iface, error=str(exc))
            return
        if ospf.router_id == self.router_id:
            return
        if ospf.area != oi.area:
            self.mismatch(oi, None, "area", ospf.area, source=packet.src)
            return
        if packet.dst == ALL_DR_ROUTERS and oi.state not in ("DR", "BDR"):
            return
        body = ospf.body
        if isinstance(body, Hello):
            oi.receive_hello(packet.src, ospf.router_id, body)
            return
        key = packet.src if oi.type == BROADCAST else ospf.router_id
        neighbor = oi.neighbors.get(key)
        if neighbor is None:
            return
        if isinstance(body, DbDescription):
            neighbor.receive_dbd(body)
        elif isinstance(body, LsRequest):
            neighbor.receive_request(body)
        elif isinstance(body, LsUpdate):
            self.receive_update(neighbor, body)
        elif isinstance(body, LsAck):
            neighbor.receive_ack(body.headers)
