"""Hash names, the plain hash H and prf = HMAC (RFC 2409 §5: prf is the HMAC of the
negotiated hash when no prf attribute is negotiated, which is always the case for IOS)."""

from __future__ import annotations

import hashlib
import hmac

try:  # the C function behind hmac.digest (CPython's OpenSSL module), without its Python frame
    from _hashlib import hmac_digest as _hmac_digest
except ImportError:  # pragma: no cover - a Python built without OpenSSL
    _hmac_digest = hmac.digest

from ikesim.crypto.errors import CryptoError

HASH_NAMES: tuple[str, ...] = ("md5", "sha1", "sha256", "sha384", "sha512")

HASH_DIGEST_SIZE: dict[str, int] = {
    "md5": 16, "sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64,
}

# RFC 2409 App. A Hash Algorithm values; SHA-2 ids from RFC 4868 §2.
HASH_BY_IKE_ID: dict[int, str] = {1: "md5", 2: "sha1", 4: "sha256", 5: "sha384", 6: "sha512"}

_ALIASES: dict[str, str] = {
    "md5": "md5",
    "sha": "sha1", "sha1": "sha1", "sha-1": "sha1",
    "sha256": "sha256", "sha-256": "sha256", "sha2-256": "sha256",
    "sha384": "sha384", "sha-384": "sha384", "sha2-384": "sha384",
    "sha512": "sha512", "sha-512": "sha512", "sha2-512": "sha512",
}


def normalize_hash_name(name: str) -> str:
    """Canonical name ("md5", "sha1", "sha256", "sha384", "sha512") of a hash.

    Also accepts IOS spelling ("sha"), NIST/CAVS spelling ("SHA-1", "SHA-256") and "sha2-256".
    """
    try:
        return _ALIASES[name.strip().lower()]
    except (KeyError, AttributeError):
        raise CryptoError(f"unsupported hash {name!r}") from None


def hash_(hash_name: str, data: bytes) -> bytes:
    """The plain hash H (used for the phase-1/phase-2 IVs, RFC 2409 App. B)."""
    return hashlib.new(_ALIASES.get(hash_name) or normalize_hash_name(hash_name), data).digest()


def prf(hash_name: str, key: bytes, data: bytes) -> bytes:
    """prf(key, data) = HMAC-<hash>(key, data) (RFC 2409 §5), in one call to OpenSSL."""
    return _hmac_digest(key, data, _ALIASES.get(hash_name) or normalize_hash_name(hash_name))
