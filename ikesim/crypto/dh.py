"""Diffie-Hellman over the MODP groups, behind one small interface.

Two interchangeable backends compute the same values:
- "cryptography": OpenSSL via ``cryptography.hazmat.primitives.asymmetric.dh``. Finite-field DH
  is deprecated there; any such deprecation warning is silenced only around our own calls.
- "pow": Python's built-in modular exponentiation (fallback when FFDH is unavailable).
"auto" picks "cryptography" when available for groups 5 and 14, and "pow" for groups 1 and 2:
OpenSSL 3 recognises the RFC 3526 primes as named groups, but re-runs a full parameter check
(primality tests, 15-30 ms) every time a key for the 768/1024-bit RFC 2409 primes is loaded,
which is 10x slower than pow() itself. Both backends give identical bytes (tested).

Private values are supplied by the caller (the engine draws them from a seeded RNG) so runs are
deterministic. Public values and g^xy are big-endian, left-padded to the prime length
(RFC 2409 §5: "the Diffie-Hellman public value ... padded with zeros").
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ikesim.crypto.errors import CryptoError
from ikesim.crypto.groups import ModpGroup, get_group

try:  # pragma: no cover - depends on the installed cryptography build
    from cryptography.hazmat.primitives.asymmetric import dh as _ffdh
    from cryptography.utils import CryptographyDeprecationWarning as _DeprecationCategory
except ImportError:  # pragma: no cover
    _ffdh = None
    _DeprecationCategory = DeprecationWarning

FFDH_AVAILABLE: bool = _ffdh is not None and hasattr(_ffdh, "DHParameterNumbers")
BACKENDS: tuple[str, ...] = ("auto", "cryptography", "pow")
# Groups whose primes OpenSSL knows by name (modp_1536, modp_2048), so key loading is cheap.
_OPENSSL_NAMED_GROUPS = frozenset({5, 14})

# Matches cryptography's FFDH deprecation texts ("... Diffie-Hellman ...", "DH ...", "FFDH ...",
# "finite field ..."); any other warning, even of the same category, passes through.
_FFDH_WARNING_RE = r"(?is).*(diffie.?hellman|\b(?:ff)?dh\b|finite.?field)"


@contextmanager
def quiet_ffdh_deprecation() -> Iterator[None]:
    """Silence cryptography's FFDH deprecation warning for the enclosed calls only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_FFDH_WARNING_RE, category=_DeprecationCategory)
        yield


def private_value_from_bytes(group_id: int, raw: bytes) -> int:
    """Map RNG octets to a private value in [2, p-2] (big-endian, reduced mod p-3, plus 2)."""
    group = get_group(group_id)
    if not raw:
        raise CryptoError("empty private-value material")
    return int.from_bytes(raw, "big") % (group.prime - 3) + 2


def validate_public(group: ModpGroup, value: int) -> None:
    """Reject degenerate peer public values: require 1 < y < p-1 (RFC 2631 §2.1.5 style check)."""
    if not 1 < value < group.prime - 1:
        raise CryptoError(f"invalid DH public value for group {group.id}")


def _resolve_backend(backend: str, group_id: int) -> str:
    if backend not in BACKENDS:
        raise CryptoError(f"unknown DH backend {backend!r}")
    if backend == "auto":
        fast = FFDH_AVAILABLE and group_id in _OPENSSL_NAMED_GROUPS
        return "cryptography" if fast else "pow"
    if backend == "cryptography" and not FFDH_AVAILABLE:
        raise CryptoError("cryptography's finite-field DH is not available")
    return backend


class DiffieHellman:
    """One side of one exchange: holds x, exposes g^x and computes g^xy."""

    def __init__(self, group_id: int, private_value: int, backend: str = "auto") -> None:
        self.group = get_group(group_id)
        self.backend = _resolve_backend(backend, group_id)
        if not 2 <= private_value <= self.group.prime - 2:
            raise CryptoError("DH private value out of range [2, p-2]")
        self._x = private_value
        self._key: Any = None
        if self.backend == "cryptography":
            self._public = self._ossl_public()
        else:
            self._public = pow(self.group.generator, self._x, self.group.prime)

    # -- cryptography backend -------------------------------------------------------------
    def _ossl_key(self, public: int) -> Any:
        assert _ffdh is not None
        params = _ffdh.DHParameterNumbers(self.group.prime, self.group.generator)
        with quiet_ffdh_deprecation():
            return _ffdh.DHPrivateNumbers(self._x, _ffdh.DHPublicNumbers(public, params)).private_key()

    def _ossl_exchange(self, key: Any, peer: int) -> bytes:
        assert _ffdh is not None
        params = _ffdh.DHParameterNumbers(self.group.prime, self.group.generator)
        with quiet_ffdh_deprecation():
            try:
                return key.exchange(_ffdh.DHPublicNumbers(peer, params).public_key())
            except ValueError as exc:
                raise CryptoError(f"DH exchange rejected: {exc}") from exc

    def _ossl_public(self) -> int:
        # g^x computed by OpenSSL as the "shared secret" with peer value g; the key is then
        # rebuilt with its true public value.
        g = self.group.generator
        probe = self._ossl_key(g)
        public = int.from_bytes(self._ossl_exchange(probe, g), "big")
        self._key = self._ossl_key(public)
        return public

    # -- interface --------------------------------------------------------------------------
    def public_bytes(self) -> bytes:
        """g^x mod p, big-endian, left-padded to the group size (the KE payload body)."""
        return self._public.to_bytes(self.group.size, "big")

    def shared_secret(self, peer_public: bytes) -> bytes:
        """g^xy mod p, padded to the group size. Raises CryptoError on a bad peer value,
        including a KE value whose length is not the prime length (RFC 2409 §5)."""
        if len(peer_public) != self.group.size:
            raise CryptoError(
                f"DH public value is {len(peer_public)} octets, group {self.group.id} "
                f"needs {self.group.size}")
        y = int.from_bytes(peer_public, "big")
        validate_public(self.group, y)
        if self.backend == "cryptography":
            secret = self._ossl_exchange(self._key, y)
            return secret.rjust(self.group.size, b"\x00")
        return pow(y, self._x, self.group.prime).to_bytes(self.group.size, "big")
