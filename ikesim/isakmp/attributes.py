"""Data attributes (RFC 2408 §3.3): TV when the AF bit is set, else TLV."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .constants import ATTR_AF, NotifyType
from .errors import IsakmpDecodeError

_OCTETS = (bytes, bytearray)
_TYPE = struct.Struct("!H")              # AF|Attribute Type (TV form)
_TYPE_LENGTH = struct.Struct("!HH")      # Attribute Type, Attribute Length/Value (TLV/TV)
_MIN_TLV_INT = 4  # IOS sends a long life duration as a 4-octet TLV (e.g. 0x00015180)


@dataclass(frozen=True, eq=False)
class Attribute:
    """One data attribute. ``type`` excludes the AF bit.

    Encoding rule: ``tv=True`` → TV (value must fit 16 bits); ``tv=False`` → TLV; ``tv=None`` →
    TV iff the value is an int that fits 16 bits. An int encoded as TLV uses the minimal
    big-endian length, at least 4 octets. Decoded attributes keep ``tv`` set; a decoded TLV
    value is ``bytes`` exactly as received (use :attr:`int_value`).

    Two attributes are equal when they have the same wire encoding, so
    ``Attribute(12, 86400) == Attribute(12, b"\\x00\\x01\\x51\\x80", tv=False)``.
    """

    type: int
    value: int | bytes
    tv: bool | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.type <= 0x7FFF:
            raise ValueError(f"attribute type {self.type} out of range 0..0x7fff")
        if isinstance(self.value, int):
            if self.value < 0:
                raise ValueError("attribute value must not be negative")
            if self.tv and self.value > 0xFFFF:
                raise ValueError(f"TV attribute value {self.value} does not fit 16 bits")
        elif isinstance(self.value, _OCTETS):
            if self.tv and len(self.value) != 2:
                raise ValueError("TV attribute value must be 2 octets")
            if len(self.value) > 0xFFFF:
                raise ValueError("TLV attribute value longer than 65535 octets")
        else:
            raise TypeError(f"attribute value must be int or bytes, not {type(self.value)}")

    @classmethod
    def _from_wire(cls, type_: int, value: int | bytes, tv: bool) -> Attribute:
        """A decoded attribute. The wire format already guarantees what ``__post_init__``
        checks (15-bit type, 16-bit TV value, TLV length < 65536), so it is not re-run."""
        attr = object.__new__(cls)
        attr.__dict__.update(type=type_, value=value, tv=tv)   # frozen: no __setattr__
        return attr

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attribute):
            return NotImplemented
        return self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(self.encode())

    @property
    def int_value(self) -> int:
        if isinstance(self.value, int):
            return self.value
        return int.from_bytes(self.value, "big")

    @property
    def is_tv(self) -> bool:
        """Whether this attribute goes on the wire as TV."""
        if self.tv is not None:
            return self.tv
        return isinstance(self.value, int) and self.value <= 0xFFFF

    def value_bytes(self) -> bytes:
        """The value octets as sent (2 for TV, the TLV value otherwise)."""
        if isinstance(self.value, _OCTETS):
            return bytes(self.value)
        if self.is_tv:
            return self.value.to_bytes(2, "big")
        size = max(_MIN_TLV_INT, (self.value.bit_length() + 7) // 8)
        return self.value.to_bytes(size, "big")

    def encode(self) -> bytes:
        value = self.value
        if isinstance(value, int) and (self.tv or (self.tv is None and value <= 0xFFFF)):
            return _TYPE_LENGTH.pack(self.type | ATTR_AF, value)   # the common case: TV
        raw = self.value_bytes()
        if self.is_tv:
            return _TYPE.pack(self.type | ATTR_AF) + raw
        if len(raw) > 0xFFFF:
            raise ValueError("TLV attribute value longer than 65535 octets")
        return _TYPE_LENGTH.pack(self.type, len(raw)) + raw


def encode_attributes(attrs: list[Attribute]) -> bytes:
    return b"".join([a.encode() for a in attrs])


def decode_attributes(data: bytes, pos: int, end: int, base: int) -> list[Attribute]:
    """Decode ``data[pos:end]`` entirely as attributes; offsets reported as ``base + index``."""
    attrs: list[Attribute] = []
    make, unpack = Attribute._from_wire, _TYPE_LENGTH.unpack_from
    while pos < end:
        if end - pos < 4:
            raise IsakmpDecodeError(base + pos, "truncated data attribute",
                                    NotifyType.PAYLOAD_MALFORMED)
        atype, second = unpack(data, pos)
        if atype & ATTR_AF:
            attrs.append(make(atype & 0x7FFF, second, True))
            pos += 4
            continue
        if pos + 4 + second > end:
            raise IsakmpDecodeError(base + pos + 2, f"attribute {atype} length {second} "
                                    "runs past its transform", NotifyType.PAYLOAD_MALFORMED)
        attrs.append(make(atype, bytes(data[pos + 4:pos + 4 + second]), False))
        pos += 4 + second
    return attrs
