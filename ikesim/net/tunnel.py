"""Tunnel interfaces: point-to-point GRE (``tunnel mode gre ip``, RFC 2784/2890) and static VTIs
(``tunnel mode ipsec ipv4``), from ``InterfaceConfig.tunnel``.

Line protocol (Cisco, "GRE Tunnel Interface States and What Impacts Them", doc 118361): a
point-to-point tunnel is up/up when it is not shut down, has a valid tunnel source (an
interface that is up/up with an address, or an address of an up interface) and a tunnel
destination that is *routable* (not necessarily reachable). When the best route to the
destination goes out of the tunnel itself, IOS logs ``%TUN-5-RECURDOWN: Tunnel0 temporarily
disabled due to recursive routing`` and holds the line protocol down (Cisco doc 22327); a real
IOS 15 capture shows the line protocol back up 65 s later, which is the hold used here.

A VTI carries nothing without IPsec: its line protocol also needs the protection hook to report
an IPsec SA (guess: IOS documents VTI up/down as tracking the IPsec session; the exact trigger is
not in the sources found). Packets routed into a VTI without an SA are dropped.

Tunnel protection (``tunnel protection ipsec profile P``) is the crypto side's: it attaches an
object implementing :class:`TunnelProtection` to the tunnel :class:`Interface`
(``Tunnels.attach``). Output: ``protect(packet, tunnel)`` gets what IPsec protects — the inner
packet on a VTI, the GRE/IP packet on a GRE tunnel — and returns True once it took it (encrypted
and sent it, e.g. ``device.send_packet(esp, hooks=False)``), False when it has no SA (the
tunnel records a ``tunnel-no-ipsec-sa`` drop). Input: the protector hands decrypted packets to
``Tunnels.deliver(tunnel, packet)`` (inner packet on a VTI, GRE packet on a GRE tunnel); they
are received as if on the tunnel interface. Clear GRE arriving for a protected tunnel is
dropped (``tunnel-not-ipsec``). Without protection, GRE leaves through the routing table, so a
crypto map on the physical interface sees it like any other packet (GRE over a crypto map).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ikesim.net.addr import int_to_ip
from ikesim.net.config import DeviceConfig, TunnelConfig
from ikesim.net.gre import PROTO_GRE, GreError, GreHeader, decode_gre, encode_gre
from ikesim.net.interface import TUNNEL, Interface
from ikesim.net.packet import IP_HEADER_LEN, Packet, encode_packet
from ikesim.net.packet_decode import DecodeError, decode_packet
from ikesim.net.routing import Key, PrefixIndex

if TYPE_CHECKING:
    from ikesim.net.device import Device

RECURSIVE_HOLD = 65.0  # seconds down after %TUN-5-RECURDOWN (real IOS 15 log: 65 s)
GRE_OVERHEAD = IP_HEADER_LEN + 4  # "Tunnel transport MTU 1476 bytes" on a 1500-byte path


class TunnelProtection(Protocol):
    """What the crypto side implements for ``tunnel protection ipsec profile``."""

    def protect(self, packet: Packet, tunnel: Interface) -> bool: ...


@dataclass(slots=True)
class TunnelState:
    """One tunnel interface: its configuration in integer form and why it is down."""

    name: str
    mode: str = "gre"  # "gre" | "ipsec"
    source_interface: str | None = None
    source_address: int | None = None  # `tunnel source A.B.C.D`
    destination: int | None = None
    key: int | None = None
    profile: str | None = None
    held_until: float = float("-inf")
    reason: str = "no tunnel source"  # why the line protocol is down ("" when up)


class Tunnels:
    """The tunnel interfaces of one router."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.states: dict[str, TunnelState] = {}
        self._by_source: dict[str, set[str]] = {}
        self._by_destination = PrefixIndex()
        device.protocol_handlers[PROTO_GRE] = self.receive_gre

    # -- configuration -------------------------------------------------------------------
    def configure(self, config: DeviceConfig) -> None:
        device = self.device
        old = self.states
        self.states, self._by_source, self._by_destination = {}, {}, PrefixIndex()
        for name, iface in device.interfaces.items():
            if iface.kind is not TUNNEL:
                continue
            ic = config.interfaces.get(name)
            state = _state(name, ic.tunnel if ic is not None else None, device)
            if name in old:
                state.held_until = old[name].held_until
            self.states[name] = state
            if state.source_interface is not None:
                self._by_source.setdefault(state.source_interface, set()).add(name)
            if state.destination is not None:
                self._by_destination.add(state.destination, name)
        for name in self.states:
            self.evaluate(name)

    def attach(self, tunnel: Interface, protection: TunnelProtection | None) -> None:
        """The crypto side attaches (or, with None, removes) a tunnel's protection."""
        tunnel.protection = protection
        if protection is None:
            tunnel.protection_up = False
        self.evaluate(tunnel.name)

    def set_protection_up(self, tunnel: Interface, up: bool) -> None:
        """The protection reports whether it has an IPsec SA (VTI line protocol)."""
        tunnel.protection_up = up
        self.evaluate(tunnel.name)

    # -- line protocol -------------------------------------------------------------------
    def line_changed(self, iface: Interface, up: bool) -> None:
        for name in sorted(self._by_source.get(iface.name, ())):
            self.evaluate(name)
        if iface.address is not None:  # tunnels sourced from this address
            for name, state in self.states.items():
                if state.source_address == iface.address:
                    self.evaluate(name)

    def routes_changed(self, keys: list[Key]) -> None:
        for key in keys:
            for name in self._by_destination.covered(*key):
                assert isinstance(name, str)
                self.evaluate(name)

    def evaluate(self, name: str) -> None:
        state = self.states.get(name)
        iface = self.device.interfaces.get(name)
        if state is None or iface is None:
            return
        reason = self._down_reason(state, iface)
        up = reason == ""
        state.reason = reason
        if up == iface.tunnel_up:
            return
        iface.tunnel_up = up
        self.device.update_interface(iface)

    def _down_reason(self, state: TunnelState, iface: Interface) -> str:
        device = self.device
        if device.env.now < state.held_until:
            return "recursive routing"
        if self.source_of(state) is None:
            return "no tunnel source" if state.source_interface is None and \
                state.source_address is None else "tunnel source down"
        if state.destination is None:
            return "no tunnel destination"
        route = device.table.lookup(state.destination)
        if route is None:
            return "tunnel destination unroutable"
        if route.out_interface == iface.name:
            self._recursive(state, iface)
            return "recursive routing"
        if state.mode == "ipsec" and (iface.protection is None or not iface.protection_up):
            return "no IPsec SA"
        return ""

    def _recursive(self, state: TunnelState, iface: Interface) -> None:
        device = self.device
        now = device.env.now
        state.held_until = now + RECURSIVE_HOLD
        device.lab.events.emit(now, device.name, "tunnel", interface=iface.name,
                               event="recursive-routing", hold=RECURSIVE_HOLD)
        timer = device.env.timeout(RECURSIVE_HOLD)
        timer.callbacks.append(lambda _e: self.evaluate(iface.name))

    def source_of(self, state: TunnelState) -> int | None:
        """The tunnel's source address when the source is usable, else None."""
        device = self.device
        if state.source_interface is not None:
            source = device.interfaces.get(state.source_interface)
            if source is None or not source.line_up:
                return None
            return source.source_address
        if state.source_address is not None and state.source_address in device.local_addresses:
            return state.source_address
        return None

    # -- data path -----------------------------------------------------------------------
    def send(self, packet: Packet, tunnel: Interface) -> bool:
        """A packet routed into ``tunnel``: encapsulate (GRE) or hand to IPsec (VTI)."""
        device = self.device
        state = self.states.get(tunnel.name)
        if state is None or not tunnel.line_up:
            device.drop("interface-down", packet, tunnel)
            return False
        tunnel.count_out(packet.size, device.env.now)
        for tap in device.lab.tunnel_taps:
            tap(device.env.now, device, tunnel, packet, "out")
        if state.mode == "ipsec":
            return self._protect(packet, tunnel)
        source, destination = self.source_of(state), state.destination
        assert source is not None and destination is not None
        route = device.table.lookup(destination)
        if route is None or route.out_interface == tunnel.name:
            device.drop("tunnel-recursive", packet, tunnel)
            self.evaluate(tunnel.name)
            return False
        gre = encode_gre(GreHeader(key=state.key), encode_packet(packet))
        outer = Packet(source, destination, PROTO_GRE, device.default_ttl, gre,
                       IP_HEADER_LEN + len(gre), device.next_ip_ident())
        if tunnel.protection is not None:
            return self._protect(outer, tunnel)
        return device.send_packet(outer)

    def _protect(self, packet: Packet, tunnel: Interface) -> bool:
        protection = tunnel.protection
        if protection is None or not protection.protect(packet, tunnel):
            self.device.drop("tunnel-no-ipsec-sa", packet, tunnel)
            return False
        return True

    def receive_gre(self, packet: Packet, iface: Interface) -> None:
        """Protocol 47 addressed to this router (arriving in clear)."""
        tunnel = self._decapsulate(packet, iface, protected=False)
        if tunnel is not None:
            self.device.receive(tunnel[1], tunnel[0])

    def deliver(self, tunnel: Interface, packet: Packet) -> None:
        """A packet the protection decrypted for ``tunnel``: the inner packet of a VTI, the GRE
        packet of a protected GRE tunnel."""
        state = self.states.get(tunnel.name)
        if state is not None and state.mode == "gre":
            found = self._decapsulate(packet, tunnel, protected=True)
            if found is None:
                return
            tunnel, packet = found
        self._received(tunnel, packet)
        self.device.receive(packet, tunnel)

    def _decapsulate(self, packet: Packet, iface: Interface,
                     *, protected: bool) -> tuple[Interface, Packet] | None:
        device = self.device
        payload = packet.payload
        try:
            header, inner_bytes = decode_gre(payload if isinstance(payload, bytes) else b"")
            if header.protocol != 0x0800:
                raise GreError(f"protocol type 0x{header.protocol:04x} is not IPv4")
            inner = decode_packet(inner_bytes)
        except (GreError, DecodeError) as exc:
            device.drop("gre-malformed", packet, iface, error=str(exc))
            return None
        for name, state in self.states.items():
            if (state.mode == "gre" and state.destination == packet.src
                    and self.source_of(state) == packet.dst and state.key == header.key):
                tunnel = device.interfaces[name]
                if tunnel.protection is not None and not protected:
                    device.drop("tunnel-not-ipsec", packet, iface, tunnel=name)
                    return None
                if not protected:
                    self._received(tunnel, inner)
                return tunnel, inner
        device.drop("gre-no-tunnel", packet, iface,
                    key=header.key if header.key is not None else None)
        return None

    def _received(self, tunnel: Interface, inner: Packet) -> None:
        device = self.device
        for tap in device.lab.tunnel_taps:
            tap(device.env.now, device, tunnel, inner, "in")


def _state(name: str, config: TunnelConfig | None, device: Device) -> TunnelState:
    state = TunnelState(name)
    if config is None:
        return state
    state.mode = config.mode
    state.key = config.key
    state.profile = config.protection
    state.destination = int(config.destination) if config.destination is not None else None
    if config.source is not None:
        try:
            octets = [int(part) for part in config.source.split(".")]
        except ValueError:
            octets = []
        if len(octets) == 4 and all(0 <= o <= 255 for o in octets):
            state.source_address = int.from_bytes(bytes(octets), "big")
        else:
            found = device.find_interface(config.source)
            state.source_interface = found.name if found is not None else config.source
    return state


def describe_source(tunnels: Tunnels, state: TunnelState) -> str:
    """``Tunnel source 10.0.0.1 (FastEthernet0/0)`` as ``show interfaces`` prints it."""
    address = tunnels.source_of(state)
    if state.source_interface is not None:
        shown = int_to_ip(address) if address is not None else "UNKNOWN"
        return f"{shown} ({state.source_interface})"
    if state.source_address is not None:
        return int_to_ip(state.source_address)
    return "UNKNOWN"
