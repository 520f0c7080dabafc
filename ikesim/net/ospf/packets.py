"""OSPFv2 packets and LSAs as bytes (RFC 2328 Appendix A), described once as data.

Packet header (A.3.1): version 2, type, length, router ID, area ID, the Internet checksum of the
whole packet with the 64-bit authentication field excluded (AuType 0, null authentication).
Bodies: Hello (A.3.2), Database Description (A.3.3), Link State Request (A.3.4), Link State
Update (A.3.5), Link State Acknowledgment (A.3.6). LSAs (A.4): the 20-octet header with the
Fletcher checksum of RFC 2328 §12.1.7 (ISO 8473 Annex C, LS age excluded), router-LSAs (A.4.2),
network-LSAs (A.4.3), summary-LSAs (A.4.4) and AS-external-LSAs (A.4.5).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

from ikesim.net.packet import checksum

PROTO_OSPF = 89
ALL_SPF_ROUTERS = 0xE0000005  # 224.0.0.5
ALL_DR_ROUTERS = 0xE0000006  # 224.0.0.6
HELLO, DBD, LSR, LSU, LSACK = 1, 2, 3, 4, 5
PACKET_NAMES = {HELLO: "Hello", DBD: "DBD", LSR: "LSR", LSU: "LSU", LSACK: "LSAck"}
ROUTER_LSA, NETWORK_LSA, SUMMARY_LSA, EXTERNAL_LSA = 1, 2, 3, 5
P2P_LINK, TRANSIT_LINK, STUB_LINK = 1, 2, 3
OPTION_E = 0x02  # external routing capability (A.2)
DBD_I, DBD_M, DBD_MS = 0x04, 0x02, 0x01
HEADER_LEN, LSA_HEADER_LEN = 24, 20
MAX_AGE = 3600  # seconds (RFC 2328 Appendix B)
INITIAL_SEQUENCE = 0x80000001


class OspfError(ValueError):
    """A packet or LSA this router must discard (RFC 2328 §8.2, §13)."""


@dataclass(frozen=True, slots=True)
class LsaHeader:
    age: int
    options: int
    type: int
    link_state_id: int
    advertising_router: int
    sequence: int
    checksum: int = 0
    length: int = LSA_HEADER_LEN

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.type, self.link_state_id, self.advertising_router)

    def pack(self) -> bytes:
        return struct.pack("!HBBIIiHH", self.age, self.options, self.type, self.link_state_id,
                           self.advertising_router, _signed(self.sequence), self.checksum,
                           self.length)

    @classmethod
    def unpack(cls, data: bytes, offset: int = 0) -> LsaHeader:
        if len(data) - offset < LSA_HEADER_LEN:
            raise OspfError("truncated LSA header")
        age, options, kind, lsid, adv, seq, csum, length = struct.unpack_from(
            "!HBBIIiHH", data, offset)
        return cls(age, options, kind, lsid, adv, seq & 0xFFFFFFFF, csum, length)


@dataclass(frozen=True, slots=True)
class RouterLink:
    link_id: int
    link_data: int
    type: int
    metric: int


@dataclass(frozen=True, slots=True)
class RouterLsa:
    links: tuple[RouterLink, ...]
    flags: int = 0  # bit 0 B (ABR), bit 1 E (ASBR), bit 2 V


@dataclass(frozen=True, slots=True)
class NetworkLsa:
    mask: int
    routers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SummaryLsa:
    mask: int
    metric: int


@dataclass(frozen=True, slots=True)
class ExternalLsa:
    mask: int
    metric: int
    e2: bool = True
    forwarding: int = 0
    tag: int = 0


LsaBody = RouterLsa | NetworkLsa | SummaryLsa | ExternalLsa


@dataclass(frozen=True, slots=True)
class Lsa:
    header: LsaHeader
    body: LsaBody
    raw: bytes = field(default=b"", compare=False, repr=False)  # encoded form (any age)

    @property
    def key(self) -> tuple[int, int, int]:
        return self.header.key

    def with_age(self, age: int) -> Lsa:
        h = self.header
        return Lsa(LsaHeader(age, h.options, h.type, h.link_state_id, h.advertising_router,
                             h.sequence, h.checksum, h.length), self.body, self.raw)


@dataclass(frozen=True, slots=True)
class Hello:
    mask: int
    hello_interval: int
    options: int
    priority: int
    dead_interval: int
    dr: int
    bdr: int
    neighbors: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DbDescription:
    mtu: int
    options: int
    flags: int
    sequence: int
    headers: tuple[LsaHeader, ...] = ()


@dataclass(frozen=True, slots=True)
class LsRequest:
    requests: tuple[tuple[int, int, int], ...]  # (type, link state ID, advertising router)


@dataclass(frozen=True, slots=True)
class LsUpdate:
    lsas: tuple[Lsa, ...]


@dataclass(frozen=True, slots=True)
class LsAck:
    headers: tuple[LsaHeader, ...]


Body = Hello | DbDescription | LsRequest | LsUpdate | LsAck
_TYPE_OF = {Hello: HELLO, DbDescription: DBD, LsRequest: LSR, LsUpdate: LSU, LsAck: LSACK}


@dataclass(frozen=True, slots=True)
class OspfPacket:
    router_id: int
    area: int
    body: Body = field(default=None)  # type: ignore[assignment]

    @property
    def type(self) -> int:
        return _TYPE_OF[type(self.body)]


def _signed(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


# -- LSAs -------------------------------------------------------------------------------
def fletcher(data: bytes, offset: int) -> bytes:
    """The two check octets to store at ``offset`` so that the Fletcher checksum of ``data``
    (with those octets in place) is zero (ISO 8473 Annex C; RFC 2328 §12.1.7)."""
    c0 = c1 = 0
    for byte in data[:offset] + b"\x00\x00" + data[offset + 2:]:
        c0 = (c0 + byte) % 255
        c1 = (c1 + c0) % 255
    x = ((len(data) - offset - 1) * c0 - c1) % 255 or 255
    y = (510 - c0 - x) % 255 or 255
    return bytes((x, y))


def fletcher_ok(data: bytes) -> bool:
    c0 = c1 = 0
    for byte in data:
        c0 = (c0 + byte) % 255
        c1 = (c1 + c0) % 255
    return c0 == 0 and c1 == 0


def encode_lsa_body(body: LsaBody) -> bytes:
    if isinstance(body, RouterLsa):
        out = [struct.pack("!BBH", body.flags, 0, len(body.links))]
        out += [struct.pack("!IIBBH", link.link_id, link.link_data, link.type, 0, link.metric)
                for link in body.links]
        return b"".join(out)
    if isinstance(body, NetworkLsa):
        return struct.pack(f"!I{len(body.routers)}I", body.mask, *body.routers)
    if isinstance(body, SummaryLsa):
        return struct.pack("!II", body.mask, body.metric & 0xFFFFFF)
    return struct.pack("!IIII", body.mask, (0x80000000 if body.e2 else 0) | body.metric,
                       body.forwarding, body.tag)


def make_lsa(header: LsaHeader, body: LsaBody) -> Lsa:
    """An LSA with its length and checksum filled in."""
    data = encode_lsa_body(body)
    header = replace(header, length=LSA_HEADER_LEN + len(data), checksum=0)
    raw = header.pack() + data
    check = fletcher(raw[2:], 14)
    header = replace(header, checksum=int.from_bytes(check, "big"))
    return Lsa(header, body, header.pack() + data)


def encode_lsa(lsa: Lsa) -> bytes:
    if lsa.raw:
        return struct.pack("!H", lsa.header.age) + lsa.raw[2:]
    return lsa.header.pack() + encode_lsa_body(lsa.body)


# Decoded LSA instances by their bytes after the LS age: an instance flooded to a router by
# several neighbours is verified and parsed once.
_DECODED: dict[bytes, Lsa] = {}
_DECODED_MAX = 20_000


def decode_lsa(data: bytes, offset: int = 0) -> Lsa:
    if len(data) - offset < LSA_HEADER_LEN:
        raise OspfError("truncated LSA header")
    length = int.from_bytes(data[offset + 18:offset + 20], "big")
    end = offset + length
    if length < LSA_HEADER_LEN or end > len(data):
        raise OspfError("bad LSA length")
    raw = bytes(data[offset:end])
    known = _DECODED.get(raw[2:])
    if known is not None:
        return known.with_age(int.from_bytes(raw[:2], "big"))
    lsa = _decode_lsa(raw)
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
    _DECODED[raw[2:]] = lsa
    return lsa


def _decode_lsa(data: bytes) -> Lsa:
    header = LsaHeader.unpack(data)
    if not fletcher_ok(data[2:]):
        raise OspfError("LSA checksum mismatch")
    body = data[LSA_HEADER_LEN:]
    try:
        if header.type == ROUTER_LSA:
            flags, _, count = struct.unpack_from("!BBH", body)
            links = []
            at = 4
            for _ in range(count):
                lid, ldata, kind, tos, metric = struct.unpack_from("!IIBBH", body, at)
                links.append(RouterLink(lid, ldata, kind, metric))
                at += 12 + 4 * tos
            return Lsa(header, RouterLsa(tuple(links), flags), data)
        if header.type == NETWORK_LSA:
            mask, *routers = struct.unpack(f"!I{(len(body) - 4) // 4}I", body[:len(body) // 4 * 4])
            return Lsa(header, NetworkLsa(mask, tuple(routers)), data)
        if header.type in (SUMMARY_LSA, 4):
            mask, metric = struct.unpack_from("!II", body)
            return Lsa(header, SummaryLsa(mask, metric & 0xFFFFFF), data)
        if header.type == EXTERNAL_LSA:
            mask, bits, forwarding, tag = struct.unpack_from("!IIII", body)
            return Lsa(header, ExternalLsa(mask, bits & 0xFFFFFF, bool(bits >> 31), forwarding,
                                           tag), data)
    except struct.error as exc:
        raise OspfError(f"truncated LSA body: {exc}") from None
    raise OspfError(f"unknown LSA type {header.type}")


# -- packets ------------------------------------------------------------------------------
def _encode_body(body: Body) -> bytes:
    if isinstance(body, Hello):
        return struct.pack(f"!IHBBIII{len(body.neighbors)}I", body.mask, body.hello_interval,
                           body.options, body.priority, body.dead_interval, body.dr, body.bdr,
                           *body.neighbors)
    if isinstance(body, DbDescription):
        return struct.pack("!HBBI", body.mtu, body.options, body.flags, body.sequence) + \
            b"".join(h.pack() for h in body.headers)
    if isinstance(body, LsRequest):
        return b"".join(struct.pack("!III", *r) for r in body.requests)
    if isinstance(body, LsUpdate):
        return struct.pack("!I", len(body.lsas)) + b"".join(encode_lsa(a) for a in body.lsas)
    return b"".join(h.pack() for h in body.headers)


def encode_ospf(packet: OspfPacket) -> bytes:
    body = _encode_body(packet.body)
    length = HEADER_LEN + len(body)
    head = struct.pack("!BBHIIHH", 2, packet.type, length, packet.router_id, packet.area, 0, 0)
    csum = checksum(head + body)  # the 8-octet authentication field is excluded (A.3.1)
    return head[:12] + struct.pack("!H", csum) + head[14:] + b"\x00" * 8 + body


def decode_ospf(data: bytes) -> OspfPacket:
    if len(data) < HEADER_LEN:
        raise OspfError("truncated OSPF header")
    version, kind, length, rid, area, csum, autype = struct.unpack_from("!BBHIIHH", data)
    if version != 2:
        raise OspfError(f"OSPF version {version}")
    if length < HEADER_LEN or length > len(data):
        raise OspfError("bad OSPF packet length")
    if autype != 0:
        raise OspfError(f"authentication type {autype} (only null authentication)")
    if checksum(data[:16] + data[HEADER_LEN:length]) != 0:
        raise OspfError("OSPF checksum mismatch")
    raw = data[HEADER_LEN:length]
    try:
        body = _decode_body(kind, raw)
    except struct.error as exc:
        raise OspfError(f"truncated OSPF body: {exc}") from None
    return OspfPacket(rid, area, body)


def _decode_body(kind: int, raw: bytes) -> Body:
    if kind == HELLO:
        mask, hello, options, priority, dead, dr, bdr = struct.unpack_from("!IHBBIII", raw)
        count = (len(raw) - 20) // 4
        neighbors = struct.unpack_from(f"!{count}I", raw, 20)
        return Hello(mask, hello, options, priority, dead, dr, bdr, tuple(neighbors))
    if kind == DBD:
        mtu, options, flags, seq = struct.unpack_from("!HBBI", raw)
        headers = tuple(LsaHeader.unpack(raw, at) for at in range(8, len(raw) - 19, 20))
        return DbDescription(mtu, options, flags, seq, headers)
    if kind == LSR:
        return LsRequest(tuple(struct.unpack_from("!III", raw, at)
                               for at in range(0, len(raw) - 11, 12)))
    if kind == LSU:
        (count,) = struct.unpack_from("!I", raw)
        lsas, at = [], 4
        for _ in range(count):
            lsa = decode_lsa(raw, at)
            lsas.append(lsa)
            at += lsa.header.length
        return LsUpdate(tuple(lsas))
    if kind == LSACK:
        return LsAck(tuple(LsaHeader.unpack(raw, at) for at in range(0, len(raw) - 19, 20)))
    raise OspfError(f"unknown OSPF packet type {kind}")
