"""Dead peer detection (RFC 3706) between two engines: protected R-U-THERE / R-U-THERE-ACK with
sequence numbers, periodic and on-demand keepalives, retries and the death of a silent peer
with its IPsec SAs, hostile DPD notifies, and INITIAL-CONTACT from a rebooted peer."""

from __future__ import annotations

import ipaddress
import random

import pytest

from ikesim.crypto import CIPHERS, decrypt_cbc, phase2_iv, prf
from ikesim.ike import protect
from ikesim.ike.dpd import RETRIES, DeadPeerDetection
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import Phase2Policy
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from ikesim.isakmp import (
    HEADER_LEN,
    HashPayload,
    NotificationPayload,
    NotifyType,
    decode_header,
    decode_payloads,
    encode_payloads,
)

A = int(ipaddress.IPv4Address("192.0.2.1"))
B = int(ipaddress.IPv4Address("198.51.100.1"))
PROXY = Proxy(int(ipaddress.IPv4Address("10.1.0.0")), 0xFFFF0000,
              int(ipaddress.IPv4Address("10.2.0.0")), 0xFFFF0000)


def crypto(peer: int, keepalive: tuple[int, int] | None = None,
           mode: str = "on-demand") -> CryptoConfig:
    pol = IsakmpPolicy(1, encryption="aes128", hash="sha", authentication="pre-share", group=2)
    return CryptoConfig(policies={1: pol}, keys=[PresharedKey("pw", ipaddress.IPv4Address(peer))],
                        keepalive=keepalive, keepalive_mode=mode)


def phase2(peer: int, proxy: Proxy) -> Phase2Policy:
    return Phase2Policy("M", 10, peer, (("TS", from_keywords(["esp-aes", "esp-sha-hmac"])),),
                        (proxy,))


def engine(me: int, peer: int, proxy: Proxy, seed: int, profile: str = "ios15",
           **config: object) -> IsakmpEngine:
    e = IsakmpEngine(crypto=crypto(peer, **config), profile=PROFILES[profile],
                     rng=random.Random(seed), local_addresses=[me])
    e.set_phase2_policies([phase2(peer, proxy)])
    return e


def lab(profile_b: str = "ios15", **a_config: object) -> Loopback:
    lb = Loopback({A: engine(A, B, PROXY, 1, **a_config),
                   B: engine(B, A, PROXY.mirrored(), 2, profile_b)})
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY)
    lb.run(1.0)
    assert lb.engines[A].ipsec_pairs()
    return lb


def dpd_kinds(lb: Loopback, device: int) -> list[tuple[str, str]]:
    return [(x.kind, x.event.fields["notify_type"]) for x in lb.log
            if x.device == device and x.kind in ("dpd_tx", "dpd_rx")]


def informational_notify(lb: Loopback, t: float, dst: int) -> NotificationPayload:
    """Decrypt the informational delivered to ``dst`` at ``t`` with the receiver's SA and check
    its HASH(1) (RFC 2409 §5.7)."""
    (d,) = [d for when, d in lb.delivered if abs(when - t) < 1e-9 and d.dst == dst
            and decode_header(d.data).exchange == 5]
    sa = lb.engines[dst].established_sa(d.src)
    header = decode_header(d.data)
    block = CIPHERS[sa.cipher_name].block_size
    iv = phase2_iv(sa.hash_name, sa.iv, header.message_id, block)
    plain = decrypt_cbc(sa.cipher_name, sa.cipher_key, iv, d.data[HEADER_LEN:])
    h, notify = decode_payloads(header.next_payload, plain, allow_trailing=True)
    assert isinstance(h, HashPayload) and isinstance(notify, NotificationPayload)
    _, body = encode_payloads([notify])
    assert h.data == prf(sa.hash_name, sa.skeyid_a, header.message_id.to_bytes(4, "big") + body)
    return notify


def test_periodic_r_u_there_is_protected_and_acknowledged_with_its_sequence() -> None:
    lb = lab(keepalive=(10, 2), mode="periodic")
    lb.run(35.0)
    asked = [x for x in lb.events(A, "dpd_tx")]
    assert [round(x.time) for x in asked] == [10, 20, 30]       # every 10 s of silence
    seqs = [x.event.fields["sequence"] for x in asked]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]          # RFC 3706 §5.5
    assert dpd_kinds(lb, B) == [("dpd_rx", "R_U_THERE"), ("dpd_tx", "R_U_THERE_ACK")] * 3
    assert [x.event.fields["sequence"] for x in lb.events(A, "dpd_rx")] == seqs
    sa = lb.engines[A].established_sa(B)
    ask = informational_notify(lb, asked[0].time + lb.delay, B)
    assert (int(ask.notify_type), int(ask.protocol)) == (NotifyType.R_U_THERE, 1)
    assert ask.spi == sa.icookie + sa.rcookie and ask.data == seqs[0].to_bytes(4, "big")
    ack = informational_notify(lb, asked[0].time + 2 * lb.delay, A)
    assert int(ack.notify_type) == NotifyType.R_U_THERE_ACK and ack.data == ask.data
    assert isinstance(sa.dpd, DeadPeerDetection) and not sa.dpd.unanswered
    assert not lb.events(B, "dpd_retry")                # B has no keepalive: it only answers


def test_on_demand_asks_only_when_traffic_leaves_and_nothing_came_back() -> None:
    lb = lab(keepalive=(10, 2))
    lb.run(60.0)
    assert not lb.events(A, "dpd_tx")              # idle tunnel: on-demand sends nothing
    ea = lb.engines[A]
    (pair,) = ea.ipsec_pairs()
    lb.now = 61.0
    lb.apply(A, ea.ipsec_traffic(61.0, pair, inbound=True))     # the peer spoke at 61
    lb.apply(A, ea.ipsec_traffic(65.0, pair, inbound=False))    # 4 s later: no question
    assert not lb.events(A, "dpd_tx")
    lb.now = 72.0
    lb.apply(A, ea.ipsec_traffic(72.0, pair, inbound=False))    # 11 s of silence: ask
    lb.apply(A, ea.ipsec_traffic(72.5, pair, inbound=False))    # one question at a time
    lb.run(80.0)
    assert [round(x.time) for x in lb.events(A, "dpd_tx")] == [72]
    assert [x.event.fields["notify_type"] for x in lb.events(A, "dpd_rx")] == ["R_U_THERE_ACK"]
    assert not lb.events(A, "dpd_retry", "dpd_dead")


def test_silent_peer_is_declared_dead_after_the_retries_and_its_sas_go() -> None:
    lb = lab(keepalive=(10, 3), mode="periodic")
    lb.drop = lambda now, d: now > 5.0          # the peer goes away after 5 s
    lb.run(60.0)
    asked = [round(x.time) for x in lb.events(A, "dpd_tx")]
    assert asked == [10 + 3 * k for k in range(RETRIES + 1)]         # R-U-THERE, then R s
    assert [x.event.fields["attempt"] for x in lb.events(A, "dpd_retry")] == \
        list(range(1, RETRIES + 1))
    (dead,) = lb.events(A, "dpd_dead")
    assert round(dead.time) == 10 + 3 * (RETRIES + 1)
    (delete,) = lb.events(A, "delete")
    assert delete.event.fields["reason"] == "peer not responding" and delete.time == dead.time
    ea = lb.engines[A]
    assert ea.phase1_status(B) == "none" and ea.ipsec_pairs() == []
    (expired,) = lb.events(A, "ipsec_sa_expired")
    assert expired.event.fields["reason"] == "DPD: peer dead"


def test_a_peer_that_speaks_again_during_the_retries_is_alive() -> None:
    lb = lab(keepalive=(10, 2), mode="periodic")
    lb.drop = lambda now, d: 9.0 < now < 13.0           # two questions lost, then answers
    lb.run(40.0)
    assert not lb.events(A, "dpd_dead") and lb.engines[A].established_sa(B) is not None
    assert [x.event.fields["attempt"] for x in lb.events(A, "dpd_retry")] == [1, 2]


def test_no_dpd_without_the_peers_dpd_vendor_id() -> None:
    lb = lab(profile_b="ios12", keepalive=(10, 2), mode="periodic")   # 12.2 sends no VIDs
    lb.run(40.0)
    assert lb.engines[A].established_sa(B).dpd is None
    assert not lb.events(A, "dpd_tx")


def _deliver(lb: Loopback, sender: int, receiver: int, code: int, seq_data: bytes,
             spi: bytes | None = None, mid: int = 0x01020304):
    """A protected informational from ``sender``'s SA (valid HASH(1), right keys)."""
    sa = lb.engines[sender].established_sa(receiver)
    notify = NotificationPayload(code, 1, sa.icookie + sa.rcookie if spi is None else spi,
                                 seq_data)
    data = protect.protected_informational(sa, mid, [notify])
    return lb.engines[receiver].receive(50.0, data, sender, 500, receiver, 500)


@pytest.mark.parametrize("code,data,spi,reason", [
    (36136, b"\x00\x01", None, "R_U_THERE: notification data of 2 octets"),
    (36137, b"", None, "R_U_THERE_ACK: notification data of 0 octets"),
    (36136, bytes(4), bytes(16), "R_U_THERE: SPI is not this SA's cookies"),
    (36136, bytes(4), bytes(4), "R_U_THERE: SPI is not this SA's cookies"),
])
def test_malformed_dpd_notifies_are_typed_rejects(code: int, data: bytes, spi: bytes | None,
                                                  reason: str) -> None:
    lb = lab()
    out = _deliver(lb, A, B, code, data, spi)
    rejects = [e for e in out.events if e.kind == "bad_message"]
    assert [e.fields["reason"][:len(reason)] for e in rejects] == [reason]
    assert rejects[0].fields["peer"] == A and not out.sends


def test_replayed_r_u_there_and_stray_ack_are_refused() -> None:
    lb = lab()
    out = _deliver(lb, A, B, 36136, (1000).to_bytes(4, "big"))
    assert len(out.sends) == 1                       # answered
    for seq in (1000, 999):                          # a replay, an older one
        out = _deliver(lb, A, B, 36136, seq.to_bytes(4, "big"), mid=seq)
        (bad,) = [e for e in out.events if e.kind == "dpd_bad_sequence"]
        assert bad.fields["sequence"] == seq and bad.fields["expected"] == 1001
        assert not out.sends
    out = _deliver(lb, A, B, 36136, (1001).to_bytes(4, "big"), mid=7)
    assert len(out.sends) == 1
    # an ACK nobody asked for: refused, no state touched
    out = _deliver(lb, B, A, 36137, (42).to_bytes(4, "big"))
    (bad,) = [e for e in out.events if e.kind == "dpd_bad_sequence"]
    assert bad.fields["peer"] == B and bad.fields["expected"] is None and not out.sends


def test_sequence_numbers_wrap_around() -> None:
    lb = lab()
    assert len(_deliver(lb, A, B, 36136, (0xFFFFFFFF).to_bytes(4, "big")).sends) == 1
    assert len(_deliver(lb, A, B, 36136, (0).to_bytes(4, "big"), mid=9).sends) == 1


def test_initial_contact_from_a_rebooted_peer_clears_the_stale_sas() -> None:
    lb = lab()
    eb = lb.engines[B]
    old_sa = eb.established_sa(A)
    (old_pair,) = eb.ipsec_pairs()
    # A reboots: a new engine with the same configuration and no SAs, starting again
    lb.engines[A] = engine(A, B, PROXY, 99)
    lb.now = 20.0
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY)
    lb.run(25.0)
    assert lb.events(A, "initial_contact_sent")
    assert old_sa.deleted
    reasons = [x.event.fields["reason"] for x in lb.events(B, "delete")]
    assert reasons == ["Receive initial contact"]
    assert old_pair not in eb.ipsec_pairs() and len(eb.ipsec_pairs()) == 1
    assert eb.established_sa(A) is not old_sa
