"""SKEYID derivation, cipher-key expansion and HASH_I/HASH_R for pre-shared keys
(RFC 2409 §5, §5.4, Appendix B)."""

from __future__ import annotations

from dataclasses import dataclass

from ikesim.crypto.errors import CryptoError
from ikesim.crypto.hashes import prf


@dataclass(frozen=True)
class Skeyids:
    skeyid: bytes
    skeyid_d: bytes
    skeyid_a: bytes
    skeyid_e: bytes


def _bad_cookies(cky_i: bytes, cky_r: bytes) -> CryptoError:
    """The error for the first cookie that is not 8 octets (the callers test both at once)."""
    name, cky = ("CKY-I", cky_i) if len(cky_i) != 8 else ("CKY-R", cky_r)
    return CryptoError(f"{name} must be 8 octets, got {len(cky)}")


def derive_skeyids(hash_name: str, psk: bytes, ni: bytes, nr: bytes, gxy: bytes,
                   cky_i: bytes, cky_r: bytes) -> Skeyids:
    """Pre-shared-key keying material (RFC 2409 §5 and §5.4).

    ``ni``/``nr`` are the nonce payload bodies Ni_b/Nr_b; ``gxy`` is the padded shared secret.
    SKEYID   = prf(psk, Ni_b | Nr_b)
    SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
    SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
    SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
    """
    if len(cky_i) != 8 or len(cky_r) != 8:
        raise _bad_cookies(cky_i, cky_r)
    tail = gxy + cky_i + cky_r
    skeyid = prf(hash_name, psk, ni + nr)
    skeyid_d = prf(hash_name, skeyid, tail + b"\x00")
    skeyid_a = prf(hash_name, skeyid, skeyid_d + tail + b"\x01")
    skeyid_e = prf(hash_name, skeyid, skeyid_a + tail + b"\x02")
    return Skeyids(skeyid, skeyid_d, skeyid_a, skeyid_e)


def expand_cipher_key(hash_name: str, skeyid_e: bytes, length: int) -> bytes:
    """Final cipher key Ka of ``length`` octets (RFC 2409 Appendix B).

    If SKEYID_e is long enough its first octets are used; otherwise
    Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), K(n+1) = prf(SKEYID_e, Kn), truncated.
    """
    if length <= 0:
        raise CryptoError(f"invalid key length {length}")
    if len(skeyid_e) >= length:
        return skeyid_e[:length]
    blocks: list[bytes] = []
    k = b"\x00"
    total = 0
    while total < length:
        k = prf(hash_name, skeyid_e, k)
        blocks.append(k)
        total += len(k)
    return b"".join(blocks)[:length]


def hash_i(hash_name: str, skeyid: bytes, gxi: bytes, gxr: bytes, cky_i: bytes, cky_r: bytes,
           sai_b: bytes, idii_b: bytes) -> bytes:
    """HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (RFC 2409 §5)."""
    if len(cky_i) != 8 or len(cky_r) != 8:
        raise _bad_cookies(cky_i, cky_r)
    return prf(hash_name, skeyid, gxi + gxr + cky_i + cky_r + sai_b + idii_b)


def hash_r(hash_name: str, skeyid: bytes, gxi: bytes, gxr: bytes, cky_i: bytes, cky_r: bytes,
           sai_b: bytes, idir_b: bytes) -> bytes:
    """HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) (RFC 2409 §5).

    Arguments are given in the same (initiator-first) order as for hash_i; the swap is done
    here. SAi_b is the initiator's MM1 SA body in both hashes.
    """
    if len(cky_i) != 8 or len(cky_r) != 8:
        raise _bad_cookies(cky_i, cky_r)
    return prf(hash_name, skeyid, gxr + gxi + cky_r + cky_i + sai_b + idir_b)
