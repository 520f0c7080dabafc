"""Phase-1 CBC ciphers, zero padding and IVs (RFC 2409 Appendix B, RFC 3602 for AES-CBC)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ikesim.crypto.errors import CryptoError
from ikesim.crypto.hashes import hash_

try:  # cryptography >= 43 keeps TripleDES among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore


@dataclass(frozen=True)
class CipherSpec:
    name: str
    key_len: int      # octets of the final cipher key Ka
    block_size: int   # octets; also the IV length


CIPHERS: dict[str, CipherSpec] = {
    "des": CipherSpec("des", 8, 8),
    "3des": CipherSpec("3des", 24, 8),
    "aes128": CipherSpec("aes128", 16, 16),
    "aes192": CipherSpec("aes192", 24, 16),
    "aes256": CipherSpec("aes256", 32, 16),
}

# RFC 2409 App. A Encryption Algorithm values (DES-CBC 1, 3DES-CBC 5) and RFC 3602 (AES-CBC 7,
# with a Key Length attribute in bits).
_ENC_DES, _ENC_3DES, _ENC_AES = 1, 5, 7


def cipher_name(enc_id: int, key_bits: int | None = None) -> str:
    """CIPHERS key for an IKE Encryption Algorithm value and optional Key Length (bits)."""
    if enc_id == _ENC_DES and key_bits is None:
        return "des"
    if enc_id == _ENC_3DES and key_bits in (None, 192):
        return "3des"
    if enc_id == _ENC_AES and key_bits in (128, 192, 256):
        return f"aes{key_bits}"
    raise CryptoError(f"unsupported encryption algorithm {enc_id} key length {key_bits}")


def get_cipher(name: str) -> CipherSpec:
    try:
        return CIPHERS[name]
    except KeyError:
        raise CryptoError(f"unsupported cipher {name!r}") from None


def _des(key: bytes) -> Any:
    # DES = EDE with K1 = K2 = K3. The 24-octet form avoids cryptography's deprecated 8-octet
    # form; if a build refuses repeated keys, try the 8-octet form with only its warning silenced.
    try:
        return TripleDES(key * 3)
    except ValueError:
        pass
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?i)single-key tripledes")
        return TripleDES(key)


# cryptography algorithm class (or factory) per cipher, looked up once per message.
_ALGORITHMS: dict[str, Callable[[bytes], Any]] = {
    "des": _des, "3des": TripleDES,
    "aes128": algorithms.AES, "aes192": algorithms.AES, "aes256": algorithms.AES,
}


# `modes` is a module cryptography wraps for its deprecations: every attribute read of it is a
# Python-level __getattr__, so the mode class is read once.
_CBC = modes.CBC


# One pair of running CBC contexts per (cipher, key): an SA's key protects every message it
# carries, and building Cipher(algorithm, CBC(iv)) and its context per message runs ~20
# Python-level checks in cryptography. A CBC context that already processed blocks goes on
# chaining from its last ciphertext block c, so a message with IV v is encrypted by feeding
# P1 xor v xor c (then E(P1 xor v): NIST SP 800-38A §6.2), and decrypted by XORing v xor c
# into the first output block. Bounded: emptied when full.
_KEYED: dict[tuple[str, bytes], _Chained] = {}
_KEYED_MAX = 1024


class _Chained:
    """The running encryptor and decryptor of one key and the last ciphertext block each has
    processed (the IV its next block is chained to; all zero at first)."""

    __slots__ = ("_enc", "_dec", "_enc_last", "_dec_last", "_size")

    def __init__(self, algorithm: Any, size: int) -> None:
        cipher = Cipher(algorithm, _CBC(bytes(size)))
        self._enc, self._dec = cipher.encryptor(), cipher.decryptor()
        self._enc_last = self._dec_last = bytes(size)
        self._size = size

    def encrypt(self, iv: bytes, plaintext: bytes) -> bytes:
        if not plaintext:
            return b""
        out: bytes = self._enc.update(_xor_first_block(plaintext, iv, self._enc_last))
        self._enc_last = out[-self._size:]
        return out

    def decrypt(self, iv: bytes, ciphertext: bytes) -> bytes:
        if not ciphertext:
            return b""
        out: bytes = self._dec.update(ciphertext)
        chained, self._dec_last = self._dec_last, bytes(ciphertext[-self._size:])
        return _xor_first_block(out, iv, chained)


def _xor_first_block(data: bytes, iv: bytes, chained: bytes) -> bytes:
    """``data`` (not empty) with its first block XORed with ``iv`` and ``chained``."""
    size = len(iv)
    first = (int.from_bytes(data[:size], "big") ^ int.from_bytes(iv, "big")
             ^ int.from_bytes(chained, "big"))
    return first.to_bytes(size, "big") + data[size:]


def _keyed(spec: CipherSpec, key: bytes) -> _Chained:
    try:
        return _KEYED[spec.name, key]
    except (KeyError, TypeError):      # TypeError: an unhashable key (bytearray) is not kept
        chained = _Chained(_algorithm(spec, key), spec.block_size)
    if type(key) is bytes:
        if len(_KEYED) >= _KEYED_MAX:
            _KEYED.clear()
        _KEYED[spec.name, key] = chained
    return chained


def _algorithm(spec: CipherSpec, key: bytes) -> Any:
    if len(key) != spec.key_len:
        raise CryptoError(f"{spec.name} key must be {spec.key_len} octets, got {len(key)}")
    try:
        return _ALGORITHMS[spec.name](key)
    except ValueError as exc:
        raise CryptoError(f"{spec.name} key rejected: {exc}") from exc


def _check(spec: CipherSpec, iv: bytes, data: bytes, what: str) -> None:
    if len(iv) != spec.block_size:
        raise CryptoError(f"{spec.name} IV must be {spec.block_size} octets, got {len(iv)}")
    if len(data) % spec.block_size:
        raise CryptoError(
            f"{what} length {len(data)} is not a multiple of the {spec.name} block size "
            f"{spec.block_size}")


def encrypt_cbc(name: str, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """CBC-encrypt; the plaintext must already be padded to a block multiple (see pad_zero)."""
    spec = CIPHERS.get(name) or get_cipher(name)
    if len(iv) != spec.block_size or len(plaintext) % spec.block_size:
        _check(spec, iv, plaintext, "plaintext")
    return _keyed(spec, key).encrypt(iv, plaintext)


def decrypt_cbc(name: str, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """CBC-decrypt; raises CryptoError if the ciphertext is not a block multiple."""
    spec = CIPHERS.get(name) or get_cipher(name)
    if len(iv) != spec.block_size or len(ciphertext) % spec.block_size:
        _check(spec, iv, ciphertext, "ciphertext")
    return _keyed(spec, key).decrypt(iv, ciphertext)


def pad_zero(data: bytes, block: int) -> bytes:
    """Zero-pad to a multiple of ``block`` (App. B); aligned data gets no padding, as IOS and
    Wireshark expect (the payload chain's NextPayload 0 marks the real end)."""
    if block <= 0:
        raise CryptoError(f"invalid block size {block}")
    return data + b"\x00" * (-len(data) % block)


def phase1_iv(hash_name: str, gxi: bytes, gxr: bytes, block_size: int) -> bytes:
    """IV of MM5 = H(g^xi | g^xr) truncated to the block size (App. B)."""
    return _truncate(hash_(hash_name, gxi + gxr), block_size)


def phase2_iv(hash_name: str, last_phase1_block: bytes, message_id: int, block_size: int) -> bytes:
    """First IV of a quick-mode/informational exchange = H(last phase-1 CBC block | M-ID)
    truncated (App. B); M-ID is the 4-octet big-endian message ID."""
    if not 0 <= message_id <= 0xFFFFFFFF:
        raise CryptoError(f"message ID {message_id} does not fit 4 octets")
    data = last_phase1_block + message_id.to_bytes(4, "big")
    return _truncate(hash_(hash_name, data), block_size)


def _truncate(digest: bytes, block_size: int) -> bytes:
    if not 0 < block_size <= len(digest):
        raise CryptoError(f"block size {block_size} does not fit a {len(digest)}-octet hash")
    return digest[:block_size]
