"""Truthful captures: what actually crossed each link, and where packets were dropped.

A :class:`Recorder` attached to a lab records, from then on,

- a :class:`Frame` for every packet a link carried (both directions): the time it was put on
  the wire, its arrival time at the far end, the link name, the sending and receiving
  interface, and the IPv4 datagram as bytes (RFC 791 header included). A packet lost on the link
  (``loss``) or never sent (no route, ARP failure, an interface down, an ACL, a crypto map
  without SA …) has no frame: it has a drop record instead;
- a :class:`Frame` with ``link`` None for every packet entering (``sender`` set) or leaving
  (``receiver`` set) a tunnel interface: the inner packet, before GRE/IPsec encapsulation or
  after decapsulation;
- a :class:`DropRecord` for every drop that went through ``Device.drop``: time, device,
  interface (None when the packet never reached one, e.g. no route for a locally originated
  packet), reason (the "drop" event's reason) and the datagram's bytes at that point.

Restricting a recorder to some links or interfaces (``links=``, ``interfaces=``) keeps only
their frames and drops; ``frames_on`` gives one interface's view with directions. The bytes are
encoded when the packet is seen (packets are mutable objects: TTL and NAT rewrite them later).
This module writes no files: the report track's pcapng writer consumes ``frames``/``drops``
(one pcapng interface per link or tunnel, drop reasons as packet comments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ikesim.net.packet import encode_packet

if TYPE_CHECKING:
    from ikesim.net.device import Device
    from ikesim.net.interface import Interface
    from ikesim.net.lab import Lab
    from ikesim.net.link import Link
    from ikesim.net.packet import Packet


@dataclass(frozen=True, slots=True)
class Endpoint:
    device: str
    interface: str

    def __str__(self) -> str:
        return f"{self.device} {self.interface}"


@dataclass(frozen=True, slots=True)
class Frame:
    time: float  # put on the link / entered or left the tunnel
    arrival: float | None  # reaches the far end (link frames); None for tunnel frames
    link: str | None  # None: a tunnel interface's inner packet
    sender: Endpoint | None
    receiver: Endpoint | None
    data: bytes  # the IPv4 datagram


@dataclass(frozen=True, slots=True)
class DropRecord:
    time: float
    device: str
    interface: str | None
    reason: str
    data: bytes


class Recorder:
    def __init__(self, lab: Lab, *, links: Iterable[str] | None = None,
                 interfaces: Iterable[tuple[str, str]] | None = None) -> None:
        self.lab = lab
        self.frames: list[Frame] = []
        self.drops: list[DropRecord] = []
        self._links = None if links is None else set(links)
        self._interfaces = None if interfaces is None else {Endpoint(*i) for i in interfaces}
        lab.taps.append(self._on_link)
        lab.drop_taps.append(self._on_drop)
        lab.tunnel_taps.append(self._on_tunnel)

    def close(self) -> None:
        """Stop recording (what was recorded stays)."""
        for taps, tap in ((self.lab.taps, self._on_link), (self.lab.drop_taps, self._on_drop),
                          (self.lab.tunnel_taps, self._on_tunnel)):
            if tap in taps:
                taps.remove(tap)

    def _wanted(self, link: str | None, *ends: Endpoint | None) -> bool:
        if self._links is None and self._interfaces is None:
            return True
        if self._links is not None and link is not None and link in self._links:
            return True
        return self._interfaces is not None and any(e in self._interfaces for e in ends)

    def _on_link(self, now: float, link: Link, packet: Packet, sender: Interface) -> None:
        receiver = link.peer(sender)
        ends = (Endpoint(sender.device.name, sender.name),
                Endpoint(receiver.device.name, receiver.name))
        if self._wanted(link.name, *ends):
            self.frames.append(Frame(now, now + link.delay, link.name, ends[0], ends[1],
                                     encode_packet(packet)))

    def _on_tunnel(self, now: float, device: Device, tunnel: Interface, packet: Packet,
                   direction: str) -> None:
        end = Endpoint(device.name, tunnel.name)
        if self._wanted(None, end):
            sender, receiver = (end, None) if direction == "out" else (None, end)
            self.frames.append(Frame(now, None, None, sender, receiver, encode_packet(packet)))

    def _on_drop(self, now: float, device: Device, iface: Interface | None, reason: str,
                 packet: Packet) -> None:
        end = Endpoint(device.name, iface.name) if iface is not None else None
        on_link = iface is not None and iface.link is not None and iface.link.name
        if (self._links is None and self._interfaces is None
                or (end is not None and self._interfaces is not None and end in self._interfaces)
                or (on_link and self._links is not None and on_link in self._links)):
            self.drops.append(DropRecord(now, device.name, iface.name if iface else None,
                                         reason, encode_packet(packet)))

    def frames_on(self, device: str, interface: str) -> list[tuple[str, Frame]]:
        """One interface's view: ("out" | "in", frame) in time order (arrival time for
        frames received over a link)."""
        end = Endpoint(device, interface)
        seen: list[tuple[float, int, str, Frame]] = []
        for n, frame in enumerate(self.frames):
            if frame.sender == end:
                seen.append((frame.time, n, "out", frame))
            if frame.receiver == end:
                seen.append((frame.arrival if frame.arrival is not None else frame.time, n,
                             "in", frame))
        return [(direction, frame) for _, _, direction, frame in sorted(seen)]
