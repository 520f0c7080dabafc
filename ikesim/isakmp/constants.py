"""ISAKMP / IPsec DOI / IKE numbers (RFC 2408 §3, RFC 2407 §4, RFC 2409 Appendix A)."""

from __future__ import annotations

from enum import IntEnum

ISAKMP_VERSION = 0x10  # major 1, minor 0 (RFC 2408 §3.1)
HEADER_LEN = 28
GENERIC_HEADER_LEN = 4  # NextPayload(1) RESERVED(1) PayloadLength(2), RFC 2408 §3.2

FLAG_ENCRYPTION = 0x01
FLAG_COMMIT = 0x02
FLAG_AUTH_ONLY = 0x04
FLAGS_KNOWN = FLAG_ENCRYPTION | FLAG_COMMIT | FLAG_AUTH_ONLY

DOI_IPSEC = 1  # RFC 2407 §4.2
SIT_IDENTITY_ONLY = 1  # RFC 2407 §4.2.1
KEY_IKE = 1  # RFC 2407 §4.4.2: the only phase-1 transform id

PROTO_ISAKMP = 1  # RFC 2407 §4.4.1
PROTO_IPSEC_AH = 2
PROTO_IPSEC_ESP = 3
PROTO_IPCOMP = 4

ATTR_AF = 0x8000  # RFC 2408 §3.3: Attribute Format bit; set → TV, clear → TLV


class PayloadType(IntEnum):
    """RFC 2408 §3.1 Next Payload types."""

    NONE = 0
    SA = 1
    PROPOSAL = 2
    TRANSFORM = 3
    KE = 4
    ID = 5
    CERT = 6
    CR = 7
    HASH = 8
    SIG = 9
    NONCE = 10
    NOTIFICATION = 11
    DELETE = 12
    VENDOR_ID = 13
    NAT_D = 20            # RFC 3947 §3.2
    NAT_OA = 21           # RFC 3947 §5.2
    NAT_D_DRAFT = 130     # draft-ietf-ipsec-nat-t-ike-02/03 (private use), as IOS sends it
    NAT_OA_DRAFT = 131    # with a draft NAT-T VID (libreswan: ISAKMP_NEXT_NATD_DRAFTS)


class ExchangeType(IntEnum):
    """RFC 2408 §3.1 (1-5) and RFC 2409 §9 / RFC 2407 §4.7 (32 quick mode, 33 new group)."""

    BASE = 1
    IDENTITY_PROTECTION = 2
    AUTH_ONLY = 3
    AGGRESSIVE = 4
    INFORMATIONAL = 5
    QUICK_MODE = 32
    NEW_GROUP_MODE = 33


class NotifyType(IntEnum):
    """RFC 2408 §3.14.1 error types (1-30) and RFC 2407 §4.6.3 status types."""

    INVALID_PAYLOAD_TYPE = 1
    DOI_NOT_SUPPORTED = 2
    SITUATION_NOT_SUPPORTED = 3
    INVALID_COOKIE = 4
    INVALID_MAJOR_VERSION = 5
    INVALID_MINOR_VERSION = 6
    INVALID_EXCHANGE_TYPE = 7
    INVALID_FLAGS = 8
    INVALID_MESSAGE_ID = 9
    INVALID_PROTOCOL_ID = 10
    INVALID_SPI = 11
    INVALID_TRANSFORM_ID = 12
    ATTRIBUTES_NOT_SUPPORTED = 13
    NO_PROPOSAL_CHOSEN = 14
    BAD_PROPOSAL_SYNTAX = 15
    PAYLOAD_MALFORMED = 16
    INVALID_KEY_INFORMATION = 17
    INVALID_ID_INFORMATION = 18
    INVALID_CERT_ENCODING = 19
    INVALID_CERTIFICATE = 20
    CERT_TYPE_UNSUPPORTED = 21
    INVALID_CERT_AUTHORITY = 22
    INVALID_HASH_INFORMATION = 23
    AUTHENTICATION_FAILED = 24
    INVALID_SIGNATURE = 25
    ADDRESS_NOTIFICATION = 26
    NOTIFY_SA_LIFETIME = 27
    CERTIFICATE_UNAVAILABLE = 28
    UNSUPPORTED_EXCHANGE_TYPE = 29
    UNEQUAL_PAYLOAD_LENGTHS = 30
    RESPONDER_LIFETIME = 24576
    REPLAY_STATUS = 24577
    INITIAL_CONTACT = 24578
    R_U_THERE = 36136     # RFC 3706 §6 (Dead Peer Detection)
    R_U_THERE_ACK = 36137


class Phase1Attr(IntEnum):
    """RFC 2409 Appendix A attribute classes (without the AF bit)."""

    ENCRYPTION = 1
    HASH = 2
    AUTH_METHOD = 3
    GROUP_DESCRIPTION = 4
    GROUP_TYPE = 5
    GROUP_PRIME = 6
    GROUP_GENERATOR_ONE = 7
    GROUP_GENERATOR_TWO = 8
    GROUP_CURVE_A = 9
    GROUP_CURVE_B = 10
    LIFE_TYPE = 11
    LIFE_DURATION = 12
    PRF = 13
    KEY_LENGTH = 14
    FIELD_SIZE = 15
    GROUP_ORDER = 16


class Phase2Attr(IntEnum):
    """RFC 2407 §4.5 IPsec SA attribute classes."""

    SA_LIFE_TYPE = 1
    SA_LIFE_DURATION = 2
    GROUP_DESCRIPTION = 3
    ENCAPSULATION_MODE = 4
    AUTH_ALGORITHM = 5
    KEY_LENGTH = 6
    KEY_ROUNDS = 7
    COMPRESS_DICTIONARY_SIZE = 8
    COMPRESS_PRIVATE_ALGORITHM = 9


class EncryptionAlgorithm(IntEnum):
    """RFC 2409 Appendix A (7 = AES-CBC, RFC 3602)."""

    DES_CBC = 1
    IDEA = 2
    BLOWFISH = 3
    RC5 = 4
    TRIPLE_DES_CBC = 5
    CAST = 6
    AES_CBC = 7


class HashAlgorithm(IntEnum):
    """RFC 2409 Appendix A (4-6 from RFC 4868 / IANA)."""

    MD5 = 1
    SHA = 2
    TIGER = 3
    SHA2_256 = 4
    SHA2_384 = 5
    SHA2_512 = 6


class AuthMethod(IntEnum):
    """RFC 2409 Appendix A."""

    PRE_SHARED_KEY = 1
    DSS_SIG = 2
    RSA_SIG = 3
    RSA_ENC = 4
    RSA_REV_ENC = 5


class LifeType(IntEnum):
    """RFC 2409 Appendix A."""

    SECONDS = 1
    KILOBYTES = 2


class IdType(IntEnum):
    """RFC 2407 §4.6.2.1 identification types."""

    IPV4_ADDR = 1
    FQDN = 2
    USER_FQDN = 3
    IPV4_ADDR_SUBNET = 4
    IPV6_ADDR = 5
    IPV6_ADDR_SUBNET = 6
    IPV4_ADDR_RANGE = 7
    IPV6_ADDR_RANGE = 8
    DER_ASN1_DN = 9
    DER_ASN1_GN = 10
    KEY_ID = 11


# RFC 2407 §4.6.2: fixed identification data sizes; the others are variable and non-empty.
ID_DATA_SIZES: dict[int, int] = {
    IdType.IPV4_ADDR: 4,
    IdType.IPV4_ADDR_SUBNET: 8,
    IdType.IPV6_ADDR: 16,
    IdType.IPV6_ADDR_SUBNET: 32,
    IdType.IPV4_ADDR_RANGE: 8,
    IdType.IPV6_ADDR_RANGE: 32,
}

# Valid SPI sizes per protocol (RFC 2408 §2.4: phase 1 SPI is 0, or the 16-octet cookie pair;
# RFC 2407 §4.4.1: AH/ESP carry a 4-octet SPI; IPCOMP a 2-octet CPI, sometimes sent as 4).
SPI_SIZES: dict[int, frozenset[int]] = {
    PROTO_ISAKMP: frozenset({0, 16}),
    PROTO_IPSEC_AH: frozenset({4}),
    PROTO_IPSEC_ESP: frozenset({4}),
    PROTO_IPCOMP: frozenset({2, 4}),
}
