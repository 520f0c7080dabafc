"""Wire helpers the exchanges share: payload names, plain decoding, ID payloads, cheap pre-scans.

Nothing here keeps state; everything is a pure function of bytes or payload objects.
"""

from __future__ import annotations

from ikesim.isakmp import (
    HEADER_LEN,
    CertPayload,
    CertRequestPayload,
    DeletePayload,
    HashPayload,
    Header,
    IdPayload,
    KePayload,
    NatDDraftPayload,
    NatDPayload,
    NatOaDraftPayload,
    NatOaPayload,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    Payload,
    PayloadType,
    SaPayload,
    SigPayload,
    VendorIdPayload,
    decode_payloads,
)

IKE_PORT = 500
PROTO_ISAKMP = 1               # RFC 2407 §4.4.1
PROTO_ESP = 3
ID_IPV4_ADDR, ID_IPV4_ADDR_SUBNET = 1, 4     # RFC 2407 §4.6.2.1
HOST_MASK = 0xFFFFFFFF
MIN_NONCE, MAX_NONCE = 8, 256  # RFC 2409 §5: "the length of nonce payload MUST be between 8
                               # and 256 bytes inclusive"

# Payload names as the transition tables and the ``process_payload`` event spell them.
PAYLOAD_NAMES: dict[type, str] = {
    SaPayload: "SA", KePayload: "KE", NoncePayload: "NONCE", IdPayload: "ID",
    HashPayload: "HASH", NotificationPayload: "NOTIFY", DeletePayload: "DELETE",
    VendorIdPayload: "VENDOR", CertPayload: "CERT", CertRequestPayload: "CERT_REQ",
    SigPayload: "SIG", NatDPayload: "NAT-D", NatDDraftPayload: "NAT-D", NatOaPayload: "NAT-OA",
    NatOaDraftPayload: "NAT-OA",
}


def payload_name(p: Payload) -> str:
    return PAYLOAD_NAMES[type(p)]


def payload_names(payloads: list[Payload]) -> tuple[str, ...]:
    """``payload_name`` of each payload, in order (one call per message, not per payload)."""
    return tuple(map(PAYLOAD_NAMES.__getitem__, map(type, payloads)))


def describe_payloads(payloads: list[Payload]) -> list[str]:
    """A message's payloads for the ``payload_events`` profiles, in order: the payload names
    above, ``VENDOR:<hex>`` for a vendor ID and ``NOTIFY:<type>`` for a notification (the
    personality names them), another payload class by its class name."""
    out: list[str] = []
    for p in payloads:
        name = PAYLOAD_NAMES.get(type(p)) or type(p).__name__
        if isinstance(p, VendorIdPayload):
            name = f"VENDOR:{bytes(p.data).hex()}"
        elif isinstance(p, NotificationPayload):
            name = f"NOTIFY:{int(p.notify_type)}"
        out.append(name)
    return out


def notify_name(code: int) -> str:
    try:
        return NotifyType(code).name
    except ValueError:
        return f"NOTIFY_{code}"


def plain_payloads(header: Header, data: bytes) -> list[Payload]:
    """The payloads of an unencrypted datagram whose header is already decoded (and checked)."""
    return decode_payloads(header.next_payload, data[HEADER_LEN:])


def first_payload_body(data: bytes) -> bytes:
    """Body of the payload right after the header (MM1's SA payload: SAi_b as on the wire)."""
    length = int.from_bytes(data[HEADER_LEN + 2:HEADER_LEN + 4], "big")
    return data[HEADER_LEN + 4:HEADER_LEN + length]


def phase1_sa_shape(data: bytes) -> str | None:
    """Why the SA payload opening ``data`` cannot be a phase-1 offer, read from the raw octets
    before anything is decoded (a 61 KB SA costs one header read, not 2,550 transforms).

    RFC 2409 §5: "for phase 1 exchanges there MUST NOT be multiple Proposal Payloads for a single
    SA payload and there MUST NOT be multiple SA payloads". The proposal's transform count is one
    octet (RFC 2408 §3.5), so one proposal bounds the work to 255 transforms. None = plausible
    (the codec still checks everything)."""
    sa_end = HEADER_LEN + int.from_bytes(data[HEADER_LEN + 2:HEADER_LEN + 4], "big")
    proposal = HEADER_LEN + 4 + 8          # SA generic header, DOI, situation
    if len(data) < proposal + 8 or sa_end > len(data):
        return None                        # too short: the codec reports it precisely
    if data[proposal] != 0:                # the proposal's Next Payload: another proposal follows
        return "multiple proposals in a phase 1 SA payload"
    if data[HEADER_LEN] == PayloadType.SA:  # the SA's Next Payload: another SA follows
        return "multiple SA payloads in a phase 1 message"
    return None


def proxy_id(net: int, mask: int, protocol: int, port: int) -> IdPayload:
    """A quick-mode proxy identity: ID_IPV4_ADDR for a host, else ID_IPV4_ADDR_SUBNET."""
    if mask == HOST_MASK:
        return IdPayload(ID_IPV4_ADDR, protocol, port, net.to_bytes(4, "big"))
    return IdPayload(ID_IPV4_ADDR_SUBNET, protocol, port,
                     net.to_bytes(4, "big") + mask.to_bytes(4, "big"))


def proxy_value(p: IdPayload) -> tuple[int, int] | None:
    """(network, mask) of an ID_IPV4_ADDR / ID_IPV4_ADDR_SUBNET payload, None for other types."""
    if int(p.id_type) == ID_IPV4_ADDR and len(p.data) == 4:
        return int.from_bytes(p.data, "big"), HOST_MASK
    if int(p.id_type) == ID_IPV4_ADDR_SUBNET and len(p.data) == 8:
        return int.from_bytes(p.data[:4], "big"), int.from_bytes(p.data[4:], "big")
    return None


def chain_end(plain: bytes) -> int:
    """Length of the payload chain at the start of ``plain`` (the rest is encryption padding)."""
    pos = 0
    while pos + 4 <= len(plain):
        nxt, length = plain[pos], int.from_bytes(plain[pos + 2:pos + 4], "big")
        pos += max(length, 4)
        if nxt == 0:
            break
    return min(pos, len(plain))


def nonce_ok(nonce: bytes) -> bool:
    return MIN_NONCE <= len(nonce) <= MAX_NONCE
