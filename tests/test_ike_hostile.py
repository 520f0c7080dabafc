"""Hostile input into the engine: mutated and re-encrypted datagrams in every state never raise;
missing/duplicate payloads and bad nonces are typed rejects naming the peer; half-open SAs are
capped per peer, in total and by `crypto call admission limit ike in-negotiation-sa`; an MM1
with thousands of transforms is refused before any work."""

from __future__ import annotations

import ipaddress
import random

from hostile_ike import (
    REFERENCE_NAMES,
    A,
    B,
    Reference,
    crypto,
    encrypt_for,
    hostile,
    mutate_payloads,
    references,
    rehash,
    run_reference,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.events import EVENT_KINDS, IkeEvent
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import Output
from ikesim.isakmp import (
    HEADER_LEN,
    Attribute,
    Header,
    Message,
    Proposal,
    SaPayload,
    Transform,
    decode_header,
    decode_payloads,
    encode_message,
    encode_payloads,
)

ANY_ADDRESS = ipaddress.IPv4Address("0.0.0.0")

REFS = references()
BY_NAME = dict(zip(REFERENCE_NAMES, REFS, strict=True))
# Event kinds that report a refused datagram: each must say whose it was.
REJECTS = {"bad_message", "malformed", "unknown_sa", "no_psk", "policy_not_acceptable",
           "auth_failed"}


def check_output(out: Output) -> None:
    assert isinstance(out, Output)
    for e in out.events:
        assert isinstance(e, IkeEvent) and e.kind in EVENT_KINDS, e
        if e.kind in REJECTS:
            assert isinstance(e.fields.get("peer"), int), e
    assert all(isinstance(d.data, bytes) and len(d.data) >= HEADER_LEN for d in out.sends)
    assert all(isinstance(t, float | int) for t in out.timers.values())


def test_reference_exchange_is_complete() -> None:
    assert len(REFS) == 10
    assert [r.plaintext is not None for r in REFS] == [False] * 4 + [True] * 6


byte_op = st.tuples(st.sampled_from(["flip", "cut", "grow", "len"]), st.integers(0, 2_000),
                    st.integers(0, 255))
payload_op = st.tuples(st.sampled_from(["drop", "dup", "swap", "insert", "resize"]),
                       st.integers(0, 40), st.integers(0, 255))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(0, len(REFS)), j=st.integers(0, len(REFS) - 1),
       structural=st.booleans(), reencrypt=st.booleans(), with_hash=st.booleans(),
       profile=st.sampled_from(["ios12", "ios15"]), data=st.data())
def test_hostile_datagrams_never_raise_in_any_state(k: int, j: int, structural: bool,
                                                    reencrypt: bool, with_hash: bool,
                                                    profile: str, data: st.DataObject) -> None:
    ops = data.draw(st.lists(payload_op if structural else byte_op, min_size=1, max_size=3))
    lb = run_reference(drop_after=k, profile=profile)
    ref = REFS[j]
    d = ref.datagram
    engine = lb.engines[d.dst]
    bad = hostile(ref, engine, ops, structural=structural, reencrypt=reencrypt,
                  with_hash=with_hash)
    out = engine.receive(lb.now, bad, d.src, d.sport, d.dst, d.dport)
    check_output(out)
    lb.apply(d.dst, out)
    lb.drop = None
    lb.run(lb.now + 200.0)            # what it set in motion (resends, deaths, purges) too
    for e in lb.log:
        assert e.event.kind in EVENT_KINDS


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400), k=st.integers(0, len(REFS)), to_a=st.booleans())
def test_random_bytes_with_live_cookies_never_raise(data: bytes, k: int, to_a: bool) -> None:
    lb = run_reference(drop_after=k)
    target, peer = (A, B) if to_a else (B, A)
    sas = lb.engines[target].sas()
    cookies = (sas[-1].icookie + sas[-1].rcookie) if sas else bytes(16)
    out = lb.engines[target].receive(lb.now, cookies + data, peer, 500, target, 500)
    check_output(out)


# ------------------------------------------------------------------ typed rejects
def _state(k: int) -> tuple:
    lb = run_reference(drop_after=k)
    ref = REFS[k]
    return lb, ref, lb.engines[ref.datagram.dst]


def _deliver(engine: IsakmpEngine, ref: Reference, data: bytes) -> Output:
    d = ref.datagram
    before = [(s.state, s.deleted) for s in engine.sas()]
    out = engine.receive(5.0, data, d.src, d.sport, d.dst, d.dport)
    check_output(out)
    assert [(s.state, s.deleted) for s in engine.sas()] == before
    assert out.sends == []
    return out


def _plain_with(ref: Reference, op: tuple[str, int, int]) -> bytes:
    header = decode_header(ref.datagram.data)
    payloads = decode_payloads(header.next_payload, ref.datagram.data[HEADER_LEN:])
    payloads = mutate_payloads(payloads, op)
    return encode_message(Message(Header(header.icookie, header.rcookie, 0, header.exchange),
                                  payloads))


def _rejected(out: Output, peer: int, reason: str) -> None:
    bad = [e for e in out.events if e.kind == "bad_message"]
    assert len(bad) == 1 and bad[0].fields["peer"] == peer, out.events
    assert reason in bad[0].fields["reason"], bad[0].fields["reason"]


def test_mm3_without_ke_duplicate_ke_and_bad_nonces_are_typed_rejects() -> None:
    _, mm3, responder = _state(2)
    _rejected(_deliver(responder, mm3, _plain_with(mm3, ("drop", 0, 0))), A,
              "MM3: missing KE payload")
    _rejected(_deliver(responder, mm3, _plain_with(mm3, ("dup", 0, 0))), A,
              "MM3: duplicate KE payload")
    for size_index, size in ((3, 7), (11, 300), (0, 0)):
        out = _deliver(responder, mm3, _plain_with(mm3, ("resize", 1, size_index)))
        _rejected(out, A, f"nonce of {size} octets")


def _reencrypted(engine: IsakmpEngine, ref: Reference, op: tuple[str, int, int] | None, *,
                 fix_hash: bool = True) -> bytes:
    header = decode_header(ref.datagram.data)
    assert ref.plaintext is not None
    payloads = decode_payloads(header.next_payload, ref.plaintext, allow_trailing=True)
    if op is not None:
        payloads = mutate_payloads(payloads, op)
    if fix_hash:
        payloads = rehash(engine, header, ref.datagram.src, payloads)
    first, body = encode_payloads(payloads)
    header.next_payload = first
    out = encrypt_for(engine, header, ref.datagram.src, body)
    assert out is not None
    return out


def test_mm5_missing_id_or_duplicate_hash_are_typed_rejects() -> None:
    _, mm5, responder = _state(4)
    _rejected(_deliver(responder, mm5, _reencrypted(responder, mm5, ("drop", 0, 0))), A,
              "MM5: missing ID payload")
    _rejected(_deliver(responder, mm5, _reencrypted(responder, mm5, ("dup", 1, 0))), A,
              "MM5: duplicate HASH payload")
    # the unmodified plaintext, re-encrypted, still completes phase 1 (the harness is honest)
    out = responder.receive(5.0, _reencrypted(responder, mm5, None), A, 500, B, 500)
    assert [e.kind for e in out.events if e.kind == "phase1_complete"] == ["phase1_complete"]


def test_quick_mode_payload_faults_are_typed_rejects() -> None:
    _, qm1, responder = _state(6)
    names = [type(p).__name__ for p in decode_payloads(
        decode_header(qm1.datagram.data).next_payload, qm1.plaintext or b"",
        allow_trailing=True)]
    assert names[:3] == ["HashPayload", "SaPayload", "NoncePayload"]
    cases = [(("drop", 2, 0), "QM1: missing NONCE payload"),
             (("dup", 1, 0), "QM1: duplicate SA payload"),
             (("drop", 4, 0), "IDci without IDcr"),
             (("resize", 2, 3), "nonce of 7 octets"),
             (("insert", 1, 2), "QM1: duplicate HASH payload")]
    for op, reason in cases:
        out = _deliver(responder, qm1, _reencrypted(responder, qm1, op))
        _rejected(out, A, reason)
    # a QM1 whose HASH(1) no longer matches: refused before any payload is believed
    out = _deliver(responder, qm1, _reencrypted(responder, qm1, ("resize", 2, 6),
                                                 fix_hash=False))
    _rejected(out, A, "HASH(1) verification failed")


# ------------------------------------------------------------------ admission control
def _mm1(icookie: bytes) -> bytes:
    ref = BY_NAME["MM1"].datagram.data
    return icookie + ref[8:]


def _responder(**limits: int) -> IsakmpEngine:
    cfg = crypto(A)
    cfg.in_negotiation_limit = limits.pop("in_negotiation", None)
    e = IsakmpEngine(crypto=cfg, profile=PROFILES["ios12"], rng=random.Random(5))
    for name, value in limits.items():
        setattr(e.admission, name, value)
    return e


def test_half_open_sas_are_capped_per_peer() -> None:
    e = _responder()
    cap = e.admission.per_peer
    for n in range(cap + 10):
        out = e.receive(0.0, _mm1(n.to_bytes(8, "big")), A, 500, B, 500)
        check_output(out)
        if n >= cap:
            assert [ev.kind for ev in out.events] == ["rx"] and out.sends == []
    assert e.half_open(A) == cap == len(e.sas())
    assert e.admission.rejected["half-open limit per peer"] == 10
    assert e.admission.accepted == cap
    # another peer is not affected
    other = A + 1
    e.reconfigure(crypto(other))
    assert e.receive(0.0, _mm1(b"\xee" * 8), other, 500, B, 500).sends


def test_half_open_sas_are_capped_in_total_and_by_in_negotiation_limit() -> None:
    e = _responder(total=20)
    e.crypto.keys[0].mask = ANY_ADDRESS          # one key for every peer
    for n in range(30):
        e.receive(0.0, _mm1(n.to_bytes(8, "big")), A + n, 500, B, 500)
    assert e.half_open() == 20 and e.admission.rejected["half-open limit"] == 10
    cac = _responder(in_negotiation=3)
    cac.crypto.keys[0].mask = ANY_ADDRESS
    for n in range(5):
        cac.receive(0.0, _mm1(n.to_bytes(8, "big")), A + n, 500, B, 500)
    assert cac.half_open() == 3 and cac.admission.rejected["in-negotiation-sa limit"] == 2


def test_in_negotiation_limit_counts_only_sas_in_negotiation() -> None:
    lb = run_reference(drop_after=9)          # both QM_IDLE
    b = lb.engines[B]
    b.crypto.in_negotiation_limit = 1
    b.reconfigure(b.crypto)
    assert b.half_open() == 0
    first = b.receive(3.0, _mm1(b"\x01" * 8), A, 500, B, 500)
    assert first.sends                        # admitted: the established SA does not count
    second = b.receive(3.0, _mm1(b"\x02" * 8), A, 500, B, 500)
    assert second.sends == [] and b.admission.rejected["in-negotiation-sa limit"] == 1


# ------------------------------------------------------------------ bounded work per message
def hostile_mm1(proposals: int = 10, transforms: int = 255) -> bytes:
    """The audit's 61 KB MM1: 2,550 transforms in 10 proposals (one-octet counts)."""
    attrs = [Attribute(1, 5, tv=True), Attribute(2, 2, tv=True), Attribute(3, 1, tv=True),
             Attribute(4, 2, tv=True)]
    sa = SaPayload([Proposal(p + 1, 1, b"", [Transform(t + 1, 1, attrs)
                                             for t in range(transforms)])
                    for p in range(proposals)])
    return encode_message(Message(Header(b"\x42" * 8, bytes(8), 0, 2), [sa]))


def test_mm1_with_thousands_of_transforms_is_refused_before_any_work() -> None:
    data = hostile_mm1()
    assert 60_000 < len(data) < 65_000
    e = _responder()
    out = e.receive(0.0, data, A, 500, B, 500)
    assert [ev.kind for ev in out.events] == ["rx", "bad_message"]
    assert out.events[1].fields == {"peer": A,
                                    "reason": "multiple proposals in a phase 1 SA payload"}
    assert out.sends == [] and e.sas() == []
    # one proposal of 255 transforms is legal: checked in full (bounded by its one-octet
    # count), then refused as IOS refuses any offer no policy matches
    out = e.receive(0.0, hostile_mm1(1, 255), A, 500, B, 500)
    checks = [ev for ev in out.events if ev.kind == "check_transform"]
    assert len(checks) == 255
    assert [ev.fields["notify_type"] for ev in out.events if ev.kind == "notify_tx"] == \
        ["NO_PROPOSAL_CHOSEN"]
