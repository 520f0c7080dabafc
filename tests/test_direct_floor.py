"""bench/direct_floor.py, the benchmarks' floor, computes what ikesim computes: the same DH
values, keys and hashes, with the libraries called directly (so the bench compares like with
like), and it refuses to look fast when its two peers disagree."""

from __future__ import annotations

import hashlib

import pytest

from bench import direct_floor as floor
from ikesim.crypto import DiffieHellman, derive_skeyids, expand_cipher_key
from ikesim.crypto.groups import get_group


@pytest.mark.parametrize("group", [2, 14])
def test_primes_and_dh_values_are_ikesims(group: int) -> None:
    assert floor.PRIMES[group] == get_group(group).prime
    x = int.from_bytes(hashlib.sha512(b"x").digest()[:32], "big")
    y = int.from_bytes(hashlib.sha512(b"y").digest()[:32], "big")
    mine, peer = floor._Dh(group, x), floor._Dh(group, y)
    theirs = DiffieHellman(group, x)
    assert mine.public == theirs.public_bytes()
    assert mine.shared(peer.public) == theirs.shared_secret(peer.public)


@pytest.mark.parametrize("group", [2, 14])
def test_skeyids_and_cipher_key_are_ikesims(group: int) -> None:
    suite = floor.SUITES[group]
    ni, nr, gxy, cky = b"n" * 20, b"r" * 20, b"g" * 128, b"c" * 16
    skeyid, d, a, ka = floor._skeyids(suite, ni, nr, gxy, cky)
    theirs = derive_skeyids(suite.hash_name, b"cisco123", ni, nr, gxy, cky[:8], cky[8:])
    assert (skeyid, d, a) == (theirs.skeyid, theirs.skeyid_d, theirs.skeyid_a)
    assert ka == expand_cipher_key(suite.hash_name, theirs.skeyid_e, suite.key_len)


@pytest.mark.parametrize("group", [2, 14])
def test_a_whole_tunnel_runs(group: int) -> None:
    floor.tunnel(group, 7, quick=True, echoes=2)


def test_disagreeing_peers_are_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    real = floor._cbc

    def corrupt(algorithm, key, iv, data, encrypt):
        out = real(algorithm, key, iv, data, encrypt)
        return out if encrypt else bytes([out[0] ^ 1]) + out[1:]

    monkeypatch.setattr(floor, "_cbc", corrupt)
    with pytest.raises(RuntimeError, match="disagree|mismatch"):
        floor.tunnel(2, 1, quick=True, echoes=1)
