"""MODP primes checked against their defining formula (RFC 2409 §6, RFC 3526):
p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k)."""

from __future__ import annotations

import pytest

from ikesim.crypto import MODP_GROUPS, CryptoError, get_group

# group id -> (n, k) from RFC 2409 §6.1/§6.2 and RFC 3526 §2/§3
FORMULA = {1: (768, 149686), 2: (1024, 129093), 5: (1536, 741804), 14: (2048, 124476)}


def _arctan_inv(x: int, one: int) -> int:
    """arctan(1/x) * one, by the alternating Taylor series in integers."""
    total = term = one // x
    x2 = x * x
    k = 1
    while term:
        term //= x2
        total += -(term // (2 * k + 1)) if k % 2 else term // (2 * k + 1)
        k += 1
    return total


def floor_pi_times_2_pow(bits: int) -> int:
    """floor(pi * 2^bits) via Machin's formula pi = 16 atan(1/5) - 4 atan(1/239)."""
    guard = 64
    one = 1 << (bits + guard)
    pi = 16 * _arctan_inv(5, one) - 4 * _arctan_inv(239, one)
    return pi >> guard


def test_pi_helper_matches_known_digits() -> None:
    # pi = 0x3.243F6A8885A308D313198A2E03707344A409... (hex expansion)
    assert floor_pi_times_2_pow(64) == 0x3243F6A8885A308D3
    assert floor_pi_times_2_pow(128) == 0x3243F6A8885A308D313198A2E03707344


@pytest.mark.parametrize("group_id", sorted(FORMULA))
def test_prime_matches_formula(group_id: int) -> None:
    n, k = FORMULA[group_id]
    expected = 2**n - 2 ** (n - 64) - 1 + 2**64 * (floor_pi_times_2_pow(n - 130) + k)
    group = MODP_GROUPS[group_id]
    assert group.prime == expected
    assert group.prime.bit_length() == n
    assert group.generator == 2
    assert group.size == n // 8
    assert group.id == group_id


def test_group_sizes() -> None:
    assert {g: MODP_GROUPS[g].size for g in MODP_GROUPS} == {1: 96, 2: 128, 5: 192, 14: 256}


def test_unknown_group_rejected() -> None:
    assert get_group(14) is MODP_GROUPS[14]
    with pytest.raises(CryptoError, match="group 3"):
        get_group(3)
