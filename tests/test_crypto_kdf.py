"""SKEYID derivation (NIST CAVS 17.3 IKEv1 PSK vectors), Appendix B key expansion, HASH_I/R."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from ikesim.crypto import (
    HASH_BY_IKE_ID,
    HASH_DIGEST_SIZE,
    HASH_NAMES,
    CryptoError,
    Skeyids,
    derive_skeyids,
    expand_cipher_key,
    hash_,
    hash_i,
    hash_r,
    normalize_hash_name,
    prf,
)

VECTORS = Path(__file__).parent / "vectors"


def parse_cavs(path: Path) -> list[dict[str, str]]:
    """Parse a CAVS .fax file: ``[SHA-x]`` style section headers, then COUNT blocks of
    ``name = hex`` lines. Each returned case carries the section values it was found under."""
    cases: list[dict[str, str]] = []
    section: dict[str, str] = {}
    current: dict[str, str] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            body = line[1:-1]
            if "=" in body:
                key, value = (part.strip() for part in body.split("=", 1))
                section[key] = value
            else:
                section["hash"] = body
            current = None
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if key == "COUNT":
            current = dict(section, COUNT=value)
            cases.append(current)
        elif current is None:
            raise ValueError(f"value outside a COUNT block: {line!r}")
        else:
            current[key] = value
    return cases


CAVS = parse_cavs(VECTORS / "ikev1_psk_kdf_cavs17.3.fax")


def test_cavs_file_has_1700_complete_cases() -> None:
    assert len(CAVS) == 1700
    fields = {"CKY_I", "CKY_R", "Ni", "Nr", "g^xy", "pre-shared-key", "SKEYID", "SKEYID_d",
              "SKEYID_a", "SKEYID_e"}
    assert all(fields <= case.keys() for case in CAVS)
    assert {c["hash"] for c in CAVS} == {"SHA-1", "SHA-256", "SHA-384", "SHA-512"}
    # the nonce length header is in bits
    assert all(len(c["Ni"]) * 4 == int(c["Ni length"]) for c in CAVS)


def test_all_cavs_vectors() -> None:
    failures = []
    for case in CAVS:
        b = bytes.fromhex
        got = derive_skeyids(case["hash"], b(case["pre-shared-key"]), b(case["Ni"]), b(case["Nr"]),
                             b(case["g^xy"]), b(case["CKY_I"]), b(case["CKY_R"]))
        want = Skeyids(b(case["SKEYID"]), b(case["SKEYID_d"]), b(case["SKEYID_a"]),
                       b(case["SKEYID_e"]))
        if got != want:
            failures.append((case["hash"], case["g^xy length"], case["COUNT"]))
    assert failures == []


def test_cavs_single_vector_spelled_out() -> None:
    case = CAVS[0]
    assert (case["hash"], case["COUNT"]) == ("SHA-1", "0")
    got = derive_skeyids("sha1", bytes.fromhex("75"), bytes.fromhex("b9a2d0e922dc66dd"),
                         bytes.fromhex("2130166863b5ddef"),
                         bytes.fromhex(case["g^xy"]), bytes.fromhex("83d374c30b3b5082"),
                         bytes.fromhex("5afc0da06c728029"))
    assert got.skeyid.hex() == "62b04d112877e442fc3282fc37c076997718a0b9"
    assert got.skeyid_e.hex() == "cd74b0c048219db81384d3fda8f6cda51e398a2b"


def test_md5_derivation_matches_hmac_definition() -> None:
    # No MD5 CAVS vectors exist; check against the §5 formulas written out with hmac directly.
    psk, ni, nr, gxy = b"cisco123", b"\x11" * 16, b"\x22" * 16, b"\x33" * 96
    ci, cr = b"\xaa" * 8, b"\xbb" * 8
    k = hmac.new(psk, ni + nr, "md5").digest()
    d = hmac.new(k, gxy + ci + cr + b"\0", "md5").digest()
    a = hmac.new(k, d + gxy + ci + cr + b"\1", "md5").digest()
    e = hmac.new(k, a + gxy + ci + cr + b"\2", "md5").digest()
    assert derive_skeyids("md5", psk, ni, nr, gxy, ci, cr) == Skeyids(k, d, a, e)


def test_bad_cookie_length_rejected() -> None:
    with pytest.raises(CryptoError, match="CKY-R"):
        derive_skeyids("sha1", b"k", b"n", b"n", b"g", b"\0" * 8, b"\0" * 7)
    with pytest.raises(CryptoError, match="hash"):
        derive_skeyids("sha3", b"k", b"n", b"n", b"g", b"\0" * 8, b"\0" * 8)


APPENDIX_B = json.loads((VECTORS / "ikev1_appendix_b_known_answers.json").read_text())["cases"]


@pytest.mark.parametrize("case", APPENDIX_B, ids=lambda c: f"{c['hash']}-{c['length']}")
def test_appendix_b_known_answers(case: dict) -> None:
    ka = expand_cipher_key(case["hash"], bytes.fromhex(case["skeyid_e"]), case["length"])
    assert ka.hex() == case["ka"]
    assert len(ka) == case["length"]


def test_appendix_b_file_covers_both_branches() -> None:
    assert len(APPENDIX_B) == 6
    assert any(c["length"] <= len(c["skeyid_e"]) // 2 for c in APPENDIX_B)
    assert any(c["length"] > len(c["skeyid_e"]) // 2 for c in APPENDIX_B)


def test_3des_key_from_sha1_is_k1_plus_four_octets_of_k2() -> None:
    e = bytes(range(20))
    k1 = hmac.new(e, b"\0", "sha1").digest()
    k2 = hmac.new(e, k1, "sha1").digest()
    assert expand_cipher_key("sha1", e, 24) == k1 + k2[:4]
    # SHA-256 SKEYID_e is long enough for AES-256: used directly
    e256 = bytes(range(32))
    assert expand_cipher_key("sha256", e256, 32) == e256
    assert expand_cipher_key("md5", bytes(16), 16) == bytes(16)
    with pytest.raises(CryptoError):
        expand_cipher_key("sha1", e, 0)


def test_hash_i_and_hash_r_layout() -> None:
    skeyid, gxi, gxr = b"S" * 20, b"\x01" * 128, b"\x02" * 128
    ci, cr, sai, idii, idir = b"I" * 8, b"R" * 8, b"sa-body", b"\x01\x11\x01\xf4\x0a\0\0\x01", \
        b"\x01\x11\x01\xf4\x0a\0\0\x02"
    hi = hash_i("sha1", skeyid, gxi, gxr, ci, cr, sai, idii)
    hr = hash_r("sha1", skeyid, gxi, gxr, ci, cr, sai, idir)
    assert hi == hmac.new(skeyid, gxi + gxr + ci + cr + sai + idii, "sha1").digest()
    assert hr == hmac.new(skeyid, gxr + gxi + cr + ci + sai + idir, "sha1").digest()
    assert hi != hash_i("sha1", skeyid, gxi, gxr, ci, cr, sai, idir)
    assert len(hash_i("sha512", skeyid, gxi, gxr, ci, cr, sai, idii)) == 64
    with pytest.raises(CryptoError):
        hash_r("sha1", skeyid, gxi, gxr, ci, b"short", sai, idir)


def test_hash_names_and_prf() -> None:
    for name in HASH_NAMES:
        assert len(hash_(name, b"abc")) == HASH_DIGEST_SIZE[name]
        assert len(prf(name, b"k", b"abc")) == HASH_DIGEST_SIZE[name]
    assert hash_("sha1", b"abc").hex() == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert hash_("md5", b"abc") == hashlib.md5(b"abc").digest()
    # RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256)
    assert prf("sha1", b"Jefe", b"what do ya want for nothing?").hex() == \
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    assert prf("SHA-256", b"Jefe", b"what do ya want for nothing?").hex() == \
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert [normalize_hash_name(n) for n in ("sha", "SHA-1", "sha2-256", "SHA-384", "MD5")] == \
        ["sha1", "sha1", "sha256", "sha384", "md5"]
    assert HASH_BY_IKE_ID == {1: "md5", 2: "sha1", 4: "sha256", 5: "sha384", 6: "sha512"}
    for bad in ("sha224", "", "sha3-256"):
        with pytest.raises(CryptoError):
            normalize_hash_name(bad)


@pytest.mark.parametrize(("cky_i", "cky_r", "message"), [
    (b"i" * 7, b"r" * 8, "CKY-I must be 8 octets, got 7"),
    (b"i" * 8, b"r" * 9, "CKY-R must be 8 octets, got 9"),
    (b"", b"", "CKY-I must be 8 octets, got 0"),            # the initiator's is named first
])
def test_cookies_that_are_not_8_octets_are_refused(cky_i: bytes, cky_r: bytes,
                                                    message: str) -> None:
    calls = (lambda: derive_skeyids("sha1", b"k", b"n", b"n", b"g", cky_i, cky_r),
             lambda: hash_i("sha1", b"s", b"x", b"y", cky_i, cky_r, b"", b""),
             lambda: hash_r("sha1", b"s", b"x", b"y", cky_i, cky_r, b"", b""))
    for call in calls:
        with pytest.raises(CryptoError, match=f"^{message}$"):
            call()
