"""Declarative ISAKMP wire codec (RFC 2408 §3, RFC 2407 §4.6, RFC 2409).

Each payload is described once as a field list (``payloads.SPECS``) from which it is both
encoded and decoded. Decoding is strict and total: malformed input raises only
:class:`IsakmpDecodeError` (offset, reason, RFC 2408 §3.14.1 notify type).
"""

from .attributes import Attribute, decode_attributes, encode_attributes
from .constants import (
    DOI_IPSEC,
    FLAG_AUTH_ONLY,
    FLAG_COMMIT,
    FLAG_ENCRYPTION,
    HEADER_LEN,
    ISAKMP_VERSION,
    KEY_IKE,
    PROTO_IPCOMP,
    PROTO_IPSEC_AH,
    PROTO_IPSEC_ESP,
    PROTO_ISAKMP,
    SIT_IDENTITY_ONLY,
    AuthMethod,
    EncryptionAlgorithm,
    ExchangeType,
    HashAlgorithm,
    IdType,
    LifeType,
    NotifyType,
    PayloadType,
    Phase1Attr,
    Phase2Attr,
)
from .errors import IsakmpDecodeError
from .message import (
    Header,
    Message,
    decode_header,
    decode_message,
    decode_payloads,
    encode_header,
    encode_message,
    encode_payloads,
)
from .payloads import (
    CertPayload,
    CertRequestPayload,
    DeletePayload,
    HashPayload,
    IdPayload,
    KePayload,
    NatDDraftPayload,
    NatDPayload,
    NatOaDraftPayload,
    NatOaPayload,
    NoncePayload,
    NotificationPayload,
    Payload,
    Proposal,
    SaPayload,
    SigPayload,
    Transform,
    VendorIdPayload,
    ipv4_id,
    payload_body,
    payload_type,
)

__all__ = [
    "Attribute", "AuthMethod", "CertPayload", "CertRequestPayload", "DOI_IPSEC", "DeletePayload",
    "EncryptionAlgorithm", "ExchangeType", "FLAG_AUTH_ONLY", "FLAG_COMMIT", "FLAG_ENCRYPTION",
    "HEADER_LEN", "HashAlgorithm", "HashPayload", "Header", "ISAKMP_VERSION", "IdPayload",
    "IdType", "IsakmpDecodeError", "KEY_IKE", "KePayload", "LifeType", "Message", "NatDDraftPayload",
    "NatDPayload", "NatOaDraftPayload", "NatOaPayload", "NoncePayload",
    "NotificationPayload", "NotifyType", "PROTO_IPCOMP", "PROTO_IPSEC_AH", "PROTO_IPSEC_ESP",
    "PROTO_ISAKMP", "Payload", "PayloadType", "Phase1Attr", "Phase2Attr", "Proposal",
    "SIT_IDENTITY_ONLY", "SaPayload", "SigPayload", "Transform", "VendorIdPayload",
    "decode_attributes", "decode_header", "decode_message", "decode_payloads",
    "encode_attributes", "encode_header", "encode_message", "encode_payloads", "ipv4_id",
    "payload_body", "payload_type",
]
