"""NAT translation entries (rows of ``show ip nat translations``), flow keys, and the IOS
defaults the NAT engine (ikesim.net.nat) uses."""

from __future__ import annotations

from dataclasses import dataclass

from ikesim.net.acl import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from ikesim.net.packet import ICMP_ECHO, ICMP_ECHO_REPLY, Icmp, Packet, Tcp, Udp

DEFAULT_TIMEOUTS = {"timeout": 86400, "udp-timeout": 300, "dns-timeout": 60,
                    "tcp-timeout": 86400, "finrst-timeout": 60, "syn-timeout": 60,
                    "icmp-timeout": 60}
PORT_GROUPS = ((0, 511), (512, 1023), (1024, 65535))
PROTOCOL_NAMES = {PROTO_ICMP: "icmp", PROTO_TCP: "tcp", PROTO_UDP: "udp"}


@dataclass(slots=True, eq=False)
class Translation:
    """One row of ``show ip nat translations``. ``protocol`` None: a simple (address-only)
    entry; otherwise an extended entry with ports."""

    protocol: int | None
    inside_local: int
    inside_global: int
    local_port: int | None = None
    global_port: int | None = None
    outside: int | None = None
    outside_local_port: int | None = None
    outside_global_port: int | None = None
    static: bool = False
    created: float = 0.0
    last_used: float = 0.0
    timeout: float | None = None  # idle seconds; None: never

    def expired(self, now: float) -> bool:
        return self.timeout is not None and now - self.last_used >= self.timeout

    @property
    def inside_key(self) -> tuple:
        return (self.protocol, self.inside_local, self.local_port, self.outside,
                self.outside_local_port)

    @property
    def outside_key(self) -> tuple:
        return (self.protocol, self.inside_global, self.global_port, self.outside,
                self.outside_global_port)


def flow(packet: Packet) -> tuple[int, int | None, int | None] | None:
    """(protocol, source port, destination port) of a translatable packet; ICMP echoes use
    their identifier for both. None for what NAT leaves alone here."""
    payload = packet.payload
    if isinstance(payload, Udp | Tcp):
        return packet.protocol, payload.sport, payload.dport
    if isinstance(payload, Icmp) and payload.type in (ICMP_ECHO, ICMP_ECHO_REPLY):
        return PROTO_ICMP, payload.ident, payload.ident
    return None


def set_ports(packet: Packet, sport: int | None, dport: int | None) -> None:
    payload = packet.payload
    if isinstance(payload, Udp | Tcp):
        if sport is not None:
            payload.sport = sport
        if dport is not None:
            payload.dport = dport
    elif isinstance(payload, Icmp):
        port = sport if sport is not None else dport
        if port is not None:
            payload.ident = port


def clashes(a: Translation, b: Translation) -> bool:
    if a.protocol is None and b.protocol is None:
        return a.inside_local == b.inside_local or a.inside_global == b.inside_global
    if a.protocol is not None and b.protocol is not None:
        return a.protocol == b.protocol and (
            (a.inside_local, a.local_port) == (b.inside_local, b.local_port)
            or (a.inside_global, a.global_port) == (b.inside_global, b.global_port))
    return False
