"""Diffie-Hellman: backends agree, padding to the prime length, peer-value validation."""

from __future__ import annotations

import hashlib
import warnings

import pytest

from ikesim.crypto import (
    FFDH_AVAILABLE,
    MODP_GROUPS,
    CryptoError,
    DiffieHellman,
    private_value_from_bytes,
    quiet_ffdh_deprecation,
)
from ikesim.crypto.dh import _DeprecationCategory

needs_ffdh = pytest.mark.skipif(not FFDH_AVAILABLE, reason="cryptography lacks FFDH")


def _x(group_id: int, label: str) -> int:
    """Deterministic private value, as the engine derives it from seeded RNG bytes."""
    return private_value_from_bytes(group_id, hashlib.sha512(label.encode()).digest())


@pytest.mark.parametrize("group_id", [1, 2, 5, 14])
def test_two_parties_agree_and_values_are_full_length(group_id: int) -> None:
    group = MODP_GROUPS[group_id]
    xi, xr = _x(group_id, "initiator"), _x(group_id, "responder")
    i, r = DiffieHellman(group_id, xi, "pow"), DiffieHellman(group_id, xr, "pow")
    gxi, gxr = i.public_bytes(), r.public_bytes()
    assert len(gxi) == len(gxr) == group.size
    assert int.from_bytes(gxi, "big") == pow(2, xi, group.prime)
    secret = i.shared_secret(gxr)
    assert secret == r.shared_secret(gxi)
    assert len(secret) == group.size
    assert int.from_bytes(secret, "big") == pow(2, xi * xr, group.prime)


@needs_ffdh
@pytest.mark.parametrize("group_id", [1, 2, 5, 14])
def test_backends_agree(group_id: int) -> None:
    xi, xr = _x(group_id, "a"), _x(group_id, "b")
    ossl_i = DiffieHellman(group_id, xi, "cryptography")
    pow_i = DiffieHellman(group_id, xi, "pow")
    ossl_r = DiffieHellman(group_id, xr, "cryptography")
    assert ossl_i.backend == "cryptography" and pow_i.backend == "pow"
    assert ossl_i.public_bytes() == pow_i.public_bytes()
    gxr = ossl_r.public_bytes()
    assert ossl_i.shared_secret(gxr) == pow_i.shared_secret(gxr)
    assert ossl_i.shared_secret(gxr) == ossl_r.shared_secret(ossl_i.public_bytes())


def test_auto_backend_choice() -> None:
    # OpenSSL re-validates the unnamed RFC 2409 primes on every key load: pow() is faster there
    assert DiffieHellman(1, 5).backend == "pow"
    assert DiffieHellman(2, 5).backend == "pow"
    for group_id in (5, 14):
        assert DiffieHellman(group_id, 5).backend == ("cryptography" if FFDH_AVAILABLE else "pow")


def _find(group_id: int, predicate, label: str) -> int:
    for n in range(5000):
        x = _x(group_id, f"{label}-{n}")
        if predicate(x):
            return x
    raise AssertionError("no candidate found")  # ~1/256 chance per try; 5000 tries suffice


@pytest.mark.parametrize("group_id", [1, 2])
def test_leading_zero_shared_secret_is_padded(group_id: int) -> None:
    group = MODP_GROUPS[group_id]
    peer = DiffieHellman(group_id, _x(group_id, "peer"), "pow")
    y = int.from_bytes(peer.public_bytes(), "big")
    limit = 1 << (8 * (group.size - 1))  # a value below this has a leading zero octet
    x = _find(group_id, lambda c: pow(y, c, group.prime) < limit, "lz-secret")
    backends = ["pow", "cryptography"] if FFDH_AVAILABLE else ["pow"]
    secrets = []
    for backend in backends:
        me = DiffieHellman(group_id, x, backend)
        s = me.shared_secret(peer.public_bytes())
        assert len(s) == group.size and s[0] == 0
        assert s == peer.shared_secret(me.public_bytes())
        secrets.append(s)
    assert len(set(secrets)) == 1


@pytest.mark.parametrize("group_id", [1])
def test_leading_zero_public_value_is_padded(group_id: int) -> None:
    group = MODP_GROUPS[group_id]
    limit = 1 << (8 * (group.size - 1))
    x = _find(group_id, lambda c: pow(2, c, group.prime) < limit, "lz-public")
    backends = ["pow", "cryptography"] if FFDH_AVAILABLE else ["pow"]
    publics = {DiffieHellman(group_id, x, b).public_bytes() for b in backends}
    assert len(publics) == 1
    (pub,) = publics
    assert len(pub) == group.size and pub[0] == 0


@pytest.mark.parametrize("backend", ["pow", "cryptography"])
def test_bad_peer_values_rejected(backend: str) -> None:
    if backend == "cryptography" and not FFDH_AVAILABLE:
        pytest.skip("cryptography lacks FFDH")
    group = MODP_GROUPS[2]
    dh = DiffieHellman(2, _x(2, "v"), backend)
    for y in (0, 1, group.prime - 1, group.prime, group.prime + 5):
        with pytest.raises(CryptoError, match="invalid DH public value"):
            dh.shared_secret(y.to_bytes(group.size, "big"))
    with pytest.raises(CryptoError):
        dh.shared_secret(b"\xff" * group.size)  # > p
    with pytest.raises(CryptoError, match="octets"):
        dh.shared_secret(dh.public_bytes()[1:])  # unpadded/short KE value
    with pytest.raises(CryptoError, match="octets"):
        dh.shared_secret(b"\x00" + dh.public_bytes())
    # 2 and p-2 are the smallest/largest acceptable values
    assert len(dh.shared_secret((2).to_bytes(group.size, "big"))) == group.size
    assert len(dh.shared_secret((group.prime - 2).to_bytes(group.size, "big"))) == group.size


def test_bad_construction_rejected() -> None:
    p = MODP_GROUPS[1].prime
    with pytest.raises(CryptoError, match="group"):
        DiffieHellman(3, 5)
    with pytest.raises(CryptoError, match="range"):
        DiffieHellman(1, 1)
    with pytest.raises(CryptoError, match="range"):
        DiffieHellman(1, p - 1)
    with pytest.raises(CryptoError, match="backend"):
        DiffieHellman(1, 5, "gmpy")


def test_private_value_from_bytes_range_and_determinism() -> None:
    p = MODP_GROUPS[1].prime
    assert private_value_from_bytes(1, b"\x00") == 2
    assert private_value_from_bytes(1, (p - 3).to_bytes(96, "big")) == 2
    assert private_value_from_bytes(1, (p - 4).to_bytes(96, "big")) == p - 2
    raw = bytes(range(200))
    assert private_value_from_bytes(14, raw) == private_value_from_bytes(14, raw)
    assert 2 <= private_value_from_bytes(14, raw) <= MODP_GROUPS[14].prime - 2
    with pytest.raises(CryptoError):
        private_value_from_bytes(1, b"")
    with pytest.raises(CryptoError):
        private_value_from_bytes(99, b"\x01")


def test_ffdh_warning_filter_is_precise_and_local() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with quiet_ffdh_deprecation():
            warnings.warn("Diffie-Hellman (FFDH) is deprecated", _DeprecationCategory, stacklevel=1)
            warnings.warn("DH parameters are deprecated", _DeprecationCategory, stacklevel=1)
            warnings.warn("Single-key TripleDES is deprecated", _DeprecationCategory, stacklevel=1)
            warnings.warn("Diffie-Hellman something", UserWarning if _DeprecationCategory
                          is not UserWarning else RuntimeWarning, stacklevel=1)
        warnings.warn("Diffie-Hellman (FFDH) is deprecated", _DeprecationCategory, stacklevel=1)
    messages = [str(w.message) for w in seen]
    assert messages == ["Single-key TripleDES is deprecated", "Diffie-Hellman something",
                        "Diffie-Hellman (FFDH) is deprecated"]


@needs_ffdh
def test_cryptography_backend_emits_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = DiffieHellman(2, _x(2, "w1"), "cryptography"), DiffieHellman(2, _x(2, "w2"))
        assert a.shared_secret(b.public_bytes()) == b.shared_secret(a.public_bytes())
