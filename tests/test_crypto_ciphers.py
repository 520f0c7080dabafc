"""CBC ciphers, zero padding and IVs (RFC 2409 App. B)."""

from __future__ import annotations

import hashlib

import pytest

from ikesim.crypto import (
    CIPHERS,
    CryptoError,
    cipher_name,
    decrypt_cbc,
    encrypt_cbc,
    pad_zero,
    phase1_iv,
    phase2_iv,
)

h = bytes.fromhex

# NIST SP 800-38A F.2.1 / F.2.3 / F.2.5 (CBC-AES128/192/256.Encrypt)
SP800_38A_IV = h("000102030405060708090a0b0c0d0e0f")
SP800_38A_PT = h("6bc1bee22e409f96e93d7e117393172a" "ae2d8a571e03ac9c9eb76fac45af8e51"
                 "30c81c46a35ce411e5fbc1191a0a52ef" "f69f2445df4f9b17ad2b417be66c3710")
SP800_38A = {
    "aes128": ("2b7e151628aed2a6abf7158809cf4f3c",
               "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
               "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"),
    "aes192": ("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
               "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
               "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"),
    "aes256": ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
               "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
               "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"),
}


@pytest.mark.parametrize("name", sorted(SP800_38A))
def test_aes_cbc_known_answers(name: str) -> None:
    key, ct = SP800_38A[name]
    assert encrypt_cbc(name, h(key), SP800_38A_IV, SP800_38A_PT).hex() == ct
    assert decrypt_cbc(name, h(key), SP800_38A_IV, h(ct)) == SP800_38A_PT


def test_3des_known_answer() -> None:
    # NIST SP 800-67 example: three distinct keys, "The qufck brown fox jump" in ECB.
    # One-block CBC with a zero IV is ECB, so encrypt each block that way.
    key = h("0123456789ABCDEF" "23456789ABCDEF01" "456789ABCDEF0123")
    pt = b"The qufck brown fox jump"
    ecb = b"".join(encrypt_cbc("3des", key, bytes(8), pt[i:i + 8]) for i in range(0, 24, 8))
    assert ecb.hex() == "a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900"
    # chained CBC: block n is E(P_n xor C_(n-1))
    cbc = encrypt_cbc("3des", key, bytes(8), pt)
    assert cbc[:8] == ecb[:8]
    second_in = bytes(a ^ b for a, b in zip(pt[8:16], cbc[:8], strict=True))
    assert cbc[8:16] == encrypt_cbc("3des", key, bytes(8), second_in)
    assert decrypt_cbc("3des", key, bytes(8), cbc) == pt


def test_des_cbc_known_answer() -> None:
    # FIPS 81 Appendix C (CBC): key 0123456789abcdef, IV 1234567890abcdef
    key, iv = h("0123456789abcdef"), h("1234567890abcdef")
    pt = b"Now is the time for all "
    ct = encrypt_cbc("des", key, iv, pt)
    assert ct.hex() == "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"
    assert decrypt_cbc("des", key, iv, ct) == pt


def test_des_weak_key_still_works() -> None:
    # SP 800-17 variable-plaintext KAT: key 0101010101010101 (a DES weak key), P=8000.. -> C
    ct = encrypt_cbc("des", h("0101010101010101"), bytes(8), h("8000000000000000"))
    assert ct.hex() == "95f8a5e5dd31d900"


@pytest.mark.parametrize("name", sorted(CIPHERS))
def test_round_trip_mm5_sized_body(name: str) -> None:
    spec = CIPHERS[name]
    key = hashlib.sha512(name.encode()).digest()[:spec.key_len]
    iv = bytes(range(spec.block_size))
    body = pad_zero(bytes(range(60)), spec.block_size)
    assert len(body) % spec.block_size == 0 and len(body) >= 60
    ct = encrypt_cbc(name, key, iv, body)
    assert len(ct) == len(body) and ct != body
    assert decrypt_cbc(name, key, iv, ct) == body
    # wrong IV garbles only the first block (CBC)
    wrong = decrypt_cbc(name, key, bytes(spec.block_size), ct)
    assert wrong[:spec.block_size] != body[:spec.block_size]
    assert wrong[spec.block_size:] == body[spec.block_size:]


def test_cipher_table() -> None:
    assert {n: (c.key_len, c.block_size) for n, c in CIPHERS.items()} == {
        "des": (8, 8), "3des": (24, 8), "aes128": (16, 16), "aes192": (24, 16),
        "aes256": (32, 16)}
    assert cipher_name(5) == "3des" and cipher_name(1) == "des"
    assert cipher_name(7, 128) == "aes128" and cipher_name(7, 256) == "aes256"
    for bad in ((7, None), (7, 100), (2, None), (1, 64)):
        with pytest.raises(CryptoError):
            cipher_name(*bad)


def test_cipher_errors() -> None:
    with pytest.raises(CryptoError, match="not a multiple"):
        decrypt_cbc("3des", bytes(24), bytes(8), bytes(20))
    with pytest.raises(CryptoError, match="not a multiple"):
        decrypt_cbc("aes128", bytes(16), bytes(16), bytes(24))
    with pytest.raises(CryptoError, match="not a multiple"):
        encrypt_cbc("aes128", bytes(16), bytes(16), bytes(15))
    with pytest.raises(CryptoError, match="key must be 24"):
        encrypt_cbc("3des", bytes(16), bytes(8), bytes(8))
    with pytest.raises(CryptoError, match="IV must be 16"):
        encrypt_cbc("aes256", bytes(32), bytes(8), bytes(16))
    with pytest.raises(CryptoError, match="unsupported cipher"):
        encrypt_cbc("blowfish", bytes(16), bytes(8), bytes(8))


def test_pad_zero() -> None:
    assert pad_zero(b"", 8) == b""
    assert pad_zero(b"abc", 8) == b"abc" + bytes(5)
    assert pad_zero(bytes(16), 16) == bytes(16)  # aligned: nothing added
    assert pad_zero(b"x" * 17, 16) == b"x" * 17 + bytes(15)
    with pytest.raises(CryptoError):
        pad_zero(b"x", 0)


def test_phase1_iv() -> None:
    gxi, gxr = b"\x01" * 128, b"\x02" * 128
    assert phase1_iv("sha1", gxi, gxr, 8) == hashlib.sha1(gxi + gxr).digest()[:8]
    assert phase1_iv("md5", gxi, gxr, 16) == hashlib.md5(gxi + gxr).digest()
    assert phase1_iv("sha256", gxi, gxr, 16) == hashlib.sha256(gxi + gxr).digest()[:16]
    assert phase1_iv("sha1", gxr, gxi, 8) != phase1_iv("sha1", gxi, gxr, 8)
    with pytest.raises(CryptoError):
        phase1_iv("md5", gxi, gxr, 32)


def test_phase2_iv() -> None:
    last = h("0011223344556677")
    iv = phase2_iv("sha1", last, 0xDEADBEEF, 8)
    assert iv == hashlib.sha1(last + h("deadbeef")).digest()[:8]
    assert phase2_iv("sha1", last, 1, 8) == hashlib.sha1(last + h("00000001")).digest()[:8]
    assert phase2_iv("sha256", last * 2, 7, 16) == \
        hashlib.sha256(last * 2 + h("00000007")).digest()[:16]
    for bad in (-1, 1 << 32):
        with pytest.raises(CryptoError, match="message ID"):
            phase2_iv("sha1", last, bad, 8)
