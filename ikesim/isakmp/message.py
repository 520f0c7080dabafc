"""ISAKMP header and messages (RFC 2408 §3.1, §5.1)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .constants import (
    FLAG_ENCRYPTION,
    FLAGS_KNOWN,
    HEADER_LEN,
    ISAKMP_VERSION,
    NotifyType,
    PayloadType,
)
from .errors import IsakmpDecodeError
from .payloads import SPECS, SPECS_BY_TYPE, Payload, spec_of
from .wire import encode_chain, walk_chain

_HEADER = struct.Struct("!8s8sBBBBII")
MALFORMED = NotifyType.PAYLOAD_MALFORMED


@dataclass
class Header:
    """RFC 2408 §3.1 header. ``length`` counts the whole message, padding included."""

    icookie: bytes
    rcookie: bytes
    next_payload: int
    exchange: int
    flags: int = 0
    message_id: int = 0
    length: int = 0
    version: int = ISAKMP_VERSION

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & FLAG_ENCRYPTION)


@dataclass
class Message:
    header: Header
    payloads: list[Payload] = field(default_factory=list)


def encode_header(h: Header) -> bytes:
    """The 28-octet header, ``h.length`` used as given."""
    return _pack_header(h, h.next_payload, h.length)


def _pack_header(h: Header, next_payload: int, length: int) -> bytes:
    """``h`` encoded with the given NextPayload and Length (``h`` itself is left untouched)."""
    if len(h.icookie) != 8 or len(h.rcookie) != 8:
        raise ValueError("cookies must be 8 octets")
    try:   # struct range-checks every field; on failure, find which one to name it
        return _HEADER.pack(h.icookie, h.rcookie, next_payload, h.version, h.exchange, h.flags,
                            h.message_id, length)
    except struct.error:
        pass
    for name, value, bits in (("next_payload", next_payload, 8), ("exchange", h.exchange, 8),
                              ("flags", h.flags, 8), ("version", h.version, 8),
                              ("message_id", h.message_id, 32), ("length", length, 32)):
        if not 0 <= value < 1 << bits:
            raise ValueError(f"header {name}={value} out of range")
    return _HEADER.pack(h.icookie, h.rcookie, next_payload, h.version, h.exchange, h.flags,
                        h.message_id, length)


def decode_header(data: bytes) -> Header:
    """Decode and check the header of the datagram ``data`` (RFC 2408 §5.1 steps 3-5).

    Checks version (major 1 / minor 0), exchange type, flags and that Length == len(data).
    The next payload type is checked by :func:`decode_payloads`.
    """
    if len(data) < HEADER_LEN:
        raise IsakmpDecodeError(len(data), f"datagram of {len(data)} octets is shorter than "
                                "the ISAKMP header", MALFORMED)
    icky, rcky, nxt, version, exchange, flags, msgid, length = _HEADER.unpack_from(data)
    if version >> 4 != ISAKMP_VERSION >> 4:
        raise IsakmpDecodeError(17, f"major version {version >> 4}",
                                NotifyType.INVALID_MAJOR_VERSION)
    if version & 0x0F != ISAKMP_VERSION & 0x0F:
        raise IsakmpDecodeError(17, f"minor version {version & 0x0F}",
                                NotifyType.INVALID_MINOR_VERSION)
    # RFC 2408 §3.1: 0 and 6-31 are reserved; 32-239 DOI specific, 240-255 private use.
    if exchange == 0 or 6 <= exchange <= 31:
        raise IsakmpDecodeError(18, f"exchange type {exchange}",
                                NotifyType.INVALID_EXCHANGE_TYPE)
    if flags & ~FLAGS_KNOWN:
        raise IsakmpDecodeError(19, f"flags {flags:#04x}", NotifyType.INVALID_FLAGS)
    if length != len(data):
        raise IsakmpDecodeError(24, f"header length {length} but datagram has {len(data)} "
                                "octets", MALFORMED)
    return Header(icky, rcky, nxt, exchange, flags, msgid, length, version)


def encode_payloads(payloads: list[Payload]) -> tuple[int, bytes]:
    """(type of the first payload, the chained payloads); (0, b"") when empty."""
    items = []
    for p in payloads:
        spec = SPECS.get(type(p)) or spec_of(p)     # spec_of: the TypeError for a stranger
        items.append((spec.ptype, spec.encode(p)))
    return (items[0][0] if items else PayloadType.NONE), encode_chain(items)


def decode_payloads(first_type: int, body: bytes, *, base_offset: int = HEADER_LEN,
                    allow_trailing: bool = False) -> list[Payload]:
    """Decode a payload chain; ``body[0]`` is at datagram offset ``base_offset``.

    ``allow_trailing`` ignores octets after the last payload (the zero padding of a decrypted
    body, RFC 2409 Appendix B); otherwise they are an error.
    """
    try:
        spans, stop = walk_chain(body, 0, len(body), base_offset, first_type,
                                 -HEADER_LEN + 16,  # the header's NextPayload octet
                                 SPECS_BY_TYPE.__contains__, NotifyType.INVALID_PAYLOAD_TYPE,
                                 "in the message")
        payloads = [SPECS_BY_TYPE[t].decode(body, s, e, base_offset) for t, s, e in spans]
        if stop != len(body) and not allow_trailing:
            raise IsakmpDecodeError(base_offset + stop,
                                    f"{len(body) - stop} octets after the last payload",
                                    MALFORMED)
        return payloads
    except IsakmpDecodeError:
        raise
    except Exception as exc:  # defensive: the contract is that nothing else escapes
        raise IsakmpDecodeError(base_offset, f"internal decode failure: {exc!r}",
                                MALFORMED) from exc


def encode_message(msg: Message) -> bytes:
    """A plaintext message; the header's next_payload and length are filled in."""
    first, body = encode_payloads(msg.payloads)
    return _pack_header(msg.header, first, HEADER_LEN + len(body)) + body


def decode_message(data: bytes) -> Message:
    """Decode a plaintext datagram. An encrypted one (flag E) must be decrypted by the caller,
    who then uses :func:`decode_header` and :func:`decode_payloads`."""
    data = bytes(data)
    header = decode_header(data)
    if header.encrypted:
        raise IsakmpDecodeError(19, "message is encrypted", NotifyType.INVALID_FLAGS)
    return Message(header, decode_payloads(header.next_payload, data[HEADER_LEN:]))
