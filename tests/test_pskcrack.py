"""The psk-crack exporter: aggressive-mode AM1/AM2 to ike-scan's input line, checked against
psk-crack itself (the external oracle: it recomputes HASH_R from the line and a guessed key)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.errors import InputError
from ikesim.export.pcap import CapturedDatagram, pcap_bytes
from ikesim.export.pskcrack import capture_datagrams, entries, from_capture, lines
from ikesim.isakmp import HashPayload, decode_header, decode_payloads
from tests.aggressive_lab import A, B, hostname_key, hub, lab, policy, spoke


def psk_crack() -> str:
    exe = shutil.which("psk-crack")
    if exe is None:
        pytest.fail("psk-crack (Debian package ike-scan) is not installed: run make system-deps")
    return exe


def _exchange(hash_kw: str = "sha", key: str = "letmein") -> list[bytes]:
    pol = policy("3des", hash_kw, 2)
    lb = lab(spoke("fqdn spoke1.lab", key, pol), hub(hostname_key("spoke1.lab", key),
                                                    pols=(pol,)))
    lb.initiate(A, B)
    lb.run(2.0)
    return [d.data for _, d in lb.delivered]


def test_line_fields_come_from_am1_and_am2() -> None:
    msgs = _exchange()
    (entry,) = entries(msgs)
    am2 = decode_header(msgs[1])
    assert entry.cky_i == am2.icookie and entry.cky_r == am2.rcookie
    hash_r = [p for p in decode_payloads(am2.next_payload, msgs[1][28:])
              if isinstance(p, HashPayload)][0].data
    assert entry.hash_r == hash_r and len(entry.line().split(":")) == 9
    assert entry.idir_b[:4] == bytes([1, 17, 1, 244])     # ID_IPV4_ADDR, UDP, port 500
    # repeats (retransmissions, the same frame on several links) give one entry
    assert lines(msgs + msgs) == lines(msgs)
    assert lines(msgs[2:]) == [] and lines(msgs[:1]) == []     # AM3 alone / AM1 alone


@pytest.mark.parametrize("hash_kw", ["md5", "sha"])
def test_psk_crack_recovers_the_key(tmp_path: Path, hash_kw: str) -> None:
    params = tmp_path / "psk.txt"
    params.write_text("\n".join(lines(_exchange(hash_kw))) + "\n")
    words = tmp_path / "words"
    words.write_text("cisco\npassword\nletmein\nsunshine\n")
    done = subprocess.run([psk_crack(), "-d", str(words), str(params)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 'key "letmein" matches' in done.stdout


def test_psk_crack_finds_nothing_for_a_key_not_in_the_dictionary(tmp_path: Path) -> None:
    params = tmp_path / "psk.txt"
    params.write_text("\n".join(lines(_exchange(key="Zq8#long-and-random"))) + "\n")
    words = tmp_path / "words"
    words.write_text("cisco\nletmein\n")
    done = subprocess.run([psk_crack(), "-d", str(words), str(params)], capture_output=True,
                          text=True, timeout=60)
    assert "matches" not in done.stdout and "no match found" in done.stdout


def test_reads_a_classic_pcap(tmp_path: Path) -> None:
    msgs = _exchange()
    cap = tmp_path / "am.pcap"
    cap.write_bytes(pcap_bytes([CapturedDatagram(i * 0.1, A if i != 1 else B,
                                                 B if i != 1 else A, 500, 500, m)
                                for i, m in enumerate(msgs)]))
    assert capture_datagrams(cap) == msgs
    assert from_capture(cap) == lines(msgs)


def test_not_a_capture_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.pcap"
    bad.write_bytes(b"hello world")
    with pytest.raises(InputError, match="not a pcap"):
        from_capture(bad)
    with pytest.raises(InputError):
        from_capture(tmp_path / "missing.pcap")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_arbitrary_datagrams_never_raise(blobs: list[bytes]) -> None:
    assert isinstance(lines(blobs), list)


def test_cli_reads_a_capture(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ikesim.cli import main

    msgs = _exchange()
    cap = tmp_path / "am.pcap"
    cap.write_bytes(pcap_bytes([CapturedDatagram(0.1 * i, A, B, 500, 500, m)
                                for i, m in enumerate(msgs)]))
    result = CliRunner().invoke(main, ["psk-crack", str(cap)])
    assert result.exit_code == 0 and result.output.splitlines() == lines(msgs)
    empty = tmp_path / "none.pcap"
    empty.write_bytes(pcap_bytes([]))
    result = CliRunner().invoke(main, ["psk-crack", str(empty)])
    assert result.exit_code == 1
    result = CliRunner().invoke(main, ["psk-crack", str(tmp_path / "missing.pcap")])
    assert result.exit_code == 2 and "no such capture" in result.output
