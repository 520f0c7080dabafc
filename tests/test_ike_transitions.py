"""The main-mode transition table: enumerated, consistent, and every row exercised."""

from __future__ import annotations

import ipaddress
import random
from collections import Counter

from ikesim.ike import transitions as tr
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import STATES, Datagram

A = int(ipaddress.IPv4Address("192.0.2.1"))
B = int(ipaddress.IPv4Address("198.51.100.1"))


def crypto(peer: int, group: int = 2) -> CryptoConfig:
    pol = IsakmpPolicy(1, encryption="aes128", hash="sha256", authentication="pre-share",
                       group=group)
    return CryptoConfig(policies={1: pol}, keys=[PresharedKey("pw", ipaddress.IPv4Address(peer))])


def lab(group_r: int = 2) -> Loopback:
    return Loopback({A: IsakmpEngine(crypto=crypto(B), profile=PROFILES["ios15"],
                                     rng=random.Random(3)),
                     B: IsakmpEngine(crypto=crypto(A, group_r), profile=PROFILES["ios15"],
                                     rng=random.Random(4))})


def test_table_is_well_formed() -> None:
    rows = tr.TRANSITIONS
    keys = [(t.state, t.role, t.message) for t in rows]
    assert len(keys) == len(set(keys))
    for t in rows:
        assert callable(getattr(IsakmpEngine, "_act_" + t.action))
        assert t.state in (*STATES, tr.NEW, tr.ANY)
        assert t.next_state in (*STATES, tr.ANY, tr.DELETED)
        assert t.role in ("I", "R", tr.ANY)
        if t.message.startswith("MM"):
            n = int(t.message[2:])
            assert t.role == ("R" if n % 2 else "I")        # odd messages go to the responder
            assert t.internal is not None and t.prev_internal is not None
            assert tr.lookup(t.state, t.role, t.message) is t
    mm = [t for t in rows if t.message.startswith("MM")]
    assert sorted(t.message for t in mm) == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]
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


def test_every_row_is_exercised() -> None:
    taken: Counter = Counter()
    # 1. full exchange + clear: MM1..MM6, INFO_DELETE
    lb = lab()
    lb.initiate(A, B)
    lb.run(5.0)
    lb.clear(A)
    lb.run(6.0)
    # 2. policy mismatch: the initiator receives NO_PROPOSAL_CHOSEN (INFO_NOTIFY)
    lb2 = lab(group_r=5)
    lb2.initiate(A, B)
    lb2.run(1.0)
    for x in (lb, lb2):
        for e in x.engines.values():
            taken.update(e.taken)
    assert set(taken) == set(tr.TRANSITIONS), set(tr.TRANSITIONS) - set(taken)
    mm1 = tr.lookup(tr.NEW, "R", "MM1")
    assert taken[mm1] == 2                                    # both responders
    assert all(taken[t] == 1 for t in tr.TRANSITIONS if t is not mm1)


def test_message_without_row_is_reported_and_ignored() -> None:
    lb = lab()
    lb.initiate(A, B)
    lb.run(5.0)
    mm3 = lb.delivered[2][1]
    before = lb.engines[B].established_sa(A)
    assert before is not None
    out = lb.engines[B].receive(6.0, mm3.data, mm3.src, mm3.sport, mm3.dst, mm3.dport)
    assert [e.kind for e in out.events] == ["rx", "bad_message"]
    assert out.events[1].fields["reason"] == "unexpected MM3 in QM_IDLE"
    assert out.sends == [] and out.timers == {}
    assert lb.engines[B].established_sa(A) is before
    # an MM2 echoed back at the responder is just as unexpected
    mm2 = lb.delivered[1][1]
    out = lb.engines[B].receive(6.0, mm2.data, A, 500, B, 500)
    assert [e.kind for e in out.events] == ["rx", "bad_message"]
    # and a plain MM1 re-sent after completion is not a duplicate of the last message
    mm1 = lb.delivered[0][1]
    out = lb.engines[B].receive(7.0, mm1.data, mm1.src, 500, B, 500)
    assert [e.kind for e in out.events] == ["rx", "bad_message"]
    assert isinstance(mm1, Datagram)
