"""A payload description's leading fixed-size fields compiled into one ``struct`` format.

Most ISAKMP payload bodies open with fixed-size integers and RESERVED octets (the ID payload's
ID Type, Protocol ID and Port; a proposal's number, protocol, SPI size and transform count;
RFC 2408 §3.4-3.15). ``wire.Spec`` asks each of its leading fields for its ``HeadPart`` and
compiles the run into a ``Head``: one ``pack`` to encode them and one ``unpack_from`` to decode
them, with the fields' own checks applied afterwards in field order, so that the bytes, the
values and the first error (offset, reason, notify type) are the ones the field-by-field codec
gives. The field list stays the single description; nothing here is written per payload.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from .constants import NotifyType
from .errors import IsakmpDecodeError

MALFORMED = NotifyType.PAYLOAD_MALFORMED
_UINT_CODES = {1: "B", 2: "H", 4: "I"}


@dataclass(frozen=True)
class HeadPart:
    """One fixed-size leading field: an unsigned integer (``get`` reads it from the object,
    ``valid``/``notify`` check it as decoded) or, with ``reserved``, octets that must be 0."""

    size: int
    key: str                                    # its entry in the decoded values
    attr: str | None = None     # the object attribute encoded (None: RESERVED, sent as zeros)
    length: bool = False        # the attribute's length is encoded (SizeOf, CountOf)
    valid: Callable[[int], bool] | None = None
    notify: int = MALFORMED
    reserved: bool = False
    at_key: str | None = None                   # its offset's entry in ``Reader.at``

    @property
    def encode_code(self) -> str:
        return f"{self.size}x" if self.reserved else _UINT_CODES[self.size]

    @property
    def decode_code(self) -> str:
        return f"{self.size}s" if self.reserved else _UINT_CODES[self.size]


class Head:
    """The compiled run of leading fixed-size fields of one payload description."""

    __slots__ = ("_at", "_checks", "_get", "_keys", "_lengths", "_pack", "_single", "_unpack_from",
                 "size")

    def __init__(self, parts: tuple[HeadPart, ...]) -> None:
        self._pack = struct.Struct("!" + "".join(p.encode_code for p in parts)).pack
        decoder = struct.Struct("!" + "".join(p.decode_code for p in parts))
        self._unpack_from, self.size = decoder.unpack_from, decoder.size
        encoded = [p for p in parts if p.attr is not None]
        names = [p.attr for p in encoded]
        self._single = len(names) == 1          # attrgetter of one name returns the value
        self._get = attrgetter(*names) if names else (lambda obj: ())
        self._lengths = tuple(p.length for p in encoded) if any(p.length for p in encoded) \
            else None
        self._keys = tuple(p.key for p in parts)
        offsets, at = [], 0
        for p in parts:
            offsets.append(at)
            at += p.size
        # (index, offset, valid, key, notify) in field order; valid None: a RESERVED field
        self._checks = tuple((i, offsets[i], p.valid, p.key, p.notify)
                             for i, p in enumerate(parts) if p.reserved or p.valid is not None)
        named = [i for i, p in enumerate(parts) if p.at_key is not None]
        self._at = (tuple(parts[i].at_key for i in named), tuple(offsets[i] for i in named))

    def encode(self, obj: Any) -> bytes:
        """The packed fields; ``struct.error`` when a value does not fit (the caller then
        runs the fields one by one, which name the field in their error)."""
        if self._single:
            value = self._get(obj)
            return self._pack(len(value) if self._lengths else value)
        values = self._get(obj)
        if self._lengths is not None:
            values = [len(v) if n else v for v, n in zip(values, self._lengths, strict=True)]
        return self._pack(*values)

    def decode(self, data: bytes, pos: int, base: int) -> dict[str, Any]:
        """The decoded values; ``data[pos:pos + size]`` must exist (``Spec.min_body``)."""
        values = self._unpack_from(data, pos)
        for index, offset, valid, key, notify in self._checks:
            value = values[index]
            if valid is None:
                if any(value):
                    raise IsakmpDecodeError(base + pos + offset, "reserved field not zero",
                                            MALFORMED)
            elif not valid(value):
                raise IsakmpDecodeError(base + pos + offset, f"unsupported {key} {value}",
                                        notify)
        return dict(zip(self._keys, values, strict=True))

    def offsets(self, start: int) -> dict[str, int]:
        """Absolute offsets of the fields later checks may name (``Reader.at``)."""
        keys, offsets = self._at
        return dict(zip(keys, map(start.__add__, offsets), strict=True))


def compile_head(parts: list[HeadPart]) -> Head | None:
    return Head(tuple(parts)) if parts else None
