"""ESP (RFC 4303): SPI | Sequence | IV | E(payload | padding | pad len | next hdr) | ICV, with
the RFC 4303 §2.4 default padding 1, 2, 3 …, the ICV an HMAC truncated to 96 bits (MD5/SHA-1,
RFC 2403/2404) or 128 bits (SHA-256, RFC 4868), and the receiver's sliding anti-replay window
(§3.4.3) of the SA's size (IOS: `crypto ipsec security-association replay window-size`).

Tunnel mode (§3.1.2) protects a whole IPv4 packet, next header 4 (``encapsulate`` /
``decapsulate``); transport mode (§3.1.1) protects the payload of the original packet, whose
protocol becomes the next header and whose addresses stay in the outer header
(``encapsulate(..., next_header=47)`` / ``open_esp``)."""

from __future__ import annotations

import hmac
import struct

from ikesim.crypto import decrypt_cbc, encrypt_cbc
from ikesim.crypto.hashes import prf
from ikesim.ipsec.sa import IpsecSa

NEXT_HEADER_IPV4 = 4
ESP_HEADER_LEN = 8


class EspError(Exception):
    """An ESP packet the receiver drops; ``reason`` is one of "short", "icv", "replay",
    "padding", "next_header"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _icv(sa: IpsecSa, data: bytes) -> bytes:
    auth = sa.transform.auth
    return prf(auth.hash_name, sa.auth_key, data)[:auth.icv_len]   # HMAC in one OpenSSL call


def encapsulate(sa: IpsecSa, inner: bytes, iv: bytes,
                next_header: int = NEXT_HEADER_IPV4) -> bytes:
    """The ESP payload (what follows the outer IPv4 header) for ``inner`` (a whole packet in
    tunnel mode, the original payload with its protocol as ``next_header`` in transport
    mode); bumps the SA's sequence number and counters. ``iv`` must be one cipher block (the
    caller's seeded rng)."""
    cipher = sa.transform.cipher
    if len(iv) != cipher.block:
        raise ValueError(f"IV must be {cipher.block} octets")
    sa.seq += 1
    pad_len = -(len(inner) + 2) % cipher.block
    plain = inner + bytes(range(1, pad_len + 1)) + bytes((pad_len, next_header))
    ct = encrypt_cbc(cipher.crypto_name, sa.enc_key, iv, plain)
    head = struct.pack("!II", sa.spi, sa.seq) + iv + ct
    sa.packets += 1
    sa.octets += len(inner)
    return head + _icv(sa, head)


def peek_spi(esp: bytes) -> int | None:
    return struct.unpack_from("!I", esp)[0] if len(esp) >= 4 else None


def _replay_check(sa: IpsecSa, seq: int) -> bool:
    """True if ``seq`` is new and inside the window (RFC 4303 §3.4.3 / Appendix A)."""
    if seq == 0:
        return False
    if seq > sa.replay_top:
        return True
    offset = sa.replay_top - seq
    return offset < sa.replay_window and not (sa.replay_bitmap >> offset) & 1


def _replay_update(sa: IpsecSa, seq: int) -> None:
    if seq > sa.replay_top:
        shift = seq - sa.replay_top
        sa.replay_bitmap = ((sa.replay_bitmap << shift) | 1) & ((1 << sa.replay_window) - 1)
        sa.replay_top = seq
    else:
        sa.replay_bitmap |= 1 << (sa.replay_top - seq)


def decapsulate(sa: IpsecSa, esp: bytes) -> bytes:
    """The inner packet of a tunnel-mode ESP payload addressed to ``sa``; EspError when it is
    dropped (also when the next header is not IPv4)."""
    return open_esp(sa, esp, expect=NEXT_HEADER_IPV4)[1]


def open_esp(sa: IpsecSa, esp: bytes, expect: int | None = None) -> tuple[int, bytes]:
    """(next header, payload) of an ESP payload addressed to ``sa``; EspError when it is
    dropped. Order as RFC 4303 §3.4: replay pre-check, ICV, then decryption; the window moves
    only after the ICV verified (and the padding and next header checked: ``expect``, when
    given, is the only next header accepted)."""
    cipher, auth = sa.transform.cipher, sa.transform.auth
    minimum = ESP_HEADER_LEN + cipher.block + cipher.block + auth.icv_len
    if len(esp) < minimum:
        raise EspError("short", f"{len(esp)} octets")
    seq = struct.unpack_from("!I", esp, 4)[0]
    if not _replay_check(sa, seq):
        sa.replay_drops += 1
        raise EspError("replay", f"sequence {seq}")
    head, icv = esp[:-auth.icv_len], esp[-auth.icv_len:]
    if not hmac.compare_digest(icv, _icv(sa, head)):
        sa.auth_failures += 1
        raise EspError("icv", f"sequence {seq}")
    iv = head[ESP_HEADER_LEN:ESP_HEADER_LEN + cipher.block]
    ct = head[ESP_HEADER_LEN + cipher.block:]
    if len(ct) % cipher.block:
        raise EspError("padding", "ciphertext is not a block multiple")
    plain = decrypt_cbc(cipher.crypto_name, sa.enc_key, iv, ct)
    pad_len, next_header = plain[-2], plain[-1]
    if expect is not None and next_header != expect:
        raise EspError("next_header", str(next_header))
    if pad_len + 2 > len(plain) or plain[-2 - pad_len:-2] != bytes(range(1, pad_len + 1)):
        raise EspError("padding", f"pad length {pad_len}")
    _replay_update(sa, seq)
    inner = plain[:-2 - pad_len]
    sa.packets += 1
    sa.octets += len(inner)
    return next_header, inner
