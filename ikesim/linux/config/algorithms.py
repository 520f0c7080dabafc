"""Proposal strings in the daemons' syntax → IKE and ESP proposals ikesim can negotiate.

strongSwan (swanctl.conf ``proposals`` / ``esp_proposals``; strongSwan's "IKEv1 and IKEv2
cipher suites" page): proposals separated by commas, algorithms by dashes, e.g.
``3des-sha1-modp1024,aes256-sha256-modp2048``; an ESP proposal with a DH group asks for PFS
(``aes128-sha1-modp1024``). In IKEv1 charon sends the first algorithm of each kind of a
proposal as one transform (proposal_substructure.c set_from_proposal_v1_ike()).

libreswan (ipsec.conf ``ike=`` / ``phase2alg=``/``esp=``, ipsec.conf(5)): the same words, the
group after ``;`` or ``-`` (``3des-sha1;modp1536``); ``sha2_256`` style names are accepted.

Only what ikesim's engine implements is accepted (DES, 3DES, AES-CBC; MD5, SHA-1, SHA-2 for
IKE; MD5, SHA-1, SHA-256 for ESP; MODP groups 1, 2, 5, 14); anything else is a typed error
naming the word, never an exception of another kind.
"""

from __future__ import annotations

from ikesim.ipsec.transforms import AUTHS, CIPHERS, EspTransform
from ikesim.linux.config.model import EspProposal, IkeProposal


class AlgorithmError(ValueError):
    """A proposal ikesim cannot read (the parsers add the file and line)."""


ENCRYPTIONS = {"des": "des", "3des": "3des", "aes": "aes128", "aes128": "aes128",
               "aes192": "aes192", "aes256": "aes256"}
HASHES = {"md5": "md5", "sha": "sha", "sha1": "sha", "sha256": "sha256", "sha2_256": "sha256",
          "sha384": "sha384", "sha2_384": "sha384", "sha512": "sha512", "sha2_512": "sha512"}
PRFS = {"prf" + k: v for k, v in HASHES.items()}
GROUPS = {"modp768": 1, "modp1024": 2, "modp1536": 5, "modp2048": 14,
          "dh1": 1, "dh2": 2, "dh5": 5, "dh14": 14}
ESP_CIPHERS = {"des": "esp-des", "3des": "esp-3des", "aes": "esp-aes", "aes128": "esp-aes",
               "aes192": "esp-aes 192", "aes256": "esp-aes 256"}
ESP_AUTHS = {"md5": "esp-md5-hmac", "sha": "esp-sha-hmac", "sha1": "esp-sha-hmac",
             "sha256": "esp-sha256-hmac", "sha2_256": "esp-sha256-hmac"}
# Known words ikesim does not implement: named in the error instead of "unknown".
_KNOWN_ELSEWHERE = ("aes128gcm", "aes256gcm", "gcm", "ccm", "chacha20", "camellia", "ecp",
                    "x25519", "curve25519", "x448", "modp3072", "modp4096", "modp6144",
                    "modp8192", "aesxcbc", "aescmac", "null", "blowfish", "cast128")
MAX_PROPOSALS = 32        # transforms in one offer (IKEv1 numbers them in one octet)


def _words(text: str) -> list[list[str]]:
    text = text.strip().lower()
    if not text:
        raise AlgorithmError("empty proposal")
    proposals = [p.strip() for p in text.split(",")]
    if len(proposals) > MAX_PROPOSALS:
        raise AlgorithmError(f"more than {MAX_PROPOSALS} proposals")
    out = []
    for p in proposals:
        words = [w for w in p.replace(";", "-").split("-")]
        if not p or any(not w for w in words):
            raise AlgorithmError(f"malformed proposal {p!r}")
        out.append(words)
    return out


def _unknown(word: str) -> AlgorithmError:
    if any(word.startswith(k) for k in _KNOWN_ELSEWHERE):
        return AlgorithmError(f"algorithm '{word}' is not implemented by ikesim")
    return AlgorithmError(f"algorithm '{word}' not recognized")


def ike_proposals(text: str, *, daemon: str) -> list[IkeProposal]:
    """``proposals = …`` (strongSwan) or ``ike=…`` (libreswan) as IKE proposals."""
    out: list[IkeProposal] = []
    for words in _words(text):
        enc = [ENCRYPTIONS[w] for w in words if w in ENCRYPTIONS]
        hashes = [HASHES[w] for w in words if w in HASHES]
        prfs = [PRFS[w] for w in words if w in PRFS]
        groups = [w for w in words if w in GROUPS]
        for w in words:
            if w not in ENCRYPTIONS and w not in HASHES and w not in PRFS and w not in GROUPS:
                raise _unknown(w)
        what = "-".join(words)
        if not enc:
            raise AlgorithmError(f"proposal '{what}' has no encryption algorithm")
        if not hashes and not prfs:
            raise AlgorithmError(f"proposal '{what}' has no integrity algorithm")
        if not groups:
            raise AlgorithmError(f"proposal '{what}' has no DH group (ikesim does not fill in "
                                 "the daemon's default groups)")
        if daemon == "libreswan" and groups[0] == "modp1024":
            # Debian's libreswan 4.10 build (../shared/fidelity/linux/D README)
            raise AlgorithmError("IKE DH algorithm 'modp1024' is not supported")
        out.append(IkeProposal(enc[0], (hashes or prfs)[0], GROUPS[groups[0]], what))
    return out


def esp_proposals(text: str) -> list[EspProposal]:
    """``esp_proposals = …`` (strongSwan) or ``phase2alg=…`` (libreswan) as ESP proposals; a
    DH group in a proposal is its PFS group."""
    out: list[EspProposal] = []
    for words in _words(text):
        ciphers = [ESP_CIPHERS[w] for w in words if w in ESP_CIPHERS]
        auths = [ESP_AUTHS[w] for w in words if w in ESP_AUTHS]
        groups = [GROUPS[w] for w in words if w in GROUPS]
        for w in words:
            if w not in ESP_CIPHERS and w not in ESP_AUTHS and w not in GROUPS \
                    and w not in ("noesn", "esn"):
                raise _unknown(w)
        what = "-".join(words)
        if "esn" in words:
            raise AlgorithmError("extended sequence numbers (esn) are not implemented by ikesim")
        if not ciphers:
            raise AlgorithmError(f"ESP proposal '{what}' has no encryption algorithm")
        if not auths:
            raise AlgorithmError(f"ESP proposal '{what}' has no integrity algorithm")
        transform = EspTransform(CIPHERS[ciphers[0]], AUTHS[auths[0]])
        out.append(EspProposal(transform, groups[0] if groups else None, what))
    return out
