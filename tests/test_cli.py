"""The ``ikesim`` command line: outputs, exit codes, errors without tracebacks, determinism."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from ikesim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED_LAB = ROOT / "scenarios" / "missing-return-route.yaml"
FIXED_LAB = ROOT / "scenarios" / "missing-return-route-fixed.yaml"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ikesim.cli", *args], capture_output=True,
                          text=True, check=False, cwd=ROOT)


def test_run_prints_the_transcript_and_json_is_byte_identical(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["run", str(FIXED_LAB), "--json", str(tmp_path / "a.jsonl")])
    second = runner.invoke(main, ["run", str(FIXED_LAB), "--json", str(tmp_path / "b.jsonl")])
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    assert "QM_IDLE" in first.output
    a, b = (tmp_path / "a.jsonl").read_bytes(), (tmp_path / "b.jsonl").read_bytes()
    assert a == b and a.count(b"\n") > 50
    assert b'"kind": "ike"' in a and b'"kind": "console"' in a


def test_seed_option_changes_cookies_but_not_the_story(tmp_path: Path) -> None:
    runner = CliRunner()
    runs = [runner.invoke(main, ["run", str(FIXED_LAB), "--seed", s, "--json",
                                 str(tmp_path / f"{s}.jsonl")]) for s in ("1", "2")]
    # The console shows random values only where IOS does (quick-mode message IDs, SPIs).
    def mask(out: str) -> str:
        out = re.sub(r"(M-ID of|message ID =|spi:?|SPI|spi) -?(0x)?[0-9A-Fa-f]+(\(\d+\))?",
                     r"\1 N", out)
        return re.sub(r"(outbound spi:) [0-9A-F]+", r"\1 N", out)

    assert mask(runs[0].output) == mask(runs[1].output)
    assert (tmp_path / "1.jsonl").read_bytes() != (tmp_path / "2.jsonl").read_bytes()


def test_until_stops_early() -> None:
    result = CliRunner().invoke(main, ["run", str(SEED_LAB), "--until", "70s"])
    assert result.exit_code == 0
    assert "NEW SA" in result.output and "death by retransmission" not in result.output


def test_invalid_scenario_exit_2_one_line_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED_LAB.read_text().replace(" encr 3des", " encr 4des", 1))
    proc = _run("run", str(bad))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    first, *caret = proc.stderr.rstrip().splitlines()
    assert first.startswith(f"ikesim: error: {bad}:") and "4des" in first
    assert caret == ["    encr 4des", "         ^"]       # IOS's marker under the bad word


def test_validate(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nroutters: {}\n")
    ok = _run("validate", str(SEED_LAB))
    assert ok.returncode == 0 and "ok (3 routers, 2 hosts, 4 links" in ok.stdout
    proc = _run("validate", str(SEED_LAB), str(bad))
    assert proc.returncode == 2
    assert f"{bad}:2: unknown key 'routters'" in proc.stderr


def test_missing_file_is_exit_2() -> None:
    proc = _run("run", "no/such/file.yaml")
    assert proc.returncode == 2 and "cannot read scenario" in proc.stderr


def test_pcap_and_keys_export(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(FIXED_LAB), "--pcap", str(tmp_path / "c.pcap"),
                                       "--keys", str(tmp_path / "k.txt")])
    assert result.exit_code == 0, result.output
    pcap = (tmp_path / "c.pcap").read_bytes()
    assert pcap[:4] == bytes.fromhex("0a0d0d0a")          # a pcapng section header block
    keys = (tmp_path / "k.txt").read_text().splitlines()
    assert len(keys) == 1
    cookie, key = keys[0].split(",")
    assert len(cookie) == 16 and len(key) == 48           # 3DES: 24-octet key


def test_capture_at_one_interface(tmp_path: Path) -> None:
    runner = CliRunner()
    everything = tmp_path / "all.pcap"
    rt2_lan = tmp_path / "lan.pcap"
    runner.invoke(main, ["run", str(FIXED_LAB), "--pcap", str(everything)])
    runner.invoke(main, ["run", str(FIXED_LAB), "--pcap", str(rt2_lan),
                         "--capture-at", "RT2:Fa0/0"])
    # the LAN behind RT2 carries the decapsulated echoes, a fraction of what all links carry
    assert 0 < rt2_lan.stat().st_size < everything.stat().st_size
    bad = runner.invoke(main, ["run", str(FIXED_LAB), "--pcap", str(rt2_lan),
                               "--capture-at", "RT9:Fa0/0"])
    assert bad.exit_code == 2
