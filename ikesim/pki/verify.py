"""Checking a peer's certificate and signature, as an IKE responder or initiator does: parse,
find a trusted issuer, check the issuer's signature, the validity dates on this router's clock,
and that the identity the peer sent is the certificate's (RFC 4945 §3: the ID must match the
certificate). Every outcome is a :class:`Verdict` — nothing here raises on bad input.

IKEv1 RSA signatures (RFC 2409 §5.1: "SIG_I or SIG_R is the result of applying the negotiated
digital signature algorithm to HASH_I or HASH_R") are PKCS#1 v1.5 block type 1 over the bare
HASH, without a DigestInfo: strongSwan signs IKEv1 with SIGN_RSA_EMSA_PKCS1_NULL, libreswan
with its "RSA_sign_hash" of the raw hash, and both interoperate with IOS. ``cryptography`` has
no such primitive (it always adds the DigestInfo), so the padding is done here and the RSA
operation with the key's numbers; ``openssl pkeyutl -verifyrecover`` is the test oracle.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ikesim.isakmp import IdType
from ikesim.pki.authority import UNSTRUCTURED_ADDRESS

OK = ""
UNPARSEABLE = "certificate does not parse"
UNTRUSTED = "issuer not trusted"
BAD_CERT_SIGNATURE = "certificate signature invalid"
NOT_YET_VALID = "certificate not yet valid"
EXPIRED = "certificate expired"
IDENTITY_MISMATCH = "identity does not match the certificate"
NOT_RSA = "certificate key is not RSA"


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: str                        # OK ("") or one of the constants above
    certificate: x509.Certificate | None = None
    subject: str = ""
    issuer: str = ""
    serial: int = 0
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.reason == OK


_SHORT = {NameOID.COMMON_NAME: "cn", NameOID.ORGANIZATION_NAME: "o",
          NameOID.ORGANIZATIONAL_UNIT_NAME: "ou", NameOID.COUNTRY_NAME: "c",
          NameOID.LOCALITY_NAME: "l", NameOID.STATE_OR_PROVINCE_NAME: "st",
          NameOID.EMAIL_ADDRESS: "e", NameOID.UNSTRUCTURED_NAME: "hostname",
          UNSTRUCTURED_ADDRESS: "ipaddress"}


def name_text(name: x509.Name) -> str:
    """A distinguished name as IOS writes it ("hostname=RT1", "cn=LAB,o=Lab")."""
    parts = []
    for attr in name:
        value = attr.value if isinstance(attr.value, str) else attr.value.hex()
        parts.append(f"{_SHORT.get(attr.oid, attr.oid.dotted_string)}={value}")
    return ",".join(parts)


def parse(der: bytes) -> x509.Certificate | None:
    try:
        cert = x509.load_der_x509_certificate(bytes(der))
        cert.subject, cert.issuer            # noqa: B018 - force the lazy name parse
        return cert
    except (ValueError, TypeError):
        return None


def _identity_names(cert: x509.Certificate) -> tuple[set[str], set[int]]:
    names: set[str] = set()
    addresses: set[int] = set()
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names |= {n.lower().rstrip(".") for n in san.get_values_for_type(x509.DNSName)}
        addresses |= {int(a) for a in san.get_values_for_type(x509.IPAddress)
                      if isinstance(a, ipaddress.IPv4Address)}
    except (x509.ExtensionNotFound, ValueError):
        pass
    for attr in cert.subject:
        value = attr.value if isinstance(attr.value, str) else ""
        if attr.oid in (NameOID.UNSTRUCTURED_NAME, NameOID.COMMON_NAME):
            names.add(value.lower().rstrip("."))
        elif attr.oid == UNSTRUCTURED_ADDRESS:
            try:
                addresses.add(int(ipaddress.IPv4Address(value)))
            except ValueError:
                pass
    return names, addresses


def identity_matches(cert: x509.Certificate, id_type: int, data: bytes) -> bool:
    """Whether the ID payload (type, data) names the certificate's holder: an FQDN / user FQDN
    in its subjectAltName or subject, an IPv4 address likewise, a DER DN equal to its subject
    (RFC 4945 §3.1)."""
    names, addresses = _identity_names(cert)
    if id_type in (IdType.FQDN, IdType.USER_FQDN):
        return data.decode("ascii", "replace").lower().rstrip(".") in names
    if id_type == IdType.IPV4_ADDR and len(data) == 4:
        return int.from_bytes(data, "big") in addresses
    if id_type == IdType.DER_ASN1_DN:
        return bytes(data) == cert.subject.public_bytes()
    return False


def _issuer_signed(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or cert.signature_hash_algorithm is None:
        return False
    try:
        key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                   cert.signature_hash_algorithm)
        return True
    except InvalidSignature:
        return False


def verify_certificate(der: bytes, trusted: list[x509.Certificate], now: dt.datetime,
                       id_type: int | None = None, id_data: bytes = b"") -> Verdict:
    """The checks of a received certificate in IOS's order: it parses, its issuer is a
    trusted CA whose signature it carries, it is valid at ``now`` (this router's clock), and
    the identity sent matches it (when ``id_type`` is given)."""
    cert = parse(der)
    if cert is None:
        return Verdict(UNPARSEABLE)
    try:
        seen = dict(certificate=cert, subject=name_text(cert.subject),
                    issuer=name_text(cert.issuer), serial=cert.serial_number,
                    not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc)
    except ValueError:
        return Verdict(UNPARSEABLE)
    issuers = [ca for ca in trusted if ca.subject == cert.issuer]
    if not issuers:
        return Verdict(UNTRUSTED, **seen)
    if not any(_issuer_signed(cert, ca) for ca in issuers):
        return Verdict(BAD_CERT_SIGNATURE, **seen)
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        return Verdict(NOT_RSA, **seen)
    if now < cert.not_valid_before_utc:
        return Verdict(NOT_YET_VALID, **seen)
    if now > cert.not_valid_after_utc:
        return Verdict(EXPIRED, **seen)
    if id_type is not None and not identity_matches(cert, id_type, id_data):
        return Verdict(IDENTITY_MISMATCH, **seen)
    return Verdict(OK, **seen)


# ---------------------------------------------------------------------- IKEv1 RSA signatures
def _emsa_pkcs1_null(digest: bytes, k: int) -> int:
    """PKCS#1 v1.5 encoding, block type 1, of the bare digest (no DigestInfo)."""
    if len(digest) > k - 11:
        raise ValueError("hash too long for the key")
    return int.from_bytes(b"\x00\x01" + b"\xff" * (k - 3 - len(digest)) + b"\x00" + digest,
                          "big")


def sign_hash(key: rsa.RSAPrivateKey, digest: bytes) -> bytes:
    """SIG_I / SIG_R: the RSA signature of HASH_I / HASH_R (deterministic)."""
    numbers = key.private_numbers()
    n, k = numbers.public_numbers.n, (key.key_size + 7) // 8
    m = _emsa_pkcs1_null(digest, k)
    # CRT (RFC 8017 §5.1.2)
    s1, s2 = pow(m, numbers.dmp1, numbers.p), pow(m, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (s1 - s2)) % numbers.p
    return ((s2 + h * numbers.q) % n).to_bytes(k, "big")


def verify_hash(public: rsa.RSAPublicKey, digest: bytes, signature: bytes) -> bool:
    numbers = public.public_numbers()
    k = (public.key_size + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= numbers.n:
        return False
    try:
        expected = _emsa_pkcs1_null(digest, k)
    except ValueError:
        return False
    return hmac.compare_digest(pow(s, numbers.e, numbers.n).to_bytes(k, "big"),
                               expected.to_bytes(k, "big"))
