"""Regression tests for the behaviour fixes of issue 10, each taken from a real capture (see
../shared/fidelity and scenarios/fidelity/traces). Each test fails on the code before the fix."""

from __future__ import annotations

import ipaddress
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.vendor import VENDOR_IDS
from ikesim.ios.log import format_event
from ikesim.isakmp import NotifyType, VendorIdPayload, decode_message
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import run_scenario

CATALOGUE = Path(__file__).resolve().parent.parent / "scenarios" / "catalogue"
A = int(ipaddress.IPv4Address("122.122.122.122"))     # initiator
B = int(ipaddress.IPv4Address("77.77.77.77"))         # responder


def crypto(peer: int, *policies: IsakmpPolicy) -> CryptoConfig:
    return CryptoConfig(policies={p.priority: p for p in policies},
                        keys=[PresharedKey("cisco", ipaddress.IPv4Address(peer))])


def policy(priority: int = 5, **kw) -> IsakmpPolicy:
    base = dict(encryption="3des", hash="sha", authentication="pre-share", group=2)
    return IsakmpPolicy(priority, **{**base, **kw})


def lab(platform: str, pol_a: IsakmpPolicy, pol_b: IsakmpPolicy) -> Loopback:
    return Loopback({
        A: IsakmpEngine(crypto=crypto(B, pol_a), profile=PROFILES[platform],
                        rng=random.Random(1)),
        B: IsakmpEngine(crypto=crypto(A, pol_b), profile=PROFILES[platform],
                        rng=random.Random(2))})


def lines(lb: Loopback, addr: int, dialect: str) -> list[str]:
    return [text for x in lb.events(addr) for _, text in format_event(dialect, x.event)]


# ----------------------------------------------------------------------------- lifetime
def test_ios15_responder_accepts_a_longer_lifetime_and_notifies_its_own() -> None:
    """Trace 07: the 15.x initiator offers 86400 s, the peer keeps 3600 s and says so with
    RESPONDER-LIFETIME; the initiator logs "restart ike sa timer to 3600 secs"."""
    lb = lab("ios15", policy(lifetime=86400), policy(lifetime=3600))
    lb.initiate(A, B)
    lb.run(5.0)
    assert lb.engines[A].phase1_status(B) == "established"
    assert not lb.events(B, "attr_mismatch")
    (sent,) = lb.events(B, "notify_tx")
    assert sent.event.fields["notify_code"] == NotifyType.RESPONDER_LIFETIME
    (restart,) = lb.events(A, "responder_lifetime")
    assert restart.event.fields["lifetime"] == 3600
    assert lb.engines[A].sas()[0].negotiated.lifetime == 3600
    assert lb.engines[B].sas()[0].negotiated.lifetime == 3600
    text = lines(lb, A, "15")
    assert "ISAKMP:(1001): processing NOTIFY RESPONDER_LIFETIME protocol 1" in text
    assert "ISAKMP:(1001): restart ike sa timer to 3600 secs" in text
    # both sides let the SA go after 3600 s
    lb.run(3610.0)
    assert {x.event.fields["reason"] for x in lb.events(A, "delete") + lb.events(B, "delete")} \
        <= {"lifetime expired", "No reason"}
    assert lb.engines[A].phase1_status(B) == "none"


def test_ios12_responder_refuses_a_longer_lifetime() -> None:
    """IOS 12.2 (Cisco's 12.2 IKE guide): an offered lifetime must not exceed the policy's."""
    lb = lab("ios12", policy(lifetime=86400), policy(lifetime=3600))
    lb.initiate(A, B)
    lb.run(5.0)
    (mismatch,) = lb.events(B, "attr_mismatch")
    assert mismatch.event.fields["attribute"] == "lifetime"
    assert lb.engines[B].phase1_status(A) == "none"


# ----------------------------------------------------------------------------- key length
def test_aes_key_length_mismatch_line_no_offers_and_policy_not_acceptable() -> None:
    """Trace 12 (IOS-XE): AES 192 offered against AES 256."""
    lb = lab("iosxe", policy(encryption="aes192", hash="sha256", group=5, lifetime=5000),
             policy(encryption="aes256", hash="sha256", group=5, lifetime=5000))
    lb.initiate(A, B)
    lb.run(1.0)
    text = lines(lb, B, "xe")
    assert text[text.index("ISAKMP: (0):      keylength of 192") - 1] == \
        "ISAKMP: (0):      encryption AES-CBC"          # right after the algorithm (trace 04)
    i = text.index("ISAKMP-ERROR: (0):Proposed key length does not match policy")
    assert text[i + 1:i + 4] == [
        "ISAKMP-ERROR: (0):atts are not acceptable. Next payload is 0",
        "ISAKMP-ERROR: (0):no offers accepted!",
        "ISAKMP-ERROR: (0):phase 1 SA policy not acceptable! (local 77.77.77.77 remote "
        "122.122.122.122)"]
    assert not any("Encryption algorithm offered" in t for t in text)


# ----------------------------------------------------------------------------- 15.x structure
def test_15_structure_signed_ids_and_placements() -> None:
    """Traces 04, 05, 07: the FSM line right after "received packet"; "SA is doing …" when the
    ID payload is built (MM5/MM6), not at MM1; "found peer pre-shared key matching" after
    MM4's NONCE; message IDs signed."""
    lb = lab("ios15", policy(), policy())
    lb.initiate(A, B)
    lb.run(5.0)
    text = lines(lb, A, "15")
    rx = [i for i, t in enumerate(text) if " received packet from" in t]
    assert all(text[i + 1].startswith("ISAKMP:(") and "Input = IKE_MESG_FROM_PEER" in
               text[i + 1] for i in rx[:2])         # MM2, MM4 (MM6 is decrypted first)
    doing = text.index("ISAKMP:(1001):SA is doing pre-shared key authentication using id type "
                       "ID_IPV4_ADDR")
    assert text[doing - 1] == "ISAKMP:(1001):Send initial contact"
    assert "sending packet" in text[doing + 9] and "MM_KEY_EXCH" in text[doing + 9]
    nonce = text.index("ISAKMP:(0): processing NONCE payload. message ID = 0")
    assert text[nonce + 1] == "ISAKMP:(0):found peer pre-shared key matching 77.77.77.77"
    assert text[nonce + 2] == "ISAKMP:(1001): processing vendor id payload"
    responder = lines(lb, B, "15")
    mm2 = next(i for i, t in enumerate(responder) if "(R) MM_SA_SETUP" in t)
    assert not any("SA is doing" in t for t in responder[:mm2])
    mid = format_event("15", IkeEvent_qm(0xCAFEBABE))[0][1]
    assert mid.endswith("M-ID of -889275714")


def IkeEvent_qm(mid: int):  # noqa: N802 - a tiny factory named after what it builds
    from ikesim.ike.events import IkeEvent

    return IkeEvent("qm_begin", 1, 1001, {"message_id": mid, "peer": B})


# ----------------------------------------------------------------------------- vendor IDs
def test_vendor_ids_on_the_wire_and_initial_contact() -> None:
    """Trace 04: a 15.x/IOS-XE MM1 carries the four NAT-T VIDs; the responder answers with RFC
    3947 and reads each one ("vendor ID seems Unity/DPD but major 69 mismatch", "vendor ID is
    NAT-T RFC 3947"); MM5 carries INITIAL-CONTACT, which the responder processes."""
    lb = lab("iosxe", policy(), policy())
    out = lb.initiate(A, B)
    mm1 = decode_message(out.sends[0].data)
    vids = [p.data for p in mm1.payloads if isinstance(p, VendorIdPayload)]
    assert vids == [VENDOR_IDS[n] for n in ("nat-t-rfc3947", "nat-t-07", "nat-t-03", "nat-t-02")]
    lb.run(5.0)
    text = lines(lb, B, "xe")
    assert text.count("ISAKMP: (0):vendor ID seems Unity/DPD but major 69 mismatch") == 2
    assert "ISAKMP: (0):constructed NAT-T vendor-rfc3947 ID" in text
    assert "ISAKMP: (1001):processing NOTIFY INITIAL_CONTACT protocol 1" in text
    assert "ISAKMP: (1001):Process initial contact," in text
    assert lb.events(B, "initial_contact_processed")
    initiator = lines(lb, A, "xe")
    assert "ISAKMP: (1001):vendor ID is Unity" in initiator
    assert "ISAKMP: (1001):vendor ID is DPD" in initiator
    assert "ISAKMP: (1001):speaking to another IOS box!" in initiator
    # without NAT transparency there is nothing to announce
    quiet = IsakmpEngine(crypto=replace(crypto(B, policy()), nat_transparency=False),
                         profile=PROFILES["iosxe"], rng=random.Random(1))
    first = decode_message(quiet.initiate(0.0, A, B).sends[0].data)
    assert not [p for p in first.payloads if isinstance(p, VendorIdPayload)]
    # 12.2 sends none (the seed's responder prints no vendor ID processing)
    old = lab("ios12", policy(), policy())
    first = decode_message(old.initiate(A, B).sends[0].data)
    assert not [p for p in first.payloads if isinstance(p, VendorIdPayload)]


def test_initial_contact_brings_down_older_sas_with_the_peer() -> None:
    lb = lab("ios15", policy(), policy())
    lb.initiate(A, B)
    lb.run(5.0)
    old_b = lb.engines[B].sas()[0]
    # the initiator restarts (its SAs are forgotten): its next MM5 carries INITIAL-CONTACT again
    lb.engines[A] = IsakmpEngine(crypto=crypto(B, policy()), profile=PROFILES["ios15"],
                                 rng=random.Random(9))
    lb.initiate(A, B)
    lb.run(10.0)
    assert old_b.deleted
    assert any(x.event.fields["reason"] == "Receive initial contact"
               for x in lb.events(B, "delete"))
    assert lb.engines[B].phase1_status(A) == "established"


# ----------------------------------------------------------------------------- nodes, deletes
def test_peer_delete_removes_nodes_ike_deleted() -> None:
    """Trace 07: after the peer's DELETE, every node of the SA ends with reason "IKE deleted"
    and the initiator answers with its own DELETE."""
    lb = lab("ios15", policy(), policy())
    lb.initiate(A, B)
    lb.run(5.0)
    lb.clear(B)
    lb.run(6.0)
    text = lines(lb, A, "15")
    assert "ISAKMP:(1001):peer does not do paranoid keepalives." in text
    assert any(re.fullmatch(r'ISAKMP:\(1001\):deleting node -?\d+ error FALSE reason '
                            r'"Informational \(in\) state 1"', t) for t in text)
    assert any(t.endswith('error FALSE reason "IKE deleted"') for t in text)
    echo = [x for x in lb.events(A, "tx") if x.time >= 5.0]
    assert echo, "the initiator answers the DELETE with its own"


# ----------------------------------------------------------------------------- ISAKMP off
LAB = """
name: isakmp-off
seed: 1
duration: 40s
routers:
  R1:
    platform: ios15
    config: |
      hostname R1
      crypto isakmp policy 1
       encr 3des
       authentication pre-share
       group 2
      crypto isakmp key k address 10.0.0.2
      crypto ipsec transform-set TS esp-3des esp-sha-hmac
      crypto map CMAP 10 ipsec-isakmp
       set peer 10.0.0.2
       set transform-set TS
       match address 101
      interface FastEthernet0/0
       ip address 10.0.0.1 255.255.255.0
       crypto map CMAP
      interface FastEthernet0/1
       ip address 172.16.1.1 255.255.255.0
      ip route 172.16.2.0 255.255.255.0 10.0.0.2
      access-list 101 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255
  R2:
    platform: ios15
    config: |
      hostname R2
      crypto isakmp policy 1
       encr 3des
       authentication pre-share
       group 2
      crypto isakmp key k address 10.0.0.1
      crypto ipsec transform-set TS esp-3des esp-sha-hmac
      crypto map CMAP 10 ipsec-isakmp
       set peer 10.0.0.1
       set transform-set TS
       match address 101
      interface FastEthernet0/0
       ip address 10.0.0.2 255.255.255.0
      interface FastEthernet0/1
       ip address 172.16.2.1 255.255.255.0
      ip route 172.16.1.0 255.255.255.0 10.0.0.1
      access-list 101 permit ip 172.16.2.0 0.0.0.255 172.16.1.0 0.0.0.255
hosts:
  PC1: {address: 172.16.1.2/24, gateway: 172.16.1.1}
  PC2: {address: 172.16.2.2/24, gateway: 172.16.2.1}
links:
  - {a: R1 Fa0/0, b: R2 Fa0/0, delay: 2ms}
  - {a: PC1 Fa0/0, b: R1 Fa0/1}
  - {a: PC2 Fa0/0, b: R2 Fa0/1}
events:
  - {at: 1s, device: PC1, exec: ping 172.16.2.2 repeat 1}
  - at: 20s
    device: R2
    configure: |
      interface FastEthernet0/0
       crypto map CMAP
  - {at: 22s, device: PC1, exec: ping 172.16.2.2}
"""


def test_isakmp_is_off_until_a_crypto_map_is_applied() -> None:
    """Trace 09 (ios-facts §5): with no crypto map applied R2 does not answer UDP 500; the
    first map applied prints "%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON" and IKE works."""
    result = run_scenario(parse_scenario(LAB, file="isakmp-off.yaml"))
    ike = [e for e in result.events.events if e.kind == "ike"]
    before = [e for e in ike if e.time < 20]
    assert [e for e in before if e.device == "R2"] == []
    assert any(e.fields["event"] == "retransmit" for e in before if e.device == "R1")
    off = [e for e in result.events.events if e.kind == "drop"
           and e.fields.get("reason") == "isakmp-off"]
    assert off and all(e.time < 20 for e in off)
    text = result.transcript_text()
    assert "%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON" in text
    assert any(e.fields["event"] == "phase1_complete" for e in ike
               if e.device == "R2" and e.time > 20)


# ----------------------------------------------------------------------------- tables
def test_show_crypto_ipsec_sa_lists_both_pairs_of_a_flow_in_one_block() -> None:
    """Both ends start quick mode at once: two SA pairs for one flow. IOS prints one block per
    flow with every SA under it (not one block per pair)."""
    from test_quick_mode import PROXY_A
    from test_quick_mode import A as QA
    from test_quick_mode import B as QB
    from test_quick_mode import lab as qm_lab
    from test_quick_mode import policy as qm_policy

    from ikesim.ios.show_ipsec import flows, show_crypto_ipsec_sa

    lb = qm_lab(qm_policy(QB, PROXY_A), qm_policy(QA, PROXY_A.mirrored()))
    lb.initiate(QA, QB)
    lb.run(1.0)
    lb.request_ipsec(QA, lb.engines[QA].phase2_policies[0], PROXY_A)
    lb.request_ipsec(QB, lb.engines[QB].phase2_policies[0], PROXY_A.mirrored())
    lb.run(2.0)
    pairs = lb.engines[QA].ipsec_pairs()
    assert len(pairs) == 2 and pairs[0].proxy == pairs[1].proxy
    policy = lb.engines[QA].phase2_policies[0]
    shown = flows([policy], pairs, lambda iface: QA)
    assert len(shown) == 1 and shown[0].pairs == tuple(pairs)
    block = "\n".join(show_crypto_ipsec_sa("12.2", 2.0, shown))
    assert block.count("local  ident (addr/mask/prot/port)") == 1
    inbound = block[block.index("inbound esp sas:"):block.index("inbound ah sas:")]
    outbound = block[block.index("outbound esp sas:"):block.index("outbound ah sas:")]
    assert inbound.count("spi: 0x") == 2 and outbound.count("spi: 0x") == 2
    assert f"current outbound spi: {pairs[-1].outbound.spi:X}" in block


@pytest.mark.parametrize("platform", ["ios12", "ios15"])
def test_platform_list_lives_in_the_profiles(platform: str) -> None:
    from ikesim.ios.device import DIALECTS

    assert DIALECTS == {"ios12": "12.2", "ios124": "12.4", "ios15": "15", "iosxe": "xe"}
    assert PROFILES[platform].dialect == DIALECTS[platform]
