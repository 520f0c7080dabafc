"""Phase 2 in the lab: the healthy labs ping `.!!!!` then `!!!!!` through real ESP with
`show crypto ipsec sa` counting the packets; the phase-2 faults show their IOS signatures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parents[1]
PHASE2 = ROOT / "scenarios" / "catalogue"


def _run(name: str, path: Path = PHASE2) -> tuple[Runtime, str]:
    rt = Runtime(load_scenario(path / f"{name}.yaml"))
    result = rt.run()
    return rt, result.transcript_text()


def _marks(text: str) -> list[str]:
    return re.findall(r"(?m)^([.!U]+)\nSuccess rate", text)


def _block(text: str, prompt: str) -> str:
    start = text.index(prompt)
    end = text.find("#\n", start + len(prompt))
    return text[start:end if end > 0 else None]


def test_fixed_seed_lab_pings_through_the_tunnel() -> None:
    rt, text = _run("missing-return-route-fixed", ROOT / "scenarios")
    assert _marks(text) == [".!!!!", "!!!!!"]
    (pair,) = rt.devices["RT1"].crypto.engine.ipsec_pairs()
    assert pair.outbound.packets == 9 == pair.inbound.packets


@pytest.mark.parametrize("name", ["healthy-tunnel", "healthy-tunnel-aes256-pfs"])
def test_healthy_lab_counters_match_packets(name: str) -> None:
    rt, text = _run(name)
    assert _marks(text) == [".!!!!", "!!!!!"]
    show = _block(text, "RT1#show crypto ipsec sa")
    assert "#pkts encaps: 9, #pkts encrypt: 9, #pkts digest" in show
    assert "#pkts decaps: 9, #pkts decrypt: 9, #pkts verify" in show
    assert "local  ident (addr/mask/prot/port): (172.16.1.0/255.255.255.0/0/0)" in show
    assert "remote ident (addr/mask/prot/port): (172.16.2.0/255.255.255.0/0/0)" in show
    (p1,) = rt.devices["RT1"].crypto.engine.ipsec_pairs()
    (p2,) = rt.devices["RT2"].crypto.engine.ipsec_pairs()
    assert (p1.inbound.spi, p1.outbound.spi) == (p2.outbound.spi, p2.inbound.spi)
    assert f"spi: 0x{p1.inbound.spi:X}({p1.inbound.spi})" in show
    assert f"spi: 0x{p1.outbound.spi:X}({p1.outbound.spi})" in show
    assert f"transform: {p1.outbound.transform.ios_text} ," in show
    assert "in use settings ={Tunnel, }" in show
    # ESP really crossed the ISP: protocol 50 events and no clear-text echo on the WAN
    esp_out = [e for e in rt.events.events if e.kind == "esp" and e.device == "RT1"
               and e.fields["direction"] == "out"]
    assert len(esp_out) == 9
    session = _block(text, "RT2#show crypto session")
    assert "Session status: UP-ACTIVE" in session and "Active SAs: 2" in session
    assert text.count("QM_IDLE") >= 2


def test_ios12_quick_mode_debug_lines() -> None:
    _, text = _run("healthy-tunnel")
    assert re.search(r"ISAKMP \(0:1\): beginning Quick Mode exchange, M-ID of -?\d+", text)
    assert "ISAKMP (0:1): sending packet to 11.11.11.2 (I) QM_IDLE" in text
    assert "ISAKMP (0:1): sending packet to 10.10.10.2 (R) QM_IDLE" in text
    assert "ISAKMP (0:1): Checking IPSec proposal 1" in text
    assert "ISAKMP:      authenticator is HMAC-SHA" in text
    assert "ISAKMP (0:1): Creating IPSec SAs" in text
    assert re.search(r"inbound SA from 11\.11\.11\.2 to 10\.10\.10\.2 \(proxy 172\.16\.2\.0 to "
                     r"172\.16\.1\.0\)", text)
    assert "IPSEC(sa_request): ," in text
    assert "IPSEC(create_sa): sa created," in text
    assert "lifetime of 4608000 kilobytes" in text


def test_ios15_quick_mode_states() -> None:
    _, text = _run("healthy-tunnel-aes256-pfs")
    assert "New State = IKE_QM_I_QM1" in text
    assert "Old State = IKE_QM_I_QM1  New State = IKE_QM_IPSEC_INSTALL_AWAIT" in text
    assert "Old State = IKE_QM_IPSEC_INSTALL_AWAIT  New State = IKE_QM_PHASE2_COMPLETE" in text
    assert "Old State = IKE_QM_R_QM2  New State = IKE_QM_PHASE2_COMPLETE" in text
    assert "ISAKMP:      group is 14" in text and "ISAKMP:      key length is 256" in text
    assert "PFS (Y/N): Y, DH group: group14" in text


@pytest.mark.parametrize("name,notify,signature", [
    # IOS names NO-PROPOSAL-CHOSEN (RFC 2408 type 14) PROPOSAL_NOT_CHOSEN (trace 07)
    ("transform-set-mismatch", "PROPOSAL_NOT_CHOSEN",
     "IPSEC(validate_proposal): transform proposal (prot 3, trans 3, hmac_alg 2) not supported"),
    ("crypto-acl-mismatch", "INVALID_ID_INFORMATION",
     "IPSEC(validate_transform_proposal): proxy identities not supported"),
    ("pfs-mismatch", "PROPOSAL_NOT_CHOSEN",
     "IPSEC(validate_proposal_request): no PFS offered, policy requires group5"),
])
def test_phase2_faults(name: str, notify: str, signature: str) -> None:
    rt, text = _run(name)
    assert _marks(text) == [".....", "....."]
    assert signature in text
    assert f"sending NOTIFY {notify} protocol 3" in text
    assert f"processing NOTIFY {notify} protocol 3" in text
    assert ("%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Quick mode failed with peer at "
            "10.10.10.2") in text
    # trace 07: the refusing responder deletes phase 1, the initiator starts main mode again
    # at once (once per request): two phase-1 SAs per echo, none left at the end
    ike = [e for e in rt.events.events if e.kind == "ike"]
    for router in ("RT1", "RT2"):
        assert rt.devices[router].crypto.engine.ipsec_pairs() == []
        assert rt.devices[router].crypto.engine.phase1_status(
            0x0B0B0B02 if router == "RT1" else 0x0A0A0A02) == "none"
        deleted = [e for e in ike if e.device == router and e.fields["event"] == "delete"]
        assert len(deleted) == 2 * 10 and {e.fields["reason"] for e in deleted} == {"No reason"}
    assert len([e for e in ike if e.fields["event"] == "main_mode_begin"]) == 20
    show = _block(text, "RT1#show crypto ipsec sa")
    assert "#pkts encaps: 0" in show and "inbound esp sas:\n\n     inbound ah sas:" in show
    assert "Session status: DOWN" in _block(text, "RT2#show crypto session")


def test_esp_blocked_in_path_phase1_and_2_up_pings_fail() -> None:
    rt, text = _run("esp-blocked")
    assert _marks(text) == [".....", "....."]
    assert "QM_IDLE" in _block(text, "RT1#sh crypto isakmp sa")
    rt1 = _block(text, "RT1#show crypto ipsec sa")
    rt2 = _block(text, "RT2#show crypto ipsec sa")
    assert "#pkts encaps: 9" in rt1 and "#pkts decaps: 0" in rt1
    assert "#pkts decaps: 0" in rt2 and "#pkts encaps: 0" in rt2
    assert len(rt.devices["RT2"].crypto.engine.ipsec_pairs()) == 1
    drops = [e for e in rt.events.events if e.kind == "drop" and e.device == "ISP"
             and e.fields["reason"] == "acl-in"]
    assert len(drops) == 9 and all(e.fields["protocol"] == 50 for e in drops)


def test_tampered_esp_is_dropped_with_mac_error() -> None:
    rt = Runtime(load_scenario(PHASE2 / "healthy-tunnel.yaml"))
    rt2 = rt.devices["RT2"].crypto
    original = rt2._on_esp

    def corrupt(packet, iface):  # flip one ciphertext bit of the 3rd ESP packet
        corrupt.n += 1
        if corrupt.n == 3:
            data = bytearray(packet.payload)
            data[20] ^= 1
            packet.payload = bytes(data)
        original(packet, iface)

    corrupt.n = 0
    rt.devices["RT2"].node.protocol_handlers[50] = corrupt
    text = rt.run().transcript_text()
    assert _marks(text) == [".!!.!", "!!!!!"]           # the 4th echo is lost
    assert "%CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for connection id=2000" \
        in text
    (pair,) = rt2.engine.ipsec_pairs()
    assert pair.errors == {"icv": 1} and "#recv errors 0" in text
