"""How charon and pluto name algorithms, payloads, notifies and vendor IDs in their logs
(strongSwan 5.9.8: crypto/proposal/proposal.c %P, encoding/payloads/payload.c short names,
isakmp_vendor.c descriptions; libreswan 4.10: ike_alg names, "IKE SA established {…}").
Every function is total: an unknown value prints as a number, never raises."""

from __future__ import annotations

from typing import Any

from ikesim.ike import vendor

# IOS-style keywords / attribute names (ikesim.ike.proposals) -> charon / pluto names
_CHARON_ENC = {"des": "DES_CBC", "3des": "3DES_CBC", "aes128": "AES_CBC_128",
               "aes192": "AES_CBC_192", "aes256": "AES_CBC_256"}
_CHARON_INTEG = {"md5": "HMAC_MD5_96", "sha": "HMAC_SHA1_96", "sha256": "HMAC_SHA2_256_128",
                 "sha384": "HMAC_SHA2_384_192", "sha512": "HMAC_SHA2_512_256"}
_CHARON_PRF = {"md5": "PRF_HMAC_MD5", "sha": "PRF_HMAC_SHA1", "sha256": "PRF_HMAC_SHA2_256",
               "sha384": "PRF_HMAC_SHA2_384", "sha512": "PRF_HMAC_SHA2_512"}
_CHARON_DH = {1: "MODP_768", 2: "MODP_1024", 5: "MODP_1536", 14: "MODP_2048"}
_PLUTO_ENC = {"des": "DES_CBC_64", "3des": "3DES_CBC_192", "aes128": "AES_CBC_128",
              "aes192": "AES_CBC_192", "aes256": "AES_CBC_256"}
_PLUTO_INTEG = {"md5": "HMAC_MD5", "sha": "HMAC_SHA1", "sha256": "HMAC_SHA2_256",
                "sha384": "HMAC_SHA2_384", "sha512": "HMAC_SHA2_512"}


def pluto_integ(hash_: str) -> str:
    """pluto's name of an IKE hash/PRF keyword (ike_alg_sha1.c / ike_alg_sha2.c)."""
    return _PLUTO_INTEG.get(hash_, hash_)


_PLUTO_DH = {1: "MODP768", 2: "MODP1024", 5: "MODP1536", 14: "MODP2048"}
# debug display values of an offered transform (ikesim.ike.proposals) -> keywords
_ENC_FROM_DISPLAY = {"DES-CBC": "des", "3DES-CBC": "3des", "AES-CBC": "aes"}
_HASH_FROM_DISPLAY = {"MD5": "md5", "SHA": "sha", "SHA256": "sha256", "SHA384": "sha384",
                      "SHA512": "sha512"}
_ESP_ENC = {"esp-des": "DES_CBC", "esp-3des": "3DES_CBC", "esp-aes": "AES_CBC_128",
            "esp-aes 192": "AES_CBC_192", "esp-aes 256": "AES_CBC_256"}
_ESP_INTEG = {"esp-md5-hmac": "HMAC_MD5_96", "esp-sha-hmac": "HMAC_SHA1_96",
              "esp-sha256-hmac": "HMAC_SHA2_256_128"}
_ESP_KEY_BITS = {"esp-des": 64, "esp-3des": 192, "esp-aes": 128, "esp-aes 192": 192,
                 "esp-aes 256": 256}
_ESP_INTEG_BITS = {"esp-md5-hmac": 128, "esp-sha-hmac": 160, "esp-sha256-hmac": 256}

# payload.c payload_type_short_names (IKEv1)
PAYLOAD_SHORT = {"SA": "SA", "KE": "KE", "NONCE": "No", "ID": "ID", "HASH": "HASH",
                 "DELETE": "D", "CERT": "CERT", "CERT_REQ": "CRQ", "SIG": "SIG",
                 "NatDPayload": "NAT-D", "NatDDraftPayload": "NAT-D"}
# notify_type_short_names (strongSwan) for the IKEv1 notifies ikesim sends or reads. 5.9.8 has
# no name for RESPONDER-LIFETIME (24576, RFC 2407 §4.6.3.1): notify_payload.c's tables jump
# from NO_PPK_AUTH to INITIAL_CONTACT_IKEV1 (24578), and enum.c enum_printf_hook() prints an
# unnamed value as "(24576)".
NOTIFY_SHORT = {1: "INVAL_PL", 4: "INVAL_COOKIE", 14: "NO_PROP", 18: "INVAL_ID",
                24: "AUTH_FAILED", 23: "INVAL_HASH", 11: "INVAL_COOKIE",
                24576: "(24576)", 24577: "(24577)", 24578: "INITIAL_CONTACT",
                36136: "DPD", 36137: "DPD_ACK"}
NOTIFY_LONG = {14: "NO_PROPOSAL_CHOSEN", 18: "INVALID_ID_INFORMATION",
               24: "AUTHENTICATION_FAILED", 4: "INVALID_COOKIE", 23: "INVALID_HASH_INFORMATION",
               1: "INVALID_PAYLOAD_TYPE", 24576: "(24576)", 24578: "INITIAL_CONTACT"}
# isakmp_vendor.c descriptions by ikesim's vendor catalogue name
CHARON_VENDOR = {"xauth": "XAuth", "dpd": "DPD", "unity": "Cisco Unity",
                 "frag-strongswan": "FRAGMENTATION", "frag": "FRAGMENTATION",
                 "cisco-frag": "FRAGMENTATION", "nat-t-rfc3947": "NAT-T (RFC 3947)",
                 "nat-t-03": "draft-ietf-ipsec-nat-t-ike-03",
                 "nat-t-02-nolf": "draft-ietf-ipsec-nat-t-ike-02",
                 "nat-t-02": "draft-ietf-ipsec-nat-t-ike-02\\n",
                 "nat-t-07": "draft-ietf-ipsec-nat-t-ike-07"}
EXCHANGES = {2: "ID_PROT", 4: "AGGRESSIVE", 5: "INFORMATIONAL_V1", 32: "QUICK_MODE"}


def charon_ike(encryption: str, hash_: str, group: Any) -> str:
    enc = _CHARON_ENC.get(encryption, str(encryption))
    return (f"IKE:{enc}/{_CHARON_INTEG.get(hash_, hash_)}/{_CHARON_PRF.get(hash_, hash_)}/"
            f"{_CHARON_DH.get(group, f'MODP_{group}') if isinstance(group, int) else group}")


def charon_esp(cipher: str, auth: str, group: int | None) -> str:
    dh = f"/{_CHARON_DH.get(group, f'MODP_{group}')}" if group else ""
    return (f"ESP:{_ESP_ENC.get(cipher, cipher)}/{_ESP_INTEG.get(auth, auth)}{dh}"
            "/NO_EXT_SEQ")


def esp_key_bits(cipher: str) -> tuple[str, int]:
    return _ESP_ENC.get(cipher, cipher).rsplit("_", 1)[0] if cipher.startswith("esp-aes") \
        else _ESP_ENC.get(cipher, cipher), _ESP_KEY_BITS.get(cipher, 0)


def esp_integ_bits(auth: str) -> tuple[str, int]:
    return _ESP_INTEG.get(auth, auth), _ESP_INTEG_BITS.get(auth, 0)


def offered_keywords(attributes: Any) -> tuple[str, str, Any]:
    """(encryption, hash, group) keywords of an offered transform's display attributes (the
    ``check_transform`` event)."""
    enc, key, hash_, group = "?", None, "?", "?"
    for pair in attributes if isinstance(attributes, list) else []:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        name, value = pair
        if name == "encryption":
            enc = _ENC_FROM_DISPLAY.get(str(value), str(value))
        elif name == "key_length":
            key = value
        elif name == "hash":
            hash_ = _HASH_FROM_DISPLAY.get(str(value), str(value))
        elif name == "group":
            group = value
    if enc == "aes":
        enc = f"aes{key if key in (128, 192, 256) else 128}"
    return enc, hash_, group


def pluto_ike(encryption: str, hash_: str, group: int) -> str:
    return (f"auth=PRESHARED_KEY cipher={_PLUTO_ENC.get(encryption, encryption)} "
            f"integ={_PLUTO_INTEG.get(hash_, hash_)} group={_PLUTO_DH.get(group, group)}")


def pluto_esp(cipher: str, auth: str) -> str:
    enc = _ESP_ENC.get(cipher, cipher)
    return f"{enc}-{_ESP_INTEG.get(auth, auth)}"


def pluto_group(group: int | None) -> str:
    return _PLUTO_DH.get(group, f"MODP{group}") if group else "no-pfs"


def payload_list(payloads: Any) -> str:
    """charon's "[ SA V V ]" list of a message's payloads (``parsed``/``tx`` events)."""
    out = []
    for p in payloads if isinstance(payloads, list) else []:
        p = str(p)
        if p.startswith("VENDOR"):
            out.append("V")
        elif p.startswith("NOTIFY:"):
            code = p[7:]
            out.append(f"N({NOTIFY_SHORT.get(int(code), code) if code.isdigit() else code})")
        else:
            out.append(PAYLOAD_SHORT.get(p, p))
    return "[ " + " ".join(out) + " ]"


def vendor_names(payloads: Any) -> list[tuple[str, str]]:
    """(catalogue name, raw hex) of the VIDs in a payload list."""
    out = []
    for p in payloads if isinstance(payloads, list) else []:
        p = str(p)
        if p.startswith("VENDOR:"):
            raw = p[7:]
            try:
                name = vendor.classify(bytes.fromhex(raw))
            except ValueError:
                name = ""
            out.append((name, raw))
    return out


def colon_hex(raw: str) -> str:
    """strongSwan's %#B: octets as colon-separated hex."""
    return ":".join(raw[i:i + 2] for i in range(0, len(raw), 2))
