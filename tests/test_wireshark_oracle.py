"""Wireshark as an independent oracle: tshark must dissect the six main-mode messages the lab
exports and, given the key table, decrypt MM5/MM6 to the IDs and HASH values the engines
computed. tshark is required (``make system-deps`` installs it): missing means failure."""

from __future__ import annotations

import copy
import ipaddress
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from tshark import tshark_path

from ikesim.crypto import hash_i, hash_r
from ikesim.export.pcap import Capture
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import ipv4_id, payload_body
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parents[1]
RT1_WAN, RT2_WAN = "10.10.10.2", "11.11.11.2"
_SCENARIO = load_scenario(ROOT / "scenarios" / "main-mode-lab.yaml")
IDENTITY_PROTECTION = "Exchange type: Identity Protection (Main Mode) (2)"
CASES = {"3des-sha-group2": ("3des", "sha", 2), "aes256-sha256-group14": ("aes256", "sha256", 14)}




@dataclass
class Exported:
    pcap: Path
    keys: list[str]
    initiator: IsakmpSa
    responder: IsakmpSa


def _export(tmp: Path, encryption: str, hash_: str, group: int) -> Exported:
    sc = copy.deepcopy(_SCENARIO)
    for name in ("RT1", "RT2"):
        policy = sc.devices[name].config.crypto.policies[1]
        policy.encryption, policy.hash, policy.group = encryption, hash_, group
    rt = Runtime(sc)
    cap = Capture.attach(rt, None)
    rt.run()
    sa_i = rt.devices["RT1"].crypto.engine.established_sa(int(ipaddress.IPv4Address(RT2_WAN)))
    sa_r = rt.devices["RT2"].crypto.engine.established_sa(int(ipaddress.IPv4Address(RT1_WAN)))
    assert sa_i is not None and sa_r is not None
    pcap, keys = tmp / "mm.pcap", tmp / "mm.keys"
    cap.write_pcap(pcap)
    cap.write_keys(keys)
    return Exported(pcap, keys.read_text().splitlines(), sa_i, sa_r)


def _dissect(pcap: Path, key_lines: list[str] | None) -> list[str]:
    """``tshark -V`` output split per frame. The UAT record is given unquoted
    (``<icookie hex>,<key hex>``): tshark 4.0 rejects the quoted form for these hex fields."""
    cmd = [tshark_path(), "-n", "-r", str(pcap), "-V"]
    for line in key_lines or []:
        cmd += ["-o", f"uat:ikev1_decryption_table:{line}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return [f for f in re.split(r"(?m)^(?=Frame \d+: )", proc.stdout) if f.startswith("Frame")]


def _hash_data(frame: str) -> bytes:
    (value,) = re.findall(r"Hash DATA: ([0-9a-f]+)", frame)
    return bytes.fromhex(value)


def _assert_clean(frames: list[str]) -> None:
    for frame in frames:
        assert "Malformed" not in frame and "Expert Info (Error" not in frame, frame


def test_tshark_is_installed() -> None:
    proc = subprocess.run([tshark_path(), "--version"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("TShark (Wireshark) ")


@pytest.fixture(scope="module", params=sorted(CASES))
def exported(request, tmp_path_factory) -> Exported:
    tshark_path()
    return _export(tmp_path_factory.mktemp(request.param), *CASES[request.param])


def test_key_table_is_the_engines_cipher_key(exported: Exported) -> None:
    sa = exported.initiator
    assert exported.keys == [f"{sa.icookie.hex()},{sa.cipher_key.hex()}"]
    assert exported.responder.cipher_key == sa.cipher_key


def test_all_six_messages_dissect_as_main_mode(exported: Exported) -> None:
    frames = _dissect(exported.pcap, None)
    assert len(frames) == 6
    _assert_clean(frames)
    for i, frame in enumerate(frames):
        assert IDENTITY_PROTECTION in frame
        assert f"Initiator SPI: {exported.initiator.icookie.hex()}" in frame
        src, dst = (RT1_WAN, RT2_WAN) if i % 2 == 0 else (RT2_WAN, RT1_WAN)
        assert f"Internet Protocol Version 4, Src: {src}, Dst: {dst}" in frame
        assert "User Datagram Protocol, Src Port: 500, Dst Port: 500" in frame
    sa = exported.initiator
    assert "Next payload: Security Association (1)" in frames[0]
    assert "Next payload: Key Exchange (4)" in frames[2]
    for frame, ke in ((frames[2], sa.gxi), (frames[3], sa.gxr)):
        assert f"Payload length: {4 + len(ke)}" in frame
        assert f"Key Exchange Data: {ke.hex()[:72]}" in frame     # tshark elides the rest
    assert sa.negotiated is not None
    if sa.negotiated.encryption == "3des":
        assert "Encryption-Algorithm: 3DES-CBC" in frames[1]
    else:
        assert "Encryption-Algorithm: AES-CBC" in frames[1] and "Key-Length: 256" in frames[1]
        assert "Group-Description: 2048 bit MODP group" in frames[1]
    # without keys MM5/MM6 stay opaque
    for frame in frames[4:]:
        assert "Flags: 0x01" in frame and "Encrypted Data" in frame
        assert "ID_IPV4_ADDR" not in frame


def test_key_table_decrypts_mm5_and_mm6(exported: Exported) -> None:
    frames = _dissect(exported.pcap, exported.keys)
    assert len(frames) == 6
    _assert_clean(frames)
    sa = exported.initiator
    for frame, (addr, fn) in zip(frames[4:], ((RT1_WAN, hash_i), (RT2_WAN, hash_r)),
                                 strict=True):
        assert IDENTITY_PROTECTION in frame
        assert "ID type: IPV4_ADDR (1)" in frame
        assert "Protocol ID: UDP (17)" in frame and "Port: 500" in frame
        assert f"ID_IPV4_ADDR: {addr}" in frame
        want = fn(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                  payload_body(ipv4_id(addr)))
        assert _hash_data(frame) == want
    # the other side computed the same values from its own SA
    r = exported.responder
    assert _hash_data(frames[4]) == hash_i(r.hash_name, r.skeyid, r.gxi, r.gxr, r.icookie,
                                           r.rcookie, r.sai_b, payload_body(ipv4_id(RT1_WAN)))


def test_wrong_key_does_not_reveal_the_ids(exported: Exported) -> None:
    icookie, key = exported.keys[0].split(",")
    # flip a whole octet: the low bit of each 3DES key octet is parity and would be ignored
    wrong = f"{int(key[:2], 16) ^ 0xFF:02x}{key[2:]}"
    frames = _dissect(exported.pcap, [f"{icookie},{wrong}"])
    assert len(frames) == 6
    _assert_clean(frames[:4])
    real = {_hash_data(f) for f in _dissect(exported.pcap, exported.keys)[4:]}
    for frame in frames[4:]:
        assert "Encrypted Data" in frame
        assert "ID_IPV4_ADDR" not in frame
        assert RT1_WAN not in frame.split("Encrypted Data", 1)[1]
        assert not real & set(map(bytes.fromhex, re.findall(r"Hash DATA: ([0-9a-f]+)", frame)))
