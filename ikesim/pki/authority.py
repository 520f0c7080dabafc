"""The lab's certificate authorities and the certificates they issue, as pure functions of the
scenario seed (keys: ``pki.keys``; serial numbers: SHA-256 of the names; dates: the lab
calendar).

The lab calendar: t = 0 of every run is 2011-04-26 00:00:00 UTC, the epoch of ikesim's
captures (``export.pcap.EPOCH``), so a certificate's dates and a capture's timestamps agree.

What the lab does instead of SCEP: every `crypto pki trustpoint NAME` with an `enrollment` line
counts as authenticated and enrolled before t = 0 — the router holds the certificate of the CA
named NAME (one CA per trustpoint name in the whole lab, the same key on every router) and a
certificate that CA issued to it one day before t = 0. Lifetimes are the IOS certificate
server's defaults (Cisco IOS PKI Configuration Guide, "Configuring and Managing a Cisco IOS
Certificate Server": `lifetime ca-certificate` 1095 days, `lifetime certificate` 365 days).
The router certificate's subject is IOS's default enrollment subject, ``hostname=<FQDN>``
(unstructuredName), or the trustpoint's `subject-name`; its subjectAltName carries the FQDN.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from ikesim.pki.keys import rsa_key

UTC = dt.UTC
LAB_EPOCH = dt.datetime(2011, 4, 26, tzinfo=UTC)      # = ikesim.export.pcap.EPOCH
IOS_BOOT_CLOCK = dt.datetime(1993, 3, 1, tzinfo=UTC)  # a router's clock when never set
CA_LIFETIME_DAYS = 1095
CERT_LIFETIME_DAYS = 365
CA_ISSUED = LAB_EPOCH - dt.timedelta(days=30)
CERT_ISSUED = LAB_EPOCH - dt.timedelta(days=1)
UNSTRUCTURED_ADDRESS = ObjectIdentifier("1.2.840.113549.1.9.8")   # PKCS #9 unstructuredAddress
# `subject-name` attribute keywords (IOS writes them in lower case: "cn=R1,ou=VPN,o=Lab,c=RU")
_SUBJECT_KEYS = {"cn": NameOID.COMMON_NAME, "o": NameOID.ORGANIZATION_NAME,
                 "ou": NameOID.ORGANIZATIONAL_UNIT_NAME, "c": NameOID.COUNTRY_NAME,
                 "l": NameOID.LOCALITY_NAME, "st": NameOID.STATE_OR_PROVINCE_NAME,
                 "e": NameOID.EMAIL_ADDRESS, "hostname": NameOID.UNSTRUCTURED_NAME,
                 "serialnumber": NameOID.SERIAL_NUMBER}


@dataclass(frozen=True, slots=True)
class Authority:
    name: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def subject_der(self) -> bytes:
        """The DER subject name, as a CERT_REQ names its CA (RFC 2408 §3.10)."""
        return self.certificate.subject.public_bytes()


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a router holds for one trustpoint: its key pair, its certificate, the CA's."""

    trustpoint: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    authority: Authority

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def serial_number(*names: object) -> int:
    """A positive serial of at most 63 bits derived from the names (RFC 5280 §4.1.2.2)."""
    digest = hashlib.sha256("|".join(str(n) for n in names).encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 1) or 1


def _sign(builder: x509.CertificateBuilder, key: rsa.RSAPrivateKey) -> x509.Certificate:
    # RSA PKCS#1 v1.5 signatures are deterministic: same inputs, same certificate bytes.
    return builder.sign(key, hashes.SHA256())


@cache
def authority(seed: int, name: str) -> Authority:
    """The lab CA behind trustpoint ``name`` (self-signed, serial 1 as on an IOS CA server)."""
    key = rsa_key(seed, f"ca|{name}")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(1)
               .not_valid_before(CA_ISSUED)
               .not_valid_after(CA_ISSUED + dt.timedelta(days=CA_LIFETIME_DAYS))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                            False), critical=True)
               .add_extension(ski, critical=False))
    return Authority(name, key, _sign(builder, key))


def router_subject(fqdn: str, address: int | None = None,
                   subject_name: str | None = None) -> x509.Name:
    """``hostname=FQDN[,ipaddress=A]`` as IOS enrolls by default, or a `subject-name` given
    as ``cn=…,ou=…``."""
    if subject_name:
        attrs_: list[x509.NameAttribute] = []
        for part in subject_name.split(","):
            key, _, value = part.partition("=")
            oid = _SUBJECT_KEYS.get(key.strip().lower())
            if oid is None or not value.strip():
                return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)])
            attrs_.append(x509.NameAttribute(oid, value.strip()))
        return x509.Name(attrs_)
    attrs = [x509.NameAttribute(NameOID.UNSTRUCTURED_NAME, fqdn)]
    if address is not None:
        attrs.append(x509.NameAttribute(UNSTRUCTURED_ADDRESS,
                                        str(ipaddress.IPv4Address(address))))
    return x509.Name(attrs)


@cache
def enroll(seed: int, router: str, trustpoint: str, fqdn: str, address: int | None = None,
           subject_name: str | None = None, issued: dt.datetime = CERT_ISSUED,
           lifetime_days: int = CERT_LIFETIME_DAYS) -> Credentials:
    """The credentials ``router`` obtained from trustpoint ``trustpoint``'s CA (see the module
    docstring for what stands in for SCEP). ``address``: the IP address enrolled with the
    certificate (IOS trustpoint `ip-address`), if any."""
    ca = authority(seed, trustpoint)
    key = rsa_key(seed, f"router|{router}|{trustpoint}")
    names: list[x509.GeneralName] = [x509.DNSName(fqdn)] if fqdn else []
    if address is not None:
        names.append(x509.IPAddress(ipaddress.IPv4Address(address)))
    builder = (x509.CertificateBuilder()
               .subject_name(router_subject(fqdn, address, subject_name))
               .issuer_name(ca.certificate.subject)
               .public_key(key.public_key())
               .serial_number(serial_number(seed, trustpoint, router))
               .not_valid_before(issued)
               .not_valid_after(issued + dt.timedelta(days=lifetime_days))
               .add_extension(x509.KeyUsage(True, False, True, False, False, False, False,
                                            False, False), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca.key.public_key()), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Credentials(trustpoint, key, _sign(builder, ca.key), ca)
