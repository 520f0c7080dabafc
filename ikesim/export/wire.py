"""Captures that tell the truth: the frames that crossed a link, seen at chosen capture points,
with what became of them written as packet comments.

A capture point is a link (``RT1-ISP``), an interface (``RT1:Fa1/0``) or a device (``RT2``: each
of its cabled interfaces, plus a "discards" interface holding the packets it threw away before
they reached any link, like Linux's ``dropmon`` capture of kernel drops). Without a point every
link is captured. Each point is one pcapng interface (:mod:`ikesim.export.pcapng`).

Where the frames come from: the lab's taps (``Lab.taps``, called for every packet a link
accepts) and the devices' drop records. A drop that follows a frame's arrival at the device that
received it becomes a comment on that frame ("ISP discarded it: acl-in (access list 110)"); a
frame lost on a lossy link is kept, commented "lost on the link"; a packet a device discarded
before any link (no route for its own MM2, say) never appears on a link, only among that
device's discards. Drops reach this module through :meth:`Device.drop` (wrapped per device
instance, so the packet itself is at hand) and, for the crypto layer's drop records that carry
no packet (``crypto-no-ipsec-sa``, ``esp-*``), by matching the record with the frame that
arrived at that device at that instant.
"""

from __future__ import annotations

import hashlib
import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ikesim.errors import InputError
from ikesim.export.pcapng import CapturedFrame, CaptureInterface, pcapng_bytes
from ikesim.ios.ifnames import canonical_interface_name, short_interface_name
from ikesim.net.addr import int_to_ip
from ikesim.net.device import Device
from ikesim.net.events import SimEvent
from ikesim.net.interface import Interface
from ikesim.net.lab import Lab
from ikesim.net.link import Link
from ikesim.net.packet import Packet, encode_packet

ETHERTYPE_IPV4 = 0x0800
IN_FLIGHT_SECONDS = 1.0     # how long a frame stays matchable with a drop at its receiver
PROTOCOL_NAMES = {1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 51: "AH", 89: "OSPF"}


def interface_mac(device: str, interface: str) -> bytes:
    """A stable, locally administered MAC address for an interface (02:xx:xx:xx:xx:xx)."""
    return b"\x02" + hashlib.sha256(f"{device}/{interface}".encode()).digest()[:5]


def ethernet_frame(packet: Packet, src_mac: bytes, dst_mac: bytes) -> bytes:
    """The packet's IPv4 bytes (as the network model encodes them) in an Ethernet II frame."""
    return dst_mac + src_mac + struct.pack("!H", ETHERTYPE_IPV4) + encode_packet(packet)


def drop_text(reason: str, fields: dict[str, Any]) -> str:
    """A drop reason with the details its record carries (ACL, gateway, crypto map, SPI)."""
    details = []
    if fields.get("acl"):
        details.append(f"access list {fields['acl']}")
    if fields.get("gateway"):
        details.append(f"nobody answers ARP for {fields['gateway']}")
    if fields.get("map"):
        details.append(f"crypto map {fields['map']}, peer {fields.get('peer')}")
    if fields.get("spi") is not None:
        details.append(f"SPI 0x{int(fields['spi']):08x}")
    return reason + (f" ({'; '.join(details)})" if details else "")


@dataclass
class _Point:
    """One pcapng interface: a link (seen from neither end), an interface, or discards."""

    label: str
    index: int
    link: Link | None = None
    side: Interface | None = None     # the interface whose view gives the direction
    device: Device | None = None      # a device's discards
    frames: int = 0


@dataclass
class _InFlight:
    packet: Packet
    receiver: Device
    arrival: float
    frames: list[CapturedFrame] = field(default_factory=list)


class WireCapture:
    """Collects frames at capture points while a lab runs. ``attach`` before running."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.interfaces: list[CaptureInterface] = []
        self.frames: list[CapturedFrame] = []
        self.points: list[_Point] = []
        self._by_link: dict[int, list[_Point]] = {}
        self._discards: dict[str, _Point] = {}
        self._in_flight: OrderedDict[int, _InFlight] = OrderedDict()
        self._record: SimEvent | None = None      # a drop record whose tap may follow
        self.unseen_drops: dict[tuple[str, str], int] = {}   # (device, reason) off every link
        self.every_link = False      # no capture point given: silent links are not news

    # -- set-up ------------------------------------------------------------------------------
    @classmethod
    def attach(cls, lab: Lab, at: list[str] | tuple[str, ...] = ()) -> WireCapture:
        """Capture at each point of ``at`` (every link when empty). InputError names a point
        that does not exist."""
        capture = cls(lab)
        capture.every_link = not at
        if not at:
            for link in lab.links:
                capture._add_link(link)
        for spec in at:
            capture._add_spec(spec)
        lab.taps.append(capture._on_tap)
        lab.drop_taps.append(capture._on_drop_tap)
        lab.events.subscribe(capture._on_event)
        return capture

    def _new_point(self, label: str, description: str, **kw: Any) -> _Point:
        point = _Point(label, len(self.interfaces), **kw)
        self.interfaces.append(CaptureInterface(label, description))
        self.points.append(point)
        return point

    def _add_link(self, link: Link) -> None:
        a, b = link.a, link.b
        desc = f"link {link.name}: {a.device.name} {a.name} <-> {b.device.name} {b.name}"
        point = self._new_point(link.name, desc, link=link)
        self._by_link.setdefault(id(link), []).append(point)

    def _add_interface(self, iface: Interface) -> None:
        label = f"{iface.device.name}:{short_interface_name(iface.name)}"
        link = iface.link
        if link is None:
            desc = f"{iface.device.name} {iface.name} (not cabled)"
        else:
            far = link.peer(iface)
            desc = f"{iface.device.name} {iface.name}, towards {far.device.name} {far.name}"
        point = self._new_point(label, desc, link=link, side=iface)
        if link is not None:
            self._by_link.setdefault(id(link), []).append(point)

    def _add_spec(self, spec: str) -> None:
        spec = spec.strip()
        names = {link.name: link for link in self.lab.links}
        if spec in names:
            self._add_link(names[spec])
            return
        device_name, sep, iface_name = spec.partition(":")
        device = self.lab.devices.get(device_name)
        if device is None:
            raise InputError("--capture-at takes a link name, DEVICE or DEVICE:INTERFACE "
                             f"(devices: {', '.join(sorted(self.lab.devices))}; links: "
                             f"{', '.join(sorted(names))})", text=spec)
        if not sep:
            for iface in device.interfaces.values():
                if iface.link is not None:
                    self._add_interface(iface)
            self._discards[device.name] = self._new_point(
                f"{device.name}:discards",
                f"packets {device.name} discarded before they reached any link", device=device)
            return
        try:
            canonical = canonical_interface_name(iface_name)
        except ValueError:
            raise InputError("% Invalid interface type and number", text=iface_name) from None
        iface = device.interfaces.get(canonical)
        if iface is None:
            raise InputError(f"{device.name} has no interface {canonical} (it has "
                             f"{', '.join(device.interfaces)})", text=spec)
        self._add_interface(iface)

    # -- recording ---------------------------------------------------------------------------
    def _frame(self, point: _Point, now: float, packet: Packet, sender: Interface,
               receiver: Interface, comments: list[str]) -> CapturedFrame:
        direction = None
        if point.side is sender:
            direction = "out"
        elif point.side is receiver:
            direction = "in"
        data = ethernet_frame(packet, interface_mac(sender.device.name, sender.name),
                              interface_mac(receiver.device.name, receiver.name))
        frame = CapturedFrame(now, point.index, data, list(comments), direction)
        self.frames.append(frame)
        point.frames += 1
        return frame

    def _on_tap(self, now: float, link: Link, packet: Packet, sender: Interface) -> None:
        self._flush()
        receiver = link.peer(sender)
        entry = _InFlight(packet, receiver.device, now + link.delay)
        for point in self._by_link.get(id(link), ()):
            entry.frames.append(self._frame(point, now, packet, sender, receiver, []))
        self._in_flight.pop(id(packet), None)
        self._in_flight[id(packet)] = entry
        while self._in_flight:
            oldest = next(iter(self._in_flight.values()))
            if oldest.arrival >= now - IN_FLIGHT_SECONDS:
                break
            self._in_flight.popitem(last=False)

    def _on_drop(self, device: Device, reason: str, packet: Packet, iface: Interface | None,
                 extra: dict[str, Any]) -> None:
        now = self.lab.env.now
        text = drop_text(reason, extra)
        if reason == "loss" and iface is not None and iface.link is not None:
            receiver = iface.link.peer(iface)
            note = (f"lost on the link ({iface.link.loss:.0%} loss): "
                    f"{receiver.device.name} {receiver.name} never received it")
            for point in self._by_link.get(id(iface.link), ()):
                self._frame(point, now, packet, iface, receiver, [note])
            return
        entry = self._in_flight.get(id(packet))
        if entry is not None and entry.packet is packet and entry.receiver is device:
            for frame in entry.frames:
                frame.comments.append(f"{device.name} discarded it: {text}")
            return
        point = self._discards.get(device.name)
        key = (device.name, reason)
        self.unseen_drops[key] = self.unseen_drops.get(key, 0) + 1
        if point is None:
            return
        where = f" on {iface.name}" if iface is not None else ""
        mac = interface_mac(device.name, iface.name if iface is not None else "discards")
        data = ethernet_frame(packet, mac, b"\x00" * 6)
        self.frames.append(CapturedFrame(now, point.index, data, [
            f"{device.name} discarded it{where} before it reached any link: {text}"], "out"))
        point.frames += 1

    def _on_drop_tap(self, now: float, device: Device, iface: Interface | None, reason: str,
                     packet: Packet) -> None:
        record, self._record = self._record, None
        extra = {}
        if record is not None and record.device == device.name and \
                record.fields.get("reason") == reason:
            extra = record.fields
        elif record is not None:
            self._unmatched(record)
        self._on_drop(device, reason, packet, iface, extra)

    def _on_event(self, event: SimEvent) -> None:
        """A drop record: held until the next record or tap (a network drop's tap follows its
        record at once, with the packet); one no tap claims came from the crypto layer."""
        if event.kind != "drop":
            return
        self._flush()
        self._record = event

    def _flush(self) -> None:
        record, self._record = self._record, None
        if record is not None:
            self._unmatched(record)

    def _unmatched(self, event: SimEvent) -> None:
        """A drop record without a packet: attach it to the frame that arrived at that device
        at that instant."""
        f = event.fields
        for entry in reversed(self._in_flight.values()):
            p = entry.packet
            if (entry.receiver.name == event.device and abs(entry.arrival - event.time) < 1e-9
                    and int_to_ip(p.src) == f.get("src") and int_to_ip(p.dst) == f.get("dst")
                    and p.protocol == f.get("protocol")):
                for frame in entry.frames:
                    frame.comments.append(
                        f"{event.device} discarded it: {drop_text(str(f.get('reason')), f)}")
                return
        key = (event.device, str(f.get("reason")))
        self.unseen_drops[key] = self.unseen_drops.get(key, 0) + 1

    # -- results -----------------------------------------------------------------------------
    def pcapng(self) -> bytes:
        self._flush()
        frames = sorted(self.frames, key=lambda fr: fr.time)     # stable: equal times keep order
        return pcapng_bytes(self.interfaces, frames, "ikesim capture: simulated time on "
                            "2011-04-26 00:00:00 UTC; comments say what became of a frame")

    def warnings(self) -> list[str]:
        """Capture points that saw nothing (and why, when the reason is structural)."""
        self._flush()
        if self.every_link:
            return [] if self.frames else ["no frame crossed any link during the run"]
        out = []
        for point in self.points:
            if point.frames:
                continue
            if point.device is not None:
                continue            # a device that discarded nothing is good news
            if point.side is not None and point.side.link is None:
                out.append(f"capture at {point.label}: the interface is not cabled, nothing "
                           f"can cross it")
            else:
                out.append(f"capture at {point.label} saw no frame during the run")
        return out

    def notes(self) -> list[str]:
        """Packets discarded off every link at devices that were not capture points."""
        self._flush()
        totals: dict[str, list[str]] = {}
        for (device, reason), count in sorted(self.unseen_drops.items()):
            if device in self._discards:
                continue
            totals.setdefault(device, []).append(f"{count} {reason}")
        return [f"{device} discarded {', '.join(parts)} packet(s) that never reached a link "
                f"(--capture-at {device} shows them)" for device, parts in totals.items()]
