"""Captures that tell the truth (issue 12, item 4): only frames that crossed a link, one pcapng
interface per capture point, drops as packet comments, every protocol, warnings for capture
points that saw nothing. Wireshark's tshark reads every file (the oracle)."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.cli import main
from ikesim.export.pcapng import EPOCH, CapturedFrame, CaptureInterface, pcapng_bytes
from ikesim.export.wire import WireCapture
from ikesim.net.config import DeviceConfig, InterfaceConfig
from ikesim.net.lab import Lab
from ikesim.net.packet import IP_HEADER_LEN, Packet, udp_packet
from tests.tshark import tshark_path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "missing-return-route.yaml"
FIXED = ROOT / "scenarios" / "missing-return-route-fixed.yaml"
CATALOGUE = ROOT / "scenarios" / "catalogue"


def _fields(pcap: Path, *fields: str, display: str = "") -> list[list[str]]:
    cmd = [tshark_path(), "-n", "-r", str(pcap), "-T", "fields", "-E", "separator=|"]
    if display:
        cmd += ["-Y", display]
    for f in fields:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return [line.split("|") for line in proc.stdout.splitlines()]


def _run(tmp: Path, scenario: Path, *args: str) -> tuple[Path, str]:
    pcap = tmp / f"{scenario.stem}.pcapng"
    result = CliRunner().invoke(main, ["run", str(scenario), "--pcap", str(pcap), "--no-outcome",
                                       *args])
    assert result.exit_code == 0, result.output
    return pcap, result.stderr


def test_seed_lab_isp_links_carry_no_mm2_and_rt2_capture_shows_the_drop(tmp_path: Path) -> None:
    """The acceptance test: RT2's MM2s never left RT2, so the ISP links hold MM1s only; in
    RT2's capture each MM2 is among RT2's discards with the reason as a comment."""
    pcap, stderr = _run(tmp_path, SEED)
    rows = _fields(pcap, "frame.interface_name", "ip.src", "ip.dst",
                   display="isakmp")
    isp_links = [r for r in rows if r[0] in ("RT1-ISP", "ISP-RT2")]
    assert len(isp_links) == 24                         # 12 MM1 (6 per attempt) on each link
    assert {(r[1], r[2]) for r in isp_links} == {("10.10.10.2", "11.11.11.2")}   # no MM2
    assert "RT2 discarded 12 no-route packet(s) that never reached a link" in stderr

    rt2, _ = _run(tmp_path, SEED, "--capture-at", "RT2")
    rows = _fields(rt2, "frame.interface_name", "ip.src", "ip.dst", "udp.srcport",
                   "frame.comment", display="isakmp")
    dropped = [r for r in rows if r[0] == "RT2:discards"]
    assert len(dropped) == 12
    for _, src, dst, sport, comment in dropped:
        assert (src, dst, sport) == ("11.11.11.2", "10.10.10.2", "500")
        assert comment == "RT2 discarded it before it reached any link: no-route"
    arrived = [r for r in rows if r[0] == "RT2:Fa1/0"]
    assert len(arrived) == 12 and all(r[1] == "10.10.10.2" and not r[4] for r in arrived)
    # the capture has one interface block per point: RT2's two interfaces and its discards
    names = {r[0] for r in _fields(rt2, "frame.interface_name")}
    assert names == {"RT2:Fa1/0", "RT2:discards"}       # Fa0/0 saw nothing in this run


def test_icmp_and_its_crypto_drop_are_captured(tmp_path: Path) -> None:
    """PC1's echoes crossed PC1-RT1; RT1 discarded each (no IPsec SA): a comment says so."""
    pcap, _ = _run(tmp_path, SEED)
    rows = _fields(pcap, "frame.interface_name", "icmp.type", "frame.comment", display="icmp")
    assert len(rows) == 50
    assert {r[0] for r in rows} == {"PC1-RT1"}
    assert all(r[1] == "8" and "RT1 discarded it: crypto-no-ipsec-sa (crypto map CMAP 10, "
               "peer 11.11.11.2)" == r[2] for r in rows)


def test_fixed_lab_esp_isakmp_icmp_per_link(tmp_path: Path) -> None:
    pcap, stderr = _run(tmp_path, FIXED)
    rows = _fields(pcap, "frame.interface_name", "_ws.col.Protocol")
    per_link: dict[str, set[str]] = {}
    for name, proto in rows:
        per_link.setdefault(name, set()).add(proto)
    assert per_link["RT1-ISP"] >= {"ISAKMP", "ESP"} and per_link["ISP-RT2"] >= {"ISAKMP", "ESP"}
    assert per_link["PC1-RT1"] == {"ICMP"} and per_link["RT2-PC2"] == {"ICMP"}
    # each ISAKMP datagram crossed two links: the same count on both
    counts = {link: sum(1 for n, p in rows if n == link and p == "ISAKMP")
              for link in ("RT1-ISP", "ISP-RT2")}
    assert counts["RT1-ISP"] == counts["ISP-RT2"] > 0
    assert stderr == ""


def test_interface_capture_marks_directions(tmp_path: Path) -> None:
    pcap, _ = _run(tmp_path, FIXED, "--capture-at", "RT1:Fa1/0")
    rows = _fields(pcap, "frame.interface_name", "frame.packet_flags_direction", "ip.src",
                   display="isakmp")
    assert {r[0] for r in rows} == {"RT1:Fa1/0"}
    for _, direction, src in rows:
        assert int(direction, 16) == (2 if src == "10.10.10.2" else 1), (direction, src)


def test_acl_drop_is_a_comment_on_the_frame_that_crossed(tmp_path: Path) -> None:
    pcap, _ = _run(tmp_path, CATALOGUE / "udp500-blocked.yaml")
    rows = _fields(pcap, "frame.interface_name", "frame.comment", display="isakmp")
    assert rows and all(r[0] == "RT1-ISP" for r in rows)       # never reached ISP-RT2
    assert all(r[1] == "ISP discarded it: acl-in (access list 110)" for r in rows), rows


def test_lost_frame_is_kept_with_a_comment(tmp_path: Path) -> None:
    pcap, _ = _run(tmp_path, CATALOGUE / "lossy-link.yaml")
    rows = _fields(pcap, "frame.interface_name", "ip.src", "frame.comment",
                   display="frame.comment")
    lost = [r for r in rows if r[2].startswith("lost on the link")]
    assert lost and all(r[0] == "ISP-RT2" for r in lost)
    assert "lost on the link (30% loss): RT1 FastEthernet1/0" not in lost[0][2]
    assert lost[0][2].endswith("never received it")


def test_capture_point_that_saw_nothing_warns(tmp_path: Path) -> None:
    pcap, stderr = _run(tmp_path, SEED, "--capture-at", "RT2:Fa0/0")
    assert "ikesim: warning: capture at RT2:Fa0/0 saw no frame during the run" in stderr
    assert pcap.read_bytes()[:4] == bytes.fromhex("0a0d0d0a")
    assert _fields(pcap, "frame.number") == []


@pytest.mark.parametrize("point", ["RT9", "RT2:Fa7/0", "RT2:Bogus0", "no-such-link"])
def test_capture_point_that_does_not_exist_is_exit_2(tmp_path: Path, point: str) -> None:
    result = CliRunner().invoke(main, ["run", str(SEED), "--pcap", str(tmp_path / "x.pcapng"),
                                       "--capture-at", point])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and point.split(":")[-1] in result.stderr


def test_capture_at_without_pcap_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(SEED), "--capture-at", "RT2"])
    assert result.exit_code == 2 and "give --pcap FILE too" in result.stderr


def _router(name: str, *addresses: str) -> DeviceConfig:
    import ipaddress

    config = DeviceConfig(hostname=name)
    for i, address in enumerate(addresses):
        iface = InterfaceConfig(name=f"FastEthernet{i}/0")
        iface.address = ipaddress.IPv4Interface(address)
        config.interfaces[iface.name] = iface
    return config


def _gre(inner: bytes) -> bytes:
    return struct.pack("!HH", 0, 0x0800) + inner           # RFC 2784: no options, IPv4 inside


def _ospf_hello(router_id: int) -> bytes:
    """An OSPFv2 Hello (RFC 2328 A.3.1, A.3.2) with a correct checksum, no authentication."""
    from ikesim.net.packet import checksum

    body = struct.pack("!IHBBIII", 0xFFFFFF00, 10, 2, 1, 40, 0, 0)
    header = struct.pack("!BBHIIHHQ", 2, 1, 24 + len(body), router_id, 0, 0, 0, 0)
    csum = checksum(header[:16] + body)
    return header[:12] + struct.pack("!H", csum) + header[14:] + body


def test_every_protocol_reaches_the_capture(tmp_path: Path) -> None:
    """GRE, OSPF and UDP 4500 (NAT-T) as well as UDP 500, ESP and ICMP: whatever a link
    carries is written, and tshark dissects each as its protocol."""
    lab = Lab(seed=1)
    lab.add_router(_router("A", "10.0.0.1/24"))
    lab.add_router(_router("B", "10.0.0.2/24"))
    lab.connect("A", "FastEthernet0/0", "B", "FastEthernet0/0", name="A-B")
    capture = WireCapture.attach(lab, ())
    a = lab.devices["A"]
    src, dst = 0x0A000001, 0x0A000002
    inner = udp_packet(src, dst, 1000, 2000, b"hello")
    from ikesim.net.packet import encode_packet

    gre = _gre(encode_packet(inner))
    ospf = _ospf_hello(src)
    a.send_packet(Packet(src, dst, 47, 255, gre, IP_HEADER_LEN + len(gre), 1))
    a.send_packet(Packet(src, dst, 89, 1, ospf, IP_HEADER_LEN + len(ospf), 2))   # unicast (NBMA)
    a.send_udp(dst, 4500, 4500, bytes(4) + bytes(28))          # non-ESP marker + ISAKMP header
    a.send_echo(dst, 1, 1)
    lab.run(until=1)
    path = tmp_path / "protocols.pcapng"
    path.write_bytes(capture.pcapng())
    rows = _fields(path, "frame.protocols")
    stacks = [r[0] for r in rows]
    assert any(s.endswith("ip:gre:ip:udp:data") for s in stacks), stacks
    assert any(s.endswith("ip:ospf") for s in stacks), stacks
    assert any(s.endswith("ip:udp:udpencap:data") for s in stacks), stacks    # RFC 3948
    assert any(s.endswith("ip:icmp:data") for s in stacks), stacks
    # B has no handler for GRE, OSPF or UDP 4500: its drops are comments on those frames
    comments = [r[0] for r in _fields(path, "frame.comment", display="frame.comment")]
    assert any(c.startswith("B discarded it:") for c in comments), comments


# -- the pcapng writer, against python-pcapng's reader ---------------------------------------
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(_text.filter(bool), min_size=1, max_size=4),
       frames=st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1e6, allow_nan=False),
                                 st.binary(min_size=14, max_size=200),
                                 st.lists(_text.filter(bool), max_size=3),
                                 st.sampled_from([None, "in", "out"])), max_size=12))
def test_pcapng_round_trip(names: list[str], frames: list[tuple]) -> None:
    import io

    import pcapng
    from pcapng import blocks

    interfaces = [CaptureInterface(n, f"about {n}") for n in names]
    records = [CapturedFrame(t, i % len(names), data, comments, direction)
               for i, t, data, comments, direction in frames]
    scanner = pcapng.FileScanner(io.BytesIO(pcapng_bytes(interfaces, records, "a comment")))
    read_ifaces, read_frames = [], []
    for block in scanner:
        if isinstance(block, blocks.InterfaceDescription):
            read_ifaces.append(block)
        elif isinstance(block, blocks.EnhancedPacket):
            read_frames.append(block)
    assert [b.options["if_name"] for b in read_ifaces] == names
    assert len(read_frames) == len(records)
    for block, record in zip(read_frames, records, strict=True):
        assert block.interface_id == record.interface and block.packet_data == record.data
        micros = (block.timestamp_high << 32) | block.timestamp_low
        assert micros == EPOCH * 1_000_000 + round(record.time * 1_000_000)
        comments = block.options.get_all("opt_comment") if "opt_comment" in block.options \
            else []
        assert comments == record.comments
        flags = block.options["epb_flags"] if "epb_flags" in block.options else None
        expected = {None: None, "in": "inbound", "out": "outbound"}[record.direction]
        assert (flags.inout if flags is not None else None) == expected


def test_writer_rejects_a_frame_on_a_missing_interface() -> None:
    with pytest.raises(ValueError, match="only 1"):
        pcapng_bytes([CaptureInterface("a")], [CapturedFrame(0, 1, bytes(14))])


# -- ikesim wireshark ------------------------------------------------------------------------
def test_wireshark_command_writes_a_config_that_decrypts(tmp_path: Path) -> None:
    pcap = tmp_path / "lab.pcapng"
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(FIXED), "--pcap", str(pcap), "--keys",
                                  str(tmp_path / "lab.keys"), "--esp-keys",
                                  str(tmp_path / "lab.esp-keys")])
    assert result.exit_code == 0
    shown = runner.invoke(main, ["wireshark", str(pcap), "--print"], env={"DISPLAY": ""})
    assert shown.exit_code == 0, shown.output
    folder = tmp_path / "lab.pcapng.wireshark"
    assert f"WIRESHARK_CONFIG_DIR={folder} wireshark -r {pcap}" in shown.output
    tshark_line = next(line for line in shown.output.splitlines() if " tshark " in line)
    assert "1 IKE SA key(s), 2 ESP SA(s)" in shown.output
    env_part, command = tshark_line.split(" ", 1)
    env = {"WIRESHARK_CONFIG_DIR": env_part.split("=", 1)[1], "PATH": "/usr/bin:/bin"}
    argv = [tshark_path(), *command.split()[1:], "-T", "fields", "-e", "frame.interface_name",
            "-e", "isakmp.id.type", "-e", "icmp.type", "-Y", "isakmp.id.type or icmp"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert any(r[1] == "1" for r in rows)                      # MM5/MM6 decrypted: ID_IPV4_ADDR
    assert any(r[0] == "RT1-ISP" and r[2] == "8" for r in rows)  # an echo inside ESP, decrypted


def test_wireshark_command_without_keys_warns(tmp_path: Path) -> None:
    pcap, _ = _run(tmp_path, SEED)
    result = CliRunner().invoke(main, ["wireshark", str(pcap), "--print"])
    assert result.exit_code == 0 and "no key table" in result.stderr


@pytest.mark.parametrize("content", [None, b"not a capture at all"])
def test_wireshark_command_rejects_bad_captures(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "x.pcapng"
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(main, ["wireshark", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
