"""IKEv1 cryptography: MODP groups, DH, prf, SKEYID derivation, ciphers and IVs.

Everything public is re-exported here: ``from ikesim.crypto import derive_skeyids, ...``.
"""

from ikesim.crypto.ciphers import (
    CIPHERS,
    CipherSpec,
    cipher_name,
    decrypt_cbc,
    encrypt_cbc,
    get_cipher,
    pad_zero,
    phase1_iv,
    phase2_iv,
)
from ikesim.crypto.dh import (
    BACKENDS,
    FFDH_AVAILABLE,
    DiffieHellman,
    private_value_from_bytes,
    quiet_ffdh_deprecation,
    validate_public,
)
from ikesim.crypto.errors import CryptoError
from ikesim.crypto.groups import MODP_GROUPS, ModpGroup, get_group
from ikesim.crypto.hashes import (
    HASH_BY_IKE_ID,
    HASH_DIGEST_SIZE,
    HASH_NAMES,
    hash_,
    normalize_hash_name,
    prf,
)
from ikesim.crypto.kdf import Skeyids, derive_skeyids, expand_cipher_key, hash_i, hash_r

__all__ = [
    "BACKENDS",
    "CIPHERS",
    "FFDH_AVAILABLE",
    "HASH_BY_IKE_ID",
    "HASH_DIGEST_SIZE",
    "HASH_NAMES",
    "MODP_GROUPS",
    "CipherSpec",
    "CryptoError",
    "DiffieHellman",
    "ModpGroup",
    "Skeyids",
    "cipher_name",
    "decrypt_cbc",
    "derive_skeyids",
    "encrypt_cbc",
    "expand_cipher_key",
    "get_cipher",
    "get_group",
    "hash_",
    "hash_i",
    "hash_r",
    "normalize_hash_name",
    "pad_zero",
    "phase1_iv",
    "phase2_iv",
    "prf",
    "private_value_from_bytes",
    "quiet_ffdh_deprecation",
    "validate_public",
]
