"""The lab PKI (ikesim/pki): keys and certificates that are a pure function of the seed, the
certificate checks and the IKEv1 signature primitive, with hostile input."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.isakmp import IdType
from ikesim.pki import (
    LAB_EPOCH,
    authority,
    enroll,
    rsa_key,
    sign_hash,
    verify_certificate,
    verify_hash,
)
from ikesim.pki.authority import CERT_ISSUED
from ikesim.pki.verify import (
    BAD_CERT_SIGNATURE,
    EXPIRED,
    IDENTITY_MISMATCH,
    NOT_YET_VALID,
    OK,
    UNPARSEABLE,
    UNTRUSTED,
    identity_matches,
    name_text,
)


def test_keys_are_a_function_of_seed_and_name() -> None:
    a, b = rsa_key(3, "R1"), rsa_key(3, "R1")
    assert a is b                                   # cached
    rsa_key.cache_clear()
    c = rsa_key(3, "R1")
    pem = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, \
        serialization.NoEncryption()
    assert c.private_bytes(*pem) == a.private_bytes(*pem)   # same key after a recompute
    assert rsa_key(3, "R2").public_key().public_numbers().n != \
        a.public_key().public_numbers().n
    assert rsa_key(4, "R1").public_key().public_numbers().n != \
        a.public_key().public_numbers().n
    numbers = a.private_numbers()
    assert a.key_size == 1024 and numbers.p * numbers.q == numbers.public_numbers.n
    with pytest.raises(ValueError):
        rsa_key(3, "R1", 1000)


def test_certificates_are_deterministic_and_on_the_lab_calendar() -> None:
    one = enroll(5, "R1", "LAB", "R1")
    enroll.cache_clear()
    authority.cache_clear()
    two = enroll(5, "R1", "LAB", "R1")
    assert one.der == two.der and one.authority.der == two.authority.der
    cert = one.certificate
    assert cert.not_valid_before_utc == CERT_ISSUED == LAB_EPOCH - dt.timedelta(days=1)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 365
    assert name_text(cert.subject) == "hostname=R1" and name_text(cert.issuer) == "cn=LAB"
    assert one.authority.certificate.serial_number == 1
    named = enroll(5, "R1", "LAB", "R1", subject_name="cn=R1,o=Lab")
    assert name_text(named.certificate.subject) == "cn=R1,o=Lab"


def test_every_verdict() -> None:
    creds = enroll(5, "R1", "LAB", "R1")
    trusted = [creds.authority.certificate]
    der = creds.der
    fqdn = (IdType.FQDN, b"R1")
    assert verify_certificate(der, trusted, LAB_EPOCH, *fqdn).reason == OK
    assert verify_certificate(der, trusted, LAB_EPOCH, IdType.FQDN, b"r1.").reason == OK
    assert verify_certificate(der, trusted, LAB_EPOCH, *fqdn).subject == "hostname=R1"
    assert verify_certificate(der, trusted, LAB_EPOCH, IdType.IPV4_ADDR,
                              bytes(4)).reason == IDENTITY_MISMATCH
    assert verify_certificate(der, [authority(5, "OTHER").certificate],
                              LAB_EPOCH).reason == UNTRUSTED
    assert verify_certificate(der, trusted, dt.datetime(1993, 3, 1, tzinfo=dt.UTC)).reason \
        == NOT_YET_VALID
    assert verify_certificate(der, trusted, LAB_EPOCH + dt.timedelta(days=400)).reason \
        == EXPIRED
    # a certificate signed by another key with the trusted CA's name
    impostor = enroll(6, "R1", "LAB", "R1")
    assert verify_certificate(impostor.der, trusted, LAB_EPOCH).reason == BAD_CERT_SIGNATURE
    assert verify_certificate(b"", trusted, LAB_EPOCH).reason == UNPARSEABLE
    assert verify_certificate(der[:-5], trusted, LAB_EPOCH).reason == UNPARSEABLE


def test_identity_forms() -> None:
    cert = enroll(5, "R1", "LAB", "R1", address=0x0A000001).certificate
    assert identity_matches(cert, IdType.IPV4_ADDR, bytes([10, 0, 0, 1]))
    assert identity_matches(cert, IdType.DER_ASN1_DN, cert.subject.public_bytes())
    assert not identity_matches(cert, IdType.DER_ASN1_DN, b"\x30\x00")
    assert not identity_matches(cert, IdType.KEY_ID, b"R1")


def test_signature_of_a_bare_hash() -> None:
    key = rsa_key(5, "S")
    digest = hashlib.sha256(b"HASH_I").digest()
    sig = sign_hash(key, digest)
    assert len(sig) == 128 and sign_hash(key, digest) == sig       # deterministic
    public = key.public_key()
    assert verify_hash(public, digest, sig)
    assert not verify_hash(public, digest[::-1], sig)
    assert not verify_hash(public, digest, sig[:-1])
    assert not verify_hash(public, digest, b"\xff" * 128)           # >= n
    assert not verify_hash(public, b"x" * 200, sig)                 # too long to encode
    with pytest.raises(ValueError):
        sign_hash(key, b"x" * 200)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_are_unparseable_never_an_exception(blob: bytes) -> None:
    trusted = [enroll(5, "R1", "LAB", "R1").authority.certificate]
    verdict = verify_certificate(blob, trusted, LAB_EPOCH, IdType.FQDN, b"R1")
    assert verdict.reason in (UNPARSEABLE, UNTRUSTED, BAD_CERT_SIGNATURE, NOT_YET_VALID,
                              EXPIRED, IDENTITY_MISMATCH, "certificate key is not RSA", OK)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=140), st.binary(min_size=0, max_size=64))
def test_arbitrary_signatures_never_verify(sig: bytes, digest: bytes) -> None:
    key = rsa_key(5, "S")
    good = sign_hash(key, hashlib.sha1(b"x").digest())
    if sig != good:
        assert not verify_hash(key.public_key(), hashlib.sha1(b"x").digest(), sig)
    verify_hash(key.public_key(), digest, sig)          # never raises
