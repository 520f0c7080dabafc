"""RSA-signature authentication (RFC 2409 §5.1) between two engines with lab-PKI credentials:
main mode and aggressive mode, the payloads and signatures on the wire, and the certificate
faults (untrusted CA, not yet valid, expired, identity not matching the certificate, no
certificate, bad signature, a certificate that does not parse)."""

from __future__ import annotations

import datetime as dt

import pytest

from ikesim.crypto import CIPHERS, hash_i, phase1_iv
from ikesim.ike import protect
from ikesim.ike.sa import QM_IDLE, Datagram
from ikesim.isakmp import (
    CertPayload,
    CertRequestPayload,
    Header,
    IdPayload,
    IdType,
    Message,
    SigPayload,
    decode_header,
    decode_payloads,
    encode_message,
    payload_body,
)
from ikesim.pki import IOS_BOOT_CLOCK, LAB_EPOCH, authority, verify_hash
from ikesim.pki.verify import (
    EXPIRED,
    IDENTITY_MISMATCH,
    NOT_YET_VALID,
    UNPARSEABLE,
    UNTRUSTED,
)
from tests.rsa_lab import SEED, A, B, crypto, lab, pki


def _kinds(lb, side) -> list[str]:
    return [x.kind for x in lb.events(side)]


def _fields(lb, side, kind) -> list[dict]:
    return [x.event.fields for x in lb.events(side, kind)]


def _decrypt(sa, data: bytes, iv: bytes) -> list:
    payloads, _, _ = protect.decrypt_message(sa, decode_header(data), data, iv)
    return payloads


def test_main_mode_with_signatures() -> None:
    lb = lab(crypto("R1"), crypto("R2"), pki("R1"), pki("R2"))
    lb.initiate(A, B)
    lb.run(3.0)
    i, r = lb.engines[A].established_sa(B), lb.engines[B].established_sa(A)
    assert i is not None and r is not None and i.state == r.state == QM_IDLE
    assert i.negotiated.authentication == "rsa-sig" and i.skeyid_e == r.skeyid_e
    assert i.psk is None and r.psk is None
    msgs = [d.data for _, d in lb.delivered]
    assert len(msgs) == 6
    # MM3 and MM4 ask for a certificate from the lab CA (RFC 2408 §3.10: its DER subject)
    ca = authority(SEED, "LAB").certificate
    for m in msgs[2:4]:
        reqs = [p for p in decode_payloads(decode_header(m).next_payload, m[28:])
                if isinstance(p, CertRequestPayload)]
        assert [(p.cert_type, p.authority) for p in reqs] == [(4, ca.subject.public_bytes())]
    # MM5: ID_FQDN, CERT (the initiator's certificate), SIG = RSA(HASH_I)
    iv = phase1_iv(i.hash_name, i.gxi, i.gxr, CIPHERS[i.cipher_name].block_size)
    mm5 = _decrypt(r, msgs[4], iv)
    ident, cert, sig = mm5[:3]
    assert isinstance(ident, IdPayload) and ident.id_type == IdType.FQDN
    assert ident.data == b"r1.lab"
    assert isinstance(cert, CertPayload) and cert.encoding == 4
    assert isinstance(sig, SigPayload)
    creds = pki("R1").credentials[0]
    assert cert.data == creds.der
    want = hash_i(i.hash_name, i.skeyid, i.gxi, i.gxr, i.icookie, i.rcookie, i.sai_b,
                  payload_body(ident))
    assert verify_hash(creds.certificate.public_key(), want, sig.data)
    for side in (A, B):
        assert _kinds(lb, side).count("authenticated") == 1
        assert "auth_failed" not in _kinds(lb, side)


def test_aggressive_mode_with_signatures() -> None:
    lb = lab(crypto("R1", aggressive_to=B), crypto("R2"), pki("R1"), pki("R2"))
    lb.initiate(A, B)
    lb.run(3.0)
    i, r = lb.engines[A].established_sa(B), lb.engines[B].established_sa(A)
    assert i is not None and r is not None and i.mode == r.mode == "aggressive"
    assert i.negotiated.authentication == "rsa-sig"
    msgs = [d.data for _, d in lb.delivered]
    assert len(msgs) == 3
    am2 = decode_payloads(decode_header(msgs[1]).next_payload, msgs[1][28:])
    assert [type(p).__name__ for p in am2] == ["SaPayload", "KePayload", "NoncePayload",
                                               "IdPayload", "CertPayload", "SigPayload",
                                               "CertRequestPayload"] + ["VendorIdPayload"] * 3


def _failed(lb, side) -> list[dict]:
    return _fields(lb, side, "cert_invalid")


@pytest.mark.parametrize("case,reason", [
    ("untrusted", UNTRUSTED), ("not-yet-valid", NOT_YET_VALID), ("expired", EXPIRED),
    ("identity", IDENTITY_MISMATCH)])
def test_certificate_faults_stop_the_responder(case: str, reason: str) -> None:
    """The responder (R2) refuses the initiator's certificate at MM5; nothing comes back and
    the initiator gives up by retransmission."""
    ci, pi, pr = crypto("R1"), pki("R1"), pki("R2")
    if case == "untrusted":
        pi = pki("R1", ("ROGUE",))          # R1 enrolled with another CA than R2 trusts
        pr = pki("R2", ("LAB",))
    elif case == "not-yet-valid":
        pr = pki("R2", clock=IOS_BOOT_CLOCK)     # R2's clock was never set: 1 March 1993
    elif case == "expired":
        pi = pki("R1", issued=LAB_EPOCH - dt.timedelta(days=800), lifetime_days=365)
    else:
        ci = crypto("R1", identity="address")   # ID_IPV4_ADDR; the certificate names r1.lab
    lb = lab(ci, crypto("R2"), pi, pr)
    lb.initiate(A, B)
    lb.run(80.0)
    failed = _failed(lb, B)
    assert failed and failed[0]["reason"] == reason
    assert any(f["reason"] == reason for f in _fields(lb, B, "auth_failed"))
    assert lb.engines[A].established_sa(B) is None and lb.engines[B].established_sa(A) is None
    assert any(f["reason"] == "death by retransmission P1" for f in _fields(lb, A, "delete"))


def test_the_clock_fault_is_the_checking_routers() -> None:
    """An initiator whose clock was never set refuses the responder's (valid) certificate at
    MM6, although the responder accepted its own."""
    lb = lab(crypto("R1"), crypto("R2"), pki("R1", clock=IOS_BOOT_CLOCK), pki("R2"))
    lb.initiate(A, B)
    lb.run(5.0)
    assert "authenticated" in _kinds(lb, B)
    assert _failed(lb, A)[0]["reason"] == NOT_YET_VALID
    assert _failed(lb, A)[0]["at"].startswith("1993-03-01")


def test_no_credentials_no_certificate() -> None:
    lb = lab(crypto("R1"), crypto("R2"), None, pki("R2"))
    lb.initiate(A, B)
    lb.run(2.0)
    assert _fields(lb, A, "no_certificate") and _fields(lb, A, "auth_failed")[0][
        "reason"] == "no certificate to send"


def _mm5_variant(mutate) -> tuple[list, object]:
    """Run until the initiator's MM5 exists, rebuild it with ``mutate(payloads)`` and give it
    to the responder."""
    lb = lab(crypto("R1"), crypto("R2"), pki("R1"), pki("R2"),
             drop=lambda now, d: decode_header(d.data).encrypted)
    lb.initiate(A, B)
    lb.run(1.0)
    i = lb.engines[A].sas()[0]
    r = lb.engines[B].sas()[0]
    mm5 = lb.dropped[0][1].data
    iv = phase1_iv(i.hash_name, i.gxi, i.gxr, CIPHERS[i.cipher_name].block_size)
    payloads = mutate(_decrypt(i, mm5, iv))
    data, _ = protect.encrypt_message(i, 2, 0, payloads, iv)
    out = lb.engines[B].receive(1.5, data, A, 500, B, 500)
    return list(out.events), r


@pytest.mark.parametrize("mutate,kind,reason", [
    (lambda ps: [p if not isinstance(p, SigPayload) else SigPayload(bytes(128))
                 for p in ps], "bad_message", "MM5: signature did not verify"),
    (lambda ps: [p if not isinstance(p, CertPayload) else CertPayload(4, b"\x30\x82garbage")
                 for p in ps], "auth_failed", UNPARSEABLE),
    (lambda ps: [p for p in ps if not isinstance(p, CertPayload)], "auth_failed",
     "no certificate from the peer"),
    (lambda ps: [p for p in ps if not isinstance(p, SigPayload)], "bad_message",
     "MM5: missing SIG payload"),
    (lambda ps: [p if not isinstance(p, CertPayload) else CertPayload(2, p.data)
                 for p in ps], "bad_message", "certificate encoding 2 not supported"),
    (lambda ps: [p if not isinstance(p, SigPayload) else SigPayload(b"\xff" * 300)
                 for p in ps], "bad_message", "MM5: signature did not verify"),
])
def test_hostile_mm5_gives_typed_rejects(mutate, kind: str, reason: str) -> None:
    events, r = _mm5_variant(mutate)
    assert [(e.kind, e.fields.get("reason")) for e in events
            if e.kind in ("bad_message", "auth_failed")] == [(kind, reason)]
    assert r.state != QM_IDLE and not any(e.kind == "authenticated" for e in events)


def test_a_replayed_mm5_from_another_exchange_does_not_verify() -> None:
    """A valid certificate with a SIG made for other keys: the signature check fails."""
    events, _ = _mm5_variant(lambda ps: ps)       # untouched: accepted
    assert any(e.kind == "authenticated" for e in events)
    other = lab(crypto("R1"), crypto("R2"), pki("R1"), pki("R2"), seeds=(31, 32))
    other.initiate(A, B)
    other.run(3.0)
    sa = other.engines[A].sas()[0]
    mm5 = next(d.data for _, d in other.delivered if d.src == A and decode_header(d.data).encrypted)
    iv = phase1_iv(sa.hash_name, sa.gxi, sa.gxr, CIPHERS[sa.cipher_name].block_size)
    other_sig = next(p for p in _decrypt(sa, mm5, iv) if isinstance(p, SigPayload))
    events, _ = _mm5_variant(lambda ps: [p if not isinstance(p, SigPayload) else other_sig
                                         for p in ps])
    assert [e.fields.get("reason") for e in events if e.kind == "bad_message"] == [
        "MM5: signature did not verify"]


def test_a_plain_message_with_a_forged_am2_certificate_does_not_crash() -> None:
    lb = lab(crypto("R1", aggressive_to=B), crypto("R2"), pki("R1"), pki("R2"),
             drop=lambda now, d: d.src == B)
    lb.initiate(A, B)
    lb.run(0.5)
    am2 = lb.dropped[0][1].data
    h = decode_header(am2)
    payloads = [p if not isinstance(p, CertPayload) else CertPayload(4, b"\x00" * 40)
                for p in decode_payloads(h.next_payload, am2[28:])]
    forged = encode_message(Message(Header(h.icookie, h.rcookie, 0, 4), payloads))
    lb.inject(0.6, Datagram(B, 500, A, 500, forged))
    lb.run(1.0)
    assert _fields(lb, A, "auth_failed")[0]["reason"] == UNPARSEABLE
