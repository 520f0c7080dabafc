"""Chains of payloads: generic headers written and followed (RFC 2408 §3.2)."""

from __future__ import annotations

import struct
from collections.abc import Callable

from .constants import GENERIC_HEADER_LEN, NotifyType
from .errors import IsakmpDecodeError

MALFORMED = NotifyType.PAYLOAD_MALFORMED
_GENERIC_HEADER = struct.Struct("!BBH")   # NextPayload, RESERVED, Payload Length (§3.2)


def encode_chain(items: list[tuple[int, bytes]]) -> bytes:
    """Chain (type, body) pairs with generic headers (RFC 2408 §3.2)."""
    out = bytearray()
    pack, last = _GENERIC_HEADER.pack, len(items) - 1
    for i, (_, body) in enumerate(items):
        length = GENERIC_HEADER_LEN + len(body)
        if length > 0xFFFF:
            raise ValueError(f"payload length {length} exceeds 65535")
        out += pack(items[i + 1][0] if i < last else 0, 0, length)
        out += body
    return bytes(out)


def walk_chain(data: bytes, pos: int, end: int, base: int, first_type: int, type_at: int,
               accept: Callable[[int], bool], bad_type_notify: int,
               context: str) -> tuple[list[tuple[int, int, int]], int]:
    """Follow generic headers from ``pos`` until NextPayload 0.

    Returns ([(type, body_start, body_end)], position after the last payload). ``type_at`` is
    the index of the octet that announced ``first_type`` (for the error offset).
    """
    spans: list[tuple[int, int, int]] = []
    ptype = first_type
    while ptype != 0:
        if not accept(ptype):
            raise IsakmpDecodeError(base + type_at, f"unexpected payload type {ptype} {context}",
                                    bad_type_notify)
        if end - pos < GENERIC_HEADER_LEN:
            raise IsakmpDecodeError(base + pos, "truncated generic payload header", MALFORMED)
        nxt, reserved, length = _GENERIC_HEADER.unpack_from(data, pos)
        if reserved:
            raise IsakmpDecodeError(base + pos + 1, "reserved field not zero", MALFORMED)
        if length < GENERIC_HEADER_LEN:
            raise IsakmpDecodeError(base + pos + 2, f"payload length {length} < 4", MALFORMED)
        if length > end - pos:
            raise IsakmpDecodeError(base + pos + 2,
                                    f"payload length {length} runs past the end", MALFORMED)
        spans.append((ptype, pos + GENERIC_HEADER_LEN, pos + length))
        type_at, pos, ptype = pos, pos + length, nxt
    return spans, pos
