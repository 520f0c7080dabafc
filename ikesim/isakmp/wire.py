"""The declarative engine: a payload is a list of fields, encoded and decoded from that list.

Offsets in errors are absolute datagram offsets: ``base + index`` where ``index`` indexes the
buffer being decoded.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, ClassVar

from .attributes import decode_attributes, encode_attributes
from .chain import encode_chain, walk_chain
from .constants import GENERIC_HEADER_LEN, NotifyType
from .errors import IsakmpDecodeError
from .head import Head, HeadPart, compile_head

Values = dict[str, Any]
MALFORMED = NotifyType.PAYLOAD_MALFORMED


@dataclass(slots=True)
class Reader:
    data: bytes
    pos: int
    end: int
    base: int
    at: dict[str, int] = field(default_factory=dict)  # field name → absolute offset

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def take(self, n: int, what: str) -> bytes:
        pos = self.pos
        if n > self.end - pos:
            raise IsakmpDecodeError(self.base + pos, f"truncated {what}", MALFORMED)
        self.pos = pos + n
        return bytes(self.data[pos:pos + n])


class Field:
    """One wire field. ``encode`` appends from the object; ``decode`` fills ``values``."""

    # The payload attribute this field decodes into (a constructor argument), if any.
    produces: str | None = None

    @property
    def fixed_size(self) -> int:
        """Octets this field always occupies."""
        return 0

    def head_part(self) -> HeadPart | None:
        """This field as part of a compiled run of fixed-size leading fields, if it can be."""
        return None

    def encode(self, obj: Any, out: bytearray) -> None:
        raise NotImplementedError

    def decode(self, r: Reader, values: Values) -> None:
        raise NotImplementedError


def _pack_uint(value: int, size: int, what: str) -> bytes:
    if not isinstance(value, int) or not 0 <= value < 1 << (8 * size):
        raise ValueError(f"{what}={value!r} does not fit {size} octet(s)")
    return value.to_bytes(size, "big")


# Big-endian unsigned integers of the sizes ISAKMP uses, packed/unpacked by one C call.
_UINT_STRUCTS = {1: struct.Struct("!B"), 2: struct.Struct("!H"), 4: struct.Struct("!I")}


@dataclass
class UInt(Field):
    """Big-endian unsigned integer; ``valid`` rejects values with ``notify``."""

    name: str
    size: int
    valid: Callable[[int], bool] | None = None
    notify: int = MALFORMED

    def __post_init__(self) -> None:
        self.produces = self.name
        self._struct, self._limit = _UINT_STRUCTS[self.size], 1 << (8 * self.size)

    @property
    def fixed_size(self) -> int:
        return self.size

    def head_part(self) -> HeadPart:
        return HeadPart(self.size, self.name, self.name, valid=self.valid, notify=self.notify,
                        at_key=self.name)

    def encode(self, obj: Any, out: bytearray) -> None:
        value = getattr(obj, self.name)
        if type(value) is int and 0 <= value < self._limit:    # the usual case
            out += self._struct.pack(value)
        else:                                   # IntEnum/bool, or ValueError if it does not fit
            out += _pack_uint(value, self.size, self.name)

    def decode(self, r: Reader, values: Values) -> None:
        pos = r.pos
        at = r.at[self.name] = r.base + pos
        if self.size > r.end - pos:
            raise IsakmpDecodeError(at, f"truncated {self.name}", MALFORMED)
        r.pos = pos + self.size
        value = self._struct.unpack_from(r.data, pos)[0]
        if self.valid is not None and not self.valid(value):
            raise IsakmpDecodeError(at, f"unsupported {self.name} {value}", self.notify)
        values[self.name] = value


@dataclass
class Reserved(Field):
    """RESERVED octets: sent as zero, rejected when not zero (RFC 2408 §3)."""

    size: int

    @property
    def fixed_size(self) -> int:
        return self.size

    def head_part(self) -> HeadPart:
        return HeadPart(self.size, "#reserved", reserved=True)

    def encode(self, obj: Any, out: bytearray) -> None:
        out += bytes(self.size)

    def decode(self, r: Reader, values: Values) -> None:
        at = r.offset
        if any(r.take(self.size, "reserved field")):
            raise IsakmpDecodeError(at, "reserved field not zero", MALFORMED)


@dataclass
class SizeOf(Field):
    """The octet length of a later ``Raw`` field (e.g. SPI Size)."""

    target: str
    size: int
    KEY: ClassVar[str] = "#len:"        # where decode leaves the value for the target field
    NOUN: ClassVar[str] = "length"

    def __post_init__(self) -> None:
        self._key = self.KEY + self.target
        self._what = f"{self.NOUN}({self.target})"
        self._struct = _UINT_STRUCTS[self.size]

    @property
    def fixed_size(self) -> int:
        return self.size

    def head_part(self) -> HeadPart:
        return HeadPart(self.size, self._key, self.target, length=True, at_key=self._key)

    def encode(self, obj: Any, out: bytearray) -> None:
        out += _pack_uint(len(getattr(obj, self.target)), self.size, self._what)

    def decode(self, r: Reader, values: Values) -> None:
        r.at[self._key] = r.offset
        values[self._key] = self._struct.unpack(r.take(self.size, self.NOUN))[0]


@dataclass
class CountOf(SizeOf):
    """The item count of a later ``Chain`` or ``Items`` field (e.g. # of Transforms)."""

    KEY: ClassVar[str] = "#count:"
    NOUN: ClassVar[str] = "count"


@dataclass
class Raw(Field):
    """Octets: sized by an earlier ``SizeOf``, else ``fixed``, else the rest of the payload."""

    name: str
    fixed: int | None = None

    def __post_init__(self) -> None:
        self.produces = self.name
        self._size_key = "#len:" + self.name

    @property
    def fixed_size(self) -> int:
        return self.fixed or 0

    def encode(self, obj: Any, out: bytearray) -> None:
        value = getattr(obj, self.name)
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError(f"{self.name} must be bytes")
        if self.fixed is not None and len(value) != self.fixed:
            raise ValueError(f"{self.name} must be {self.fixed} octets")
        out += value

    def decode(self, r: Reader, values: Values) -> None:
        r.at[self.name] = r.base + r.pos
        size = values.get(self._size_key, self.fixed)
        values[self.name] = r.take(r.end - r.pos if size is None else size, self.name)


@dataclass
class Attrs(Field):
    """The rest of the payload as data attributes (RFC 2408 §3.3)."""

    name: str

    def __post_init__(self) -> None:
        self.produces = self.name

    def encode(self, obj: Any, out: bytearray) -> None:
        out += encode_attributes(getattr(obj, self.name))

    def decode(self, r: Reader, values: Values) -> None:
        values[self.name] = decode_attributes(r.data, r.pos, r.end, r.base)
        r.pos = r.end


@dataclass
class Items(Field):
    """``#count`` octet strings of ``values[size_field]`` octets each (Delete SPIs, §3.15)."""

    name: str
    size_field: str

    def __post_init__(self) -> None:
        self.produces = self.name

    def encode(self, obj: Any, out: bytearray) -> None:
        size = getattr(obj, self.size_field)
        for item in getattr(obj, self.name):
            if len(item) != size:
                raise ValueError(f"{self.name} item is {len(item)} octets, not {size}")
            out += item

    def decode(self, r: Reader, values: Values) -> None:
        count, size = values["#count:" + self.name], values[self.size_field]
        if count * size != r.end - r.pos:
            raise IsakmpDecodeError(r.at["#count:" + self.name],
                                    f"{count} x {size}-octet {self.name} do not fill "
                                    f"the {r.end - r.pos} octets left", MALFORMED)
        values[self.name] = [r.take(size, self.name) for _ in range(count)]


@dataclass
class Check(Field):
    """A cross-field rule evaluated at this point of decoding (no wire octets)."""

    at: str
    rule: Callable[[Values], bool]
    reason: str
    notify: int

    def encode(self, obj: Any, out: bytearray) -> None:
        return None

    def decode(self, r: Reader, values: Values) -> None:
        if not self.rule(values):
            raise IsakmpDecodeError(r.at.get(self.at, r.offset), self.reason, self.notify)


@dataclass
class Chain(Field):
    """The rest of the payload as a chain of sub-payloads of one type (proposals, transforms).

    Each item has a generic header whose NextPayload is ``item_type`` or 0 for the last one
    (RFC 2408 §3.5, §3.6). A preceding ``CountOf`` must agree with the chain length.
    """

    name: str
    spec: Spec
    item_type: int
    notify: int = NotifyType.BAD_PROPOSAL_SYNTAX

    def __post_init__(self) -> None:
        self.produces = self.name
        self._context = f"in {self.name} chain"
        self._accept = self.item_type.__eq__

    def encode(self, obj: Any, out: bytearray) -> None:
        items = getattr(obj, self.name)
        out += encode_chain(list(zip(repeat(self.item_type), map(self.spec.encode, items), strict=False)))

    def decode(self, r: Reader, values: Values) -> None:
        r.at[self.name] = r.base + r.pos
        if r.pos == r.end:
            raise IsakmpDecodeError(r.offset, f"no {self.name}", self.notify)
        spans, stop = walk_chain(r.data, r.pos, r.end, r.base, self.item_type, r.pos,
                                 self._accept, self.notify, self._context)
        # Inner errors first (in wire order), then the chain's own consistency.
        items = [self.spec.decode(r.data, s, e, r.base) for _, s, e in spans]
        if stop != r.end:
            raise IsakmpDecodeError(r.base + stop, f"octets after the last of {self.name}",
                                    MALFORMED)
        count = values.get("#count:" + self.name)
        if count is not None and count != len(items):
            raise IsakmpDecodeError(r.at["#count:" + self.name],
                                    f"count says {count} {self.name}, chain has {len(items)}",
                                    self.notify)
        values[self.name] = items
        r.pos = r.end


@dataclass
class Spec:
    """A payload (or proposal/transform) description: its class, type and fields.

    The description is compiled once: the leading fixed-size fields into one ``struct``
    (``head.Head``), the rest kept as bound field methods; a body that is one ``Raw`` taking
    the rest of the payload (KE, nonce, hash, vendor ID ...) is a slice."""

    cls: type
    ptype: int
    fields: tuple[Field, ...]
    min_body: int = field(init=False)      # octets the fixed-size fields need (from ``fields``)

    def __post_init__(self) -> None:
        self.min_body = sum(f.fixed_size for f in self.fields)
        self._produces = tuple(f.produces for f in self.fields if f.produces is not None)
        # bound once: the codec's inner loops call these for every payload
        self._encoders = tuple(f.encode for f in self.fields if not isinstance(f, Check))
        parts: list[HeadPart] = []
        for f in self.fields:
            part = f.head_part()
            if part is None:
                break
            parts.append(part)
        self._head: Head | None = compile_head(parts)
        tail = self.fields[len(parts):]
        self._tail_encoders = tuple(f.encode for f in tail if not isinstance(f, Check))
        self._tail_decoders = tuple(f.decode for f in tail)
        self._needs_at = any(isinstance(f, (Check, Items, Chain)) for f in tail)
        sized = {f.target for f in self.fields if isinstance(f, SizeOf)}
        rest = tail[0] if len(tail) == 1 else None
        # the name of a last Raw that takes the rest of the body, when that is all the tail is
        self._rest: str | None = rest.name if (
            type(rest) is Raw and rest.fixed is None and rest.name not in sized) else None
        # likewise a last Attrs (a transform's attributes)
        self._rest_attrs: str | None = rest.name if type(rest) is Attrs else None

    def encode(self, obj: Any) -> bytes:
        rest = self._rest
        if rest is not None and self._head is None:
            value = getattr(obj, rest)
            if type(value) is bytes:
                return value
        if self._head is not None:
            try:
                out = bytearray(self._head.encode(obj))
            except (struct.error, TypeError):    # the fields say which one and why
                return self._encode_fields(obj)
        else:
            out = bytearray()
        for encode in self._tail_encoders:
            encode(obj, out)
        return bytes(out)

    def _encode_fields(self, obj: Any) -> bytes:
        out = bytearray()
        for encode in self._encoders:
            encode(obj, out)
        return bytes(out)

    def decode(self, data: bytes, pos: int, end: int, base: int) -> Any:
        """Decode the body ``data[pos:end]`` (generic header already consumed)."""
        if end - pos < self.min_body:
            raise IsakmpDecodeError(base + pos - 2, f"{self.cls.__name__} length "
                                    f"{end - pos + GENERIC_HEADER_LEN} is too short", MALFORMED)
        head = self._head
        if head is None:
            values: Values = {}
            start = pos
        else:
            values = head.decode(data, pos, base)
            start = pos + head.size
        if self._rest is not None:
            values[self._rest] = bytes(data[start:end])
        elif self._rest_attrs is not None:
            values[self._rest_attrs] = decode_attributes(data, start, end, base)
        else:
            r = Reader(data, start, end, base)
            if head is not None and self._needs_at:
                r.at = head.offsets(base + pos)
            for decode in self._tail_decoders:
                decode(r, values)
            if r.pos != r.end:
                raise IsakmpDecodeError(r.offset, f"extra octets in {self.cls.__name__}",
                                        MALFORMED)
        produces = self._produces
        return self.cls(**dict(zip(produces, map(values.__getitem__, produces), strict=True)))
