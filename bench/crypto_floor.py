"""The cryptographic floor of one IKEv1 main mode (both peers), using ikesim.crypto directly.

``main_mode_crypto_floor`` performs exactly the crypto a complete PSK main mode costs the two
peers, with none of the codec, engine or simulator around it, so the lead's benchmark can report
how far the full lab is above this floor.
"""

from __future__ import annotations

import hashlib
import hmac

from ikesim.crypto import (
    DiffieHellman,
    decrypt_cbc,
    derive_skeyids,
    encrypt_cbc,
    expand_cipher_key,
    get_cipher,
    hash_i,
    hash_r,
    pad_zero,
    phase1_iv,
    phase2_iv,
    private_value_from_bytes,
)
from ikesim.ike.engine import DH_PRIVATE_LEN

_PSK = b"cisco123"
_CKY_I, _CKY_R = bytes.fromhex("67ab4d4450ed213d"), bytes.fromhex("9a0c51d4e2b87f13")
_NI, _NR = hashlib.sha1(b"Ni").digest(), hashlib.sha1(b"Nr").digest()
# An MM1 SA body (DOI, situation, one proposal/transform) and IPv4 ID bodies (RFC 2407 §4.6.2).
_SAI_B = bytes.fromhex("0000000100000001000000240101000100000018010100008001000580020002"
                       "800300018004000e")
_IDII_B = bytes.fromhex("011101f40a000001")
_IDIR_B = bytes.fromhex("011101f40a000002")


def _private(group_id: int, label: bytes) -> int:
    # The same exponent size as the engine (DH_PRIVATE_LEN octets of RNG material), so the
    # floor does exactly the modular exponentiations a simulated main mode does.
    return private_value_from_bytes(group_id, hashlib.sha512(label).digest()[:DH_PRIVATE_LEN])


def _body(id_b: bytes, digest: bytes) -> bytes:
    # ID payload + HASH payload, generic headers included (~40-90 octets)
    id_p = bytes([8, 0]) + (4 + len(id_b)).to_bytes(2, "big") + id_b
    hash_p = bytes([0, 0]) + (4 + len(digest)).to_bytes(2, "big") + digest
    return id_p + hash_p


def main_mode_crypto_floor(group_id: int, hash_name: str, cipher: str) -> None:
    """Run the crypto of one complete main mode for initiator and responder.

    2 DH keygens + 2 exchanges, derive_skeyids and expand_cipher_key on each side, 4 IV
    computations (phase-1 IV on each side, first phase-2 IV on each side), HASH_I and HASH_R each
    generated and verified, and encrypt+decrypt of the MM5 and MM6 bodies.
    Raises RuntimeError if the two sides disagree (so a broken build cannot look fast).
    """
    spec = get_cipher(cipher)
    # MM3/MM4: key generation
    dh_i = DiffieHellman(group_id, _private(group_id, b"bench-initiator"))
    dh_r = DiffieHellman(group_id, _private(group_id, b"bench-responder"))
    gxi, gxr = dh_i.public_bytes(), dh_r.public_bytes()
    # each side: g^xy, SKEYIDs, Ka, MM5 IV
    keys = []
    for me, peer_pub in ((dh_i, gxr), (dh_r, gxi)):
        gxy = me.shared_secret(peer_pub)
        sk = derive_skeyids(hash_name, _PSK, _NI, _NR, gxy, _CKY_I, _CKY_R)
        ka = expand_cipher_key(hash_name, sk.skeyid_e, spec.key_len)
        iv = phase1_iv(hash_name, gxi, gxr, spec.block_size)
        keys.append((sk, ka, iv))
    (sk_i, ka_i, iv_i), (sk_r, ka_r, iv_r) = keys

    # MM5: initiator builds HASH_I and encrypts; responder decrypts and verifies
    h_i = hash_i(hash_name, sk_i.skeyid, gxi, gxr, _CKY_I, _CKY_R, _SAI_B, _IDII_B)
    mm5 = encrypt_cbc(cipher, ka_i, iv_i, pad_zero(_body(_IDII_B, h_i), spec.block_size))
    mm5_plain = decrypt_cbc(cipher, ka_r, iv_r, mm5)
    want_i = hash_i(hash_name, sk_r.skeyid, gxi, gxr, _CKY_I, _CKY_R, _SAI_B, _IDII_B)
    # MM6: responder builds HASH_R, IV = last MM5 block; initiator decrypts and verifies
    h_r = hash_r(hash_name, sk_r.skeyid, gxi, gxr, _CKY_I, _CKY_R, _SAI_B, _IDIR_B)
    mm6 = encrypt_cbc(cipher, ka_r, mm5[-spec.block_size:],
                      pad_zero(_body(_IDIR_B, h_r), spec.block_size))
    mm6_plain = decrypt_cbc(cipher, ka_i, mm5[-spec.block_size:], mm6)
    want_r = hash_r(hash_name, sk_i.skeyid, gxi, gxr, _CKY_I, _CKY_R, _SAI_B, _IDIR_B)
    # first phase-2/informational IV on each side, from the last MM6 block (App. B)
    p2_i = phase2_iv(hash_name, mm6[-spec.block_size:], 1, spec.block_size)
    p2_r = phase2_iv(hash_name, mm6[-spec.block_size:], 1, spec.block_size)

    # the HASH payload body follows the 12-octet ID payload and its own 4-octet header
    ok = (hmac.compare_digest(mm5_plain[16:16 + len(want_i)], want_i)
          and hmac.compare_digest(mm6_plain[16:16 + len(want_r)], want_r)
          and ka_i == ka_r and p2_i == p2_r)
    if not ok:
        raise RuntimeError("main-mode crypto floor: peers disagree")
