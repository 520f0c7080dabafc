"""NAT traversal between two engines with a PAT device in between (RFC 3947, RFC 3948): NAT-T
VIDs, NAT-D hashes and IOS's verdicts (traces 04, 05 and the SITE-A half of the 05 lab), port
floating, the non-ESP marker, UDP-encapsulated ESP pairs and encapsulation modes, NAT-T off,
the draft variant, UDP 4500 blocked, NAT-keepalives, and hostile NAT-D payloads."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

from natt_lab import HQ, PROXY_A, PUBLIC, SITE_A, Pat, crypto, nat_lab, policy, up

from ikesim.crypto import CIPHERS, decrypt_cbc, phase2_iv
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.natt import NatTraversal
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import Datagram
from ikesim.ipsec.udp_encap import NON_ESP_MARKER
from ikesim.isakmp import (
    HEADER_LEN,
    KePayload,
    Message,
    NatDDraftPayload,
    NatDPayload,
    SaPayload,
    decode_header,
    decode_message,
    decode_payloads,
    encode_message,
)


def verdicts(lb: Loopback, device: int) -> list[tuple[int, str]]:
    return [(x.event.fields["payload_type"], x.event.fields["result"])
            for x in lb.events(device, "nat_detect")]


def ike(d: Datagram) -> bytes:
    """The ISAKMP message of a datagram (the marker removed on port 4500)."""
    if 4500 in (d.sport, d.dport):
        assert d.data[:4] == NON_ESP_MARKER, d
        return d.data[4:]
    return d.data


def main_mode_datagrams(lb: Loopback) -> list[Datagram]:
    return [d for _, d in lb.delivered if decode_header(ike(d)).exchange == 2]


def test_pat_in_the_path_floats_to_4500_and_encapsulates_esp_in_udp() -> None:
    lb = up(nat_lab())
    # trace 05's responder, SITE-A's initiator (the verdict after each NAT-D payload)
    assert verdicts(lb, HQ) == [(20, "his_no_match"), (20, "his_no_match")]
    assert verdicts(lb, SITE_A) == [(20, "both_inside"), (20, "my_no_match")]
    mm = main_mode_datagrams(lb)
    assert [(d.sport, d.dport) for d in mm] == [(512, 500), (500, 500), (512, 500),
                                                (500, 500), (4501, 4500), (4500, 4500)]
    (floated,) = lb.events(HQ, "port_floated")
    assert floated.event.fields["port"] == 4501
    assert lb.events(SITE_A, "udp_enc_peer") and not lb.events(HQ, "udp_enc_peer")
    # everything after MM4 travels on 4500 behind the non-ESP marker, in both directions
    later = [d for _, d in lb.delivered][4:]
    assert later and all(4500 in (d.sport, d.dport) and d.data[:4] == NON_ESP_MARKER
                         for d in later)
    (pa,), (pb,) = lb.engines[SITE_A].ipsec_pairs(), lb.engines[HQ].ipsec_pairs()
    assert (pa.udp_sport, pa.udp_dport, pa.peer) == (4500, 4500, HQ)
    assert (pb.udp_sport, pb.udp_dport, pb.peer) == (4500, 4501, PUBLIC)
    assert pa.outbound.spi == pb.inbound.spi and pa.outbound.enc_key == pb.inbound.enc_key
    sa_a, sa_b = lb.engines[SITE_A].established_sa(HQ), lb.engines[HQ].established_sa(PUBLIC)
    assert isinstance(sa_a.natt, NatTraversal) and sa_a.natt.behind_nat
    assert isinstance(sa_b.natt, NatTraversal) and not sa_b.natt.behind_nat
    assert sa_b.natt.nat_found and (sa_b.local_port, sa_b.peer_port) == (4500, 4501)


def test_natd_hashes_are_rfc3947_and_quick_mode_offers_udp_tunnel() -> None:
    lb = up(nat_lab())
    sa = lb.engines[SITE_A].established_sa(HQ)
    icky, rcky = sa.icookie, sa.rcookie
    mm3 = decode_message(main_mode_datagrams(lb)[2].data)
    natds = [p for p in mm3.payloads if isinstance(p, NatDPayload)]
    # HASH(CKY-I | CKY-R | IP | Port): first the destination as SITE-A sees it, then itself
    assert [p.data for p in natds] == [
        hashlib.sha1(icky + rcky + bytes([61, 128, 1, 1]) + (500).to_bytes(2, "big")).digest(),
        hashlib.sha1(icky + rcky + bytes([100, 64, 1, 2]) + (500).to_bytes(2, "big")).digest()]
    assert type(mm3.payloads[-1]) is NatDPayload and isinstance(mm3.payloads[0], KePayload)
    qm1 = next(d for _, d in lb.delivered if decode_header(ike(d)).exchange == 32)
    data = ike(qm1)
    header = decode_header(data)
    block = CIPHERS[sa.cipher_name].block_size
    iv = phase2_iv(sa.hash_name, sa.iv, header.message_id, block)
    plain = decrypt_cbc(sa.cipher_name, sa.cipher_key, iv, data[HEADER_LEN:])
    payloads = decode_payloads(header.next_payload, plain, allow_trailing=True)
    offer = next(p for p in payloads if isinstance(p, SaPayload))
    encaps = offer.proposals[0].transforms[0].get(4)
    assert encaps is not None and encaps.int_value == 3       # UDP-Encapsulated-Tunnel
    checks = lb.events(HQ, "ipsec_proposal_check")
    assert ["encaps", 3] in checks[0].event.fields["attributes"]


def test_without_a_nat_the_verdicts_are_those_of_trace_04() -> None:
    a, b = SITE_A, HQ          # the same configuration, addresses that are not translated
    ea = IsakmpEngine(crypto=crypto(b), profile=PROFILES["iosxe"], rng=random.Random(1),
                      local_addresses=[a])
    eb = IsakmpEngine(crypto=crypto(a), profile=PROFILES["iosxe"], rng=random.Random(2),
                      local_addresses=[b])
    ea.set_phase2_policies([policy(b, PROXY_A)])
    eb.set_phase2_policies([policy(a, PROXY_A.mirrored())])
    lb = Loopback({a: ea, b: eb})
    up(lb)
    assert verdicts(lb, a) == [(20, "his_no_match"), (20, "no_nat")]      # trace 04
    assert verdicts(lb, b) == [(20, "his_no_match"), (20, "no_nat")]
    assert all(500 == d.sport == d.dport for _, d in lb.delivered)
    assert not lb.events(b, "port_floated")
    (pair,) = ea.ipsec_pairs()
    assert not pair.udp_encapsulated and (pair.udp_sport, pair.udp_dport) == (0, 0)
    checks = lb.events(b, "ipsec_proposal_check")
    assert ["encaps", 1] in checks[0].event.fields["attributes"]


def test_nat_transparency_off_sends_no_natt_vid_and_stays_on_500() -> None:
    for side in ("site", "hq"):
        lb = up(nat_lab(**{side: {"nat_transparency": False}}))
        assert not lb.events(SITE_A, "nat_detect") and not lb.events(HQ, "nat_detect")
        natt_vids = {"nat-t-rfc3947", "nat-t-07", "nat-t-03", "nat-t-02"}
        offered = {x.event.fields["vendor"] for x in lb.events(SITE_A, "vendor_id_sent")}
        answered = {x.event.fields["vendor"] for x in lb.events(HQ, "vendor_id_sent")}
        assert offered & natt_vids == (set() if side == "site" else natt_vids)
        assert not answered & natt_vids
        # phase 1 and 2 complete through the PAT on 500 -> 512, ESP stays plain
        assert all(d.dport in (500, 512) for _, d in lb.delivered)
        (pair,) = lb.engines[SITE_A].ipsec_pairs()
        assert not pair.udp_encapsulated


def test_draft_natt_uses_payload_130_and_encapsulation_61443() -> None:
    # a 12.4T responder chooses NAT-T draft 02 (trace 07's peer)
    lb = up(nat_lab(hq_profile="ios124"))
    assert verdicts(lb, SITE_A) == [(130, "both_inside"), (130, "my_no_match")]
    mm4 = decode_message(main_mode_datagrams(lb)[3].data)
    assert [type(p) for p in mm4.payloads[-2:]] == [NatDDraftPayload, NatDDraftPayload]
    checks = lb.events(HQ, "ipsec_proposal_check")
    assert ["encaps", 61443] in checks[0].event.fields["attributes"]
    (pair,) = lb.engines[HQ].ipsec_pairs()
    assert pair.udp_encapsulated and pair.outbound.transform.mode == "tunnel"


def test_udp_4500_blocked_kills_main_mode_at_mm5() -> None:
    lb = nat_lab(pat=Pat(blocked=frozenset({4500})))
    up(lb, 80.0)
    ea, eb = lb.engines[SITE_A], lb.engines[HQ]
    (sa,) = ea.sas()
    assert sa.deleted and [e.event.fields["reason"] for e in lb.events(SITE_A, "delete")] \
        == ["death by retransmission P1"]
    resent = [x for x in lb.events(SITE_A, "tx") if x.event.fields["retransmission"]]
    assert resent and all(x.event.fields["dport"] == 4500 for x in resent)
    (hq_sa,) = eb.sas()
    assert hq_sa.state == "MM_KEY_EXCH" and not eb.ipsec_pairs()


def test_nat_keepalives_keep_quiet_mappings_alive_and_only_from_behind_the_nat() -> None:
    lb = up(nat_lab(site={"nat_keepalive": 20}, hq={"nat_keepalive": 20}), 65.0)
    sent = [d for _, d in lb.delivered if d.data == b"\xff"]
    # every 20 s of silence after phase 1 (t ~ 0.006): 20, 40, 60; none from HQ (not NATed)
    assert [round(t) for t, d in lb.delivered if d.data == b"\xff"] == [20, 40, 60]
    assert all((d.src, d.sport, d.dst, d.dport) == (PUBLIC, 4501, HQ, 4500) for d in sent)
    # traffic on the tunnel postpones them
    lb2 = up(nat_lab(site={"nat_keepalive": 20}))
    (pair,) = lb2.engines[SITE_A].ipsec_pairs()
    for t in (15.0, 30.0):
        lb2.run(t)
        lb2.apply(SITE_A, lb2.engines[SITE_A].ipsec_traffic(t, pair, inbound=False))
    lb2.run(65.0)
    assert [round(t) for t, d in lb2.delivered if d.data == b"\xff"] == [50]


def _with_mm3(mutate) -> Loopback:   # type: ignore[no-untyped-def]
    """A lab whose PAT rewrites MM3 with ``mutate(payloads)``."""
    pat = Pat()

    def translate(now: float, d: Datagram) -> Datagram | None:
        out = pat(now, d)
        if out is None or out.dst != HQ or out.dport != 500:
            return out
        msg = decode_message(out.data)
        if not any(isinstance(p, KePayload) for p in msg.payloads):
            return out
        return replace(out, data=encode_message(Message(msg.header, mutate(msg.payloads))))

    lb = nat_lab()
    lb.translate = translate
    return up(lb)


def test_natd_of_the_wrong_length_or_type_is_a_typed_reject() -> None:
    cases = {
        "short": (lambda ps: [*ps[:-1], NatDPayload(ps[-1].data[:12])], "NAT-D payload of 12"),
        "draft": (lambda ps: [*ps[:-1], NatDDraftPayload(ps[-1].data)],
                  "NAT-D payload type 130 after the RFC 3947"),
        "empty": (lambda ps: [*ps[:-1], NatDPayload(b"")], "NAT-D payload of 0"),
    }
    for mutate, reason in cases.values():
        lb = _with_mm3(mutate)
        (rej,) = lb.events(HQ, "bad_message")
        assert rej.event.fields["reason"].startswith(reason), rej
        assert rej.event.fields["peer"] == PUBLIC
        (sa,) = lb.engines[HQ].sas()
        assert sa.state == "MM_SA_SETUP" and not sa.deleted      # nothing answered, no change
        assert not lb.events(HQ, "nat_detect")


def test_many_natd_payloads_are_accepted() -> None:
    # RFC 3947 §3.2: one NAT-D per local address; a third one (another address) is fine
    lb = _with_mm3(lambda ps: [*ps, NatDPayload(bytes(20))])
    assert verdicts(lb, HQ) == [(20, "his_no_match")] * 3
    assert lb.engines[SITE_A].ipsec_pairs()


def test_ike_on_4500_without_the_marker_is_refused() -> None:
    lb = up(nat_lab())
    eb = lb.engines[HQ]
    sa = eb.established_sa(PUBLIC)
    before = (sa.state, sa.local_port, sa.peer_port, len(eb.sas()))
    mm1 = main_mode_datagrams(lb)[0].data        # any ISAKMP message, sent unframed
    out = eb.receive(9.0, mm1, PUBLIC, 4501, HQ, 4500)
    assert [(e.kind, e.fields["reason"]) for e in out.events] == [
        ("malformed", "UDP 4500 datagram without the non-ESP marker")]
    assert out.events[0].fields["peer"] == PUBLIC and not out.sends
    assert (sa.state, sa.local_port, sa.peer_port, len(eb.sas())) == before
    for junk in (b"", b"\x00\x00\x00", NON_ESP_MARKER, NON_ESP_MARKER + b"x" * 10):
        out = eb.receive(9.0, junk, PUBLIC, 4501, HQ, 4500)
        assert [e.kind for e in out.events] == ["malformed"] and not out.sends
