"""IOS lines for aggressive mode, identity-keyed keys and certificates (ikesim.ios.log.aggressive
and the ID dump of bookkeeping) in every dialect, and for the hostile inputs of issue 11: an
AM1 without its ID, a certificate that does not parse."""

from __future__ import annotations

import pytest

from ikesim.crypto import CIPHERS, phase1_iv
from ikesim.ike import protect
from ikesim.ike.aggressive import EXCHANGE_AGGR
from ikesim.ike.events import IkeEvent
from ikesim.ios.log import DIALECTS, format_event
from ikesim.isakmp import (
    CertPayload,
    Header,
    IdPayload,
    Message,
    decode_header,
    decode_payloads,
    encode_message,
)
from tests import rsa_lab as rsa
from tests.aggressive_lab import A, B, hostname_key, hub, lab, spoke


def texts(dialect: str, kind: str, **fields) -> list[str]:
    return [t for _, t in format_event(dialect, IkeEvent(kind, 1, 0, fields))]


def test_trace_14_lines_in_the_15_dialect() -> None:
    dump = texts("15", "id_payload", sent=False, next_payload=13, id_type=2, address=0,
                 identity="srx110c2821", protocol=0, port=0, length=29)
    assert dump == ["ISAKMP (0): ID payload ", "\tnext-payload : 13", "\ttype         : 2 ",
                    "\tFQDN name    : srx110c2821 ", "\tprotocol     : 0 ",
                    "\tport         : 0 ", "\tlength       : 29"]
    assert texts("15", "psk_hostname_missing", identity="srx110c2821") == [
        "ISAKMP: no pre-shared key based on hostname srx110c2821!"]
    assert texts("15", "xauth_lookup", profile="j2c-1") == [
        "ISAKMP : Looking for xauth in profile j2c-1"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_renders_the_aggressive_and_certificate_events(dialect: str) -> None:
    assert texts(dialect, "aggressive_mode_begin")[0].endswith("beginning Aggressive Mode exchange")
    assert texts(dialect, "aggressive_disabled", peer=A, role="R") == [
        "%CRYPTO-6-IKMP_AG_MODE_DISABLED: Unable to initiate or respond to Aggressive Mode "
        "while disabled"]
    assert texts(dialect, "psk_hostname_missing", identity="a.lab")[0].endswith(
        "no pre-shared key based on hostname a.lab!")
    expired = texts(dialect, "cert_invalid", peer=A, reason="certificate expired", serial=0x1F,
                    not_after="2026-01-01T00:00:00+00:00")
    assert expired == ["%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has "
                       "failed. The certificate (SN: 1F) has expired. Validity period ended on "
                       "00:00:00 UTC Jan 1 2026"]
    unparsed = texts(dialect, "cert_invalid", peer=A, reason="certificate does not parse")
    assert unparsed == ["%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from 192.0.2.10 is "
                        "bad: certificate invalid"]
    assert texts(dialect, "cert_rx")[0].endswith("processing a CT_X509_SIGNATURE cert")


def test_a_hostile_identity_cannot_add_console_lines() -> None:
    for dialect in DIALECTS:
        for kind in ("psk_hostname_missing", "id_payload", "cert_request_rx", "xauth_lookup"):
            lines = format_event(dialect, IkeEvent(kind, 1, 0, {
                "identity": "evil\n%SYS-5-RELOAD: Reload requested", "id_type": 2,
                "authority": "x\ny", "profile": "p\rq"}))
            assert all("\n" not in t and "\r" not in t for _, t in lines)


def test_am1_without_an_id_is_a_typed_reject_with_the_ios_line() -> None:
    lb = lab(spoke(), hub(hostname_key("spoke1.lab")), drop=lambda now, d: True)
    lb.initiate(A, B)
    am1 = lb.engines[A].sas()[0].last_sent
    header = decode_header(am1)
    payloads = [p for p in decode_payloads(header.next_payload, am1[28:])
                if not isinstance(p, IdPayload)]
    bad = encode_message(Message(Header(header.icookie, header.rcookie, 0, EXCHANGE_AGGR),
                                 payloads))
    out = lb.engines[B].receive(1.0, bad, A, 500, B, 500)
    (event,) = [e for e in out.events if e.kind == "bad_message"]
    assert event.fields["reason"] == "AM1: missing ID payload"
    for dialect in DIALECTS:
        assert [t for _, t in format_event(dialect, event)] == [
            "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 192.0.2.10 failed its sanity check "
            "or is malformed"]


def test_a_certificate_that_does_not_parse_is_a_typed_reject_with_the_ios_line() -> None:
    lb = rsa.lab(rsa.crypto("R1"), rsa.crypto("R2"), rsa.pki("R1"), rsa.pki("R2"),
                 drop=lambda now, d: decode_header(d.data).encrypted)
    lb.initiate(rsa.A, rsa.B)
    lb.run(1.0)
    i = lb.engines[rsa.A].sas()[0]
    mm5 = lb.dropped[0][1].data
    iv = phase1_iv(i.hash_name, i.gxi, i.gxr, CIPHERS[i.cipher_name].block_size)
    payloads, _, _ = protect.decrypt_message(i, decode_header(mm5), mm5, iv)
    payloads = [p if not isinstance(p, CertPayload) else CertPayload(4, b"\x30\x82garbage")
                for p in payloads]
    data, _ = protect.encrypt_message(i, 2, 0, payloads, iv)
    out = lb.engines[rsa.B].receive(1.5, data, rsa.A, 500, rsa.B, 500)
    kinds = [e.kind for e in out.events]
    assert "auth_failed" in kinds and "authenticated" not in kinds
    (invalid,) = [e for e in out.events if e.kind == "cert_invalid"]
    assert invalid.fields["reason"] == "certificate does not parse"
    for dialect in DIALECTS:
        assert [t for _, t in format_event(dialect, invalid)] == [
            "%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from 192.0.2.10 is bad: "
            "certificate invalid"]
