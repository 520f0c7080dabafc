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

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ikesim.net.device import Device
    from ikesim.net.link import Link
    from ikesim.net.packet import Packet

PHYSICAL, LOOPBACK, TUNNEL, NULL = "physical", "loopback", "tunnel", "null"

EgressHook = Callable[["Packet", "Interface"], bool]
LOAD_INTERVAL = 300.0  # seconds: "5 minute input rate" (IOS default load-interval)
SAMPLE = 5.0  # seconds between rate updates
_KEEP = math.exp(-SAMPLE / LOAD_INTERVAL)
MAX_CLOSED = 8  # closed samples noted before they are folded into the rates anyway (bounds the
#                 memory a long run keeps per interface: issue 13, long run ≤ 2 × a short one)


def _fold(r: list, sample: int, total_bytes: int, total_packets: int) -> None:
    """Close the open sample of a rate record (what was counted since it began), then decay
    through the empty samples up to ``sample``."""
    if sample <= r[2]:
        return
    r[0] = r[0] * _KEEP + ((total_bytes - r[3]) * 8 / SAMPLE) * (1 - _KEEP)
    r[1] = r[1] * _KEEP + ((total_packets - r[4]) / SAMPLE) * (1 - _KEEP)
    decay = _KEEP ** (sample - r[2] - 1)
    r[0] *= decay
    r[1] *= decay
    r[2], r[3], r[4] = sample, total_bytes, total_packets


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
        "in_packets",
        "in_bytes",
        "out_packets",
        "out_bytes",
        "last_input",
        "last_output",
        "rates",
        "_closed",
        "arp",
        "_roll_in",
        "_roll_out",
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
        # show interfaces: totals, last input/output time, and per direction (in, out) the
        # 5-minute rates [bits/s, packets/s, sample index, bytes and packets at its start],
        # recomputed once per 5-second sample as IOS does. Nothing reads them but `show
        # interfaces`: a packet that opens a new sample only notes where the sample began
        # (``_closed``: sample index, bytes, packets), and the notes are folded into the
        # rates when they are read (or when MAX_CLOSED of them wait), in the same order and
        # with the same arithmetic as folding each at once.
        self.in_packets = self.in_bytes = self.out_packets = self.out_bytes = 0
        self.last_input: float | None = None
        self.last_output: float | None = None
        self.rates = [[0.0, 0.0, 0, 0, 0], [0.0, 0.0, 0, 0, 0]]
        self._closed: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]] = ([], [])
        self._roll_in = self._roll_out = SAMPLE
        # next hops are resolved by ARP on Ethernet-like interfaces (not on serial lines)
        self.arp = self.kind is PHYSICAL and not name.startswith("Serial")
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
            link = self.link     # link.peer(self), inlined: checked for every packet
            return link is not None and link.up and \
                (link.b if self is link.a else link.a).admin_up
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

    def count_in(self, size: int, now: float) -> None:
        if now >= self._roll_in:
            self._roll_in = self._roll(0, now)
        self.in_packets += 1
        self.in_bytes += size
        self.last_input = now

    def count_out(self, size: int, now: float) -> None:
        if now >= self._roll_out:
            self._roll_out = self._roll(1, now)
        self.out_packets += 1
        self.out_bytes += size
        self.last_output = now

    @property
    def counters(self) -> tuple[int, int, int, int, float | None, float | None]:
        return (self.in_packets, self.in_bytes, self.out_packets, self.out_bytes,
                self.last_input, self.last_output)

    def _roll(self, direction: int, now: float) -> float:
        """Close the rate samples up to ``now`` (noted, folded later: see ``__init__``);
        returns when the current one ends."""
        closed = self._closed[direction]
        opened = closed[-1][0] if closed else self.rates[direction][2]
        sample = int(now / SAMPLE)
        if sample <= opened:                 # (as _fold: nothing to close yet)
            return (opened + 1) * SAMPLE
        if len(closed) >= MAX_CLOSED:
            self._fold_closed(direction)
        if direction == 0:
            closed.append((sample, self.in_bytes, self.in_packets))
        else:
            closed.append((sample, self.out_bytes, self.out_packets))
        return (sample + 1) * SAMPLE

    def _fold_closed(self, direction: int) -> None:
        r = self.rates[direction]
        closed = self._closed[direction]
        for sample, total_bytes, total_packets in closed:
            _fold(r, sample, total_bytes, total_packets)
        closed.clear()

    def rate(self, direction: str, now: float) -> tuple[int, int]:
        """(bits/s, packets/s) over the load interval, as of the last completed sample
        (``show interfaces`` "5 minute input rate")."""
        index = 0 if direction == "in" else 1
        self._fold_closed(index)
        r = list(self.rates[index])
        totals = (self.in_bytes, self.in_packets) if index == 0 else (
            self.out_bytes, self.out_packets)
        _fold(r, int(now / SAMPLE), *totals)
        return int(r[0]), int(r[1])

    def __repr__(self) -> str:
        return f"Interface({self.device.name} {self.name})"

