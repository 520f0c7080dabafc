"""Diffie-Hellman over the MODP groups, behind one small interface.

Two interchangeable backends compute the same values:
- "cryptography": OpenSSL via ``cryptography.hazmat.primitives.asymmetric.dh``. Finite-field DH
  is deprecated there; any such deprecation warning is silenced only around our own calls.
- "pow": Python's built-in modular exponentiation (fallback when FFDH is unavailable).
"auto" picks "cryptography" when available for groups 5 and 14, and "pow" for groups 1 and 2:
OpenSSL 3 recognises the RFC 3526 primes as named groups, but re-runs a full parameter check
(primality tests, 15-30 ms) every time a key for the 768/1024-bit RFC 2409 primes is loaded,
which is 10x slower than pow() itself. Both backends give identical bytes (tested).

The OpenSSL side makes the calls a direct use of the library cannot avoid (``bench/direct_floor``
makes the same ones): one private-key load per DH object, ``exchange`` with g for g^x and with
the peer's value for g^xy (``exchange`` never uses the key's own public half, so the key is
loaded once with g there). The group parameters and g's public key are built once per group.
Whether this build of cryptography warns about FFDH is probed once per process; the warning
filter is entered around each call only when it does.

Private values are supplied by the caller (the engine draws them from a seeded RNG) so runs are
deterministic. Public values and g^xy are big-endian, left-padded to the prime length
(RFC 2409 §5: "the Diffie-Hellman public value ... padded with zeros").
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
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


@cache
def _ossl_group(group_id: int) -> tuple[Any, Any, Any]:
    """(DHParameterNumbers, g as a DHPublicKey, g as DHPublicNumbers) of a group, built once."""
    assert _ffdh is not None
    group = get_group(group_id)
    params = _ffdh.DHParameterNumbers(group.prime, group.generator)
    g_numbers = _ffdh.DHPublicNumbers(group.generator, params)
    with quiet_ffdh_deprecation():
        return params, g_numbers.public_key(), g_numbers


def _is_ffdh_warning(w: warnings.WarningMessage) -> bool:
    return issubclass(w.category, _DeprecationCategory) and bool(
        re.match(_FFDH_WARNING_RE, str(w.message)))


@cache
def ffdh_warns() -> bool:
    """Whether this cryptography build warns about FFDH when a key is loaded or used: one key
    load and one exchange (group 14) under a recording filter, once per process. Any other
    warning they raise is passed on unchanged."""
    if _ffdh is None:
        return False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, g_key, g_numbers = _ossl_group(14)
        numbers = _ffdh.DHPrivateNumbers(3, g_numbers)
        numbers.private_key().exchange(g_key)
    for w in caught:
        if not _is_ffdh_warning(w):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return any(_is_ffdh_warning(w) for w in caught)


def _ossl_call(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, with the FFDH deprecation silenced when this build emits it."""
    if ffdh_warns():
        with quiet_ffdh_deprecation():
            return fn(*args)
    return fn(*args)


class DiffieHellman:
    """One side of one exchange: holds x, exposes g^x and computes g^xy."""

    __slots__ = ("_key", "_public", "_x", "backend", "group")

    def __init__(self, group_id: int, private_value: int, backend: str = "auto") -> None:
        self.group = get_group(group_id)
        self.backend = _resolve_backend(backend, group_id)
        if not 2 <= private_value <= self.group.prime - 2:
            raise CryptoError("DH private value out of range [2, p-2]")
        self._x = private_value
        self._key: Any = None
        # g^x kept as the KE payload's octets: the form every caller wants, converted once
        if self.backend == "cryptography":
            self._public = self._ossl_public()
        else:
            self._public = pow(self.group.generator, self._x, self.group.prime).to_bytes(
                self.group.size, "big")

    # -- cryptography backend -------------------------------------------------------------
    def _ossl_exchange(self, peer_key: Any) -> bytes:
        try:
            return _ossl_call(self._key.exchange, peer_key)
        except ValueError as exc:
            raise CryptoError(f"DH exchange rejected: {exc}") from exc

    def _ossl_public(self) -> bytes:
        # One key load (its public half set to g: ``exchange`` only uses x), then g^x computed
        # by OpenSSL as the "shared secret" with peer value g, padded to the prime's length.
        assert _ffdh is not None
        _, g_key, g_numbers = _ossl_group(self.group.id)
        self._key = _ossl_call(_ffdh.DHPrivateNumbers(self._x, g_numbers).private_key)
        return self._ossl_exchange(g_key).rjust(self.group.size, b"\x00")

    # -- interface --------------------------------------------------------------------------
    def public_bytes(self) -> bytes:
        """g^x mod p, big-endian, left-padded to the group size (the KE payload body)."""
        return self._public

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
            assert _ffdh is not None
            params = _ossl_group(self.group.id)[0]
            try:
                peer_key = _ossl_call(_ffdh.DHPublicNumbers(y, params).public_key)
            except ValueError as exc:
                raise CryptoError(f"DH exchange rejected: {exc}") from exc
            return self._ossl_exchange(peer_key).rjust(self.group.size, b"\x00")
        return pow(y, self._x, self.group.prime).to_bytes(self.group.size, "big")
