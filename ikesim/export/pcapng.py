"""A pcapng writer (the PCAP Next Generation format, draft-ietf-opsawg-pcapng) on the
``python-pcapng`` library: one Section Header Block, one Interface Description Block per capture
point (a link, an interface, a device's discard list) and one Enhanced Packet Block per frame,
with the frame's comments (``opt_comment``, e.g. why a device discarded it) and its direction
(``epb_flags`` bits 0-1: 1 inbound, 2 outbound, relative to the capture point).

The writer knows nothing of the simulation: it takes :class:`CaptureInterface` and
:class:`CapturedFrame` records, whoever produced them. Timestamps are simulated seconds on a
fixed epoch (microsecond resolution, the pcapng default), so a capture is reproducible.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pcapng
from pcapng import blocks

LINKTYPE_ETHERNET = 1
EPOCH = 1303776000          # 2011-04-26 00:00:00 UTC, the seed write-up's date
DIRECTION_FLAGS = {None: 0, "in": 1, "out": 2}
SNAPLEN = 65535


@dataclass(frozen=True, slots=True)
class CaptureInterface:
    """A capture point: ``name`` is what Wireshark shows as the interface name."""

    name: str
    description: str = ""
    link_type: int = LINKTYPE_ETHERNET


@dataclass(slots=True)
class CapturedFrame:
    time: float                   # simulated seconds
    interface: int                # index into the interface list
    data: bytes                   # the frame as on the wire (Ethernet II)
    comments: list[str] = field(default_factory=list)
    direction: str | None = None  # "in" | "out" | None (a link seen from neither end)


def pcapng_bytes(interfaces: list[CaptureInterface], frames: Iterable[CapturedFrame],
                 comment: str = "") -> bytes:
    """The whole capture file as bytes (frames in the order given)."""
    shb_options: dict[str, object] = {"shb_userappl": "ikesim"}
    if comment:
        shb_options["opt_comment"] = comment
    shb = blocks.SectionHeader(options=shb_options)
    for iface in interfaces:
        options: dict[str, object] = {"if_name": iface.name}
        if iface.description:
            options["if_description"] = iface.description
        shb.new_member(blocks.InterfaceDescription, link_type=iface.link_type, snaplen=SNAPLEN,
                       options=options)
    out = io.BytesIO()
    writer = pcapng.FileWriter(out, shb)       # writes the SHB and every IDB
    for frame in frames:
        if not 0 <= frame.interface < len(interfaces):
            raise ValueError(f"frame on interface {frame.interface}: only {len(interfaces)}")
        micros = EPOCH * 1_000_000 + round(frame.time * 1_000_000)
        options = {}
        if frame.comments:
            options["opt_comment"] = frame.comments if len(frame.comments) > 1 \
                else frame.comments[0]
        flags = DIRECTION_FLAGS[frame.direction]
        if flags:
            options["epb_flags"] = flags
        writer.write_block(shb.new_member(
            blocks.EnhancedPacket, interface_id=frame.interface,
            timestamp_high=micros >> 32, timestamp_low=micros & 0xFFFFFFFF,
            packet_len=len(frame.data), packet_data=frame.data, options=options))
    return out.getvalue()


def write_pcapng(path: Path, interfaces: list[CaptureInterface],
                 frames: Iterable[CapturedFrame], comment: str = "") -> None:
    path.write_bytes(pcapng_bytes(interfaces, frames, comment))
