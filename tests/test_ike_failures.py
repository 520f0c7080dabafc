"""Negotiation failures: PSK mismatch, policy mismatch per attribute, priorities, lifetimes."""

from __future__ import annotations

import ipaddress
import random

import pytest

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import MM_KEY_EXCH, MM_NO_STATE
from ikesim.isakmp import NotificationPayload, decode_message

A = int(ipaddress.IPv4Address("10.10.10.2"))
B = int(ipaddress.IPv4Address("11.11.11.2"))
BASE = dict(encryption="3des", hash="sha", authentication="pre-share", group=2, lifetime=86400)


def pol(priority: int = 1, **kw: object) -> IsakmpPolicy:
    return IsakmpPolicy(priority, **{**BASE, **kw})  # type: ignore[arg-type]


def crypto(peer: int, key: str, *policies: IsakmpPolicy) -> CryptoConfig:
    return CryptoConfig(policies={p.priority: p for p in policies},
                        keys=[PresharedKey(key, ipaddress.IPv4Address(peer))])


def lab(ci: CryptoConfig, cr: CryptoConfig) -> Loopback:
    p = PROFILES["ios12"]
    return Loopback({A: IsakmpEngine(crypto=ci, profile=p, rng=random.Random(1)),
                     B: IsakmpEngine(crypto=cr, profile=p, rng=random.Random(2))})


def test_psk_mismatch_fails_only_through_decryption_or_hash() -> None:
    lb = lab(crypto(B, "cisco123", pol()), crypto(A, "cisco124", pol()))
    lb.initiate(A, B)
    lb.run(5.0)
    i, r = lb.engines[A].sas()[0], lb.engines[B].sas()[0]
    # both reach MM_KEY_EXCH with the same DH secret but different keys
    assert i.state == r.state == MM_KEY_EXCH
    assert i.gxy == r.gxy and i.skeyid != r.skeyid and i.cipher_key != r.cipher_key
    bad = lb.events(B, "bad_message")
    assert len(bad) == 1 and bad[0].event.fields["peer"] == A
    assert "HASH" in bad[0].event.fields["reason"] or "decrypt" in bad[0].event.fields["reason"]
    assert [x.event.fields["exchange"] for x in lb.events(B, "tx")] == [2, 2]   # MM2, MM4 only
    assert not lb.events(B, "authenticated") and not lb.events(A, "authenticated")
    lb.run(200.0)
    # the initiator resends MM5 until death by retransmission; never completes
    deaths = lb.events(A, "delete")
    assert deaths and deaths[0].event.fields["reason"] == "death by retransmission P1"
    assert deaths[0].event.fields["state"] == MM_KEY_EXCH
    assert not lb.events(A, "phase1_complete") and not lb.events(B, "phase1_complete")
    assert len(lb.events(B, "bad_message")) >= 5          # every resent MM5 fails again


@pytest.mark.parametrize(("responder_kw", "attribute"), [
    ({"encryption": "aes128"}, "encryption"),
    ({"encryption": "des"}, "encryption"),
    ({"hash": "md5"}, "hash"),
    ({"authentication": "rsa-sig"}, "auth"),
    ({"group": 5}, "group"),
    ({"lifetime": 3600}, "lifetime"),            # offered 86400 is longer than local 3600
])
def test_policy_mismatch_per_attribute(responder_kw: dict, attribute: str) -> None:
    lb = lab(crypto(B, "k", pol()), crypto(A, "k", pol(**responder_kw)))
    lb.initiate(A, B)
    lb.run(1.0)
    kinds = [x.kind for x in lb.events(B)]
    start = kinds.index("check_transform")
    assert kinds[start:] == ["check_transform", "attr_mismatch", "atts_not_acceptable",
                             "policy_not_acceptable", "notify_tx", "delete"]
    ev = {x.kind: x.event for x in lb.events(B)}
    assert ev["attr_mismatch"].fields == {"attribute": attribute, "transform": 1, "priority": 1}
    assert ev["atts_not_acceptable"].fields == {"next_payload": 0}
    assert ev["notify_tx"].fields["notify_type"] == "NO_PROPOSAL_CHOSEN"
    assert ev["delete"].fields["reason"] == "Phase1 SA policy proposal not accepted"
    # the notification is an unencrypted informational exchange
    (note,) = [d for _, d in lb.delivered if d.src == B]
    msg = decode_message(note.data)
    assert msg.header.exchange == 5 and msg.header.flags == 0
    assert isinstance(msg.payloads[0], NotificationPayload)
    assert msg.payloads[0].notify_type == 14
    # the initiator logs it and keeps waiting (IOS: "Notify has no hash. Rejected.")
    rx = lb.events(A, "notify_rx")
    assert rx and rx[0].event.fields["notify_code"] == 14
    assert lb.engines[A].phase1_status(B) == "negotiating"
    rows = lb.engines[B].sa_rows()
    assert len(rows) == 1 and rows[0].deleted and rows[0].state == MM_NO_STATE


def test_lower_priority_policy_match_succeeds() -> None:
    responder = crypto(A, "k", pol(10, encryption="aes256", group=14), pol(20))
    lb = lab(crypto(B, "k", pol(5)), responder)
    lb.initiate(A, B)
    lb.run(2.0)
    assert lb.engines[B].phase1_status(A) == "established"
    checks = [(x.kind, x.event.fields) for x in lb.events(B)
              if x.kind in ("check_transform", "attr_mismatch", "atts_acceptable",
                            "atts_not_acceptable")]
    assert [(k, f.get("priority"), f.get("attribute")) for k, f in checks] == [
        ("check_transform", 10, None), ("attr_mismatch", 10, "encryption"),
        ("atts_not_acceptable", None, None),
        ("check_transform", 20, None), ("atts_acceptable", None, None)]
    attrs = dict(map(tuple, checks[0][1]["attributes"]))
    assert attrs == {"encryption": "3DES-CBC", "hash": "SHA", "group": 2, "auth": "pre-share",
                     "life_type": "seconds", "life_duration": b"\x00\x01\x51\x80"}
    sa = lb.engines[B].established_sa(A)
    assert sa is not None and sa.negotiated is not None and sa.negotiated.priority == 20


def test_second_offered_transform_chosen_next_payload_3() -> None:
    initiator = crypto(B, "k", pol(1, encryption="aes128"), pol(2, hash="md5"))
    lb = lab(initiator, crypto(A, "k", pol(7, hash="md5")))
    lb.initiate(A, B)
    lb.run(2.0)
    seq = [(x.kind, x.event.fields.get("transform"), x.event.fields.get("next_payload"))
           for x in lb.events(B) if x.kind.startswith(("check", "atts"))]
    assert seq == [("check_transform", 1, None), ("atts_not_acceptable", None, 3),
                   ("check_transform", 2, None), ("atts_acceptable", None, 0)]
    i = lb.engines[A].established_sa(B)
    assert i is not None and i.negotiated is not None and i.negotiated.hash == "md5"


def test_shorter_offered_lifetime_is_accepted_and_used() -> None:
    lb = lab(crypto(B, "k", pol(lifetime=3600)), crypto(A, "k", pol(lifetime=86400)))
    lb.initiate(A, B)
    lb.run(2.0)
    r = lb.engines[B].established_sa(A)
    i = lb.engines[A].established_sa(B)
    assert r is not None and i is not None
    assert r.negotiated is not None and r.negotiated.lifetime == 3600
    assert i.negotiated is not None and i.negotiated.lifetime == 3600
    attrs = dict(map(tuple, lb.events(B, "check_transform")[0].event.fields["attributes"]))
    assert attrs["life_duration"] == 3600                      # TV ("basic") value


def test_no_policies_means_silence() -> None:
    lb = lab(crypto(B, "k", pol()), CryptoConfig())
    lb.initiate(A, B)
    lb.run(1.0)
    assert [x.kind for x in lb.events(B)] == ["rx"]
    assert lb.engines[B].sa_rows() == [] and not [d for _, d in lb.delivered if d.src == B]


def test_responder_without_key_rejects_the_pre_share_transform_at_mm1() -> None:
    cr = crypto(A, "k", pol())
    cr.keys = []
    lb = lab(crypto(B, "k", pol()), cr)
    lb.initiate(A, B)
    lb.run(1.0)
    assert [x.event.fields["peer"] for x in lb.events(B, "no_psk")] == [A]
    assert [x.event.fields["attribute"] for x in lb.events(B, "attr_mismatch")] == ["preshared"]
    assert len(lb.events(B, "policy_not_acceptable")) == 1
    assert [x.event.fields["notify_type"] for x in lb.events(B, "notify_tx")] == \
        ["NO_PROPOSAL_CHOSEN"]
    assert len(lb.events(B, "tx")) == 0                          # no MM2
    (sa,) = lb.engines[B].sas()
    assert sa.deleted
    assert lb.engines[A].phase1_status(B) == "negotiating"       # resending MM1


def test_responder_without_key_still_accepts_a_non_pre_share_policy_check() -> None:
    """Only pre-share policies need the key: a lower-priority policy that matches on
    everything but needs no key is reported as an attribute mismatch, not as a key problem."""
    cr = crypto(A, "k", pol(1), pol(2, encryption="aes256"))
    cr.keys = []
    lb = lab(crypto(B, "k", pol()), cr)
    lb.initiate(A, B)
    lb.run(1.0)
    assert [x.event.fields["attribute"] for x in lb.events(B, "attr_mismatch")] == \
        ["preshared", "encryption"]


def test_reconfigure_applies_to_new_negotiations() -> None:
    lb = lab(crypto(B, "k", pol()), crypto(A, "k", pol(group=5)))
    lb.engines[B].reconfigure(crypto(A, "k", pol()))
    lb.initiate(A, B)
    lb.run(2.0)
    assert lb.engines[A].phase1_status(B) == "established"
