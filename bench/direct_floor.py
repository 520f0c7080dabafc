"""The crypto floor of one spoke's tunnel, made with the libraries called directly.

No ikesim code runs here: Diffie-Hellman through ``cryptography`` (group 14) or Python's ``pow``
(group 2, see below), ciphers through ``cryptography``'s ``Cipher``, the prf through ``hmac`` and
``hashlib``. Each function makes exactly the calls a simulated exchange cannot avoid, for both
peers, so ``(ikesim time) / (floor time)`` is what the simulator adds above the crypto.

- ``main_mode``: 2 DH private values → 2 public values, 2 × g^xy, SKEYID/SKEYID_d/_a/_e on each
  side (RFC 2409 §5), the cipher key Ka (App. B, expanded when SKEYID_e is too short), the MM5 IV
  H(g^xi | g^xr), HASH_I and HASH_R each made and checked, MM5 and MM6 encrypted and decrypted,
  and the first phase-2 IV on each side.
- ``quick_mode``: HASH(1), HASH(2), HASH(3) made and checked (RFC 2409 §5.5), QM1-QM3 encrypted
  and decrypted with the phase-2 IV chain, KEYMAT for the two SAs on each side (4 × keymat).
- ``esp_round_trips``: per echo, both directions: ESP encryption + HMAC-96 ICV, ICV check +
  decryption (RFC 4303 §3.3/§3.4 with RFC 2404/4868 ICVs).

Group 2 uses ``pow``: OpenSSL re-validates a non-named 1024-bit prime on every key load
(~30-150 ms), so calling ``cryptography`` for it would be a far slower floor than ikesim's.
Group 14 is an RFC 3526 named group in OpenSSL: one private key load, then ``exchange`` with g
gives g^x and ``exchange`` with the peer's value gives g^xy (the private key's own public half is
never used by ``exchange``).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import warnings
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import dh
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:  # cryptography >= 43 keeps TripleDES among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore

warnings.filterwarnings("ignore", message=r"(?i).*diffie")   # FFDH deprecation, this module only

# RFC 2409 §6.2 (group 2) and RFC 3526 §3 (group 14) primes; generator 2.
_P2 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
    "04DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6"
    "F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF", 16)
_P14 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
    "04DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6"
    "F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A6916"
    "3FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36"
    "CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D22618"
    "98FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)
PRIMES = {2: _P2, 14: _P14}
_PARAMS14 = dh.DHParameterNumbers(_P14, 2)
_G14 = dh.DHPublicNumbers(2, _PARAMS14)


@dataclass(frozen=True)
class Suite:
    """One IKE policy + ESP transform: cipher (cryptography algorithm class, key and block
    sizes), hash (hashlib name) and the ESP HMAC (hashlib name, key and ICV lengths)."""

    group: int
    cipher: type
    key_len: int
    block: int
    hash_name: str
    esp_cipher: type
    esp_key_len: int
    esp_block: int
    esp_hash: str
    esp_auth_key_len: int
    esp_icv_len: int


# The same algorithms as the storm scenarios (bench.storm_lab): 3DES/SHA/group 2 with
# esp-3des esp-sha-hmac; AES-256/SHA-256/group 14 with esp-aes 256 esp-sha-hmac.
SUITES = {
    2: Suite(2, TripleDES, 24, 8, "sha1", TripleDES, 24, 8, "sha1", 20, 12),
    14: Suite(14, algorithms.AES, 32, 16, "sha256", algorithms.AES, 32, 16, "sha1", 20, 12),
}

_PSK = b"cisco123"
_SA_B = bytes(40)           # an MM1 SA body's length (covered by HASH_I/HASH_R)
_ID_I, _ID_R = bytes.fromhex("011101f40a000001"), bytes.fromhex("011101f4c0a80001")


def _prf(name: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, name).digest()


def _cbc(algorithm: type, key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(algorithm(key), modes.CBC(iv))
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return ctx.update(data) + ctx.finalize()


def _pad(data: bytes, block: int) -> bytes:
    return data + b"\x00" * (-len(data) % block)


class _Dh:
    """One side's DH: g^x from a fixed private value, then g^xy."""

    def __init__(self, group: int, x: int) -> None:
        self.group, self.x, self.size = group, x, PRIMES[group].bit_length() // 8
        if group == 14:
            self.key = dh.DHPrivateNumbers(x, _G14).private_key()
            self.public = self.key.exchange(_G14.public_key())
        else:
            self.public = pow(2, x, _P2).to_bytes(self.size, "big")

    def shared(self, peer: bytes) -> bytes:
        if self.group == 14:
            return self.key.exchange(dh.DHPublicNumbers(int.from_bytes(peer, "big"),
                                                        _PARAMS14).public_key())
        return pow(int.from_bytes(peer, "big"), self.x, _P2).to_bytes(self.size, "big")


@dataclass
class Phase1Keys:
    skeyid_d: bytes
    skeyid_a: bytes
    ka: bytes
    p2_iv_base: bytes       # last MM6 ciphertext block (RFC 2409 App. B)


def _skeyids(s: Suite, ni: bytes, nr: bytes, gxy: bytes, cky: bytes) -> tuple[bytes, ...]:
    skeyid = _prf(s.hash_name, _PSK, ni + nr)
    d = _prf(s.hash_name, skeyid, gxy + cky + b"\x00")
    a = _prf(s.hash_name, skeyid, d + gxy + cky + b"\x01")
    e = _prf(s.hash_name, skeyid, a + gxy + cky + b"\x02")
    ka, k = b"", b"\x00"
    if len(e) >= s.key_len:
        ka = e[:s.key_len]
    else:                       # App. B: Ka = K1 | K2 …, K1 = prf(SKEYID_e, 0)
        while len(ka) < s.key_len:
            k = _prf(s.hash_name, e, k)
            ka += k
        ka = ka[:s.key_len]
    return skeyid, d, a, ka


def main_mode(s: Suite, spoke: int) -> tuple[Phase1Keys, Phase1Keys]:
    """Both peers' crypto for one main mode; different private values per ``spoke``."""
    seed = spoke.to_bytes(4, "big")
    x_i = int.from_bytes(hashlib.sha512(b"i" + seed).digest()[:32], "big")
    x_r = int.from_bytes(hashlib.sha512(b"r" + seed).digest()[:32], "big")
    ni, nr = hashlib.sha1(b"ni" + seed).digest(), hashlib.sha1(b"nr" + seed).digest()
    cky = hashlib.sha1(b"cky" + seed).digest()[:16]
    side_i, side_r = _Dh(s.group, x_i), _Dh(s.group, x_r)
    gxi, gxr = side_i.public, side_r.public
    keys = []
    for me, peer in ((side_i, gxr), (side_r, gxi)):
        gxy = me.shared(peer)
        skeyid, d, a, ka = _skeyids(s, ni, nr, gxy, cky)
        iv = hashlib.new(s.hash_name, gxi + gxr).digest()[:s.block]
        keys.append((skeyid, d, a, ka, iv))
    (sk_i, d_i, a_i, ka_i, iv_i), (sk_r, d_r, a_r, ka_r, iv_r) = keys
    h_i = _prf(s.hash_name, sk_i, gxi + gxr + cky + _SA_B + _ID_I)
    mm5 = _cbc(s.cipher, ka_i, iv_i, _pad(_ID_I + h_i, s.block), True)
    mm5_plain = _cbc(s.cipher, ka_r, iv_r, mm5, False)
    ok_i = hmac.compare_digest(mm5_plain[8:8 + len(h_i)],
                               _prf(s.hash_name, sk_r, gxi + gxr + cky + _SA_B + _ID_I))
    h_r = _prf(s.hash_name, sk_r, gxr + gxi + cky[8:] + cky[:8] + _SA_B + _ID_R)
    mm6 = _cbc(s.cipher, ka_r, mm5[-s.block:], _pad(_ID_R + h_r, s.block), True)
    mm6_plain = _cbc(s.cipher, ka_i, mm5[-s.block:], mm6, False)
    ok_r = hmac.compare_digest(mm6_plain[8:8 + len(h_r)], _prf(
        s.hash_name, sk_i, gxr + gxi + cky[8:] + cky[:8] + _SA_B + _ID_R))
    if not (ok_i and ok_r and ka_i == ka_r):
        raise RuntimeError("direct floor: main mode peers disagree")
    last = mm6[-s.block:]
    return Phase1Keys(d_i, a_i, ka_i, last), Phase1Keys(d_r, a_r, ka_r, last)


def _keymat(s: Suite, skeyid_d: bytes, spi: int, ni: bytes, nr: bytes) -> bytes:
    seed = b"\x03" + spi.to_bytes(4, "big") + ni + nr
    out, k = b"", b""
    while len(out) < s.esp_key_len + s.esp_auth_key_len:
        k = _prf(s.hash_name, skeyid_d, k + seed)
        out += k
    return out


@dataclass
class EspKeys:
    enc: bytes
    auth: bytes


def quick_mode(s: Suite, keys: tuple[Phase1Keys, Phase1Keys],
               spoke: int) -> tuple[EspKeys, EspKeys]:
    """Both peers' crypto for one quick mode (no PFS); returns the spoke→hub and hub→spoke
    ESP keys."""
    ki, kr = keys
    seed = spoke.to_bytes(4, "big")
    mid = struct.pack("!I", 0x1000 + spoke)
    ni, nr = hashlib.sha1(b"qni" + seed).digest(), hashlib.sha1(b"qnr" + seed).digest()
    iv = hashlib.new(s.hash_name, ki.p2_iv_base + mid).digest()[:s.block]
    sa_body = bytes(52) + _ID_I + _ID_R            # SA + IDci + IDcr, as carried
    plain = _pad(sa_body + ni, s.block)
    # QM1: HASH(1), encrypted; the responder decrypts and checks it
    h1 = _prf(s.hash_name, ki.skeyid_a, mid + sa_body + ni)
    qm1 = _cbc(s.cipher, ki.ka, iv, _pad(h1 + plain, s.block), True)
    got = _cbc(s.cipher, kr.ka, iv, qm1, False)
    ok = hmac.compare_digest(got[:len(h1)], _prf(s.hash_name, kr.skeyid_a, mid + sa_body + ni))
    # QM2: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr …)
    h2 = _prf(s.hash_name, kr.skeyid_a, mid + ni + sa_body + nr)
    qm2 = _cbc(s.cipher, kr.ka, qm1[-s.block:], _pad(h2 + sa_body + nr, s.block), True)
    got = _cbc(s.cipher, ki.ka, qm1[-s.block:], qm2, False)
    ok &= hmac.compare_digest(got[:len(h2)], _prf(s.hash_name, ki.skeyid_a,
                                                  mid + ni + sa_body + nr))
    # QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
    h3 = _prf(s.hash_name, ki.skeyid_a, b"\x00" + mid + ni + nr)
    qm3 = _cbc(s.cipher, ki.ka, qm2[-s.block:], _pad(h3, s.block), True)
    got = _cbc(s.cipher, kr.ka, qm2[-s.block:], qm3, False)
    ok &= hmac.compare_digest(got[:len(h3)], _prf(s.hash_name, kr.skeyid_a,
                                                  b"\x00" + mid + ni + nr))
    spi_i, spi_r = 0x10000000 + spoke, 0x20000000 + spoke
    out_i = _keymat(s, ki.skeyid_d, spi_r, ni, nr)      # initiator → responder (responder SPI)
    in_i = _keymat(s, ki.skeyid_d, spi_i, ni, nr)
    in_r = _keymat(s, kr.skeyid_d, spi_r, ni, nr)
    out_r = _keymat(s, kr.skeyid_d, spi_i, ni, nr)
    if not (ok and out_i == in_r and in_i == out_r):
        raise RuntimeError("direct floor: quick mode peers disagree")
    split = s.esp_key_len
    return (EspKeys(out_i[:split], out_i[split:split + s.esp_auth_key_len]),
            EspKeys(out_r[:split], out_r[split:split + s.esp_auth_key_len]))


def _esp_one_way(s: Suite, k: EspKeys, inner: bytes, seq: int, iv: bytes) -> None:
    pad = -(len(inner) + 2) % s.esp_block
    plain = inner + bytes(range(1, pad + 1)) + bytes((pad, 4))
    head = struct.pack("!II", 0x10000000, seq) + iv + _cbc(s.esp_cipher, k.enc, iv, plain, True)
    packet = head + hmac.new(k.auth, head, s.esp_hash).digest()[:s.esp_icv_len]
    # receiver: ICV, then decryption (RFC 4303 §3.4.4)
    body, icv = packet[:-s.esp_icv_len], packet[-s.esp_icv_len:]
    if not hmac.compare_digest(icv, hmac.new(k.auth, body, s.esp_hash).digest()[:s.esp_icv_len]):
        raise RuntimeError("direct floor: ESP ICV mismatch")
    got = _cbc(s.esp_cipher, k.enc, iv, body[8 + s.esp_block:], False)
    if got[:len(inner)] != inner:
        raise RuntimeError("direct floor: ESP payload mismatch")


def esp_round_trips(s: Suite, keys: tuple[EspKeys, EspKeys], echoes: int,
                    inner_len: int = 100) -> None:
    """``echoes`` ICMP echo request/reply pairs of ``inner_len`` octets through the tunnel."""
    inner = bytes(inner_len)
    iv = bytes(s.esp_block)
    for seq in range(1, echoes + 1):
        _esp_one_way(s, keys[0], inner, seq, iv)
        _esp_one_way(s, keys[1], inner, seq, iv)


def tunnel(group: int, spoke: int, *, quick: bool, echoes: int) -> None:
    """The whole floor of one spoke: main mode, and with ``quick`` quick mode + ``echoes``."""
    s = SUITES[group]
    keys = main_mode(s, spoke)
    if quick:
        esp = quick_mode(s, keys, spoke)
        esp_round_trips(s, esp, echoes)
