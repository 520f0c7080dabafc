"""ISAKMP payloads (RFC 2408 §3.4-§3.16, RFC 2407 §4.6): data classes and their one description.

Every payload class is described exactly once in ``SPECS`` (a field list); ``wire.Spec`` both
encodes and decodes from it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .attributes import Attribute
from .constants import (
    DOI_IPSEC,
    ID_DATA_SIZES,
    KEY_IKE,
    PROTO_ISAKMP,
    SIT_IDENTITY_ONLY,
    SPI_SIZES,
    IdType,
    NotifyType,
    PayloadType,
)
from .wire import Attrs, Chain, Check, CountOf, Items, Raw, Reserved, SizeOf, Spec, UInt, Values


@dataclass
class Transform:
    """RFC 2408 §3.6 (phase 1: transform id KEY_IKE, RFC 2407 §4.4.2)."""

    number: int
    transform_id: int = KEY_IKE
    attributes: list[Attribute] = field(default_factory=list)

    def get(self, attr_type: int) -> Attribute | None:
        """The first attribute of class ``attr_type``, if any."""
        return next((a for a in self.attributes if a.type == attr_type), None)


@dataclass
class Proposal:
    """RFC 2408 §3.5."""

    number: int
    protocol: int = PROTO_ISAKMP
    spi: bytes = b""
    transforms: list[Transform] = field(default_factory=list)


@dataclass
class SaPayload:
    """RFC 2408 §3.4 with the IPsec DOI situation (RFC 2407 §4.6.1)."""

    proposals: list[Proposal]
    doi: int = DOI_IPSEC
    situation: int = SIT_IDENTITY_ONLY


@dataclass
class KePayload:
    """RFC 2408 §3.7."""

    data: bytes


@dataclass
class IdPayload:
    """RFC 2407 §4.6.2."""

    id_type: int
    protocol: int
    port: int
    data: bytes


@dataclass
class CertPayload:
    """RFC 2408 §3.9."""

    encoding: int
    data: bytes


@dataclass
class CertRequestPayload:
    """RFC 2408 §3.10."""

    cert_type: int
    authority: bytes


@dataclass
class HashPayload:
    """RFC 2408 §3.11."""

    data: bytes


@dataclass
class SigPayload:
    """RFC 2408 §3.12."""

    data: bytes


@dataclass
class NoncePayload:
    """RFC 2408 §3.13."""

    data: bytes


@dataclass
class NotificationPayload:
    """RFC 2408 §3.14."""

    notify_type: int
    protocol: int = PROTO_ISAKMP
    spi: bytes = b""
    data: bytes = b""
    doi: int = DOI_IPSEC


@dataclass
class DeletePayload:
    """RFC 2408 §3.15."""

    protocol: int
    spi_size: int
    spis: list[bytes]
    doi: int = DOI_IPSEC


@dataclass
class VendorIdPayload:
    """RFC 2408 §3.16."""

    data: bytes


@dataclass
class NatDPayload:
    """RFC 3947 §3.2 NAT-D: HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash; its length
    is checked by the engine, which knows that hash."""

    data: bytes


@dataclass
class NatDDraftPayload(NatDPayload):
    """NAT-D numbered as the drafts number it (130): sent when a draft NAT-T VID was chosen
    (libreswan ``nat_traversal.h``: only RFC 3947 uses the RFC values)."""


@dataclass
class NatOaPayload:
    """RFC 3947 §5.2 NAT-OA: the original address (ID_IPV4_ADDR or ID_IPV6_ADDR)."""

    id_type: int
    data: bytes


@dataclass
class NatOaDraftPayload(NatOaPayload):
    """NAT-OA as the drafts number it (131)."""


Payload = (SaPayload | KePayload | IdPayload | CertPayload | CertRequestPayload | HashPayload
           | SigPayload | NoncePayload | NotificationPayload | DeletePayload | VendorIdPayload
           | NatDPayload | NatOaPayload)


def _spi_size_ok(v: Values) -> bool:
    return v["#len:spi"] in SPI_SIZES[v["protocol"]]


def _id_data_ok(v: Values) -> bool:
    size = ID_DATA_SIZES.get(v["id_type"])
    return len(v["data"]) == size if size is not None else len(v["data"]) > 0


def _proposal_numbers_ok(v: Values) -> bool:
    # RFC 2408 §4.2: proposal numbers increase monotonically (equal numbers are AND-ed).
    numbers = [p.number for p in v["proposals"]]
    return numbers == sorted(numbers)


_ID_TYPES = frozenset(int(t) for t in IdType)
_NAT_OA_SIZES = {int(IdType.IPV4_ADDR): 4, int(IdType.IPV6_ADDR): 16}


def _nat_oa_ok(v: Values) -> bool:
    return len(v["data"]) == _NAT_OA_SIZES.get(v["id_type"], -1)


def _nat_oa_spec(cls: type, ptype: int) -> Spec:
    return Spec(cls, ptype, (
        UInt("id_type", 1, valid=_NAT_OA_SIZES.__contains__,
             notify=NotifyType.INVALID_ID_INFORMATION),
        Reserved(3),
        Raw("data"),
        Check("data", _nat_oa_ok, "NAT-OA address size wrong for its ID type",
              NotifyType.INVALID_ID_INFORMATION),
    ))

TRANSFORM_SPEC = Spec(Transform, PayloadType.TRANSFORM, (
    UInt("number", 1),
    UInt("transform_id", 1),
    Reserved(2),
    Attrs("attributes"),
))

PROPOSAL_SPEC = Spec(Proposal, PayloadType.PROPOSAL, (
    UInt("number", 1),
    UInt("protocol", 1, valid=SPI_SIZES.__contains__, notify=NotifyType.INVALID_PROTOCOL_ID),
    SizeOf("spi", 1),
    CountOf("transforms", 1),
    Check("#len:spi", _spi_size_ok, "SPI size invalid for protocol", NotifyType.INVALID_SPI),
    Raw("spi"),
    Chain("transforms", TRANSFORM_SPEC, PayloadType.TRANSFORM),
))

SPECS: dict[type, Spec] = {spec.cls: spec for spec in (
    Spec(SaPayload, PayloadType.SA, (
        UInt("doi", 4, valid=DOI_IPSEC.__eq__, notify=NotifyType.DOI_NOT_SUPPORTED),
        # RFC 2407 §4.6.1: SIT_SECRECY/SIT_INTEGRITY add labelled-domain fields we don't carry.
        UInt("situation", 4, valid=lambda s: (s & ~SIT_IDENTITY_ONLY) == 0,
             notify=NotifyType.SITUATION_NOT_SUPPORTED),
        Chain("proposals", PROPOSAL_SPEC, PayloadType.PROPOSAL),
        Check("proposals", _proposal_numbers_ok, "proposal numbers not increasing",
              NotifyType.BAD_PROPOSAL_SYNTAX),
    )),
    Spec(KePayload, PayloadType.KE, (Raw("data"),)),
    Spec(IdPayload, PayloadType.ID, (
        UInt("id_type", 1, valid=_ID_TYPES.__contains__,
             notify=NotifyType.INVALID_ID_INFORMATION),
        UInt("protocol", 1),
        UInt("port", 2),
        Raw("data"),
        Check("data", _id_data_ok, "identification data size wrong for its type",
              NotifyType.INVALID_ID_INFORMATION),
    )),
    Spec(CertPayload, PayloadType.CERT, (UInt("encoding", 1), Raw("data"))),
    Spec(CertRequestPayload, PayloadType.CR, (UInt("cert_type", 1), Raw("authority"))),
    Spec(HashPayload, PayloadType.HASH, (Raw("data"),)),
    Spec(SigPayload, PayloadType.SIG, (Raw("data"),)),
    Spec(NoncePayload, PayloadType.NONCE, (Raw("data"),)),
    Spec(NotificationPayload, PayloadType.NOTIFICATION, (
        UInt("doi", 4),
        UInt("protocol", 1),
        SizeOf("spi", 1),
        UInt("notify_type", 2),
        Raw("spi"),
        Raw("data"),
    )),
    Spec(DeletePayload, PayloadType.DELETE, (
        UInt("doi", 4),
        UInt("protocol", 1),
        UInt("spi_size", 1),
        CountOf("spis", 2),
        Items("spis", "spi_size"),
    )),
    Spec(VendorIdPayload, PayloadType.VENDOR_ID, (Raw("data"),)),
    Spec(NatDPayload, PayloadType.NAT_D, (Raw("data"),)),
    Spec(NatDDraftPayload, PayloadType.NAT_D_DRAFT, (Raw("data"),)),
    _nat_oa_spec(NatOaPayload, PayloadType.NAT_OA),
    _nat_oa_spec(NatOaDraftPayload, PayloadType.NAT_OA_DRAFT),
)}

SPECS_BY_TYPE: dict[int, Spec] = {spec.ptype: spec for spec in SPECS.values()}


def spec_of(p: Payload) -> Spec:
    try:
        return SPECS[type(p)]
    except KeyError:
        raise TypeError(f"not an ISAKMP payload: {p!r}") from None


def payload_type(p: Payload) -> PayloadType:
    return PayloadType(spec_of(p).ptype)


def payload_body(p: Payload) -> bytes:
    """The payload body without its generic header (RFC 2409 §5 "X_b", e.g. SAi_b)."""
    return spec_of(p).encode(p)


def ipv4_id(addr: int | str | bytes, protocol: int = 17, port: int = 500) -> IdPayload:
    """An ID_IPV4_ADDR payload (RFC 2407 §4.6.2; IOS phase 1 uses UDP/500)."""
    packed = ipaddress.IPv4Address(addr).packed
    return IdPayload(IdType.IPV4_ADDR, protocol, port, packed)
