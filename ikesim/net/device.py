"""Devices (routers and PCs): configuration, interface state, and the IPv4 forwarding path.

Receive path (IOS order, Cisco "NAT Order of Operation", outside-to-inside column): inbound
ACL → NAT outside→inside (global to local) → local delivery (echo reply, UDP listener,
protocol handler, or an ICMP unreachable) → TTL → route lookup → output.
Output path (inside-to-outside column): NAT inside→outside (local to global) → egress hooks
(the crypto map) → outbound ACL (never for locally originated packets, as in IOS) →
interface: a tunnel encapsulates (ikesim.net.tunnel), a physical interface checks its state,
resolves the next hop ("ARP", with IOS proxy ARP on routers) and puts the packet on its link.
Every drop becomes a "drop" event (and a drop record for captures, ikesim.net.capture).

State changes are incremental: an interface that changes state updates its own connected and
interface routes (ikesim.net.routing), the tunnels sourced from it and the routing protocols.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ikesim.net.acl import PROTO_ICMP, Acl
from ikesim.net.addr import int_to_ip
from ikesim.net.config import DeviceConfig
from ikesim.net.configure import Configurable
from ikesim.net.icmp import UNREACH_ADMIN, deliver_icmp, icmp_error
from ikesim.net.interface import LOOPBACK, PHYSICAL, TUNNEL, Interface
from ikesim.net.packet import (
    ICMP_ECHO,
    ICMP_TIME_EXCEEDED,
    ICMP_UNREACHABLE,
    UNREACH_NET,
    UNREACH_PORT,
    UNREACH_PROTOCOL,
    Icmp,
    Packet,
    Tcp,
    Udp,
    echo_data,
    icmp_packet,
    udp_packet,
)
from ikesim.net.routing import Key, Route, RoutingTable

if TYPE_CHECKING:
    import simpy

    from ikesim.net.lab import Lab

PacketHandler = Callable[[Packet, Interface], None]

class Device(Configurable):
    """Common to routers and hosts. Built from a :class:`DeviceConfig`."""

    kind = "device"
    forwards = True
    default_ttl = 255
    proxy_arp = True

    def __init__(self, lab: Lab, config: DeviceConfig, *, uptime: float = 0.0) -> None:
        self.lab = lab
        self.env: simpy.Environment = lab.env
        self.name = config.hostname
        self.config = config
        self.boot_offset = uptime
        self.interfaces: dict[str, Interface] = {}
        self.udp_listeners: dict[int, PacketHandler] = {}
        self.protocol_handlers: dict[int, PacketHandler] = {}
        self.multicast_handlers: dict[int, PacketHandler] = {}
        self.icmp_listeners: list[PacketHandler] = []
        # ping bookkeeping: (ident, seq) → event succeeded with (mark, time)
        self.echo_waiters: dict[tuple[int, int], simpy.Event] = {}
        self.table = RoutingTable()
        self.local_addresses: dict[int, Interface] = {}
        self.tunnels: Any = None  # ikesim.net.tunnel.Tunnels on routers with tunnels
        self.nat: Any = None  # ikesim.net.nat.Nat on routers with NAT
        self.ospf: Any = None  # ikesim.net.ospf.Ospf on routers with `router ospf`
        self.ignored_multicast = 0  # multicast for a protocol this device does not run
        self.last_unreachable = float("-inf")
        self._connected: dict[str, Route] = {}
        self._if_order: dict[str, int] = {}
        self._local_of: dict[str, int] = {}  # interface -> address it made local  # creation order: `show ip route` grouping
        self._statics: list[Route] = []
        self._ip_ident = 0
        self._icmp_ident = 0
        self._apply_config(config)
        self.refresh()

    # -- configuration -------------------------------------------------------------------
    def uptime(self, now: float) -> float:
        """Seconds since boot at simulated time ``now`` (IOS log timestamps)."""
        return self.boot_offset + now

    def reconfigure(self, config: DeviceConfig) -> None:
        """Apply a new configuration mid-run (``configure terminal``)."""
        self.config = config
        admin = {name: i.admin_up for name, i in self.interfaces.items()}
        self._apply_config(config, boot=False)
        self.refresh()
        for name, iface in self.interfaces.items():
            peer = iface.peer
            if peer is not None and admin.get(name) != iface.admin_up:
                peer.device.update_interface(peer)

    def refresh(self) -> None:
        """Recompute every interface's state (after building or reconfiguring)."""
        for iface in list(self.interfaces.values()):
            self.update_interface(iface)

    # -- interface state -----------------------------------------------------------------
    def update_interface(self, iface: Interface) -> None:
        """Recompute one interface's status/protocol; on a change, emit an "interface"
        event (once running) and update addresses, routes, tunnels and routing protocols."""
        state = (iface.status, iface.protocol)
        old = iface._state
        if state == old:
            return
        iface._state = state
        if old is not None and self.lab.started:
            self.lab.events.emit(self.env.now, self.name, "interface", interface=iface.name,
                                 status=state[0], protocol=state[1])
        up = state[1] == "up"
        if old is None or (old[1] == "up") != up:
            self._set_local(iface, up)
            self._routes_changed(self.table.set_interface_up(iface.name, up))
            self._line_changed(iface, up)

    def _set_local(self, iface: Interface, up: bool) -> None:
        registered = self._local_of.pop(iface.name, None)
        if registered is not None and self.local_addresses.get(registered) is iface:
            del self.local_addresses[registered]
        if up and iface.address is not None:
            self.local_addresses.setdefault(iface.address, iface)
            self._local_of[iface.name] = iface.address

    def _routes_changed(self, keys: list[Key]) -> None:
        """Hook for routers: tunnels whose destination moved, OSPF default origination."""

    def _line_changed(self, iface: Interface, up: bool) -> None:
        """Hook for routers: tunnels sourced from ``iface``, OSPF on ``iface``."""

    # -- events --------------------------------------------------------------------------
    def drop(self, reason: str, packet: Packet, iface: Interface | None, **extra: Any) -> None:
        lab = self.lab
        lab.events.emit(
            self.env.now,
            self.name,
            "drop",
            reason=reason,
            interface=iface.name if iface is not None else None,
            src=int_to_ip(packet.src),
            dst=int_to_ip(packet.dst),
            protocol=packet.protocol,
            summary=packet.summary(),
            **extra,
        )
        for tap in lab.drop_taps:
            tap(self.env.now, self, iface, reason, packet)

    # -- receive path --------------------------------------------------------------------
    def receive(self, packet: Packet, iface: Interface, _arrival: object = None) -> None:
        """A packet arrives on ``iface``. ``_arrival`` (unused) is the link's delivery event:
        a link hands the packet over by making this method the simpy callback of its delay."""
        if not iface.line_up:
            link = iface.link
            physical_dark = iface.kind is PHYSICAL and (link is None or not link.up)
            self.drop("link-down" if physical_dark else "interface-down", packet, iface)
            return
        iface.count_in(packet.size, self.env.now)
        acl = iface.acl_in
        if acl is not None and not permitted(acl, packet):
            self.drop("acl-in", packet, iface, acl=acl.name)
            self.icmp_error(packet, ICMP_UNREACHABLE, UNREACH_ADMIN)
            return
        if self.nat is not None and iface.nat == "outside":
            self.nat.outside_to_inside(packet, iface)
        dst = packet.dst
        if dst in self.local_addresses or dst == 0xFFFFFFFF:
            self.deliver(packet, iface)
            return
        if dst >> 28 == 0xE:  # 224.0.0.0/4: never forwarded (no multicast routing here)
            handler = self.multicast_handlers.get(packet.protocol)
            if handler is None:
                self.ignored_multicast += 1
            else:
                handler(packet, iface)
            return
        if not self.forwards:
            self.drop("not-for-us", packet, iface)
            return
        if packet.ttl <= 1:
            self.drop("ttl", packet, iface)
            self.icmp_error(packet, ICMP_TIME_EXCEEDED, 0)
            return
        packet.ttl -= 1
        route = self.table.lookup(dst)
        if route is None:
            self.drop("no-route", packet, iface)
            self.icmp_error(packet, ICMP_UNREACHABLE, UNREACH_NET)
            return
        self.output(packet, self.interfaces[route.out_interface],
                    route.gateway if route.gateway is not None else dst, in_iface=iface)

    def deliver(self, packet: Packet, iface: Interface) -> None:
        payload = packet.payload
        if isinstance(payload, Icmp):
            deliver_icmp(self, packet, payload, iface)
        elif isinstance(payload, Udp):
            listener = self.udp_listeners.get(payload.dport)
            if listener is None:
                self.drop("port-unreachable", packet, iface)
                self.icmp_error(packet, ICMP_UNREACHABLE, UNREACH_PORT)
            else:
                listener(packet, iface)
        else:
            handler = self.protocol_handlers.get(packet.protocol)
            if handler is None:
                self.drop("protocol-unreachable", packet, iface)
                self.icmp_error(packet, ICMP_UNREACHABLE, UNREACH_PROTOCOL)
            else:
                handler(packet, iface)

    def local_addresses_all(self) -> set[int]:
        """Every configured address, whatever the interface state."""
        return {i.address for i in self.interfaces.values() if i.address is not None}

    def icmp_error(self, offending: Packet, icmp_type: int, code: int) -> None:
        icmp_error(self, offending, icmp_type, code)

    # -- output path ---------------------------------------------------------------------
    def output(self, packet: Packet, out: Interface, gateway: int, *,
               in_iface: Interface | None = None, hooks: bool = True) -> bool:
        """Send ``packet`` out of ``out`` towards ``gateway``; ``in_iface`` is where a
        forwarded packet came in (None: locally originated). False when it was dropped."""
        nat = self.nat
        if nat is not None and in_iface is not None and in_iface.nat == "inside" and \
                out.nat == "outside" and not nat.inside_to_outside(packet, in_iface, out):
            return False
        if hooks:
            for hook in out.egress_hooks:
                if hook(packet, out):
                    return True
        if in_iface is not None:
            acl = out.acl_out
            if acl is not None and not permitted(acl, packet):
                self.drop("acl-out", packet, out, acl=acl.name)
                self.icmp_error(packet, ICMP_UNREACHABLE, UNREACH_ADMIN)
                return False
        kind = out.kind
        if kind is PHYSICAL:
            return self.transmit(packet, out, gateway)
        if kind is TUNNEL and self.tunnels is not None:
            return bool(self.tunnels.send(packet, out))
        # A loopback has no neighbours and Null0 discards (IOS "ip route ... Null0").
        self.drop("loopback" if kind is LOOPBACK else "null0", packet, out)
        return False

    def transmit(self, packet: Packet, iface: Interface, gateway: int) -> bool:
        """Send on a physical ``iface`` towards neighbour ``gateway`` (no hooks, no ACL)."""
        link = iface.link
        if not iface.admin_up:
            self.drop("interface-down", packet, iface)
            return False
        if link is None or not link.up:
            self.drop("link-down", packet, iface)
            return False
        far = link.b if iface is link.a else link.a
        if not far.admin_up:       # what is left of iface.line_up once the above passed
            self.drop("interface-down", packet, iface)
            return False
        if (iface.arp and far.address != gateway and packet.dst >> 28 != 0xE
                and not neighbour_answers(far, gateway)):     # (the far end itself answers)
            # IOS: "encapsulation failed" — nobody on the segment answers ARP for the gateway.
            self.drop("arp", packet, iface, gateway=int_to_ip(gateway))
            return False
        iface.count_out(packet.size, self.env.now)
        return link.transmit(packet, iface)

    def send_packet(self, packet: Packet, *, hooks: bool = True) -> bool:
        """Send a locally originated packet; ``src`` 0 means "the egress interface address".

        Returns False (and records a drop) when it cannot leave this device.
        """
        if packet.dst in self.local_addresses:
            iface = self.local_addresses[packet.dst]
            if packet.src == 0:
                packet.src = packet.dst
            event = self.env.timeout(0)
            event.callbacks.append(lambda _e: self.deliver(packet, iface))
            return True
        route = self.table.lookup(packet.dst)
        if route is None:
            self.drop("no-route", packet, None)
            return False
        out = self.interfaces[route.out_interface]
        if packet.src == 0:
            address = out.source_address
            packet.src = address if address is not None else 0
        return self.output(packet, out, route.gateway if route.gateway is not None
                           else packet.dst, hooks=hooks)

    def send_on(self, packet: Packet, iface: Interface) -> bool:
        """Send a locally originated packet out of ``iface`` without a route lookup
        (multicast and link-local protocol traffic such as OSPF hellos)."""
        if packet.src == 0:
            packet.src = iface.source_address or 0
        return self.output(packet, iface, packet.dst)

    def send_udp(
        self, dst: int, sport: int, dport: int, data: bytes, src: int | None = None
    ) -> bool:
        packet = udp_packet(
            src or 0, dst, sport, dport, data, ttl=self.default_ttl, ident=self.next_ip_ident()
        )
        return self.send_packet(packet)

    def send_echo(
        self, dst: int, ident: int, seq: int, size: int = 100, src: int | None = None
    ) -> bool:
        packet = icmp_packet(
            src or 0,
            dst,
            Icmp(ICMP_ECHO, 0, ident, seq, echo_data(size)),
            ttl=self.default_ttl,
            ident=self.next_ip_ident(),
        )
        return self.send_packet(packet)

    def next_icmp_ident(self) -> int:
        self._icmp_ident = (self._icmp_ident + 1) & 0xFFFF
        return self._icmp_ident

    def next_ip_ident(self) -> int:
        self._ip_ident = (self._ip_ident + 1) & 0xFFFF
        return self._ip_ident

    _next_ip_ident = next_ip_ident  # the crypto service's name for it

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def permitted(acl: Acl, packet: Packet) -> bool:
    payload = packet.payload
    if isinstance(payload, Udp | Tcp):
        return acl.filter(packet.src, packet.dst, packet.protocol, payload.sport, payload.dport)
    if packet.protocol == PROTO_ICMP and isinstance(payload, Icmp):
        return acl.filter(packet.src, packet.dst, packet.protocol, icmp_type=payload.type)
    return acl.filter(packet.src, packet.dst, packet.protocol)


def neighbour_answers(peer: Interface, gateway: int) -> bool:
    """Would the far end answer ARP for ``gateway``? Its own address, or proxy ARP (IOS
    routers answer for destinations they route out of another interface)."""
    if peer.address == gateway:
        return True
    device = peer.device
    if not device.proxy_arp or not device.forwards:
        return False
    if gateway in device.local_addresses:
        return True
    if device.nat is not None and device.nat.answers_arp(gateway):
        return True
    route = device.table.lookup(gateway)
    return route is not None and route.out_interface != peer.name
