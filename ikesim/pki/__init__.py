"""A small deterministic PKI for the lab: RSA keys from the scenario seed (``keys``), one CA per
trustpoint name and a certificate per router (``authority``), certificate and signature checks
(``verify``). Sans-I/O, like the protocol core: bytes and dates in, verdicts out."""

from ikesim.pki.authority import (
    CERT_ISSUED,
    CERT_LIFETIME_DAYS,
    IOS_BOOT_CLOCK,
    LAB_EPOCH,
    Authority,
    Credentials,
    authority,
    enroll,
)
from ikesim.pki.keys import rsa_key
from ikesim.pki.verify import Verdict, sign_hash, verify_certificate, verify_hash

__all__ = ["CERT_ISSUED", "CERT_LIFETIME_DAYS", "IOS_BOOT_CLOCK", "LAB_EPOCH", "Authority",
           "Credentials", "Verdict", "authority", "enroll", "rsa_key", "sign_hash",
           "verify_certificate", "verify_hash"]
