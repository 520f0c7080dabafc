"""Hostile input in the aggressive-mode and signature states: mutated AM1/AM2/AM3 and MM5/MM6
with certificates, payloads dropped, duplicated or replaced (also re-encrypted under the
receiver's keys so that they reach the certificate and signature checks) never raise out of
the engine and never authenticate; the refusals are typed events."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikesim.crypto import CIPHERS, phase1_iv
from ikesim.ike import protect
from ikesim.ike.events import IkeEvent
from ikesim.ike.sa import Output
from ikesim.isakmp import (
    CertPayload,
    CertRequestPayload,
    HashPayload,
    Header,
    IdPayload,
    KePayload,
    Message,
    NatDDraftPayload,
    NatDPayload,
    NoncePayload,
    SigPayload,
    VendorIdPayload,
    decode_header,
    decode_payloads,
    encode_message,
)
from tests import aggressive_lab as agg
from tests import rsa_lab as rsa
from tests.test_ike_robustness import mutate, mutation

TYPED = {"bad_message", "malformed", "auth_failed", "no_psk", "policy_not_acceptable",
         "unknown_sa", "cert_invalid", "cert_missing", "notify_tx"}


def _psk_lab(drop=None):
    return agg.lab(agg.spoke(), agg.hub(agg.hostname_key("spoke1.lab")), drop=drop)


def _rsa_lab(aggressive: bool, drop=None):
    return rsa.lab(rsa.crypto("R1", aggressive_to=rsa.B if aggressive else None),
                   rsa.crypto("R2"), rsa.pki("R1"), rsa.pki("R2"), drop=drop)


LABS = {"am-psk": lambda drop=None: _psk_lab(drop),
        "am-rsa": lambda drop=None: _rsa_lab(True, drop),
        "mm-rsa": lambda drop=None: _rsa_lab(False, drop)}


def _reference(name: str) -> list:
    lb = LABS[name]()
    lb.initiate(agg.A, agg.B)
    lb.run(3.0)
    return [d for _, d in lb.delivered]


REFS = {name: _reference(name) for name in LABS}


def waiting_for(name: str, k: int):
    """A lab whose receiver is waiting for message k (0-based) of the reference exchange."""
    holder: list = []
    lb = LABS[name](lambda now, d: len(holder[0].delivered) >= k)
    holder.append(lb)
    lb.initiate(agg.A, agg.B)
    lb.run(1.0)
    return lb


def _check(out: Output) -> None:
    assert isinstance(out, Output)
    assert all(isinstance(e, IkeEvent) for e in out.events)
    assert all(isinstance(d.data, bytes) for d in out.sends)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(LABS)), k=st.integers(0, 5),
       ops=st.lists(mutation, min_size=1, max_size=3))
def test_mutated_bytes_never_raise(name: str, k: int, ops) -> None:
    refs = REFS[name]
    k %= len(refs)
    lb = waiting_for(name, k)
    d = refs[k]
    data = d.data
    for op in ops:
        data = mutate(data, op)
    out = lb.engines[d.dst].receive(2.0, data, d.src, d.sport, d.dst, d.dport)
    _check(out)
    if data[28:] != d.data[28:] and decode_header(d.data).encrypted:
        assert not [e for e in out.events if e.kind == "phase1_complete"]


# ------------------------------------------------------------------ payload-level hostility
_REPLACEMENTS = [IdPayload(2, 17, 500, b"mallory.lab"), IdPayload(1, 0, 0, b"\x01\x02\x03\x04"),
                 HashPayload(bytes(20)), SigPayload(bytes(128)), SigPayload(b""),
                 CertPayload(4, b"\x30\x03\x02\x01\x00"), CertPayload(4, b""),
                 CertPayload(7, b"junk"), CertRequestPayload(4, b"\x30\x00"),
                 KePayload(bytes(128)), KePayload(b"\x01"), NoncePayload(bytes(8)),
                 VendorIdPayload(b"x")]
edit = st.one_of(st.tuples(st.just("drop"), st.integers(0, 20), st.just(0)),
                 st.tuples(st.just("dup"), st.integers(0, 20), st.just(0)),
                 st.tuples(st.just("put"), st.integers(0, 20),
                           st.integers(0, len(_REPLACEMENTS) - 1)))


def _edit(payloads: list, op: tuple[str, int, int]) -> list:
    kind, i, j = op
    out = list(payloads)
    if not out:
        return [_REPLACEMENTS[j]] if kind == "put" else out
    i %= len(out)
    if kind == "drop":
        del out[i]
    elif kind == "dup":
        out.insert(i, out[i])
    else:
        out[i] = _REPLACEMENTS[j]
    return out


def _core(payloads: list) -> list:
    """What authenticates a message: everything but vendor IDs, NAT-D payloads, certificate
    requests and the certificates after the first (a chain may follow the end-entity
    certificate); without a signature no certificate counts (a pre-shared key's HASH does not
    cover one)."""
    signed = any(isinstance(p, SigPayload) for p in payloads)
    first = next((i for i, p in enumerate(payloads) if isinstance(p, CertPayload)), -1) \
        if signed else -1
    return [p for i, p in enumerate(payloads)
            if not isinstance(p, VendorIdPayload | CertRequestPayload | NatDPayload
                               | NatDDraftPayload)
            and (not isinstance(p, CertPayload) or i == first)]


def _rebuild(lb, d, ops) -> tuple[bytes, bool]:
    """``d`` with its payloads edited (and whether what authenticates it changed); an encrypted
    message is re-encrypted under the sender's keys and the IV the receiver expects, so that
    the edit reaches the payload checks."""
    header = decode_header(d.data)
    sender = next(s for s in lb.engines[d.src].sas() if s.icookie == header.icookie)
    if header.encrypted:
        iv = sender.iv if header.exchange == 2 and sender.role == "R" and sender.iv else \
            phase1_iv(sender.hash_name, sender.gxi, sender.gxr,
                      CIPHERS[sender.cipher_name].block_size)
        receiver = next(s for s in lb.engines[d.dst].sas() if s.icookie == header.icookie)
        iv = receiver.iv or iv
        original, _, _ = protect.decrypt_message(sender, header, d.data, iv)
        payloads = original
        for op in ops:
            payloads = _edit(payloads, op)
        if not payloads:
            payloads = [HashPayload(b"")]
        data, _ = protect.encrypt_message(sender, int(header.exchange), 0, payloads, iv)
        return data, _core(payloads) != _core(original)
    original = decode_payloads(header.next_payload, d.data[28:])
    payloads = original
    for op in ops:
        payloads = _edit(payloads, op)
    if not payloads:
        payloads = [VendorIdPayload(b"")]
    return encode_message(Message(Header(header.icookie, header.rcookie, 0,
                                         int(header.exchange)), payloads)), \
        _core(payloads) != _core(original)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(LABS)), k=st.integers(0, 5),
       ops=st.lists(edit, min_size=1, max_size=3))
def test_edited_payloads_are_typed_rejects(name: str, k: int, ops) -> None:
    refs = REFS[name]
    k %= len(refs)
    lb = waiting_for(name, k)
    d = refs[k]
    data, changed = _rebuild(lb, d, ops)
    out = lb.engines[d.dst].receive(2.0, data, d.src, d.sport, d.dst, d.dport)
    _check(out)
    kinds = {e.kind for e in out.events}
    if changed:
        # a changed ID, KE, nonce, SA, certificate, HASH or SIG never authenticates; the
        # refusal is a typed event (or silence for a message with no row, e.g. a second SA)
        assert "phase1_complete" not in kinds and "authenticated" not in kinds
        # AM1 and MM1-MM4 carry nothing authenticated: a changed one is just another offer (or
        # key exchange) and may be answered; every message with a HASH or SIG must be refused
        # (typed) or left unanswered
        unauthenticated = k == 0 or (name.startswith("mm") and k < 4)
        assert unauthenticated or kinds & TYPED or not out.sends


def test_random_bytes_to_an_aggressive_responder_never_raise() -> None:
    rng = random.Random(5)
    engine = _psk_lab().engines[agg.B]
    for _ in range(300):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 120)))
        # an aggressive-mode header with a random body
        head = bytes(8) if rng.random() < 0.5 else rng.randbytes(8)
        pkt = head + bytes(8) + bytes([1, 0x10, 4, 0]) + bytes(4) + \
            (28 + len(data)).to_bytes(4, "big") + data
        _check(engine.receive(1.0, pkt, agg.A, 500, agg.B, 500))
