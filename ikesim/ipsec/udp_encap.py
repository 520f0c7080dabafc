"""UDP encapsulation of IKE and ESP on port 4500 (RFC 3948, RFC 3947 §4), bytes only.

What one UDP 4500 payload is (RFC 3948 §2.2, §2.3):

- a NAT-keepalive: exactly one octet, 0xFF;
- an IKE message: the 4-octet non-ESP marker (zero, where an ESP SPI would be) then the ISAKMP
  header and payloads;
- otherwise an ESP packet, unchanged (RFC 4303 header first; its SPI is never zero, and SPIs
  1-255 are reserved by IANA, RFC 4303 §2.1).

The sender adds nothing but the UDP header (the network stack's job) and, for IKE, the marker;
the receiver classifies with :func:`classify` and hands each kind to its owner (the IKE engine
or the ESP data path). Anything else is a typed :class:`Classified` with ``kind`` "invalid" and
the reason, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

NATT_PORT = 4500                  # RFC 3947 §4: IKE floats here; RFC 3948 §2: ESP rides here
NON_ESP_MARKER = bytes(4)         # RFC 3948 §2.2
KEEPALIVE = b"\xff"               # RFC 3948 §2.3 NAT-keepalive packet
ISAKMP_HEADER_LEN = 28
ESP_MIN_LEN = 8                   # SPI | sequence number (RFC 4303 §2)
RESERVED_SPIS = range(1, 256)     # RFC 4303 §2.1

# IPsec DOI encapsulation modes (RFC 2407 §4.5 class 4): RFC 3947 §5.1 values, and the values
# the drafts used (libreswan ``nat_traversal.h``: only RFC 3947 uses the RFC values).
ENCAPS_UDP_TUNNEL = 3
ENCAPS_UDP_TRANSPORT = 4
ENCAPS_UDP_TUNNEL_DRAFT = 61443
ENCAPS_UDP_TRANSPORT_DRAFT = 61444
UDP_TUNNEL_MODES = frozenset({ENCAPS_UDP_TUNNEL, ENCAPS_UDP_TUNNEL_DRAFT})
UDP_TRANSPORT_MODES = frozenset({ENCAPS_UDP_TRANSPORT, ENCAPS_UDP_TRANSPORT_DRAFT})
UDP_MODES = UDP_TUNNEL_MODES | UDP_TRANSPORT_MODES


@dataclass(frozen=True, slots=True)
class Classified:
    """One UDP 4500 payload: ``kind`` "keepalive" | "ike" | "esp" | "invalid"; ``body`` the
    ISAKMP message (marker removed) or the ESP packet; ``reason`` why it is invalid."""

    kind: str
    body: bytes = b""
    reason: str = ""


def classify(payload: bytes) -> Classified:
    """What a UDP 4500 payload carries (RFC 3948 §2.2-2.3)."""
    payload = bytes(payload)
    if len(payload) == 1:
        if payload == KEEPALIVE:
            return Classified("keepalive")
        return Classified("invalid", payload, f"1-octet payload 0x{payload[0]:02X} is not a "
                          "NAT-keepalive (0xFF)")
    if len(payload) < 4:
        return Classified("invalid", payload, f"{len(payload)}-octet payload: neither a "
                          "NAT-keepalive, nor marked IKE, nor ESP")
    if payload[:4] == NON_ESP_MARKER:
        if len(payload) < 4 + ISAKMP_HEADER_LEN:
            return Classified("invalid", payload, "non-ESP marker followed by "
                              f"{len(payload) - 4} octets, shorter than an ISAKMP header")
        return Classified("ike", payload[4:])
    spi = int.from_bytes(payload[:4], "big")
    if spi in RESERVED_SPIS:
        return Classified("invalid", payload, f"SPI {spi} is reserved (RFC 4303 §2.1)")
    if len(payload) < ESP_MIN_LEN:
        return Classified("invalid", payload, f"ESP of {len(payload)} octets")
    return Classified("esp", payload)


def frame_ike(message: bytes) -> bytes:
    """An ISAKMP message as sent on port 4500: the non-ESP marker first."""
    return NON_ESP_MARKER + message


def strip_marker(payload: bytes) -> bytes | None:
    """The ISAKMP message of a UDP 4500 payload, or None when it lacks the non-ESP marker."""
    payload = bytes(payload)
    if len(payload) >= 4 and payload[:4] == NON_ESP_MARKER:
        return payload[4:]
    return None


def encapsulation_mode(mode: str, rfc: bool) -> int:
    """The encapsulation-mode attribute for a transform set's ``mode`` ("tunnel" |
    "transport") when NAT traversal is in use (RFC 3947 §5.1, or the draft values)."""
    if mode == "transport":
        return ENCAPS_UDP_TRANSPORT if rfc else ENCAPS_UDP_TRANSPORT_DRAFT
    return ENCAPS_UDP_TUNNEL if rfc else ENCAPS_UDP_TUNNEL_DRAFT
