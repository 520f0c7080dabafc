"""The transition tables (main mode, quick mode, informational): enumerated, consistent, every
row exercised, and every message that has no row in a state answered as documented."""

from __future__ import annotations

import ipaddress
import random
from collections import Counter

import pytest

from ikesim.ike import aggressive, informational, main_mode, quick_mode
from ikesim.ike import transitions as tr
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import QM_COMPLETE, QM_I_QM1, QM_R_QM2, Phase2Policy
from ikesim.ike.sa import MM_KEY_EXCH, MM_NO_STATE, MM_SA_SETUP, QM_IDLE, STATES, Datagram
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    DeletePayload,
    Header,
    KePayload,
    Message,
    NoncePayload,
    NotificationPayload,
    Proposal,
    SaPayload,
    Transform,
    encode_header,
    encode_message,
)

A = int(ipaddress.IPv4Address("192.0.2.1"))
B = int(ipaddress.IPv4Address("198.51.100.1"))
NET_A, NET_B = int(ipaddress.IPv4Address("10.1.0.0")), int(ipaddress.IPv4Address("10.2.0.0"))
PROXY_A = Proxy(NET_A, 0xFFFF0000, NET_B, 0xFFFF0000)
ACTIONS = {tr.MAIN: main_mode.ACTIONS, tr.QUICK: quick_mode.ACTIONS,
           tr.INFO: informational.ACTIONS, tr.AGGR: aggressive.ACTIONS}
QM_STATES = (tr.NEW, QM_I_QM1, QM_R_QM2, QM_COMPLETE)


def crypto(peer: int, group: int = 2) -> CryptoConfig:
    pol = IsakmpPolicy(1, encryption="aes128", hash="sha256", authentication="pre-share",
                       group=group)
    return CryptoConfig(policies={1: pol}, keys=[PresharedKey("pw", ipaddress.IPv4Address(peer))])


def phase2(peer: int, proxy: Proxy, tset: str = "esp-3des esp-sha-hmac") -> Phase2Policy:
    return Phase2Policy("M", 10, peer, (("TS", from_keywords(tset.split())),), (proxy,))


def lab(group_r: int = 2, tset_r: str = "esp-3des esp-sha-hmac") -> Loopback:
    ea = IsakmpEngine(crypto=crypto(B), profile=PROFILES["ios15"], rng=random.Random(3))
    eb = IsakmpEngine(crypto=crypto(A, group_r), profile=PROFILES["ios15"],
                      rng=random.Random(4))
    ea.set_phase2_policies([phase2(B, PROXY_A)])
    eb.set_phase2_policies([phase2(A, PROXY_A.mirrored(), tset_r)])
    return Loopback({A: ea, B: eb})


def test_tables_are_well_formed() -> None:
    rows = tr.TRANSITIONS
    keys = [(t.state, t.role, t.message, t.encrypted) for t in rows]
    assert len(keys) == len(set(keys))
    for t in rows:
        assert t.action in ACTIONS[t.exchange], t
        assert t.role in ("I", "R", tr.ANY)
        assert set(t.required) | set(t.optional) | set(t.repeatable) <= {
            "SA", "KE", "NONCE", "ID", "HASH", "NOTIFY", "DELETE", "VENDOR", "NAT-D", "CERT",
            "CERT_REQ", "SIG"}
        if t.exchange == tr.QUICK:
            assert t.state in QM_STATES and t.next_state in QM_STATES
            assert t.encrypted and t.phase1 == QM_IDLE and t.required[0] == "HASH"
        else:
            assert t.state in (*STATES, tr.NEW, tr.ANY)
            assert t.next_state in (*STATES, tr.ANY, tr.DELETED)
        if t.encrypted and t.exchange == tr.INFO:
            assert t.required[0] == "HASH" and t.state == QM_IDLE
        assert tr.lookup(t.state, t.role, t.message, t.encrypted, t.phase1) is t
    mm = [t for t in rows if t.exchange == tr.MAIN]
    assert sorted(t.message for t in mm) == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]
    for t in mm:
        n = int(t.message[2:])
        assert t.role == ("R" if n % 2 else "I")            # odd messages go to the responder
        assert t.encrypted == (n >= 5)
        assert t.internal is not None and t.prev_internal is not None
    # 15.x internal states chain: each row leaves where the previous one of its role ended
    for role in ("I", "R"):
        chain = sorted((t for t in mm if t.role == role), key=lambda t: t.message)
        for a, b in zip(chain, chain[1:], strict=False):
            assert a.internal is not None and a.internal[1] == b.prev_internal
        assert chain[-1].internal is not None and chain[-1].internal[1] == "IKE_P1_COMPLETE"
    # main mode cannot be entered anywhere else
    assert tr.lookup("QM_IDLE", "R", "MM3") is None
    assert tr.lookup("MM_SA_SETUP", "R", "MM5") is None
    assert tr.lookup("MM_KEY_EXCH", "I", "MM2") is None
    # quick mode needs an established phase 1; protected informational too
    assert tr.lookup(tr.NEW, "R", "QM1", True, MM_KEY_EXCH) is None
    assert tr.lookup(MM_SA_SETUP, "R", "INFO_NOTIFY", True) is None
    assert tr.lookup(QM_IDLE, "I", "INFO_DELETE", False) is None


@pytest.mark.parametrize("row,names,problem", [
    (tr.MAIN_MODE[1], ["KE", "NONCE"], None),
    (tr.MAIN_MODE[1], ["KE", "NONCE", "VENDOR", "VENDOR"], None),
    (tr.MAIN_MODE[1], ["NONCE"], "missing KE payload"),
    (tr.MAIN_MODE[1], ["KE", "KE", "NONCE"], "duplicate KE payload"),
    (tr.MAIN_MODE[1], ["KE", "NONCE", "ID"], "unexpected ID payload"),
    (tr.MAIN_MODE[2], ["ID", "HASH", "HASH"], "duplicate HASH payload"),
    (tr.MAIN_MODE[2], ["ID", "HASH", "NOTIFY"], None),
    (tr.QUICK_MODE[0], ["HASH", "SA", "NONCE", "KE", "ID", "ID"], None),
    (tr.QUICK_MODE[0], ["HASH", "SA", "NONCE", "ID", "ID", "ID"], "duplicate ID payload"),
    (tr.QUICK_MODE[0], ["HASH", "NONCE"], "missing SA payload"),
    (tr.INFORMATIONAL[2], ["HASH", "DELETE", "DELETE"], None),
])
def test_payload_sets(row: tr.Transition, names: list[str], problem: str | None) -> None:
    assert tr.payload_problem(row, names) == problem
    assert tr.payload_problem(row, names) == problem           # the row's remembered verdict


def test_remembered_verdicts_are_bounded_and_stay_right() -> None:
    row = tr.MAIN_MODE[1]                     # KE, NONCE required; VENDOR, NAT-D, CERT_REQ any
    for n in range(600):                      # a hostile peer: ever new VENDOR counts
        names = ["KE", "NONCE", *["VENDOR"] * n] + (["ID"] if n % 2 else [])
        want = "unexpected ID payload" if n % 2 else None
        assert tr.payload_problem(row, names) == want
        assert len(row.verdicts) <= 256
    assert tr.payload_problem(row, ["NONCE"]) == "missing KE payload"
    assert tr.payload_problem(row, ("KE", "KE", "NONCE")) == "duplicate KE payload"


def test_every_row_is_exercised() -> None:
    taken: Counter = Counter()
    # 1. full exchange, quick mode, clear: MM1..MM6, QM1..QM3, protected INFO_DELETE_IPSEC
    #    (`clear crypto sa`) and INFO_DELETE (`clear crypto isakmp`)
    lb = lab()
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY_A)
    lb.run(5.0)
    assert lb.engines[A].ipsec_pairs() and lb.engines[B].ipsec_pairs()
    lb.clear_ipsec(A)
    lb.run(5.5)
    assert not lb.engines[A].ipsec_pairs() and not lb.engines[B].ipsec_pairs()
    lb.clear(A)
    lb.run(6.0)
    # 2. phase-1 policy mismatch: the initiator receives NO_PROPOSAL_CHOSEN (plain INFO_NOTIFY)
    lb2 = lab(group_r=5)
    lb2.initiate(A, B)
    lb2.run(1.0)
    # 3. transform-set mismatch: the responder refuses QM1 (protected INFO_NOTIFY)
    lb3 = lab(tset_r="esp-des esp-md5-hmac")
    lb3.request_ipsec(A, lb3.engines[A].phase2_policies[0], PROXY_A)
    lb3.run(5.0)
    # 4. dead peer detection: R-U-THERE answered, the ACK closes it; unprotected ones refused
    lb4 = lab()
    lb4.engines[A].crypto.keepalive, lb4.engines[A].crypto.keepalive_mode = (10, 2), "periodic"
    lb4.initiate(A, B)
    lb4.run(15.0)
    assert [x.event.fields["notify_type"] for x in lb4.events(A, "dpd_rx")] == ["R_U_THERE_ACK"]
    sa = lb4.engines[A].established_sa(B)
    for code, dst, src in ((36136, B, A), (36137, A, B)):
        unprotected = _plain(5, [NotificationPayload(code, 1, sa.icookie + sa.rcookie,
                                                     bytes(4))], sa.icookie, sa.rcookie, 7)
        out = lb4.engines[dst].receive(16.0, unprotected, src, 500, dst, 500)
        assert [e.kind for e in out.events] == ["rx", "bad_message"] and not out.sends
    for x in (lb, lb2, lb3, lb4):
        for e in x.engines.values():
            taken.update(e.taken)
    # (aggressive-mode rows: tests/test_ike_aggressive.py exercises every one of them)
    rows = set(tr.MAIN_MODE + tr.QUICK_MODE + tr.INFORMATIONAL)
    assert set(taken) == rows, rows - set(taken)
    # every responder; the refused quick mode deletes phase 1 and main mode runs once more
    assert taken[tr.lookup(tr.NEW, "R", "MM1")] == 5
    assert taken[tr.lookup(tr.NEW, "R", "QM1", True, QM_IDLE)] == 3  # accepted, refused twice
    # 15.x: the refusing informational's node ends (trace 07)
    reasons = [e.event.fields["reason"] for e in lb3.log if e.kind == "node_delete"]
    assert "Informational (in) state 1" in reasons and "IKE deleted" in reasons


# ------------------------------------------------------------------ messages without a row
def _sa_payload() -> SaPayload:
    return SaPayload([Proposal(1, 1, b"", [Transform(1, 1, [])])])


def _plain(exchange: int, payloads: list, icky: bytes, rcky: bytes, mid: int = 0) -> bytes:
    return encode_message(Message(Header(icky, rcky, 0, exchange, 0, mid), payloads))


def _encrypted(exchange: int, icky: bytes, rcky: bytes, mid: int) -> bytes:
    return encode_header(Header(icky, rcky, 8, exchange, FLAG_ENCRYPTION, mid, 28 + 32)) \
        + bytes(range(32))


# kind -> (exchange, builder(icookie, rcookie), message as classified by a responder / an
# initiator, encrypted)
KINDS = {
    "SA first": (tr.MAIN, lambda i, r: _plain(2, [_sa_payload()], i, r), ("MM1", "MM2"), False),
    "KE first": (tr.MAIN, lambda i, r: _plain(2, [KePayload(bytes(256)),
                                                  NoncePayload(bytes(20))], i, r),
                 ("MM3", "MM4"), False),
    "encrypted main": (tr.MAIN, lambda i, r: _encrypted(2, i, r, 0), ("MM5", "MM6"), True),
    "quick": (tr.QUICK, lambda i, r: _encrypted(32, i, r, 77), ("QM1", "QM1"), True),
    "plain delete": (tr.INFO, lambda i, r: _plain(5, [DeletePayload(1, 16, [i + r])], i, r, 5),
                     ("INFO_DELETE", "INFO_DELETE"), False),
    "plain notify+delete": (tr.INFO, lambda i, r: _plain(5, [NotificationPayload(24),
                                                             DeletePayload(1, 16, [i + r])],
                                                         i, r, 5), ("INFO", "INFO"), False),
    "encrypted info": (tr.INFO, lambda i, r: _encrypted(5, i, r, 9),
                       ("INFO_NOTIFY", "INFO_NOTIFY"), True),
}
# messages delivered before everything is dropped -> (role, state) of the side holding the SA
DELIVERED = {("I", MM_NO_STATE): 1, ("R", MM_SA_SETUP): 1, ("I", MM_SA_SETUP): 2,
             ("R", MM_KEY_EXCH): 3, ("I", MM_KEY_EXCH): 4, ("R", QM_IDLE): 5, ("I", QM_IDLE): 6}


@pytest.mark.parametrize("role,state", list(DELIVERED))
def test_message_without_row_is_reported_and_ignored(role: str, state: str) -> None:
    lb = lab()
    k = DELIVERED[(role, state)]
    lb.drop = lambda now, d: len(lb.delivered) >= k
    lb.initiate(A, B)
    lb.run(1.0)
    engine, peer = (lb.engines[A], B) if role == "I" else (lb.engines[B], A)
    (sa,) = engine.sas()
    assert (sa.state, sa.role, sa.deleted) == (state, role, False)
    checked = 0
    for kind, (exchange, build, names, encrypted) in KINDS.items():
        message = names[0] if role == "R" else names[1]
        # a new M-ID opens a quick mode this side answers, whichever side began phase 1
        row_state, row_role = (tr.NEW, "R") if exchange == tr.QUICK else (state, role)
        if tr.lookup(row_state, row_role, message, encrypted, state) is not None:
            continue                   # a real row: exercised elsewhere
        before = [(r.state, r.deleted, r.conn_id) for r in engine.sa_rows()]
        out = engine.receive(9.0, build(sa.icookie, sa.rcookie), peer, 500, sa.local, 500)
        assert [e.kind for e in out.events] == ["rx", "bad_message"], (kind, out.events)
        reason = out.events[1].fields["reason"]
        assert reason.startswith("unexpected ") and reason.endswith(f" in {state}"), reason
        assert out.events[1].fields["peer"] == peer
        assert out.sends == [] and out.timers == {} and not out.cancels
        assert [(r.state, r.deleted, r.conn_id) for r in engine.sa_rows()] == before
        checked += 1
    assert checked >= 4


def test_established_sa_is_not_disturbed_by_stray_main_mode() -> None:
    lb = lab()
    lb.initiate(A, B)
    lb.run(5.0)
    mm3 = lb.delivered[2][1]
    before = lb.engines[B].established_sa(A)
    assert before is not None
    out = lb.engines[B].receive(6.0, mm3.data, mm3.src, mm3.sport, mm3.dst, mm3.dport)
    assert [e.kind for e in out.events] == ["rx", "bad_message"]
    assert out.events[1].fields["reason"] == "unexpected MM3 in QM_IDLE"
    assert lb.engines[B].established_sa(A) is before
    mm1 = lb.delivered[0][1]
    out = lb.engines[B].receive(7.0, mm1.data, mm1.src, 500, B, 500)
    assert [e.kind for e in out.events] == ["rx", "bad_message"]
    assert isinstance(mm1, Datagram)
