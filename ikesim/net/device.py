"""Devices (routers and PCs), their interfaces and the IPv4 forwarding path.

Receive path (IOS order): inbound ACL → local delivery (echo reply, UDP listener, protocol
handler, or an ICMP unreachable) → TTL → route lookup → egress hooks (crypto map) → outbound
ACL (never for locally originated packets, as in IOS) → interface/link state → next-hop
resolution ("ARP", with IOS proxy ARP on routers) → link. Every drop becomes a "drop" event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ikesim.errors import InputError
from ikesim.net.acl import PROTO_ICMP, PROTO_UDP, Acl
from ikesim.net.addr import MASKS, int_to_ip
from ikesim.net.config import DeviceConfig
from ikesim.net.packet import (
    ICMP_ECHO,
    ICMP_ECHO_REPLY,
    ICMP_TIME_EXCEEDED,
    ICMP_UNREACHABLE,
    UNREACH_NET,
    UNREACH_PORT,
    UNREACH_PROTOCOL,
    Icmp,
    Packet,
    Udp,
    echo_data,
    icmp_error_quote,
    icmp_packet,
    quoted_echo,
    udp_packet,
)
from ikesim.net.routing import Route, RoutingTable, StaticSpec

if TYPE_CHECKING:
    import simpy

    from ikesim.net.lab import Lab
    from ikesim.net.link import Link

UNREACH_ADMIN = 13  # ICMP unreachable "administratively prohibited" (RFC 1812)
UNREACHABLE_INTERVAL = 0.5  # IOS `ip icmp rate-limit unreachable 500` (the default)

EgressHook = Callable[[Packet, "Interface"], bool]
PacketHandler = Callable[[Packet, "Interface"], None]


class Interface:
    """One interface. ``egress_hooks`` survive reconfiguration (the crypto map installs one)."""

    __slots__ = (
        "name",
        "device",
        "address",
        "length",
        "admin_up",
        "link",
        "acl_in",
        "acl_out",
        "acl_in_name",
        "acl_out_name",
        "crypto_map",
        "description",
        "egress_hooks",
        "method",
        "_state",
    )

    def __init__(self, device: Device, name: str) -> None:
        self.name = name
        self.device = device
        self.address: int | None = None
        self.length = 0
        self.admin_up = True
        self.link: Link | None = None
        self.acl_in: Acl | None = None
        self.acl_out: Acl | None = None
        self.acl_in_name: str | None = None
        self.acl_out_name: str | None = None
        self.crypto_map: str | None = None
        self.description: str | None = None
        self.egress_hooks: list[EgressHook] = []
        self.method = "unset"  # `show ip interface brief` Method: NVRAM, manual, unset
        self._state: tuple[str, str] | None = None

    @property
    def peer(self) -> Interface | None:
        return None if self.link is None else self.link.peer(self)

    @property
    def line_up(self) -> bool:
        """Line protocol up: admin up, cabled, cable up and the far end not shut down."""
        link = self.link
        return self.admin_up and link is not None and link.up and link.peer(self).admin_up

    @property
    def status(self) -> str:
        """The ``Status`` column of ``show ip interface brief``."""
        if not self.admin_up:
            return "administratively down"
        return "up" if self.line_up else "down"

    @property
    def protocol(self) -> str:
        return "up" if self.line_up else "down"

    def __repr__(self) -> str:
        return f"Interface({self.device.name} {self.name})"


_IFNAME = re.compile(r"^([A-Za-z-]+)\s*([\d/.:]+)$")


class Device:
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
        self.icmp_listeners: list[PacketHandler] = []
        # ping bookkeeping: (ident, seq) → event succeeded with (mark, time)
        self.echo_waiters: dict[tuple[int, int], simpy.Event] = {}
        self.table = RoutingTable()
        self.local_addresses: dict[int, Interface] = {}
        self._statics: list[StaticSpec] = []
        self._ip_ident = 0
        self._icmp_ident = 0
        self._last_unreachable = float("-inf")
        self._apply_config(config)
        self.refresh()

    # -- configuration -------------------------------------------------------------------
    def uptime(self, now: float) -> float:
        """Seconds since boot at simulated time ``now`` (IOS log timestamps)."""
        return self.boot_offset + now

    def find_interface(self, name: str) -> Interface | None:
        """Exact name, or an IOS abbreviation such as ``fa0/0`` / ``f0/0``."""
        if name in self.interfaces:
            return self.interfaces[name]
        m = _IFNAME.match(name.strip())
        if not m:
            return None
        kind, number = m.group(1).lower(), m.group(2)
        found = [
            i
            for n, i in self.interfaces.items()
            if (mm := _IFNAME.match(n))
            and mm.group(2) == number
            and mm.group(1).lower().startswith(kind)
        ]
        return found[0] if len(found) == 1 else None

    def _apply_config(self, config: DeviceConfig, *, boot: bool = True) -> None:
        for name, ic in config.interfaces.items():
            iface = self.interfaces.get(name)
            if iface is None:
                iface = self.interfaces[name] = Interface(self, name)
            before = (iface.address, iface.length)
            if ic.address is not None:
                iface.address = int(ic.address.ip)
                iface.length = ic.address.network.prefixlen
            else:
                iface.address, iface.length = None, 0
            # IOS shows NVRAM for addresses from the startup config, manual once changed.
            if iface.address is None:
                iface.method = "unset"
            elif boot:
                iface.method = "NVRAM"
            elif before != (iface.address, iface.length):
                iface.method = "manual"
            iface.admin_up = not ic.shutdown
            # IOS: an access-group naming an undefined list filters nothing.
            iface.acl_in_name, iface.acl_out_name = ic.acl_in, ic.acl_out
            iface.acl_in = config.acls.get(ic.acl_in) if ic.acl_in else None
            iface.acl_out = config.acls.get(ic.acl_out) if ic.acl_out else None
            iface.crypto_map = ic.crypto_map
            iface.description = ic.description
        statics = []
        for r in config.static_routes:
            ifname = None
            if r.interface is not None:
                found = self.find_interface(r.interface)
                ifname = found.name if found is not None else r.interface
            statics.append(
                StaticSpec(
                    int(r.prefix.network_address),
                    r.prefix.prefixlen,
                    int(r.next_hop) if r.next_hop is not None else None,
                    ifname,
                    r.distance,
                )
            )
        self._statics = statics

    def reconfigure(self, config: DeviceConfig) -> None:
        """Apply a new configuration mid-run (``configure terminal``)."""
        self.config = config
        self._apply_config(config, boot=False)
        self.refresh()
        for iface in self.interfaces.values():
            peer = iface.peer
            if peer is not None and peer.device is not self:
                peer.device.refresh()

    def _extra_statics(self) -> list[StaticSpec]:
        return []

    def refresh(self) -> None:
        """Recompute interface states, local addresses and the routing table."""
        connected: list[tuple[int, int, str]] = []
        up: set[str] = set()
        local: dict[int, Interface] = {}
        started = self.lab.started
        for iface in self.interfaces.values():
            state = (iface.status, iface.protocol)
            if iface._state is not None and state != iface._state and started:
                self.lab.events.emit(
                    self.env.now,
                    self.name,
                    "interface",
                    interface=iface.name,
                    status=state[0],
                    protocol=state[1],
                )
            iface._state = state
            if iface.line_up:
                up.add(iface.name)
                if iface.address is not None:
                    connected.append(
                        (iface.address & MASKS[iface.length], iface.length, iface.name)
                    )
                    local.setdefault(iface.address, iface)
        self.local_addresses = local
        self.table = RoutingTable.build(connected, self._statics + self._extra_statics(), up)

    # -- events --------------------------------------------------------------------------
    def drop(self, reason: str, packet: Packet, iface: Interface | None, **extra: Any) -> None:
        self.lab.events.emit(
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

    # -- receive path --------------------------------------------------------------------
    def receive(self, packet: Packet, iface: Interface) -> None:
        link = iface.link
        if link is None or not link.up:
            self.drop("link-down", packet, iface)
            return
        if not iface.line_up:
            self.drop("interface-down", packet, iface)
            return
        acl = iface.acl_in
        if acl is not None and not _permitted(acl, packet):
            self.drop("acl-in", packet, iface, acl=acl.name)
            self._icmp_error(packet, ICMP_UNREACHABLE, UNREACH_ADMIN)
            return
        if packet.dst in self.local_addresses:
            self._deliver(packet, iface)
            return
        if not self.forwards:
            self.drop("not-for-us", packet, iface)
            return
        if packet.ttl <= 1:
            self.drop("ttl", packet, iface)
            self._icmp_error(packet, ICMP_TIME_EXCEEDED, 0)
            return
        packet.ttl -= 1
        route = self.table.lookup(packet.dst)
        if route is None:
            self.drop("no-route", packet, iface)
            self._icmp_error(packet, ICMP_UNREACHABLE, UNREACH_NET)
            return
        self._output(packet, route, local=False)

    def _deliver(self, packet: Packet, iface: Interface) -> None:
        payload = packet.payload
        if isinstance(payload, Icmp):
            self._deliver_icmp(packet, payload, iface)
        elif isinstance(payload, Udp):
            listener = self.udp_listeners.get(payload.dport)
            if listener is None:
                self.drop("port-unreachable", packet, iface)
                self._icmp_error(packet, ICMP_UNREACHABLE, UNREACH_PORT)
            else:
                listener(packet, iface)
        else:
            handler = self.protocol_handlers.get(packet.protocol)
            if handler is None:
                self.drop("protocol-unreachable", packet, iface)
                self._icmp_error(packet, ICMP_UNREACHABLE, UNREACH_PROTOCOL)
            else:
                handler(packet, iface)

    def _deliver_icmp(self, packet: Packet, icmp: Icmp, iface: Interface) -> None:
        if icmp.type == ICMP_ECHO:
            reply = icmp_packet(
                packet.dst,
                packet.src,
                Icmp(ICMP_ECHO_REPLY, 0, icmp.ident, icmp.seq, icmp.data),
                ttl=self.default_ttl,
                ident=self._next_ip_ident(),
            )
            self.send_packet(reply)
            return
        if icmp.type == ICMP_ECHO_REPLY:
            self._wake(icmp.ident, icmp.seq, "!")
        else:
            quoted = quoted_echo(icmp.data)
            if quoted is not None and quoted[0] in self.local_addresses_all():
                mark = (
                    "U"
                    if icmp.type == ICMP_UNREACHABLE
                    else ("&" if icmp.type == ICMP_TIME_EXCEEDED else "?")
                )
                self._wake(quoted[1], quoted[2], mark)
        for listener in self.icmp_listeners:
            listener(packet, iface)

    def _wake(self, ident: int, seq: int, mark: str) -> None:
        event = self.echo_waiters.pop((ident, seq), None)
        if event is not None and not event.triggered:
            event.succeed((mark, self.env.now))

    def local_addresses_all(self) -> set[int]:
        """Every configured address, whatever the interface state."""
        return {i.address for i in self.interfaces.values() if i.address is not None}

    def _icmp_error(self, offending: Packet, icmp_type: int, code: int) -> None:
        """Send an ICMP error about ``offending`` back to its source (RFC 1812 §4.3.2)."""
        payload = offending.payload
        if isinstance(payload, Icmp) and payload.type not in (ICMP_ECHO, ICMP_ECHO_REPLY):
            return  # never an error about an error (RFC 1812 §4.3.2.7)
        if offending.src in self.local_addresses_all():
            return
        if icmp_type == ICMP_UNREACHABLE:
            now = self.env.now
            if now - self._last_unreachable < UNREACHABLE_INTERVAL:
                return
            self._last_unreachable = now
        error = icmp_packet(
            0,
            offending.src,
            Icmp(icmp_type, code, 0, 0, icmp_error_quote(offending)),
            ttl=self.default_ttl,
            ident=self._next_ip_ident(),
        )
        self.send_packet(error)

    # -- output path ---------------------------------------------------------------------
    def _output(self, packet: Packet, route: Route, *, local: bool, hooks: bool = True) -> bool:
        iface = self.interfaces[route.out_interface]
        if hooks:
            for hook in iface.egress_hooks:
                if hook(packet, iface):
                    return True
        if not local:
            acl = iface.acl_out
            if acl is not None and not _permitted(acl, packet):
                self.drop("acl-out", packet, iface, acl=acl.name)
                self._icmp_error(packet, ICMP_UNREACHABLE, UNREACH_ADMIN)
                return False
        return self.transmit(
            packet, iface, route.gateway if route.gateway is not None else packet.dst
        )

    def transmit(self, packet: Packet, iface: Interface, gateway: int) -> bool:
        """Send on ``iface`` towards neighbour ``gateway`` (no hooks, no ACL)."""
        link = iface.link
        if not iface.admin_up:
            self.drop("interface-down", packet, iface)
            return False
        if link is None or not link.up:
            self.drop("link-down", packet, iface)
            return False
        if not iface.line_up:
            self.drop("interface-down", packet, iface)
            return False
        if not _neighbour_answers(link.peer(iface), gateway):
            # IOS: "encapsulation failed" — nobody on the segment answers ARP for the gateway.
            self.drop("arp", packet, iface, gateway=int_to_ip(gateway))
            return False
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
            event.callbacks.append(lambda _e: self._deliver(packet, iface))
            return True
        route = self.table.lookup(packet.dst)
        if route is None:
            self.drop("no-route", packet, None)
            return False
        if packet.src == 0:
            address = self.interfaces[route.out_interface].address
            packet.src = address if address is not None else 0
        return self._output(packet, route, local=True, hooks=hooks)

    def send_udp(
        self, dst: int, sport: int, dport: int, data: bytes, src: int | None = None
    ) -> bool:
        packet = udp_packet(
            src or 0, dst, sport, dport, data, ttl=self.default_ttl, ident=self._next_ip_ident()
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
            ident=self._next_ip_ident(),
        )
        return self.send_packet(packet)

    def next_icmp_ident(self) -> int:
        self._icmp_ident = (self._icmp_ident + 1) & 0xFFFF
        return self._icmp_ident

    def _next_ip_ident(self) -> int:
        self._ip_ident = (self._ip_ident + 1) & 0xFFFF
        return self._ip_ident

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Router(Device):
    kind = "router"


class Host(Device):
    """A PC: one interface, a default gateway, no forwarding, no proxy ARP."""

    kind = "host"
    forwards = False
    proxy_arp = False
    default_ttl = 64

    def __init__(self, lab: Lab, config: DeviceConfig, *, uptime: float = 0.0) -> None:
        if len(config.interfaces) != 1:
            raise InputError(
                f"host {config.hostname} must have exactly one interface, "
                f"not {len(config.interfaces)}"
            )
        super().__init__(lab, config, uptime=uptime)

    @property
    def interface(self) -> Interface:
        return next(iter(self.interfaces.values()))

    def _extra_statics(self) -> list[StaticSpec]:
        gw = self.config.default_gateway
        return [] if gw is None else [StaticSpec(0, 0, int(gw), None, 1)]


def _permitted(acl: Acl, packet: Packet) -> bool:
    payload = packet.payload
    if packet.protocol == PROTO_UDP and isinstance(payload, Udp):
        return acl.filter(packet.src, packet.dst, packet.protocol, payload.sport, payload.dport)
    if packet.protocol == PROTO_ICMP and isinstance(payload, Icmp):
        return acl.filter(packet.src, packet.dst, packet.protocol, icmp_type=payload.type)
    return acl.filter(packet.src, packet.dst, packet.protocol)


def _neighbour_answers(peer: Interface, gateway: int) -> bool:
    """Would the far end answer ARP for ``gateway``? Its own address, or proxy ARP (IOS
    routers answer for destinations they route out of another interface)."""
    if peer.address == gateway:
        return True
    device = peer.device
    if not device.proxy_arp or not device.forwards:
        return False
    if gateway in device.local_addresses:
        return True
    route = device.table.lookup(gateway)
    return route is not None and route.out_interface != peer.name
