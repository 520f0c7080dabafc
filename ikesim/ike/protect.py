"""Encrypted ISAKMP messages: phase-1 MM5/MM6 and protected informational exchanges.

RFC 2409 Appendix B: only the part after the 28-octet header is encrypted, zero-padded to the
block size, the header Length counting the padding; the IV chains from the last ciphertext block.
RFC 2409 §5.7: an informational exchange carries HASH(1) = prf(SKEYID_a, M-ID | N/D) and its
first IV is H(last phase-1 block | M-ID) (``phase2_iv``).
"""

from __future__ import annotations

import hmac

from ikesim.crypto import CIPHERS, decrypt_cbc, encrypt_cbc, pad_zero, phase2_iv, prf
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    HEADER_LEN,
    HashPayload,
    Header,
    IsakmpDecodeError,
    Payload,
    decode_payloads,
    encode_header,
    encode_payloads,
)

EXCHANGE_MAIN = 2           # Identity Protection (RFC 2408 §4.5)
EXCHANGE_INFO = 5           # Informational (RFC 2408 §4.8)


class ProtectionError(Exception):
    """Decryption or integrity failure (what IOS reports as IKMP_BAD_MESSAGE)."""


def encrypt_message(sa: IsakmpSa, exchange: int, message_id: int, payloads: list[Payload],
                    iv: bytes) -> tuple[bytes, bytes]:
    """(datagram, last ciphertext block) for ``payloads`` encrypted under the SA's key."""
    cipher = sa.cipher_name                 # a property: read once per message
    block = CIPHERS[cipher].block_size
    first, body = encode_payloads(payloads)
    if sa.pad_full_block:
        # strongSwan encrypted_payload.c encrypt_v1(): "bs - (plain.len % bs)" zero octets
        body += bytes(block - len(body) % block)
    ct = encrypt_cbc(cipher, sa.cipher_key, iv, pad_zero(body, block))
    header = Header(sa.icookie, sa.rcookie, int(first), exchange, FLAG_ENCRYPTION, message_id,
                    HEADER_LEN + len(ct))
    return encode_header(header) + ct, ct[-block:]


def decrypt_message(sa: IsakmpSa, header: Header, data: bytes,
                    iv: bytes) -> tuple[list[Payload], bytes, bytes]:
    """(payloads, plaintext, last ciphertext block); ProtectionError when it does not decrypt
    to a well-formed payload chain (a wrong key yields garbage, hence a decode error)."""
    cipher = sa.cipher_name
    block = CIPHERS[cipher].block_size
    ct = data[HEADER_LEN:]
    if not ct or len(ct) % block:
        raise ProtectionError(f"encrypted body of {len(ct)} octets is not a block multiple")
    pt = decrypt_cbc(cipher, sa.cipher_key, iv, ct)
    try:
        payloads = decode_payloads(header.next_payload, pt, allow_trailing=True)
    except IsakmpDecodeError as exc:
        raise ProtectionError(f"decryption failed: {exc.reason}") from exc
    return payloads, pt, ct[-block:]


def info_hash(sa: IsakmpSa, message_id: int, payloads: list[Payload]) -> bytes:
    """HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 §5.7)."""
    _, nd = encode_payloads(payloads)
    return prf(sa.hash_name, sa.skeyid_a, message_id.to_bytes(4, "big") + nd)


def protected_informational(sa: IsakmpSa, message_id: int, payloads: list[Payload]) -> bytes:
    """An encrypted informational datagram carrying HASH(1) then ``payloads``."""
    block = CIPHERS[sa.cipher_name].block_size
    iv = phase2_iv(sa.hash_name, sa.iv, message_id, block)
    hashed = [HashPayload(info_hash(sa, message_id, payloads)), *payloads]
    data, _ = encrypt_message(sa, EXCHANGE_INFO, message_id, hashed, iv)
    return data


def open_informational(sa: IsakmpSa, header: Header, data: bytes, *,
                       keep_hash: bool = False) -> list[Payload]:
    """Decrypt a protected informational message and verify its HASH(1); the payloads after
    it (``keep_hash``: with the HASH payload first)."""
    block = CIPHERS[sa.cipher_name].block_size
    iv = phase2_iv(sa.hash_name, sa.iv, header.message_id, block)
    payloads, _, _ = decrypt_message(sa, header, data, iv)
    if not payloads or not isinstance(payloads[0], HashPayload):
        raise ProtectionError("informational message without HASH(1)")
    expected = info_hash(sa, header.message_id, payloads[1:])
    if not hmac.compare_digest(payloads[0].data, expected):
        raise ProtectionError("HASH(1) verification failed")
    return payloads if keep_hash else payloads[1:]
