"""tshark as an independent oracle for phase 2: with the exported IKE key table it decrypts the
three quick-mode messages to the proxy IDs and SPIs the engines used, and with the exported
``esp_sa`` table it verifies every ESP ICV and decrypts every ESP packet, in both directions, for
a 3DES/SHA lab and an AES-256/SHA2-256 (PFS group 14, IOS 15.x) lab. tshark is required."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from tshark import tshark_path

from ikesim.export.pcap import Capture
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parents[1]
LABS = {"3des-sha": "healthy-tunnel", "aes256-sha256": "healthy-tunnel-aes256-pfs"}




@dataclass
class Lab:
    runtime: Runtime
    pcap: Path
    ike_keys: list[str]
    esp_keys: list[str]


@pytest.fixture(scope="module", params=sorted(LABS))
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Lab:
    rt = Runtime(load_scenario(ROOT / "scenarios" / "catalogue" / f"{LABS[request.param]}.yaml"))
    cap = Capture.attach(rt, None)
    rt.run()
    tmp = tmp_path_factory.mktemp(request.param)
    pcap, ike, esp = tmp / "lab.pcap", tmp / "ike.keys", tmp / "esp_sa"
    cap.write_pcap(pcap)
    cap.write_keys(ike)
    cap.write_esp_keys(esp)
    return Lab(rt, pcap, ike.read_text().splitlines(), esp.read_text().splitlines())


def _frames(lab: Lab, *, esp: bool = True, ike: bool = True) -> list[str]:
    cmd = [tshark_path(), "-n", "-r", str(lab.pcap), "-V",
           "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for line in lab.ike_keys if ike else []:
        cmd += ["-o", f"uat:ikev1_decryption_table:{line}"]
    for line in lab.esp_keys if esp else []:
        cmd += ["-o", f"uat:esp_sa:{line}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return [f for f in re.split(r"(?m)^(?=Frame \d+: )", proc.stdout) if f.startswith("Frame")]


def _pairs(lab: Lab, router: str) -> list:
    return lab.runtime.devices[router].crypto.engine.ipsec_pairs()


def test_esp_sa_table_has_both_directions(lab: Lab) -> None:
    (p1,) = _pairs(lab, "RT1")
    (p2,) = _pairs(lab, "RT2")
    assert len(lab.esp_keys) == 2
    for sa in (p1.inbound, p2.inbound):
        t = sa.transform
        line = (f'"IPv4","{_ip(sa.src)}","{_ip(sa.dst)}","0x{sa.spi:08x}","{t.cipher.wireshark}",'
                f'"0x{sa.enc_key.hex()}","{t.auth.wireshark}","0x{sa.auth_key.hex()}"')
        assert line in lab.esp_keys


def _ip(v: int) -> str:
    return ".".join(str(b) for b in v.to_bytes(4, "big"))


def test_quick_mode_decrypts_with_ike_key_table(lab: Lab) -> None:
    qm = [f for f in _frames(lab, esp=False) if "Exchange type: Quick Mode (32)" in f]
    assert len(qm) == 3
    (p1,) = _pairs(lab, "RT1")
    qm1, qm2, qm3 = qm
    for f in (qm1, qm2):
        assert "Identification Data:172.16.1.0/255.255.255.0" in f
        assert "Identification Data:172.16.2.0/255.255.255.0" in f
        assert "Protocol ID: IPSEC_ESP (3)" in f
    assert f"SPI: {p1.inbound.spi:08x}" in qm1           # RT1 offers its inbound SPI
    assert f"SPI: {p1.outbound.spi:08x}" in qm2          # RT2 answers with its own
    assert "Payload: Hash (8)" in qm3 and "Payload: Nonce" not in qm3
    if p1.pfs_group:
        assert "Payload: Key Exchange (4)" in qm1 and "Payload: Key Exchange (4)" in qm2
    # without the key nothing decrypts
    plain = [f for f in _frames(lab, esp=False, ike=False) if "Quick Mode (32)" in f]
    assert not any("Identification Data:172.16.1.0" in f for f in plain)


def test_every_esp_packet_authenticates_and_decrypts(lab: Lab) -> None:
    frames = [f for f in _frames(lab) if "Encapsulating Security Payload" in f]
    (p1,) = _pairs(lab, "RT1")
    # 4 + 5 echoes each way, as `show crypto ipsec sa` counts them
    assert len(frames) == 18 == p1.outbound.packets + p1.inbound.packets
    requests = [f for f in frames if "Echo (ping) request" in f]
    replies = [f for f in frames if "Echo (ping) reply" in f]
    assert len(requests) == 9 == len(replies)
    for f in frames:
        assert "[Good: True]" in f and "Next header: IPIP (0x04)" in f
    for f in requests:
        assert f"ESP SPI: 0x{p1.outbound.spi:08x}" in f
        assert "Src: 172.16.1.2, Dst: 172.16.2.2" in f
    for f in replies:
        assert f"ESP SPI: 0x{p1.inbound.spi:08x}" in f
    seqs = [int(m) for f in requests for m in re.findall(r"ESP Sequence: (\d+)", f)]
    assert seqs == list(range(1, 10))


def test_wrong_esp_key_does_not_authenticate(lab: Lab) -> None:
    broken = [re.sub(r'"0x([0-9a-f])', lambda m: '"0x' + ("0" if m.group(1) != "0" else "1"),
                     line) for line in lab.esp_keys]
    frames = [f for f in _frames(Lab(lab.runtime, lab.pcap, lab.ike_keys, broken))
              if "Encapsulating Security Payload" in f]
    assert frames and not any("[Good: True]" in f for f in frames)
