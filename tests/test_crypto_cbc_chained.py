"""The running per-key CBC contexts of ikesim.crypto.ciphers (one context pair per key, the
message's IV folded into the first block) give exactly what a fresh Cipher(algorithm,
CBC(iv)) per message gives, in any order of messages, keys and directions."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.crypto import CIPHERS, decrypt_cbc, encrypt_cbc
from ikesim.crypto import ciphers as ciphers_module

_KEYS = {name: [bytes([i + 1]) * spec.key_len for i in range(2)]
         for name, spec in CIPHERS.items()}


def _fresh(name: str, key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    """The reference: a new Cipher and context for this one message."""
    algorithm = ciphers_module._ALGORITHMS[name](key)
    cipher = Cipher(algorithm, modes.CBC(iv))
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return bytes(ctx.update(data) + ctx.finalize())


@st.composite
def _messages(draw: st.DrawFn) -> tuple[str, bytes, bytes, bytes, bool]:
    name = draw(st.sampled_from(sorted(CIPHERS)))
    size = CIPHERS[name].block_size
    key = draw(st.sampled_from(_KEYS[name]))
    iv = draw(st.binary(min_size=size, max_size=size))
    blocks = draw(st.integers(0, 5))
    data = draw(st.binary(min_size=size * blocks, max_size=size * blocks))
    return name, key, iv, data, draw(st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.lists(_messages(), min_size=1, max_size=12))
def test_chained_contexts_match_a_fresh_cipher_per_message(
        messages: list[tuple[str, bytes, bytes, bytes, bool]]) -> None:
    # a sequence on the same few keys: every message after the first continues a context
    # (removing the chain update, or the XOR of either IV, makes this fail)
    for name, key, iv, data, encrypt in messages:
        got = (encrypt_cbc if encrypt else decrypt_cbc)(name, key, iv, data)
        assert got == _fresh(name, key, iv, data, encrypt)
        assert type(got) is bytes


def test_round_trips_interleaved_on_one_key() -> None:
    key, ivs = _KEYS["aes128"][0], [bytes([i]) * 16 for i in range(4)]
    plain = [bytes([i]) * 16 * (i + 1) for i in range(4)]
    sealed = [encrypt_cbc("aes128", key, iv, p) for iv, p in zip(ivs, plain, strict=True)]
    # opened in another order than sealed, with encryptions in between
    for i in (2, 0, 3, 1):
        assert decrypt_cbc("aes128", key, ivs[i], sealed[i]) == plain[i]
        encrypt_cbc("aes128", key, ivs[i], plain[i])


def test_the_cache_of_contexts_is_bounded_and_stays_correct() -> None:
    limit = ciphers_module._KEYED_MAX
    iv, data = bytes(16), bytes(range(32))
    for i in range(limit + 10):
        key = i.to_bytes(16, "big")
        assert encrypt_cbc("aes128", key, iv, data) == _fresh("aes128", key, iv, data, True)
        assert len(ciphers_module._KEYED) <= limit
    # a key whose contexts were dropped gets new ones that still agree
    key = (0).to_bytes(16, "big")
    assert decrypt_cbc("aes128", key, iv, data) == _fresh("aes128", key, iv, data, False)


def test_an_unhashable_key_is_used_but_not_kept() -> None:
    key = bytearray(b"k" * 16)
    before = len(ciphers_module._KEYED)
    assert encrypt_cbc("aes128", key, bytes(16), bytes(16)) == \
        _fresh("aes128", bytes(key), bytes(16), bytes(16), True)
    assert len(ciphers_module._KEYED) == before
