"""The packet inspector: every ISAKMP datagram and ESP packet a router sent, decoded with
:mod:`ikesim.isakmp`'s codec and, where the sender's keys exist, decrypted.

Encrypted ISAKMP (RFC 2409 Appendix B) is opened with the *sender's* phase-1 SA (with
different pre-shared keys the two routers hold different keys: MM5 opens with its sender's):
MM5 with IV = H(g^xi | g^xr), MM6 with the last cipher block of MM5, a quick-mode or
informational exchange with H(last phase-1 block | M-ID), then chaining within the exchange.
ESP (RFC 4303) is opened with the SA's keys: ICV checked, inner IPv4 packet decoded.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

from ikesim.crypto import CIPHERS, phase1_iv, phase2_iv
from ikesim.ike.protect import ProtectionError, decrypt_message
from ikesim.ike.sa import IsakmpSa
from ikesim.ipsec.esp import EspError, decapsulate
from ikesim.ipsec.sa import IpsecSa
from ikesim.isakmp import (
    HEADER_LEN,
    ExchangeType,
    IdType,
    IsakmpDecodeError,
    NotifyType,
    PayloadType,
    Phase1Attr,
    Phase2Attr,
    decode_header,
    decode_payloads,
    payload_type,
)
from ikesim.net.packet_decode import DecodeError, decode_packet

HEX_SHOWN = 48          # octets of a long value shown before "…"
ENUMS: dict[str, type[enum.IntEnum]] = {"notify_type": NotifyType, "id_type": IdType,
                                        "exchange": ExchangeType, "next_payload": PayloadType}


@dataclass
class Node:
    """One line of the inspector's tree: a name, a value and children."""

    name: str
    value: str = ""
    children: list[Node] = field(default_factory=list)


@dataclass
class Packet:
    index: int
    time: float
    sender: str
    receiver: str
    src: str
    dst: str
    kind: str                    # "ISAKMP" | "ESP"
    label: str = ""              # MM1 … / QM1 … / INFO … / ESP
    fate: str = ""               # delivered | dropped at X: reason | unanswered
    header: list[Node] = field(default_factory=list)
    payloads: list[Node] = field(default_factory=list)
    decrypted: str = ""          # how it was opened, or why not ("" for plaintext)
    length: int = 0
    raw_hex: str = ""


def _hex(data: bytes) -> str:
    text = data.hex()
    return text if len(data) <= HEX_SHOWN else f"{text[:HEX_SHOWN * 2]}… ({len(data)} octets)"


def _value(name: str, value: Any, attr_enum: type[enum.IntEnum] | None) -> Node:
    if isinstance(value, bytes | bytearray):
        return Node(name, _hex(bytes(value)))
    if isinstance(value, list):
        return Node(name, f"{len(value)}", [_value(f"{name[:-1] if name.endswith('s') else name}"
                                                   f" {i + 1}", v, attr_enum)
                                            for i, v in enumerate(value)])
    if dataclasses.is_dataclass(value):
        return _dataclass(name, value, attr_enum)
    if name in ENUMS and isinstance(value, int):
        try:
            return Node(name, f"{ENUMS[name](value).name} ({value})")
        except ValueError:
            return Node(name, str(value))
    return Node(name, str(value))


def _dataclass(name: str, obj: Any, attr_enum: type[enum.IntEnum] | None) -> Node:
    if type(obj).__name__ == "Attribute" and attr_enum is not None:
        try:
            label = attr_enum(obj.type).name
        except ValueError:
            label = f"type {obj.type}"
        value = obj.value
        return Node(label, _hex(value) if isinstance(value, bytes) else str(value))
    if type(obj).__name__ == "Proposal":
        attr_enum = Phase1Attr if obj.protocol == 1 else Phase2Attr
    node = Node(name)
    for f in dataclasses.fields(obj):
        node.children.append(_value(f.name, getattr(obj, f.name), attr_enum))
    return node


def payload_nodes(payloads: list[Any]) -> list[Node]:
    out = []
    for p in payloads:
        try:
            kind = PayloadType(payload_type(p)).name
        except (ValueError, TypeError, KeyError):
            kind = type(p).__name__
        out.append(_dataclass(kind, p, None))
    return out


class Opener:
    """Tracks the IVs of each phase-1 SA's exchanges while datagrams are inspected in order."""

    def __init__(self) -> None:
        self.mm5_last: dict[bytes, bytes] = {}        # icookie -> last cipher block of MM5
        self.p1_last: dict[bytes, bytes] = {}         # icookie -> last cipher block of MM6
        self.chain: dict[tuple[bytes, int], bytes] = {}   # (icookie, M-ID) -> next IV
        self.opened: dict[bytes, tuple[list[Any], str]] = {}   # datagram -> result (resends)

    def open(self, sa: IsakmpSa | None, data: bytes, from_initiator: bool) -> tuple[list[Any],
                                                                                  str]:
        if data in self.opened:
            return self.opened[data]
        result = self._open(sa, data, from_initiator)
        self.opened[data] = result
        return result

    def _open(self, sa: IsakmpSa | None, data: bytes, from_initiator: bool) -> tuple[list[Any],
                                                                                   str]:
        if sa is None or not sa.cipher_key or sa.negotiated is None:
            return [], "encrypted; the sender has no key for it"
        header = decode_header(data)
        block = CIPHERS[sa.cipher_name].block_size
        ct = data[HEADER_LEN:]
        cookie = header.icookie
        if header.exchange == ExchangeType.IDENTITY_PROTECTION:
            if from_initiator:
                iv = phase1_iv(sa.hash_name, sa.gxi, sa.gxr, block)
                self.mm5_last[cookie] = ct[-block:]
            else:
                iv = self.mm5_last.get(cookie, b"")
                self.p1_last[cookie] = ct[-block:]
        else:
            key = (cookie, header.message_id)
            iv = self.chain.get(key) or phase2_iv(sa.hash_name, self.p1_last.get(cookie, sa.iv),
                                                   header.message_id, block)
            if header.exchange == ExchangeType.QUICK_MODE:
                self.chain[key] = ct[-block:]
        if len(iv) != block:
            return [], "encrypted; the IV is unknown (the message before it was not seen)"
        try:
            payloads, _, _ = decrypt_message(sa, header, data, iv)
        except ProtectionError as exc:
            return [], f"does not decrypt with the sender's key: {exc}"
        return payloads, f"decrypted with the sender's {sa.cipher_name} key"


def inspect_isakmp(packet: Packet, data: bytes, sa: IsakmpSa | None, opener: Opener) -> None:
    packet.length, packet.raw_hex = len(data), _hex(data)
    try:
        header = decode_header(data)
    except IsakmpDecodeError as exc:
        packet.header = [Node("malformed", str(exc))]
        return
    packet.header = [_value(f.name, getattr(header, f.name), None)
                     for f in dataclasses.fields(header)]
    if header.encrypted:
        initiator = sa is None or sa.role == "I"
        payloads, packet.decrypted = opener.open(sa, data, initiator)
    else:
        try:
            payloads = decode_payloads(header.next_payload, data[HEADER_LEN:])
        except IsakmpDecodeError as exc:
            packet.payloads = [Node("malformed", str(exc))]
            return
    packet.payloads = payload_nodes(payloads)


def inspect_esp(packet: Packet, data: bytes, sa: IpsecSa | None) -> None:
    packet.length, packet.raw_hex = len(data), _hex(data)
    spi, seq = int.from_bytes(data[:4], "big"), int.from_bytes(data[4:8], "big")
    packet.header = [Node("spi", f"0x{spi:08x}"), Node("sequence", str(seq))]
    if sa is None:
        packet.decrypted = "encrypted; no SA known for this SPI"
        return
    fresh = dataclasses.replace(sa, replay_top=0, replay_bitmap=0)   # no replay state here
    try:
        inner = decode_packet(decapsulate(fresh, data))
    except (EspError, DecodeError) as exc:
        packet.decrypted = f"does not decrypt: {exc}"
        return
    packet.decrypted = f"decrypted with the SA's {sa.transform.cipher.wireshark} key, ICV checked"
    packet.payloads = [Node("inner packet", inner.summary(), [
        Node("ttl", str(inner.ttl)), Node("protocol", str(inner.protocol)),
        Node("length", str(inner.size))])]
