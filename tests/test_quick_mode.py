"""Quick mode between two engines back to back: real bytes, hashes, KEYMAT, faults."""

from __future__ import annotations

import ipaddress
import random

import pytest

from ikesim.crypto import CIPHERS, decrypt_cbc, phase2_iv, prf
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import EXCHANGE_QUICK, Phase2Policy, keymat, signed_mid
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from ikesim.isakmp import (
    HEADER_LEN,
    HashPayload,
    IdPayload,
    KePayload,
    NoncePayload,
    SaPayload,
    decode_header,
    decode_payloads,
)

A = int(ipaddress.IPv4Address("10.10.10.2"))
B = int(ipaddress.IPv4Address("11.11.11.2"))
NET1, NET2 = int(ipaddress.IPv4Address("172.16.1.0")), int(ipaddress.IPv4Address("172.16.2.0"))
M24 = 0xFFFFFF00
PROXY_A = Proxy(NET1, M24, NET2, M24)          # RT1's ACL: 172.16.1.0/24 -> 172.16.2.0/24
PROXY_B = PROXY_A.mirrored()


def crypto(peer: int) -> CryptoConfig:
    return CryptoConfig(policies={1: IsakmpPolicy(1, encryption="3des", hash="sha",
                                                  authentication="pre-share", group=2)},
                        keys=[PresharedKey("cisco123", ipaddress.IPv4Address(peer))])


def policy(peer: int, proxy: Proxy, *tsets: list[str], pfs: int | None = None,
           life: int = 3600) -> Phase2Policy:
    sets = tsets or (["esp-3des", "esp-sha-hmac"],)
    return Phase2Policy("CMAP", 10, peer,
                        tuple((f"TS{i}", from_keywords(t)) for i, t in enumerate(sets)),
                        (proxy,), pfs, life, 4608000)


def lab(pol_a: Phase2Policy, pol_b: Phase2Policy | None, profile: str = "ios12") -> Loopback:
    p = PROFILES[profile]
    ea = IsakmpEngine(crypto=crypto(B), profile=p, rng=random.Random(1), local_addresses=[A])
    eb = IsakmpEngine(crypto=crypto(A), profile=p, rng=random.Random(2), local_addresses=[B])
    ea.set_phase2_policies([pol_a])
    eb.set_phase2_policies([pol_b] if pol_b else [])
    return Loopback({A: ea, B: eb})


def run(pol_a: Phase2Policy, pol_b: Phase2Policy | None, until: float = 1.0,
        profile: str = "ios12") -> Loopback:
    lb = lab(pol_a, pol_b, profile)
    lb.request_ipsec(A, pol_a, PROXY_A)
    lb.run(until)
    return lb


def qm_datagrams(lb: Loopback) -> list:
    return [d for _, d in lb.delivered if decode_header(d.data).exchange == EXCHANGE_QUICK]


@pytest.mark.parametrize("tset,pfs", [
    (["esp-3des", "esp-sha-hmac"], None),
    (["esp-des", "esp-md5-hmac"], None),
    (["esp-aes", "esp-sha-hmac"], 2),
    (["esp-aes 256", "esp-sha256-hmac"], 5),
    (["esp-aes 192", "esp-md5-hmac"], 14),
])
def test_quick_mode_creates_matching_sa_pairs(tset: list[str], pfs: int | None) -> None:
    lb = run(policy(B, PROXY_A, tset, pfs=pfs), policy(A, PROXY_B, tset, pfs=pfs))
    (pa,) = lb.engines[A].ipsec_pairs()
    (pb,) = lb.engines[B].ipsec_pairs()
    t = from_keywords(tset)
    # each side's outbound SA is the other's inbound SA: same SPI, same keys
    for out_sa, in_sa in ((pa.outbound, pb.inbound), (pb.outbound, pa.inbound)):
        assert out_sa.spi == in_sa.spi
        assert (out_sa.enc_key, out_sa.auth_key) == (in_sa.enc_key, in_sa.auth_key)
        assert len(out_sa.enc_key) == t.cipher.key_len and len(out_sa.auth_key) == t.auth.key_len
        assert out_sa.transform == t
    assert pa.inbound.spi != pa.outbound.spi
    assert pa.proxy == PROXY_A and pb.proxy == PROXY_B
    assert pa.pfs_group == pfs == pb.pfs_group
    assert pa.inbound.enc_key != pa.outbound.enc_key
    # three QM messages: QM1, QM2, QM3
    assert len(qm_datagrams(lb)) == 3
    assert [x.kind for x in lb.events(A, "qm_complete")] == ["qm_complete"]
    assert lb.events(B, "qm_complete")


def test_qm_bytes_decrypt_with_phase2_iv_and_hashes_verify() -> None:
    pol = policy(B, PROXY_A, pfs=2)
    lb = run(pol, policy(A, PROXY_B, pfs=2))
    sa = lb.engines[A].established_sa(B)
    assert sa is not None
    qm1, qm2, qm3 = qm_datagrams(lb)
    block = CIPHERS[sa.cipher_name].block_size
    h1 = decode_header(qm1.data)
    assert h1.encrypted and h1.message_id != 0
    mid = h1.message_id
    assert decode_header(qm2.data).message_id == mid == decode_header(qm3.data).message_id
    iv = phase2_iv(sa.hash_name, sa.iv, mid, block)
    plain1 = decrypt_cbc(sa.cipher_name, sa.cipher_key, iv, qm1.data[HEADER_LEN:])
    p1 = decode_payloads(h1.next_payload, plain1, allow_trailing=True)
    assert [type(p) for p in p1] == [HashPayload, SaPayload, NoncePayload, KePayload,
                                     IdPayload, IdPayload]
    idci, idcr = p1[4], p1[5]
    assert (idci.id_type, idci.data) == (4, bytes([172, 16, 1, 0, 255, 255, 255, 0]))
    assert (idcr.id_type, idcr.data) == (4, bytes([172, 16, 2, 0, 255, 255, 255, 0]))
    hash_len = int.from_bytes(plain1[2:4], "big")
    chain = sum(int.from_bytes(plain1[o + 2:o + 4], "big") for o in _offsets(plain1))
    assert p1[0].data == prf("sha1", sa.skeyid_a, mid.to_bytes(4, "big")
                             + plain1[hash_len:chain])
    prop = p1[1].proposals[0]
    assert (prop.protocol, len(prop.spi), prop.transforms[0].transform_id) == (3, 4, 3)
    # QM2 chains from QM1's last block; HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
    iv2 = qm1.data[-block:]
    plain2 = decrypt_cbc(sa.cipher_name, sa.cipher_key, iv2, qm2.data[HEADER_LEN:])
    p2 = decode_payloads(decode_header(qm2.data).next_payload, plain2, allow_trailing=True)
    ni, nr = p1[2].data, p2[2].data
    plain3 = decrypt_cbc(sa.cipher_name, sa.cipher_key, qm2.data[-block:], qm3.data[HEADER_LEN:])
    (h3,) = decode_payloads(decode_header(qm3.data).next_payload, plain3, allow_trailing=True)
    assert h3.data == prf("sha1", sa.skeyid_a, b"\0" + mid.to_bytes(4, "big") + ni + nr)
    # KEYMAT (RFC 2409 §5.5) includes g(qm)^xy: without it the keys would differ
    (pair,) = lb.engines[A].ipsec_pairs()
    t = pair.inbound.transform
    assert int.from_bytes(prop.spi, "big") == pair.inbound.spi
    no_pfs = keymat("sha1", sa.skeyid_d, 3, pair.inbound.spi, ni, nr, t.keymat_len)
    assert no_pfs != pair.inbound.enc_key + pair.inbound.auth_key


def test_keymat_without_pfs_is_rfc2409_expansion() -> None:
    lb = run(policy(B, PROXY_A), policy(A, PROXY_B))
    sa = lb.engines[A].established_sa(B)
    qm1, qm2, _ = qm_datagrams(lb)
    block = CIPHERS[sa.cipher_name].block_size
    mid = decode_header(qm1.data).message_id
    plain1 = decrypt_cbc(sa.cipher_name, sa.cipher_key, phase2_iv("sha1", sa.iv, mid, block),
                         qm1.data[HEADER_LEN:])
    plain2 = decrypt_cbc(sa.cipher_name, sa.cipher_key, qm1.data[-block:],
                         qm2.data[HEADER_LEN:])
    p1 = decode_payloads(decode_header(qm1.data).next_payload, plain1, allow_trailing=True)
    p2 = decode_payloads(decode_header(qm2.data).next_payload, plain2, allow_trailing=True)
    assert not any(isinstance(p, KePayload) for p in p1 + p2)
    ni, nr = p1[2].data, p2[2].data
    (pair,) = lb.engines[A].ipsec_pairs()
    for s in (pair.inbound, pair.outbound):
        seed = bytes([3]) + s.spi.to_bytes(4, "big") + ni + nr
        k1 = prf("sha1", sa.skeyid_d, seed)
        k2 = prf("sha1", sa.skeyid_d, k1 + seed)
        k3 = prf("sha1", sa.skeyid_d, k2 + seed)
        assert (k1 + k2 + k3)[:44] == s.enc_key + s.auth_key      # 24 (3DES) + 20 (SHA-1)
    assert p2[1].proposals[0].spi == pair.outbound.spi.to_bytes(4, "big")


def _offsets(plain: bytes) -> list[int]:
    out, pos = [], 0
    while pos + 4 <= len(plain):
        out.append(pos)
        nxt, length = plain[pos], int.from_bytes(plain[pos + 2:pos + 4], "big")
        pos += length
        if nxt == 0:
            break
    return out


def _kinds(lb: Loopback, addr: int) -> list[str]:
    return [x.kind for x in lb.events(addr)]


def _notify(lb: Loopback, addr: int) -> list[str]:
    return [x.event.fields["notify_type"] for x in lb.events(addr, "notify_tx", "notify_rx")]


def test_transform_set_mismatch_is_no_proposal_chosen() -> None:
    lb = run(policy(B, PROXY_A, ["esp-3des", "esp-sha-hmac"]),
             policy(A, PROXY_B, ["esp-aes", "esp-sha-hmac"]))
    assert lb.engines[A].ipsec_pairs() == [] == lb.engines[B].ipsec_pairs()
    rej = lb.events(B, "ipsec_atts_not_acceptable")
    assert rej and rej[0].event.fields["reason"] == "transform"
    # refused, phase 1 deleted, main mode again once, refused again (trace 07)
    assert _notify(lb, B) == ["NO_PROPOSAL_CHOSEN"] * 2
    assert _notify(lb, A) == ["NO_PROPOSAL_CHOSEN"] * 2   # protected notify reached RT1
    assert "proxy_mismatch" not in _kinds(lb, B)


def test_second_proposal_accepted_when_first_does_not_match() -> None:
    lb = run(policy(B, PROXY_A, ["esp-des", "esp-md5-hmac"], ["esp-3des", "esp-sha-hmac"]),
             policy(A, PROXY_B, ["esp-3des", "esp-sha-hmac"]))
    (pair,) = lb.engines[A].ipsec_pairs()
    assert pair.outbound.transform.ios_text == "esp-3des esp-sha-hmac"
    checks = lb.events(B, "ipsec_proposal_check")
    assert [c.event.fields["proposal"] for c in checks] == [1, 2]


def test_crypto_acl_mismatch_is_proxy_identities_not_supported() -> None:
    other = Proxy(int(ipaddress.IPv4Address("172.16.3.0")), M24, NET1, M24)
    lb = run(policy(B, PROXY_A), policy(A, other))
    assert lb.engines[A].ipsec_pairs() == []
    mismatch, _again = lb.events(B, "proxy_mismatch")
    f = mismatch.event.fields
    assert (f["local_net"], f["remote_net"]) == (NET2, NET1)
    assert _notify(lb, B) == ["INVALID_ID_INFORMATION"] * 2


def test_narrower_offer_inside_mirrored_acl_is_accepted() -> None:
    wide = Proxy(int(ipaddress.IPv4Address("172.16.0.0")), 0xFFFF0000,
                 int(ipaddress.IPv4Address("172.16.0.0")), 0xFFFF0000)
    lb = run(policy(B, PROXY_A), policy(A, wide))
    assert len(lb.engines[B].ipsec_pairs()) == 1
    assert lb.engines[B].ipsec_pairs()[0].proxy == PROXY_B


@pytest.mark.parametrize("pfs_a,pfs_b", [(None, 2), (2, 5)])
def test_pfs_mismatch_is_no_proposal_chosen(pfs_a: int | None, pfs_b: int) -> None:
    lb = run(policy(B, PROXY_A, pfs=pfs_a), policy(A, PROXY_B, pfs=pfs_b))
    assert lb.engines[B].ipsec_pairs() == []
    assert _notify(lb, B) == ["NO_PROPOSAL_CHOSEN"] * 2
    rej, _again = lb.events(B, "ipsec_atts_not_acceptable")
    assert rej.event.fields["reason"] in ("pfs", "transform")


def test_responder_without_pfs_accepts_offered_group() -> None:
    lb = run(policy(B, PROXY_A, pfs=2), policy(A, PROXY_B))
    assert lb.engines[B].ipsec_pairs()[0].pfs_group == 2


def test_no_map_entry_for_peer_refuses() -> None:
    lb = run(policy(B, PROXY_A), None)
    assert _notify(lb, B) == ["NO_PROPOSAL_CHOSEN"] * 2


@pytest.mark.parametrize("profile", ["ios12", "ios15"])
def test_refused_quick_mode_deletes_phase1_and_main_mode_starts_again_once(profile: str) -> None:
    """Trace 07: after PROPOSAL_NOT_CHOSEN the responder deletes phase 1 (a protected DELETE);
    the initiator prints "peer does not do paranoid keepalives.", deletes its SA and begins
    main mode again at once. The second refusal ends it (one restart per request): no quick
    mode retried every 2 s under a phase 1 left in QM_IDLE."""
    lb = run(policy(B, PROXY_A), policy(A, PROXY_B, pfs=2), until=30.0, profile=profile)
    assert lb.engines[A].phase1_status(B) == "none" == lb.engines[B].phase1_status(A)
    assert [e.event.fields["reason"] for e in lb.events(A, "delete")] == ["No reason"] * 2
    assert len(lb.events(A, "no_keepalives")) == 2
    first, second = lb.events(A, "main_mode_begin")
    (deleted, _) = lb.events(A, "delete")
    assert 0 <= second.time - deleted.time < 0.01          # at once, not on new traffic
    assert not lb.events(A, "qm_retransmit")


def test_request_is_idempotent_and_runs_after_phase1() -> None:
    lb = lab(policy(B, PROXY_A), policy(A, PROXY_B))
    pol = lb.engines[A].phase2_policies[0]
    lb.request_ipsec(A, pol, PROXY_A)
    lb.request_ipsec(A, pol, PROXY_A)                 # while main mode runs
    lb.run(1.0)
    assert len(lb.events(A, "qm_begin")) == 1
    # phase 1 first, then quick mode (IOS keeps the trigger)
    kinds = _kinds(lb, A)
    assert kinds.index("phase1_complete") < kinds.index("qm_begin")
    lb.request_ipsec(A, pol, PROXY_A)                 # SA exists: nothing happens
    lb.run(2.0)
    assert len(lb.events(A, "qm_begin")) == 1
    assert len(lb.engines[A].ipsec_pairs()) == 1


def test_second_flow_uses_existing_phase1() -> None:
    lb = run(policy(B, PROXY_A), policy(A, Proxy(NET2 & 0xFFFF0000, 0xFFFF0000, NET1 & 0xFFFF0000,
                                                  0xFFFF0000)))
    other = Proxy(int(ipaddress.IPv4Address("172.16.1.128")), 0xFFFFFF80, NET2, M24)
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], other)
    lb.run(2.0)
    assert len(lb.engines[A].sas()) == 1              # no new main mode
    assert len(lb.engines[A].ipsec_pairs()) == 2
    assert lb.engines[A].outbound_sa(B, NET1 + 130, NET2 + 2).proxy == other


def test_lost_qm_messages_retransmit_then_die() -> None:
    lb = lab(policy(B, PROXY_A), policy(A, PROXY_B))
    lb.drop = lambda now, d: decode_header(d.data).exchange == EXCHANGE_QUICK
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY_A)
    lb.run(100.0)
    assert len(lb.events(A, "qm_retransmit")) == PROFILES["ios12"].retransmit_limit
    (death,) = lb.events(A, "qm_delete")
    assert death.event.fields["reason"] == "death by retransmission P2"
    assert death.time == pytest.approx(60.0, abs=0.1)
    assert lb.engines[A].established_sa(B) is not None    # phase 1 survives


def test_duplicate_qm1_is_answered_with_same_qm2() -> None:
    lb = lab(policy(B, PROXY_A), policy(A, PROXY_B))
    first_qm2: list[bytes] = []

    def drop(now: float, d) -> bool:
        if d.src == B and decode_header(d.data).exchange == EXCHANGE_QUICK and not first_qm2:
            first_qm2.append(d.data)
            return True
        return False

    lb.drop = drop
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY_A)
    lb.run(30.0)
    assert lb.events(B, "qm_duplicate")
    resent = [d.data for _, d in lb.delivered if d.src == B
              and decode_header(d.data).exchange == EXCHANGE_QUICK]
    assert resent[0] == first_qm2[0]
    assert len(lb.engines[A].ipsec_pairs()) == 1 == len(lb.engines[B].ipsec_pairs())


def test_tampered_qm1_fails_hash_and_creates_nothing() -> None:
    lb = lab(policy(B, PROXY_A), policy(A, PROXY_B))

    def corrupt(now: float, d) -> bool:
        if decode_header(d.data).exchange == EXCHANGE_QUICK and d.src == A:
            data = bytearray(d.data)
            data[-1] ^= 1
            lb.inject(now + 0.001, type(d)(d.src, d.sport, d.dst, d.dport, bytes(data)))
            lb.drop = None
            return True
        return False

    lb.drop = corrupt
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY_A)
    lb.run(5.0)
    assert lb.events(B, "bad_message")
    assert lb.engines[B].ipsec_pairs() == []


def test_ios15_quick_mode_states() -> None:
    lb = run(policy(B, PROXY_A), policy(A, PROXY_B), profile="ios15")
    seq_i = [(x.event.fields["old"], x.event.fields["new"])
             for x in lb.events(A, "qm_state_change")]
    seq_r = [(x.event.fields["old"], x.event.fields["new"])
             for x in lb.events(B, "qm_state_change")]
    # IOS's own FSM names (traces 04 and 05); there is no IKE_QM_R_QM1
    assert seq_i == [("IKE_QM_READY", "IKE_QM_I_QM1"),
                     ("IKE_QM_I_QM1", "IKE_QM_IPSEC_INSTALL_AWAIT"),
                     ("IKE_QM_IPSEC_INSTALL_AWAIT", "IKE_QM_PHASE2_COMPLETE")]
    assert seq_r == [("IKE_QM_READY", "IKE_QM_SPI_STARVE"),
                     ("IKE_QM_SPI_STARVE", "IKE_QM_IPSEC_INSTALL_AWAIT"),
                     ("IKE_QM_IPSEC_INSTALL_AWAIT", "IKE_QM_R_QM2"),
                     ("IKE_QM_R_QM2", "IKE_QM_PHASE2_COMPLETE")]


def test_signed_message_id_like_ios() -> None:
    assert signed_mid(0xFFFFFFFF) == -1
    assert signed_mid(0x80000000) == -2147483648
    assert signed_mid(5) == 5



def test_lost_qm3_is_resent_when_the_responder_repeats_qm2() -> None:
    """IOS resends its last quick-mode message when the peer repeats its previous one: a lost
    QM3 must not leave the responder without IPsec SAs."""
    sent_by_a: list[int] = []
    dropped: list[float] = []

    def drop_first_qm3(now: float, d) -> bool:  # noqa: ANN001
        if d.src != A or decode_header(d.data).exchange != EXCHANGE_QUICK:
            return False
        sent_by_a.append(1)
        if len(sent_by_a) == 2 and not dropped:     # A's second QM message is QM3
            dropped.append(now)
            return True
        return False

    pol_a = policy(B, PROXY_A)
    lb = lab(pol_a, policy(A, PROXY_B))
    lb.drop = drop_first_qm3
    lb.request_ipsec(A, pol_a, PROXY_A)
    lb.run(1.0)
    assert dropped and lb.engines[A].ipsec_pairs() and not lb.engines[B].ipsec_pairs()
    lb.run(30.0)                                   # RT2 resends QM2; RT1 answers QM3 again
    assert lb.events(A, "qm_duplicate")
    (pa,) = lb.engines[A].ipsec_pairs()
    (pb,) = lb.engines[B].ipsec_pairs()
    assert pa.outbound.spi == pb.inbound.spi and pb.outbound.spi == pa.inbound.spi
