"""IOS transform-set keywords ↔ IPsec DOI wire values (RFC 2407 §4.4.4, §4.5) and the crypto
parameters ESP needs (RFC 2405/2451/3602 ciphers, RFC 2403/2404/4868 truncated HMACs)."""

from __future__ import annotations

from dataclasses import dataclass

from ikesim.ipsec.udp_encap import UDP_TRANSPORT_MODES

# RFC 2407 §4.4.4 ESP transform identifiers.
ESP_DES = 2
ESP_3DES = 3
ESP_AES = 12
# RFC 2407 §4.5 Authentication Algorithm values (5 = HMAC-SHA2-256, RFC 4868).
AUTH_HMAC_MD5 = 1
AUTH_HMAC_SHA = 2
AUTH_HMAC_SHA2_256 = 5
ENCAPS_TUNNEL = 1
ENCAPS_TRANSPORT = 2


@dataclass(frozen=True, slots=True)
class EspCipher:
    keyword: str            # IOS: "esp-3des", "esp-aes", "esp-aes 256"
    transform_id: int
    key_bits: int | None    # Key Length attribute (AES only)
    crypto_name: str        # ikesim.crypto cipher name
    key_len: int            # octets of key material
    block: int              # block size = IV length
    wire_name: str          # IOS debug name ("ESP_3DES")
    wireshark: str          # Wireshark esp_sa UAT value


@dataclass(frozen=True, slots=True)
class EspAuth:
    keyword: str
    auth_id: int
    hash_name: str
    key_len: int
    icv_len: int
    debug_name: str         # "HMAC-SHA" as "authenticator is HMAC-SHA" prints it
    wireshark: str


CIPHERS: dict[str, EspCipher] = {c.keyword: c for c in (
    EspCipher("esp-des", ESP_DES, None, "des", 8, 8, "ESP_DES", "DES-CBC [RFC2405]"),
    EspCipher("esp-3des", ESP_3DES, None, "3des", 24, 8, "ESP_3DES", "TripleDES-CBC [RFC2451]"),
    EspCipher("esp-aes", ESP_AES, 128, "aes128", 16, 16, "ESP_AES", "AES-CBC [RFC3602]"),
    EspCipher("esp-aes 192", ESP_AES, 192, "aes192", 24, 16, "ESP_AES", "AES-CBC [RFC3602]"),
    EspCipher("esp-aes 256", ESP_AES, 256, "aes256", 32, 16, "ESP_AES", "AES-CBC [RFC3602]"),
)}
AUTHS: dict[str, EspAuth] = {a.keyword: a for a in (
    EspAuth("esp-md5-hmac", AUTH_HMAC_MD5, "md5", 16, 12, "HMAC-MD5", "HMAC-MD5-96 [RFC2403]"),
    EspAuth("esp-sha-hmac", AUTH_HMAC_SHA, "sha1", 20, 12, "HMAC-SHA",
            "HMAC-SHA-1-96 [RFC2404]"),
    EspAuth("esp-sha256-hmac", AUTH_HMAC_SHA2_256, "sha256", 32, 16, "HMAC-SHA256",
            "HMAC-SHA-256-128 [RFC4868]"),
)}


@dataclass(frozen=True, slots=True)
class EspTransform:
    """One ESP transform (cipher + HMAC) and its mode, e.g. from a transform set."""

    cipher: EspCipher
    auth: EspAuth
    mode: str = "tunnel"

    @property
    def ios_text(self) -> str:
        """As `show crypto ipsec sa` prints it: "esp-3des esp-sha-hmac"; IOS names AES with a
        longer key by size first ("esp-aes 256" is shown as "esp-256-aes")."""
        name = self.cipher.keyword
        if " " in name:
            base, bits = name.split()
            name = f"esp-{bits}-{base.removeprefix('esp-')}"
        return f"{name} {self.auth.keyword}"

    @property
    def keymat_len(self) -> int:
        return self.cipher.key_len + self.auth.key_len


class TransformError(ValueError):
    """A transform set ikesim cannot turn into an ESP transform (e.g. AH-only, esp-null)."""


def from_keywords(keywords: list[str] | tuple[str, ...], mode: str = "tunnel") -> EspTransform:
    """The ESP transform of a transform set's keyword list (IOS order-free)."""
    cipher = next((CIPHERS[k] for k in keywords if k in CIPHERS), None)
    auth = next((AUTHS[k] for k in keywords if k in AUTHS), None)
    if cipher is None or auth is None:
        raise TransformError(f"transform set {' '.join(keywords)!r}: ikesim needs one ESP "
                             "cipher and one ESP HMAC")
    return EspTransform(cipher, auth, mode)


def from_wire(transform_id: int, key_bits: int | None, auth_id: int | None,
              mode: int | None) -> EspTransform | None:
    """The transform an offered ISAKMP transform describes, or None if unsupported."""
    cipher = next((c for c in CIPHERS.values() if c.transform_id == transform_id
                   and c.key_bits == (key_bits if transform_id == ESP_AES else None)), None)
    auth = next((a for a in AUTHS.values() if a.auth_id == auth_id), None)
    if cipher is None or auth is None:
        return None
    transport = mode == ENCAPS_TRANSPORT or mode in UDP_TRANSPORT_MODES   # RFC 3947 §5.1
    return EspTransform(cipher, auth, "transport" if transport else "tunnel")
