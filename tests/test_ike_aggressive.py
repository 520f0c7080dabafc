"""Aggressive mode (RFC 2409 §5.4) between two engines: the three messages and their bytes,
identities and key lookup by identity, the rows of transitions.AGGRESSIVE_MODE, and the faults
(no key for the identity, aggressive mode disabled, wrong key, malformed AM1)."""

from __future__ import annotations

import ipaddress

import pytest

from ikesim.crypto import CIPHERS, hash_r, phase1_iv
from ikesim.ike import protect
from ikesim.ike import transitions as tr
from ikesim.ike.aggressive import EXCHANGE_AGGR
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import (
    CryptoConfig,
    IsakmpPolicy,
    IsakmpProfile,
    Keyring,
    PresharedKey,
    ProfileIdentity,
)
from ikesim.ike.sa import AG_INIT_EXCH, AG_NO_STATE, QM_IDLE, Datagram
from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    HashPayload,
    Header,
    IdPayload,
    IdType,
    KePayload,
    Message,
    SaPayload,
    decode_header,
    decode_payloads,
    encode_message,
    payload_body,
)
from tests.aggressive_lab import ANY, A, B, hostname_key, hub, lab, policy, spoke


def kinds(lb: Loopback, side: int) -> list[str]:
    return [x.kind for x in lb.events(side)]


def fields(lb: Loopback, side: int, kind: str) -> list[dict]:
    return [x.event.fields for x in lb.events(side, kind)]


@pytest.mark.parametrize("enc,hash_kw,group", [("des", "md5", 1), ("3des", "sha", 2),
                                              ("aes256", "sha256", 14), ("aes128", "sha", 5)])
def test_three_messages_make_the_same_keys(enc: str, hash_kw: str, group: int) -> None:
    pol = policy(enc, hash_kw, group)
    lb = lab(spoke("fqdn spoke1.lab", "letmein", pol), hub(hostname_key("spoke1.lab"),
                                                            pols=(pol,)))
    lb.initiate(A, B)
    lb.run(2.0)
    i, r = lb.engines[A].established_sa(B), lb.engines[B].established_sa(A)
    assert i is not None and r is not None and i.state == r.state == QM_IDLE
    assert i.mode == r.mode == "aggressive"
    assert (i.icookie, i.rcookie) == (r.icookie, r.rcookie)
    assert i.skeyid_a == r.skeyid_a and i.cipher_key == r.cipher_key
    assert len(i.cipher_key) == CIPHERS[enc].key_len and i.iv == r.iv
    msgs = [d.data for _, d in lb.delivered]
    assert len(msgs) == 3
    headers = [decode_header(m) for m in msgs]
    assert [int(h.exchange) for h in headers] == [EXCHANGE_AGGR] * 3
    assert [h.flags & FLAG_ENCRYPTION for h in headers] == [0, 0, FLAG_ENCRYPTION]
    # AM1: SA, KE, Ni, IDii (RFC 2409 §5.4) with the FQDN identity in the clear, then IOS's
    # VIDs (DPD, "another IOS box", XAUTH)
    am1 = decode_payloads(headers[0].next_payload, msgs[0][28:])
    assert [type(p).__name__ for p in am1] == ["SaPayload", "KePayload", "NoncePayload",
                                               "IdPayload"] + ["VendorIdPayload"] * 3
    assert am1[3].id_type == IdType.FQDN and am1[3].data == b"spoke1.lab"
    # AM2: SA, KE, Nr, IDir, HASH_R; HASH_R = prf(SKEYID, g^xr|g^xi|CKY-R|CKY-I|SAi_b|IDir_b)
    am2 = decode_payloads(headers[1].next_payload, msgs[1][28:])
    assert [type(p).__name__ for p in am2] == ["SaPayload", "KePayload", "NoncePayload",
                                               "IdPayload", "HashPayload"] + \
        ["VendorIdPayload"] * 3
    assert am2[3].id_type == IdType.IPV4_ADDR and am2[3].data == B.to_bytes(4, "big")
    assert am2[4].data == hash_r(r.hash_name, r.skeyid, r.gxi, r.gxr, r.icookie, r.rcookie,
                                 payload_body(am1[0]), payload_body(am2[3]))
    for side in (A, B):
        assert kinds(lb, side).count("authenticated") == 1
        assert "bad_message" not in kinds(lb, side)
    # packet lines: (I) AG_INIT_EXCH, (R) AG_INIT_EXCH, (I) AG_AUTH
    assert [f["state"] for f in fields(lb, A, "tx")] == [AG_INIT_EXCH, "AG_AUTH"]
    assert [f["state"] for f in fields(lb, B, "tx")] == [AG_INIT_EXCH]
    assert [(f["old"], f["new"]) for f in fields(lb, A, "state_change")] == [
        ("IKE_READY", "IKE_I_AM1"), ("IKE_I_AM1", "IKE_I_AM2"), ("IKE_I_AM2", "IKE_P1_COMPLETE"),
        ("IKE_P1_COMPLETE", "IKE_P1_COMPLETE")]


def test_same_seed_same_bytes() -> None:
    def run() -> list[bytes]:
        lb = lab(spoke(), hub(hostname_key("spoke1.lab")))
        lb.initiate(A, B)
        lb.run(2.0)
        return [d.data for _, d in lb.delivered]
    assert run() == run()


@pytest.mark.parametrize("endpoint,id_type,data", [
    ("fqdn spoke1.lab", IdType.FQDN, b"spoke1.lab"),
    ("user-fqdn ops@spoke1.lab", IdType.USER_FQDN, b"ops@spoke1.lab"),
    ("ipv4-address 192.0.2.10", IdType.IPV4_ADDR, bytes([192, 0, 2, 10])),
    (None, IdType.IPV4_ADDR, bytes([192, 0, 2, 10])),
])
def test_client_endpoint_is_the_identity(endpoint, id_type, data) -> None:
    name = data.decode() if id_type != IdType.IPV4_ADDR else "unused"
    keys = [hostname_key(name), PresharedKey("letmein", ipaddress.IPv4Address(A))]
    lb = lab(spoke(endpoint), hub(*keys))
    lb.initiate(A, B)
    lb.run(2.0)
    sa = lb.engines[B].established_sa(A)
    assert sa is not None and isinstance(sa.peer_id, IdPayload)
    assert (int(sa.peer_id.id_type), sa.peer_id.data) == (id_type, data)


def test_hostname_key_missing_falls_back_to_the_address_key() -> None:
    """Trace 14: "no pre-shared key based on hostname srx110c2821!" then "local preshared key
    found" — the address key works."""
    lb = lab(spoke("fqdn srx110c2821"), hub(PresharedKey("letmein", ANY, ANY)))
    lb.initiate(A, B)
    lb.run(2.0)
    assert lb.engines[B].established_sa(A) is not None
    ks = kinds(lb, B)
    assert ks.index("psk_hostname_missing") < ks.index("psk_found") < ks.index("check_transform")
    assert fields(lb, B, "psk_hostname_missing") == [{"identity": "srx110c2821"}]


def test_profile_matched_by_identity_restricts_the_keyrings() -> None:
    ring = Keyring("spokes", [hostname_key("spoke1.lab")])
    other = Keyring("partners", [hostname_key("spoke1.lab", "wrong")])
    prof = IsakmpProfile("SPOKES", keyrings=["spokes"],
                         identities=[ProfileIdentity("host-domain", "lab")])
    cr = hub(keyrings={"partners": other, "spokes": ring}, isakmp_profiles={"SPOKES": prof})
    lb = lab(spoke(), cr)
    lb.initiate(A, B)
    lb.run(2.0)
    sa = lb.engines[B].established_sa(A)
    assert sa is not None and sa.profile == "SPOKES"
    assert fields(lb, B, "profile_match") == [{"profile": "SPOKES"}]
    assert fields(lb, B, "xauth_lookup") == [{"profile": "SPOKES"}]


def test_profile_initiate_mode_aggressive() -> None:
    ring = Keyring("k", [PresharedKey("letmein", ipaddress.IPv4Address(B))])
    prof = IsakmpProfile("AGG", keyrings=["k"], initiate_aggressive=True,
                         self_identity="user-fqdn ops@spoke1.lab")
    ci = CryptoConfig(policies={10: policy()}, keyrings={"k": ring},
                      isakmp_profiles={"AGG": prof},
                      keys=[PresharedKey("letmein", ipaddress.IPv4Address(B))])
    lb = lab(ci, hub(hostname_key("ops@spoke1.lab")))
    lb.apply(A, lb.engines[A].initiate(0.0, A, B, profile="AGG"))
    lb.run(2.0)
    assert lb.engines[A].established_sa(B).mode == "aggressive"
    # without the profile the same router uses main mode
    lb2 = lab(ci, hub(PresharedKey("letmein", ipaddress.IPv4Address(A))))
    lb2.initiate(A, B)
    lb2.run(2.0)
    assert lb2.engines[A].established_sa(B).mode == "main"


def test_identity_matched_by_no_keyring() -> None:
    """The responder has no key for the identity nor the address: the pre-share policy cannot
    be used (IOS: "Preshared authentication offered but does not match policy!"), AM1 is
    refused with NO_PROPOSAL_CHOSEN; the initiator keeps resending until it gives up."""
    lb = lab(spoke("fqdn spoke9.lab"), hub(hostname_key("spoke1.lab")))
    lb.initiate(A, B)
    lb.run(80.0)
    ks = kinds(lb, B)
    assert "no_psk" in ks and "policy_not_acceptable" in ks
    assert {"attribute": "preshared", "transform": 1, "priority": 10} in fields(
        lb, B, "attr_mismatch")
    assert any(f["notify_type"] == "NO_PROPOSAL_CHOSEN" for f in fields(lb, B, "notify_tx"))
    assert lb.engines[B].established_sa(A) is None and lb.engines[B].half_open() == 0
    assert any(f["reason"] == "death by retransmission P1" for f in fields(lb, A, "delete"))
    assert [s.shown_state for s in lb.engines[A].sas()] == [AG_NO_STATE]


def test_aggressive_mode_disabled_on_the_responder() -> None:
    """`crypto isakmp aggressive-mode disable`: AM1 is blocked before any SA exists and never
    answered (Cisco IOS Security Command Reference); the initiator retransmits and dies."""
    cr = hub(hostname_key("spoke1.lab"), aggressive_mode=False)
    lb = lab(spoke(), cr)
    lb.initiate(A, B)
    lb.run(80.0)
    blocked = fields(lb, B, "aggressive_disabled")
    assert len(blocked) == 6 and blocked[0] == {"peer": A, "role": "R"}   # AM1 + 5 resends
    assert lb.engines[B].sas() == [] and not any(d.src == B for _, d in lb.delivered)
    assert kinds(lb, A).count("retransmit") == 5
    assert "death by retransmission P1" in [f["reason"] for f in fields(lb, A, "delete")]


def test_aggressive_mode_disabled_on_the_initiator_falls_back_to_main_mode() -> None:
    ci = spoke()
    ci.aggressive_mode = False
    ci.keys = [PresharedKey("letmein", ipaddress.IPv4Address(B))]
    lb = lab(ci, hub(PresharedKey("letmein", ipaddress.IPv4Address(A))))
    lb.initiate(A, B)
    lb.run(2.0)
    assert fields(lb, A, "aggressive_disabled") == [{"peer": B, "role": "I"}]
    assert lb.engines[A].established_sa(B).mode == "main"


def test_wrong_key_fails_at_hash_r_and_both_sides_give_up() -> None:
    lb = lab(spoke(password="letmein"), hub(hostname_key("spoke1.lab", "sunshine")))
    lb.initiate(A, B)
    lb.run(80.0)
    bad = fields(lb, A, "bad_message")
    assert bad and bad[0]["reason"] == "hash_r: HASH_R did not match"
    assert lb.engines[A].established_sa(B) is None and lb.engines[B].established_sa(A) is None
    # the responder's AM2 answered every copy of AM1 (duplicates) and it retransmitted AM2
    assert "duplicate" in kinds(lb, B)
    assert all(s.deleted for s in lb.engines[A].sas() + lb.engines[B].sas())


@pytest.mark.parametrize("drop_payload,problem", [
    (IdPayload, "AM1: missing ID payload"),
    (KePayload, "AM1: missing KE payload"),
])
def test_am1_without_a_payload_is_refused_before_an_sa_exists(drop_payload, problem) -> None:
    lb = lab(spoke(), hub(hostname_key("spoke1.lab")), drop=lambda now, d: True)
    lb.initiate(A, B)
    am1 = lb.engines[A].sas()[0].last_sent
    header = decode_header(am1)
    payloads = [p for p in decode_payloads(header.next_payload, am1[28:])
                if not isinstance(p, drop_payload)]
    bad = encode_message(Message(Header(header.icookie, header.rcookie, 0, EXCHANGE_AGGR),
                                 payloads))
    out = lb.engines[B].receive(1.0, bad, A, 500, B, 500)
    assert [(e.kind, e.fields.get("reason")) for e in out.events if e.kind == "bad_message"] == [
        ("bad_message", problem)]
    assert lb.engines[B].sas() == [] and out.sends == []


def test_plain_am3_is_accepted_and_every_aggressive_row_is_used() -> None:
    """RFC 2409 §5.4 lets AM3 come unencrypted: a peer that sends it so is accepted. Together
    with the normal exchange this uses every row of AGGRESSIVE_MODE."""
    taken: set = set()
    lb = lab(spoke(), hub(hostname_key("spoke1.lab")))
    lb.initiate(A, B)
    lb.run(2.0)
    for e in lb.engines.values():
        taken |= set(e.taken)
    # a second pair: the initiator's AM3 is replaced by a plain HDR, HASH_I
    lb2 = lab(spoke(), hub(hostname_key("spoke1.lab")),
              drop=lambda now, d: decode_header(d.data).encrypted)
    lb2.initiate(A, B)
    lb2.run(0.5)
    i = lb2.engines[A].established_sa(B)
    assert i is not None and lb2.engines[B].established_sa(A) is None
    am3 = lb2.dropped[0][1].data
    iv = phase1_iv(i.hash_name, i.gxi, i.gxr, CIPHERS[i.cipher_name].block_size)
    payloads, _, _ = protect.decrypt_message(i, decode_header(am3), am3, iv)
    assert isinstance(payloads[0], HashPayload)
    plain = encode_message(Message(Header(i.icookie, i.rcookie, 0, EXCHANGE_AGGR), payloads))
    lb2.inject(0.6, Datagram(A, 500, B, 500, plain))
    lb2.run(1.0)
    assert lb2.engines[B].established_sa(A) is not None
    for e in lb2.engines.values():
        taken |= set(e.taken)
    assert taken >= set(tr.AGGRESSIVE_MODE), set(tr.AGGRESSIVE_MODE) - taken


def test_lost_am3_is_resent_when_am2_comes_again() -> None:
    dropped: list = []

    def lose_first_am3(now: float, d: Datagram) -> bool:
        if decode_header(d.data).encrypted and not dropped:
            dropped.append(d)
            return True
        return False
    lb = lab(spoke(), hub(hostname_key("spoke1.lab")), drop=lose_first_am3)
    lb.initiate(A, B)
    lb.run(15.0)
    assert dropped and lb.engines[B].established_sa(A) is not None
    assert "retransmit" in kinds(lb, B) and "duplicate" in kinds(lb, A)


def test_unexpected_messages_have_no_row() -> None:
    lb = lab(spoke(), hub(hostname_key("spoke1.lab")))
    lb.initiate(A, B)
    lb.run(2.0)
    sa = lb.engines[B].established_sa(A)
    am2 = next(d.data for _, d in lb.delivered if d.src == B)
    # an AM2 sent to the responder (wrong role) finds no row
    forged = bytearray(am2)
    out = lb.engines[B].receive(3.0, bytes(forged[:8]) + bytes(8) + bytes(forged[16:]),
                                A, 500, B, 500)
    assert sa.state == QM_IDLE
    assert [e.fields["reason"] for e in out.events if e.kind == "bad_message"] == [
        "unexpected AM1 in QM_IDLE"]
    assert tr.lookup(QM_IDLE, "R", "AM1") is None and tr.lookup(tr.NEW, "I", "AM2") is None


def test_offer_keeps_the_group_of_the_first_policy() -> None:
    pols = (IsakmpPolicy(10, encryption="aes128", authentication="pre-share", group=14),
            IsakmpPolicy(20, encryption="3des", authentication="pre-share", group=2),
            IsakmpPolicy(30, encryption="des", authentication="pre-share", group=14))
    lb = lab(spoke("fqdn spoke1.lab", "letmein", *pols), hub(hostname_key("spoke1.lab")),
             drop=lambda now, d: True)
    lb.initiate(A, B)
    am1 = lb.engines[A].sas()[0].last_sent
    sa_p = decode_payloads(decode_header(am1).next_payload, am1[28:])[0]
    assert isinstance(sa_p, SaPayload)
    assert len(sa_p.proposals[0].transforms) == 2      # the two group-14 policies
