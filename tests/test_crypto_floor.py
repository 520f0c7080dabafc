"""bench/crypto_floor.py runs for every supported combination (loaded by path: bench/ may not be
importable from tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ikesim.crypto import CIPHERS, HASH_NAMES

_PATH = Path(__file__).resolve().parents[1] / "bench" / "crypto_floor.py"


def _load():
    spec = importlib.util.spec_from_file_location("_crypto_floor_under_test", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


floor = _load()


@pytest.mark.parametrize("cipher", sorted(CIPHERS))
@pytest.mark.parametrize("hash_name", HASH_NAMES)
def test_floor_runs_group_1(hash_name: str, cipher: str) -> None:
    assert floor.main_mode_crypto_floor(1, hash_name, cipher) is None


@pytest.mark.parametrize("group_id", [2, 5, 14])
def test_floor_runs_larger_groups(group_id: int) -> None:
    floor.main_mode_crypto_floor(group_id, "sha1", "aes128")


def test_floor_detects_disagreement(monkeypatch: pytest.MonkeyPatch) -> None:
    real = floor.hash_r
    calls: list[int] = []

    def first_call_wrong(name, skeyid, *rest):  # the responder's HASH_R uses a wrong SKEYID
        calls.append(1)
        return real(name, skeyid + (b"x" if len(calls) == 1 else b""), *rest)

    monkeypatch.setattr(floor, "hash_r", first_call_wrong)
    with pytest.raises(RuntimeError, match="disagree"):
        floor.main_mode_crypto_floor(1, "sha1", "3des")


def test_unknown_inputs_rejected() -> None:
    from ikesim.crypto import CryptoError
    with pytest.raises(CryptoError):
        floor.main_mode_crypto_floor(3, "sha1", "3des")
    with pytest.raises(CryptoError):
        floor.main_mode_crypto_floor(2, "sha1", "rc4")
    with pytest.raises(CryptoError):
        floor.main_mode_crypto_floor(2, "sha224", "3des")
