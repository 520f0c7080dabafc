"""External oracles for NAT traversal and dead peer detection: Wireshark's tshark dissects what
crossed HQ's interface in the NAT-T labs with nothing malformed, decrypts main mode on UDP 4500
(non-ESP marker) and quick mode from the exported key table, shows the NAT-D payloads (RFC 3947
type 20, and the drafts' 130), the UDP-encapsulated ESP (decrypted and authenticated with an
``esp_sa`` table), NAT-keepalives and the protected R-U-THERE / R-U-THERE-ACK notifies; scapy
re-decodes the same bytes (ISAKMP behind the marker, NAT-D hashes, ESP in UDP decrypted with
its SecurityAssociation). The keys are the exported tables (what ``ikesim run --keys/--esp-keys``
writes), read back from their files. tshark and scapy are required: missing, these tests fail."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from scapy.layers.inet import ICMP, IP, UDP  # module level: no scapy -> FAIL, not skip
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.layers.isakmp import ISAKMP
from scapy.utils import rdpcap
from tshark import tshark_path

from ikesim.cli import main
from ikesim.export.pcap import Capture
from ikesim.export.wire import WireCapture
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "scenarios" / "catalogue"
HQ, PUBLIC = "61.128.1.1", "103.1.1.1"


@dataclass
class Lab:
    runtime: Runtime
    pcap: Path
    ike_keys: list[str]
    esp_keys: list[str]


def _run(tmp: Path, text: str, name: str, at: str) -> Lab:
    runtime = Runtime(parse_scenario(text, file=f"{name}.yaml"))
    cap = Capture.attach(runtime, None)
    wire = WireCapture.attach(runtime.lab, [at])
    runtime.run()
    pcap, keys, esp_keys = tmp / f"{name}.pcapng", tmp / f"{name}.keys", tmp / f"{name}.esp"
    pcap.write_bytes(wire.pcapng())
    cap.write_keys(keys)
    cap.write_esp_keys(esp_keys)
    return Lab(runtime, pcap, keys.read_text().splitlines(), esp_keys.read_text().splitlines())


@pytest.fixture(scope="module")
def natt(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    text = (CATALOGUE / "natt-disabled-fixed.yaml").read_text()
    return _run(tmp_path_factory.mktemp("natt"), text, "natt", "HQ")


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    """The same lab with a 12.4T hub, which chooses NAT-T draft 02 (trace 07's peer)."""
    text = (CATALOGUE / "natt-disabled-fixed.yaml").read_text()
    head, hq = text.split("  HQ:\n", 1)
    text = head + "  HQ:\n" + hq.replace("platform: ios15", "platform: ios124", 1)
    return _run(tmp_path_factory.mktemp("draft"), text, "draft", "HQ")


def frames(lab: Lab, *, keys: bool = True) -> list[str]:
    cmd = [tshark_path(), "-n", "-r", str(lab.pcap), "-V",
           "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for line in lab.ike_keys if keys else []:
        cmd += ["-o", f"uat:ikev1_decryption_table:{line}"]
    for line in lab.esp_keys if keys else []:
        cmd += ["-o", f"uat:esp_sa:{line}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return [f for f in re.split(r"(?m)^(?=Frame \d+: )", proc.stdout) if f.startswith("Frame")]


def _clean(fs: list[str]) -> None:
    for f in fs:
        assert "Malformed" not in f and "[Expert Info (Error" not in f, f


def test_natt_lab_dissects_cleanly_and_main_mode_decrypts_on_4500(natt: Lab) -> None:
    fs = frames(natt)
    _clean(fs)
    ike = [f for f in fs if "Internet Security Association and Key Management" in f]
    floated = [f for f in ike if "Non-ESP Marker" in f]
    assert floated and all("Src Port: 4500" in f or "Dst Port: 4500" in f for f in floated)
    mm56 = [f for f in floated if "Identity Protection (Main Mode) (2)" in f]
    assert len(mm56) == 2
    assert "Identification Data:100.64.1.2" in mm56[0]              # SITE-A's MM5
    assert "Notify Message Type: INITIAL-CONTACT (24578)" in mm56[0]
    assert "Identification Data:61.128.1.1" in mm56[1]              # HQ's MM6
    assert "Src Port: 4500" in mm56[0] and "Dst Port: 4500" in mm56[1]
    # after floating both IDs carry UDP and port 0 (trace 05; tshark calls port 0 "Unused")
    assert all("Protocol ID: UDP (17)" in f and "Port: Unused" in f for f in mm56)
    qm = [f for f in floated if "Exchange type: Quick Mode (32)" in f]
    assert len(qm) == 3
    for f in qm[:2]:
        assert re.search(r"Encapsulation Mode: UDP-Encapsulated-Tunnel.*\(3\)", f), f
    # without the key table the encrypted messages stay opaque
    plain = [f for f in frames(natt, keys=False) if "Non-ESP Marker" in f]
    assert not any("Identification Data:" in f for f in plain)


def test_natd_payloads_carry_the_rfc3947_hashes(natt: Lab) -> None:
    fs = [f for f in frames(natt) if "Payload: NAT-D (RFC 3947) (20)" in f]
    assert len(fs) == 2                                             # MM3 and MM4
    sa = natt.runtime.devices["HQ"].crypto.engine.sas()[0]
    hashes = [re.findall(r"HASH of the address and port: ([0-9a-f]+)", f) for f in fs]

    def h(address: str, port: int) -> str:
        packed = bytes(int(x) for x in address.split("."))
        return hashlib.sha1(sa.icookie + sa.rcookie + packed + port.to_bytes(2, "big")).hexdigest()
    # MM3 from SITE-A: HQ as SITE-A sees it, then SITE-A's inside address; MM4 from HQ: SITE-A
    # as HQ sees it (the PAT's), then HQ itself
    assert hashes == [[h(HQ, 500), h("100.64.1.2", 500)], [h(PUBLIC, 500), h(HQ, 500)]]


def test_udp_encapsulated_esp_decrypts_and_authenticates(natt: Lab) -> None:
    esp = [f for f in frames(natt) if "Encapsulating Security Payload" in f]
    assert len(esp) == 18                                            # 9 echoes each way
    for f in esp:
        assert "UDP Encapsulation of IPsec Packets" in f and "Non-ESP Marker" not in f
        assert "[Good: True]" in f and "Next header: IPIP (0x04)" in f
    requests = [f for f in esp if "Echo (ping) request" in f]
    assert len(requests) == 9 and all("Src Port: 4500" in f for f in requests)
    assert all("Src: 192.168.1.10, Dst: 10.3.3.10" in f for f in requests)


def test_tables_exported_by_ikesim_run_decrypt_the_natt_capture(tmp_path: Path) -> None:
    """The user's path: ``ikesim run --pcap --capture-at HQ --keys --esp-keys``, then tshark with
    those files decrypts MM5/MM6 on 4500 and ESP in UDP both ways (the ESP SAs' addresses are
    wildcards in the table: the PAT rewrites SITE-A's address between the two ends)."""
    out = {k: tmp_path / f"natt.{k}" for k in ("pcapng", "keys", "esp")}
    result = CliRunner().invoke(main, [
        "run", str(CATALOGUE / "natt-disabled-fixed.yaml"), "--pcap", str(out["pcapng"]),
        "--capture-at", "HQ", "--keys", str(out["keys"]), "--esp-keys", str(out["esp"])])
    assert result.exit_code == 0, result.output
    esp_lines = out["esp"].read_text().splitlines()
    assert len(esp_lines) == 2 and all(line.startswith('"IPv4","*","*",') for line in esp_lines)
    keys = out["keys"].read_text().splitlines()
    lab = Lab(None, out["pcapng"], keys, esp_lines)  # type: ignore[arg-type]
    fs = frames(lab)
    _clean(fs)
    mm56 = [f for f in fs if "Non-ESP Marker" in f and "Identity Protection (Main Mode) (2)" in f]
    assert len(mm56) == 2 and all("Identification Data:" in f for f in mm56)
    esp = [f for f in fs if "Encapsulating Security Payload" in f]
    assert len(esp) == 18 and all("[Good: True]" in f and "Echo (ping)" in f for f in esp)
    assert {re.search(r"Internet Protocol Version 4, Src: (\S+), Dst", f).group(1) for f in esp  # type: ignore[union-attr]
            } == {HQ, PUBLIC}


def test_draft_natt_uses_natd_130_and_encapsulation_61443(draft: Lab) -> None:
    fs = frames(draft)
    _clean(fs)
    natd = [f for f in fs if "NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03) (130)" in f]
    assert len(natd) == 2
    qm = [f for f in fs if "Exchange type: Quick Mode (32)" in f]
    assert re.search(r"Encapsulation Mode: .*\(61443\)", qm[0]), qm[0]
    assert any("Encapsulating Security Payload" in f and "[Good: True]" in f for f in fs)


def test_nat_keepalives_on_the_wire(tmp_path: Path) -> None:
    text = (CATALOGUE / "pat-timeout-no-keepalive-fixed.yaml").read_text()
    lab = _run(tmp_path, text, "keepalive", "NAT:Gi0/1")      # the PAT's outside interface
    fs = frames(lab)
    _clean(fs)
    keepalives = [f for f in fs if "NAT-keepalive" in f]
    sent = [x for x in lab.runtime.events.events
            if x.kind == "ike" and x.fields.get("event") == "nat_keepalive"]
    assert len(keepalives) == len(sent) >= 3
    for f in keepalives:
        assert "Src Port: 4500" in f and "Dst Port: 4500" in f
        assert "Internet Security Association" not in f


def test_r_u_there_and_ack_decrypt_with_their_sequence(tmp_path: Path) -> None:
    text = (CATALOGUE / "peer-rebooted-fixed.yaml").read_text()
    lab = _run(tmp_path, text, "dpd", "RT1")
    fs = frames(lab)
    _clean(fs)
    asked = [f for f in fs if "Notify Message Type: R-U-THERE (36136)" in f]
    acked = [f for f in fs if "Notify Message Type: R-U-THERE-ACK (36137)" in f]
    sent = [x.fields for x in lab.runtime.events.events
            if x.kind == "ike" and x.fields.get("event") == "dpd_tx"]
    # RT1's interface sees every R-U-THERE it sent (those into the void included) and the ACKs
    assert len(asked) == sum(1 for x in sent if x["notify_type"] == "R_U_THERE")
    assert len(acked) >= 2
    for f in asked + acked:
        assert "Exchange type: Informational (5)" in f and "Payload: Hash (8)" in f
        assert "SPI Size: 16" in f
    seqs = [int(m, 16) for f in asked
            for m in re.findall(r"Notification DATA: ([0-9a-f]{8})", f)]
    assert seqs == [x["sequence"] for x in sent if x["notify_type"] == "R_U_THERE"]


# ---------------------------------------------------------------------- scapy
def test_scapy_redecodes_natt_datagrams_and_decrypts_esp_in_udp(natt: Lab) -> None:
    packets = rdpcap(str(natt.pcap))
    ike, esp = [], []
    for pkt in packets:
        if UDP not in pkt:
            continue
        udp = pkt[UDP]
        data = bytes(udp.payload)
        if 4500 in (udp.sport, udp.dport):
            if data[:4] == bytes(4):
                ike.append((pkt, ISAKMP(data[4:])))
            elif len(data) > 1:
                esp.append(pkt)
        elif 500 in (udp.sport, udp.dport):
            ike.append((pkt, ISAKMP(data)))
    assert len(ike) == 9 and len(esp) == 18
    for pkt, msg in ike:
        raw = bytes(pkt[UDP].payload)
        body = raw[4:] if pkt[UDP].dport == 4500 or pkt[UDP].sport == 4500 else raw
        assert msg.length == len(body) and bytes(msg) == body
    mm3 = ike[2][1]
    assert mm3.exch_type == 2 and mm3.next_payload == 4
    # the last two payloads of MM3 are NAT-D (type 20): walk the generic headers
    chain, at, kind, raw = [], 28, mm3.next_payload, bytes(mm3)
    while kind:
        chain.append(kind)
        kind, length = raw[at], int.from_bytes(raw[at + 2:at + 4], "big")
        at += length
    assert chain[-2:] == [20, 20] and at == len(raw)
    hq = natt.runtime.devices["HQ"].crypto.engine.ipsec_pairs()[0]
    sas = {hq.inbound.spi: hq.inbound, hq.outbound.spi: hq.outbound}
    decrypted = 0
    for pkt in esp:
        spi = pkt[ESP].spi
        s = sas[spi]
        sa = SecurityAssociation(ESP, spi=spi, crypt_algo="3DES", crypt_key=s.enc_key,
                                 auth_algo="HMAC-SHA1-96", auth_key=s.auth_key)
        inner = sa.decrypt(IP(bytes(pkt[IP])))
        assert ICMP in inner
        decrypted += 1
    assert decrypted == 18
