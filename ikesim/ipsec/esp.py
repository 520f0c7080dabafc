"""ESP tunnel mode (RFC 4303): SPI | Sequence | IV | E(inner | padding | pad len | next hdr) |
ICV, with the RFC 4303 §2.4 default padding 1, 2, 3 …, next header 4 (IPv4 in IPv4), the ICV an
HMAC truncated to 96 bits (MD5/SHA-1, RFC 2403/2404) or 128 bits (SHA-256, RFC 4868), and the
receiver's sliding anti-replay window (§3.4.3)."""

from __future__ import annotations

import hmac
import struct

from ikesim.crypto import decrypt_cbc, encrypt_cbc
from ikesim.crypto.hashes import normalize_hash_name
from ikesim.ipsec.sa import REPLAY_WINDOW, IpsecSa

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
    mac = hmac.new(sa.auth_key, data, normalize_hash_name(auth.hash_name)).digest()
    return mac[:auth.icv_len]


def encapsulate(sa: IpsecSa, inner: bytes, iv: bytes) -> bytes:
    """The ESP payload (what follows the outer IPv4 header) for ``inner``; bumps the SA's
    sequence number and counters. ``iv`` must be one cipher block (the caller's seeded rng)."""
    cipher = sa.transform.cipher
    if len(iv) != cipher.block:
        raise ValueError(f"IV must be {cipher.block} octets")
    sa.seq += 1
    pad_len = -(len(inner) + 2) % cipher.block
    plain = inner + bytes(range(1, pad_len + 1)) + bytes((pad_len, NEXT_HEADER_IPV4))
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
    return offset < REPLAY_WINDOW and not (sa.replay_bitmap >> offset) & 1


def _replay_update(sa: IpsecSa, seq: int) -> None:
    if seq > sa.replay_top:
        shift = seq - sa.replay_top
        sa.replay_bitmap = ((sa.replay_bitmap << shift) | 1) & ((1 << REPLAY_WINDOW) - 1)
        sa.replay_top = seq
    else:
        sa.replay_bitmap |= 1 << (sa.replay_top - seq)


def decapsulate(sa: IpsecSa, esp: bytes) -> bytes:
    """The inner packet of an ESP payload addressed to ``sa``; EspError when it is dropped.
    Order as RFC 4303 §3.4: replay pre-check, ICV, then decryption; the window moves only
    after the ICV verified."""
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
    if next_header != NEXT_HEADER_IPV4:
        raise EspError("next_header", str(next_header))
    if pad_len + 2 > len(plain) or plain[-2 - pad_len:-2] != bytes(range(1, pad_len + 1)):
        raise EspError("padding", f"pad length {pad_len}")
    _replay_update(sa, seq)
    inner = plain[:-2 - pad_len]
    sa.packets += 1
    sa.octets += len(inner)
    return inner
