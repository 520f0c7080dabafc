"""Quick mode (RFC 2409 §5.5): IPsec SA negotiation under an established ISAKMP SA.

    Initiator                         Responder
    HDR*, HASH(1), SA, Ni [,KE] [,IDci, IDcr]  -->
                      <--  HDR*, HASH(2), SA, Nr [,KE] [,IDci, IDcr]
    HDR*, HASH(3)                              -->

HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr]) over the payloads following the
HASH payload (generic headers included, padding excluded); HASH(2) = prf(SKEYID_a, M-ID | Ni_b |
SA | Nr …); HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). Every message is encrypted under the
phase-1 key; the first IV is H(last phase-1 CBC block | M-ID), later ones chain from the previous
message's last ciphertext block (RFC 2409 App. B). KEYMAT = K1 | K2 …, K1 = prf(SKEYID_d,
[g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), K(n+1) = prf(SKEYID_d, Kn | [g(qm)^xy |] protocol |
SPI | Ni_b | Nr_b); the encryption key is taken first, then the HMAC key.

IOS behaviour reproduced: a transform set is one proposal (numbered 1, 2 … in `set transform-set`
order); proxy identities are ID_IPV4_ADDR_SUBNET (ID_IPV4_ADDR for a host) from the crypto ACL
entry the traffic matched; the responder accepts an offer whose proxies lie inside a mirrored
ACL entry of a map entry for that peer (else INVALID_ID_INFORMATION, "proxy identities not
supported"), a transform equal to one of that entry's sets and, when it has `set pfs`, the same
DH group (else NO_PROPOSAL_CHOSEN). A responder without `set pfs` accepts an offered group.

This module holds quick mode's data (crypto map entries, exchanges in progress) and wire
helpers; the initiator and responder actions live in ``quick_initiator`` / ``quick_responder``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ikesim.crypto import prf
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.wire_styles import daemon_esp_attributes
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import ENCAPS_TRANSPORT, ENCAPS_TUNNEL, ESP_AES, EspTransform
from ikesim.ipsec.transforms import from_wire as transform_from_wire
from ikesim.isakmp import Attribute, Transform

IPSEC_LIFETIME = "ipsec-lifetime"   # timer key kind: (IPSEC_LIFETIME, inbound SPI)
EXCHANGE_QUICK = 32            # RFC 2408 §4.1 / RFC 2409 §5.5
PROTO_ESP = 3                  # RFC 2407 §4.4.1 (the KEYMAT "protocol" octet)
# RFC 2407 §4.5 attribute classes.
A_LIFE_TYPE, A_LIFE_DURATION, A_GROUP, A_ENCAPS, A_AUTH, A_KEY_LENGTH = 1, 2, 3, 4, 5, 6
LIFE_SECONDS, LIFE_KB = 1, 2
REASON_QM_RETRANS = "death by retransmission P2"
REASON_QM_REFUSED = "Informational (in) state 1"   # IOS: the peer's notify ended the exchange
# 15.x quick-mode FSM states as IOS names them (ios-facts §1, traces 04, 05): initiator
# READY -> I_QM1 -> IPSEC_INSTALL_AWAIT -> PHASE2_COMPLETE; responder READY -> SPI_STARVE ->
# IPSEC_INSTALL_AWAIT -> R_QM2 -> PHASE2_COMPLETE.
QM_READY, QM_I_QM1, QM_SPI_STARVE, QM_INSTALL_AWAIT, QM_R_QM2, QM_COMPLETE = (
    "IKE_QM_READY", "IKE_QM_I_QM1", "IKE_QM_SPI_STARVE", "IKE_QM_IPSEC_INSTALL_AWAIT",
    "IKE_QM_R_QM2", "IKE_QM_PHASE2_COMPLETE")


@dataclass(frozen=True, slots=True)
class Phase2Policy:
    """One `crypto map NAME SEQ ipsec-isakmp` entry as quick mode needs it (built by ios/)."""

    map_name: str
    sequence: int
    peer: int
    transforms: tuple[tuple[str, EspTransform], ...]     # (transform-set name, transform)
    proxies: tuple[Proxy, ...]                           # permit entries of `match address`
    pfs_group: int | None = None
    lifetime_seconds: int = 3600
    lifetime_kb: int = 4608000
    interface: str = ""
    isakmp_profile: str | None = None                    # `set isakmp-profile P`
    # IKE and ESP source (`crypto map M local-address IF`, a tunnel's source); 0: the address
    # of the interface the traffic leaves by.
    local: int = 0
    # A dynamic crypto map entry (peer 0: any peer; IOS only answers with it, Cisco IOS Security
    # Configuration Guide, "Dynamic Crypto Maps": the dynamic entry is a template filled in by
    # the peer's offer and cannot initiate).
    dynamic: bool = False
    # A static VTI accepts only the exact proxies it proposes, any/any ("Only strict IP ANY ANY
    # proxy is supported", Cisco IOS Security Configuration Guide, IPsec Virtual Tunnel
    # Interface, Restrictions); a crypto map accepts any offer inside its ACL entries.
    strict_proxy: bool = False

    def __hash__(self) -> int:
        # The entry's name, not its transforms and proxies (nested dataclasses): pending
        # requests are keyed by (policy, proxy) and looked up for every interesting packet.
        # Equal entries share these fields, so equality (all fields) is unchanged.
        return hash((self.map_name, self.sequence, self.peer))


@dataclass(eq=False)
class QmExchange:
    message_id: int
    role: str                         # "I" | "R"
    isakmp: IsakmpSa
    proxy: Proxy                      # from this router's point of view
    policy: Phase2Policy | None
    iv: bytes
    state: str = QM_READY
    ni: bytes = b""
    nr: bytes = b""
    dh: Any = None
    gxy: bytes = b""
    group: int | None = None
    my_spi: int = 0
    peer_spi: int = 0
    offered: list[tuple[int, EspTransform]] = field(default_factory=list)
    chosen: EspTransform | None = None
    # the exchange's flight (ikesim.ike.retransmit): our last message, the peer's last accepted
    last_sent: bytes | None = None
    last_received: bytes | None = None
    resends: int = 0
    awaiting_reply: bool = True
    install_failed: bool = False      # the kernel refused its SAs (pluto keeps it until expiry)

    @property
    def timer(self) -> str:
        """Kind of this exchange's retransmission timer (key: (kind, ISAKMP SA serial))."""
        return f"qm:{self.message_id}"


def keymat(hash_name: str, skeyid_d: bytes, protocol: int, spi: int, ni: bytes, nr: bytes,
           length: int, gxy: bytes = b"") -> bytes:
    """KEYMAT for one direction's SA (RFC 2409 §5.5), ``length`` octets."""
    seed = gxy + bytes([protocol]) + spi.to_bytes(4, "big") + ni + nr
    out, k = b"", b""
    while len(out) < length:
        k = prf(hash_name, skeyid_d, k + seed)
        out += k
    return out[:length]


def signed_mid(message_id: int) -> int:
    """IOS 12.2 prints message IDs as signed 32-bit integers ("M-ID of -1138192342")."""
    return message_id - (1 << 32) if message_id & 0x80000000 else message_id


# --------------------------------------------------------------------------- wire helpers
def transform_attributes(t: EspTransform, policy: Phase2Policy,
                         order: str = "ios", encaps: int | None = None) -> list[Attribute]:
    """IOS attribute order: encaps, life (seconds, kilobytes), authenticator, key length,
    group (RFC 2407 §4.5); ``order`` "charon" or "pluto": the Linux daemons' (wire_styles).
    ``encaps``: a UDP encapsulation mode under NAT-T (RFC 3947 §5.1)."""
    if encaps is None:
        encaps = ENCAPS_TRANSPORT if t.mode == "transport" else ENCAPS_TUNNEL
    if order != "ios":
        return daemon_esp_attributes(t, policy, order, encaps)
    attrs = [
        Attribute(A_ENCAPS, encaps, tv=True),
        Attribute(A_LIFE_TYPE, LIFE_SECONDS, tv=True),
        Attribute(A_LIFE_DURATION, policy.lifetime_seconds),
        Attribute(A_LIFE_TYPE, LIFE_KB, tv=True),
        Attribute(A_LIFE_DURATION, policy.lifetime_kb.to_bytes(4, "big"), tv=False),
        Attribute(A_AUTH, t.auth.auth_id, tv=True),
    ]
    if t.cipher.key_bits is not None:
        attrs.append(Attribute(A_KEY_LENGTH, t.cipher.key_bits, tv=True))
    if policy.pfs_group is not None:
        attrs.append(Attribute(A_GROUP, policy.pfs_group, tv=True))
    return attrs


@dataclass(slots=True)
class EspOffer:
    transform: EspTransform | None
    group: int | None
    life_seconds: int | None
    life_kb: int | None
    display: list[list[Any]]


_ATTR_DISPLAY = {A_ENCAPS: "encaps", A_AUTH: "authenticator", A_KEY_LENGTH: "key_length",
                 A_GROUP: "group"}
_AUTH_NAMES = {1: "HMAC-MD5", 2: "HMAC-SHA", 5: "HMAC-SHA256"}


def parse_offer(t: Transform) -> EspOffer:
    vals: dict[int, int] = {}
    life_type, secs, kb = LIFE_SECONDS, None, None
    display: list[list[Any]] = []
    for a in t.attributes:
        kind = int(a.type)
        v = a.value if type(a.value) is int else int(a.int_value)    # TV: the int itself
        if kind == A_LIFE_TYPE:
            life_type = v
            display.append(["life_type", "seconds" if v == LIFE_SECONDS else "kilobytes"])
        elif kind == A_LIFE_DURATION:
            if life_type == LIFE_SECONDS:
                secs = v
            else:
                kb = v
            display.append(["life_duration", bytes(a.value) if isinstance(a.value, bytes)
                            else v])
        else:
            vals.setdefault(kind, v)
            shown: Any = _AUTH_NAMES.get(v, v) if kind == A_AUTH else v
            display.append([_ATTR_DISPLAY.get(kind, f"attr_{kind}"), shown])
    key_bits = vals.get(A_KEY_LENGTH) if int(t.transform_id) == ESP_AES else None
    transform = transform_from_wire(int(t.transform_id), key_bits, vals.get(A_AUTH),
                                    vals.get(A_ENCAPS))
    return EspOffer(transform, vals.get(A_GROUP), secs, kb, display)
