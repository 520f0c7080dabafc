"""Timers and lifecycle: the seed lab's timeline, purge, clear, lifetime, conn-ids, 15.x."""

from __future__ import annotations

import ipaddress
import random
import re
from pathlib import Path

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES, Profile
from ikesim.ike.sa import MM_NO_STATE, MM_SA_SETUP, QM_IDLE, Datagram
from ikesim.isakmp import decode_header

A = int(ipaddress.IPv4Address("10.10.10.2"))     # RT1, the initiator
B = int(ipaddress.IPv4Address("11.11.11.2"))     # RT2, the responder (no route back)

# RT2's debug output from the seed (tests/data/seed, a copy of ../shared/seeds), attribute
# lines omitted (they belong to "Checking ISAKMP transform").
SEED = "".join(
    line + "\n" for line in
    (Path(__file__).parent / "data" / "seed" / "000_3867bc4c10a91e5a.txt").read_text().splitlines()
    if re.match(r"^\d\d:\d\d:\d\d: ISAKMP", line)
    and not line.split(": ", 1)[1].startswith("ISAKMP:  "))

SEED_KINDS = [
    ("received packet", "rx"), ("local port", "local_port"),
    ("processing SA payload", "process_payload"), ("found peer pre-shared key", "psk_found"),
    ("Checking ISAKMP transform", "check_transform"), ("atts are acceptable", "atts_acceptable"),
    ("SA is doing pre-shared key", "auth_method"), ("sending packet", "tx"),
    ("is a duplicate", "duplicate"), ("retransmitting due to", "retransmit_due_to_dup"),
    ("MM_SA_SETUP...", "retransmit_tick"), ("incrementing error counter", "error_counter"),
    ("retransmitting phase 1 MM_SA_SETUP", "retransmit"),
    ("paranoid keepalives", "no_keepalives"), ("deleting SA reason", "delete"),
    ("purging SA", "purge"),
]


def seed_lines() -> list[tuple[int, int | None, str]]:
    out = []
    for line in SEED.splitlines():
        m = re.match(r"(\d\d):(\d\d):(\d\d): ISAKMP(?: \(0:(\d+)\))?:? (.*)", line)
        assert m, line
        h, mi, s, conn, text = m.groups()
        kind = next(k for needle, k in SEED_KINDS if needle in text)
        out.append((int(h) * 3600 + int(mi) * 60 + int(s), None if conn is None else int(conn),
                    kind))
    return out


def crypto(peer: int, lifetime: int = 86400) -> CryptoConfig:
    pol = IsakmpPolicy(1, encryption="3des", hash="sha", authentication="pre-share", group=2,
                       lifetime=lifetime)
    return CryptoConfig(policies={1: pol}, keys=[PresharedKey("cisco", ipaddress.IPv4Address(peer))])


def lab(pi: Profile | None = None, pr: Profile | None = None, drop_replies: bool = False,
        lifetime: int = 86400) -> Loopback:
    pi = pi or PROFILES["ios12"]
    pr = pr or PROFILES["ios12"]

    def drop(now: float, d: Datagram) -> bool:
        return drop_replies and d.src == B

    return Loopback({A: IsakmpEngine(crypto=crypto(B, lifetime), profile=pi, rng=random.Random(11)),
                     B: IsakmpEngine(crypto=crypto(A), profile=pr, rng=random.Random(12))},
                    drop=drop)


def seed_run() -> Loopback:
    lb = lab(drop_replies=True)
    lb.run(61.0)
    lb.initiate(A, B)                   # 00:01:01 the ping starts main mode
    lb.run(121.0)                       # RT1 gives up at 00:02:01 ...
    assert lb.engines[A].phase1_status(B) == "none"
    lb.initiate(A, B)                   # ... and the next echo starts SA 2 at once
    return lb


def test_seed_responder_timeline_matches_device_output() -> None:
    lb = seed_run()
    lb.run(400.0)
    got = [(int(x.time), x.event.conn_id, x.kind) for x in lb.events(B) if x.kind != "sa_created"]
    want = seed_lines()
    assert [(t, k) for t, _, k in got] == [(t, k) for t, _, k in want]
    assert [c for (_, c, _), (_, w, _) in zip(got, want, strict=True) if w is not None] == \
        [w for _, w, _ in want if w is not None]
    rx0 = lb.events(B, "rx")[0].event
    assert (rx0.conn_id, rx0.sa_serial, rx0.fields["new_sa"], rx0.fields["state"]) == \
        (0, 0, True, "NEW SA")
    dels = lb.events(B, "delete")
    assert [d.event.fields["reason"] for d in dels] == ["death by retransmission P1"] * 2
    assert [d.event.fields["state"] for d in dels] == [MM_SA_SETUP, MM_SA_SETUP]
    purges = lb.events(B, "purge")
    assert len({p.event.fields["sa_handle"] for p in purges}) == 2


def test_seed_show_crypto_isakmp_sa_snapshots() -> None:
    lb = seed_run()
    engine = lb.engines[B]

    def rows() -> list[tuple[int, int, str, int, bool]]:
        return [(r.dst, r.src, r.state, r.conn_id, r.deleted) for r in engine.sa_rows()]

    lb.run(65.0)
    assert rows() == [(B, A, MM_SA_SETUP, 1, False)]
    lb.run(125.0)
    assert rows() == [(B, A, MM_SA_SETUP, 2, False), (B, A, MM_NO_STATE, 1, True)]
    lb.run(190.0)
    assert rows() == [(B, A, MM_NO_STATE, 2, True)]
    lb.run(250.0)
    assert rows() == []


def test_seed_initiator_timeline() -> None:
    lb = lab(drop_replies=True)
    lb.run(61.0)
    lb.initiate(A, B)
    lb.run(400.0)
    got = [(round(x.time, 3), x.kind) for x in lb.events(A)]
    want = [(61.0, k) for k in ("sa_created", "local_port", "main_mode_begin", "tx")]
    for t in (71.0, 81.0, 91.0, 101.0, 111.0):
        want += [(t, "retransmit_tick"), (t, "error_counter"), (t, "retransmit"), (t, "tx")]
    want += [(121.0, "retransmit_tick"), (121.0, "no_keepalives"), (121.0, "delete"),
             (181.0, "purge")]
    assert got == want
    assert all(x.event.fields["state"] == MM_NO_STATE for x in lb.events(A, "tx", "retransmit"))
    assert [x.event.fields["retransmission"] for x in lb.events(A, "tx")] == [False] + [True] * 5
    # identical bytes are resent
    sent = {d.data for _, d in lb.delivered if d.src == A}
    assert len(sent) == 1
    rows = lb.engines[A].sa_rows()
    lb2 = lab(drop_replies=True)
    lb2.initiate(A, B)
    lb2.run(100.0)
    (row,) = lb2.engines[A].sa_rows()
    assert (row.dst, row.src, row.state, row.deleted) == (B, A, MM_NO_STATE, True)
    assert rows == []


def test_duplicate_after_deletion_is_ignored_then_new_sa_after_purge() -> None:
    stubborn = Profile(name="stubborn", retransmit_limit=13)
    lb = lab(pi=stubborn, drop_replies=True)
    lb.initiate(A, B)
    lb.run(100.0)
    (dead,) = lb.engines[B].sa_rows()
    assert dead.deleted and dead.state == MM_NO_STATE
    after = [x for x in lb.events(B) if x.time > 62.5]
    assert {x.kind for x in after} == {"rx"}                     # seen, nothing resent
    assert all(x.event.fields["state"] == MM_NO_STATE for x in after)
    lb.run(135.0)                                                # purged at ~122, resend at 130
    news = [x for x in lb.events(B, "rx") if x.event.fields["new_sa"]]
    assert [round(x.time) for x in news] == [0, 130]
    assert lb.engines[B].sa_rows()[0].conn_id == 2


def test_purge_timing_follows_profile() -> None:
    quick = Profile(name="quick", purge_delay=5.0, retransmit_limit=1)
    lb = lab(pi=quick, drop_replies=True)
    lb.initiate(A, B)
    lb.run(100.0)
    (d,) = lb.events(A, "delete")
    (p,) = lb.events(A, "purge")
    assert (d.time, p.time) == (20.0, 25.0)


def test_clear_deletes_sends_protected_delete_and_peer_follows() -> None:
    lb = lab()
    lb.initiate(A, B)
    lb.run(10.0)
    assert lb.engines[A].phase1_status(B) == "established"
    assert lb.clear(A, conn_id=99).events == []                 # no such conn-id
    out = lb.clear(A)
    (dgram,) = out.sends
    h = decode_header(dgram.data)
    assert h.exchange == 5 and h.flags & 1 and h.message_id != 0
    assert [e.kind for e in out.events] == ["tx", "delete"]
    assert out.events[1].fields == {"reason": "No reason", "state": QM_IDLE, "role": "I",
                                    "peer": B, "by_peer": False}
    lb.run(11.0)
    # traces 06, 07: a DELETE from the peer prints "peer does not do paranoid keepalives."
    assert [x.kind for x in lb.events(B) if x.time > 10] == ["rx", "process_payload",
                                                              "no_keepalives", "delete"]
    assert lb.engines[B].phase1_status(A) == lb.engines[A].phase1_status(B) == "none"
    assert [x.event.fields["by_peer"] for x in lb.events(B, "delete")] == [True]  # peer's DELETE
    assert [r.deleted for r in lb.engines[B].sa_rows()] == [True]
    lb.run(80.0)
    assert lb.engines[A].sa_rows() == lb.engines[B].sa_rows() == []
    assert [round(x.time) for x in lb.events(A, "purge")] == [70]
    # a tampered copy of the Delete is rejected (HASH(1) / decryption)
    lb2 = lab()
    lb2.initiate(A, B)
    lb2.run(10.0)
    (d,) = lb2.clear(A).sends
    lb2._queue.clear()
    bad = bytearray(d.data)
    bad[-1] ^= 1
    lb2.inject(10.5, Datagram(d.src, d.sport, d.dst, d.dport, bytes(bad)))
    lb2.run(11.0)
    assert lb2.engines[B].phase1_status(A) == "established"
    assert lb2.events(B, "bad_message")


def test_lifetime_expiry_deletes_both_sides() -> None:
    lb = lab(lifetime=100)
    lb.initiate(A, B)
    lb.run(99.0)
    assert lb.engines[A].phase1_status(B) == "established"
    lb.run(101.0)
    (exp,) = lb.events(B, "lifetime_expired") or lb.events(A, "lifetime_expired")
    assert 100.0 <= exp.time < 100.01
    assert lb.engines[A].phase1_status(B) == lb.engines[B].phase1_status(A) == "none"
    for side in (A, B):
        (d,) = lb.events(side, "delete")
        assert d.event.fields["reason"] in ("lifetime expired", "No reason")
    lb.run(170.0)
    assert lb.engines[A].sa_rows() == lb.engines[B].sa_rows() == []


def test_conn_id_schemes() -> None:
    lb = lab(pi=PROFILES["ios15"], pr=PROFILES["ios15"])
    lb.initiate(A, B)
    lb.run(5.0)
    for side in (A, B):
        evs = lb.events(side)
        k = next(i for i, x in enumerate(evs) if x.kind == "skeyid_generated")
        assert {x.event.conn_id for x in evs[:k]} == {0}
        assert {x.event.conn_id for x in evs[k:]} == {1001}
        assert {x.event.sa_serial for x in evs if x.kind != "rx"} == {1}
    lb.clear(A)
    lb.run(6.0)
    lb.initiate(A, B)
    lb.run(10.0)
    assert [r.conn_id for r in lb.engines[A].sa_rows()] == [1002, 1001]
    # a failed attempt never gets a number and does not consume one
    lb2 = lab(pi=PROFILES["ios15"], pr=PROFILES["ios15"], drop_replies=True)
    lb2.initiate(A, B)
    lb2.run(70.0)
    assert [r.conn_id for r in lb2.engines[A].sa_rows()] == [0]
    assert lb2.engines[A]._ctx.next_1001 == 1001
    # the serial scheme numbers at creation
    lb3 = lab(drop_replies=True)
    lb3.initiate(A, B)
    assert lb3.events(A)[0].event.conn_id == 1


def test_ios15_state_changes() -> None:
    lb = lab(pi=PROFILES["ios15"], pr=PROFILES["ios15"])
    lb.initiate(A, B)
    lb.run(5.0)

    def chain(side: int) -> list[str]:
        evs = [x.event.fields for x in lb.events(side, "state_change")]
        assert all(a["new"] == b["old"] for a, b in zip(evs, evs[1:], strict=False))
        states = [evs[0]["old"]] + [e["new"] for e in evs]
        return [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]

    # the initiator's FSM lines exactly as trace 04 (IOS-XE) prints them, inputs included
    assert [(e.event.fields["old"], e.event.fields["new"], e.event.fields["input"])
            for e in lb.events(A, "state_change")] == [
        ("IKE_READY", "IKE_I_MM1", "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM"),
        ("IKE_I_MM1", "IKE_I_MM2", "IKE_MESG_FROM_PEER, IKE_MM_EXCH"),
        ("IKE_I_MM2", "IKE_I_MM2", "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE"),
        ("IKE_I_MM2", "IKE_I_MM3", "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"),
        ("IKE_I_MM3", "IKE_I_MM4", "IKE_MESG_FROM_PEER, IKE_MM_EXCH"),
        ("IKE_I_MM4", "IKE_I_MM4", "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE"),
        ("IKE_I_MM4", "IKE_I_MM5", "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"),
        ("IKE_I_MM5", "IKE_I_MM6", "IKE_MESG_FROM_PEER, IKE_MM_EXCH"),
        ("IKE_I_MM6", "IKE_I_MM6", "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE"),
        ("IKE_I_MM6", "IKE_P1_COMPLETE", "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"),
        ("IKE_P1_COMPLETE", "IKE_P1_COMPLETE", "IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE"),
    ]

    assert chain(A) == ["IKE_READY", "IKE_I_MM1", "IKE_I_MM2", "IKE_I_MM3", "IKE_I_MM4",
                        "IKE_I_MM5", "IKE_I_MM6", "IKE_P1_COMPLETE"]
    assert chain(B) == ["IKE_READY", "IKE_R_MM1", "IKE_R_MM2", "IKE_R_MM3", "IKE_R_MM4",
                        "IKE_R_MM5", "IKE_P1_COMPLETE"]
    lb.clear(B)
    assert lb.events(B, "state_change")[-1].event.fields["new"] == "IKE_DEST_SA"
    # the 12.2 dialect emits none
    lb12 = lab()
    lb12.initiate(A, B)
    lb12.run(5.0)
    assert not lb12.events(A, "state_change") and not lb12.events(B, "state_change")


def test_lost_mm6_is_resent_on_duplicate_mm5() -> None:
    dropped: list[int] = []

    def drop_first_mm6(now: float, d: Datagram) -> bool:
        if d.src == B and decode_header(d.data).flags & 1 and not dropped:
            dropped.append(1)
            return True
        return False

    lb = lab()
    lb.drop = drop_first_mm6
    lb.initiate(A, B)
    lb.run(5.0)
    assert lb.engines[B].phase1_status(A) == "established"
    assert lb.engines[A].phase1_status(B) == "negotiating"
    lb.run(30.0)
    assert lb.engines[A].phase1_status(B) == "established"
    assert [round(x.time, 3) for x in lb.events(B, "duplicate")] == [10.005]
    assert lb.events(B, "tx")[-1].event.fields["retransmission"] is True
    lb.run(200.0)                         # the established SA is not killed by its timers
    assert lb.engines[B].phase1_status(A) == "established"
