"""Interfaces: physical (cabled by a :class:`~ikesim.net.link.Link`), loopback, tunnel, Null.

Line protocol, as IOS computes it:
- physical: administratively up, cabled, the cable up and the far end not shut down;
- ``Loopback``: up/up as soon as it is not shut down, with no link (Cisco IOS Interface
  Configuration Guide, "Configuring Logical Interfaces": a loopback is a software-only
  interface that is always up); ``Null0`` likewise (it discards what is routed to it);
- ``Tunnel``: decided by :mod:`ikesim.net.tunnel` (source up, destination routable not through
  the tunnel itself, ...), stored in ``tunnel_up``.

``egress_hooks`` survive reconfiguration (the crypto map installs one). ``protection`` is the
tunnel-protection hook the crypto side attaches to a tunnel interface (see
:class:`ikesim.net.tunnel.TunnelProtection`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ikesim.net.device import Device
    from ikesim.net.link import Link
    from ikesim.net.packet import Packet

PHYSICAL, LOOPBACK, TUNNEL, NULL = "physical", "loopback", "tunnel", "null"

EgressHook = Callable[["Packet", "Interface"], bool]

# Default bandwidth (kbit/s) by interface type, as `show interfaces` prints it (BW ...) and OSPF
# derives its cost from. Ethernet family and Serial (T1) from the interface speeds; Loopback
# 8000000 and Tunnel 100 Kbit as IOS 15 prints them ("MTU 17916 bytes, BW 100 Kbit/sec" on a
# GRE tunnel in real `show interfaces Tunnel0` captures).
BANDWIDTH_KBIT = {
    "Ethernet": 10_000,
    "FastEthernet": 100_000,
    "GigabitEthernet": 1_000_000,
    "TenGigabitEthernet": 10_000_000,
    "Serial": 1_544,
    "Loopback": 8_000_000,
    "Tunnel": 100,
    "Vlan": 1_000_000,
    "Port-channel": 1_000_000,
    "Null": 10_000_000,
}


def interface_kind(name: str) -> str:
    if name.startswith("Loopback"):
        return LOOPBACK
    if name.startswith("Tunnel"):
        return TUNNEL
    if name.startswith("Null"):
        return NULL
    return PHYSICAL


def interface_type(name: str) -> str:
    """``FastEthernet0/0`` -> ``FastEthernet``."""
    end = len(name)
    while end and (name[end - 1].isdigit() or name[end - 1] in "/.:"):
        end -= 1
    return name[:end]


class Interface:
    __slots__ = (
        "name",
        "device",
        "kind",
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
        "unnumbered",
        "nat",
        "tunnel_up",
        "protection",
        "protection_up",
        "counters",
        "_state",
    )

    def __init__(self, device: Device, name: str) -> None:
        self.name = name
        self.device = device
        self.kind = interface_kind(name)
        self.address: int | None = None
        self.length = 0
        self.admin_up = True
        self.link: Link | None = None
        self.acl_in: Any = None
        self.acl_out: Any = None
        self.acl_in_name: str | None = None
        self.acl_out_name: str | None = None
        self.crypto_map: str | None = None
        self.description: str | None = None
        self.egress_hooks: list[EgressHook] = []
        self.method = "unset"  # `show ip interface brief` Method: NVRAM, manual, unset
        self.unnumbered: str | None = None  # `ip unnumbered IFACE`: borrows that address
        self.nat: str | None = None  # "inside" | "outside"
        self.tunnel_up = False  # tunnels: line protocol as computed by ikesim.net.tunnel
        self.protection: Any = None  # tunnels: TunnelProtection attached by the crypto side
        self.protection_up = False  # VTI: the protection has an IPsec SA (line protocol)
        # packets/bytes in and out, last input/output time (show interfaces)
        self.counters = [0, 0, 0, 0, None, None]
        self._state: tuple[str, str] | None = None

    @property
    def peer(self) -> Interface | None:
        return None if self.link is None else self.link.peer(self)

    @property
    def line_up(self) -> bool:
        if not self.admin_up:
            return False
        kind = self.kind
        if kind is PHYSICAL:
            link = self.link
            return link is not None and link.up and link.peer(self).admin_up
        if kind is TUNNEL:
            return self.tunnel_up
        return True

    @property
    def status(self) -> str:
        """The ``Status`` column of ``show ip interface brief``."""
        if not self.admin_up:
            return "administratively down"
        if self.kind is not PHYSICAL:
            return "up"  # software interfaces are up once not shut down
        return "up" if self.line_up else "down"

    @property
    def protocol(self) -> str:
        return "up" if self.line_up else "down"

    @property
    def source_address(self) -> int | None:
        """The address packets leaving this interface are sourced from: its own, or the one
        it borrows with ``ip unnumbered``."""
        if self.address is not None:
            return self.address
        if self.unnumbered is not None:
            lender = self.device.interfaces.get(self.unnumbered)
            if lender is not None and lender.unnumbered is None:
                return lender.address
        return None

    @property
    def bandwidth(self) -> int:
        """Bandwidth in kbit/s (type default; `show interfaces` BW, OSPF cost)."""
        return BANDWIDTH_KBIT.get(interface_type(self.name), 100_000)

    def count(self, direction: str, size: int, now: float) -> None:
        c = self.counters
        if direction == "in":
            c[0] += 1
            c[1] += size
            c[4] = now
        else:
            c[2] += 1
            c[3] += size
            c[5] = now

    def __repr__(self) -> str:
        return f"Interface({self.device.name} {self.name})"

