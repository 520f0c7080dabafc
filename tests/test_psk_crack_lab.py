"""The teaching page's claim, checked: ike-scan's psk-crack recovers the pre-shared key of the
weak-PSK aggressive-mode lab from an ikesim capture (`ikesim run --pcap`, `ikesim psk-crack`),
with its default dictionary; the fixed twin (main mode) leaves nothing to crack."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ikesim.export.pskcrack import from_capture
from ikesim.export.wire import WireCapture
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime
from tests.test_pskcrack import psk_crack

CATALOGUE = Path(__file__).resolve().parent.parent / "scenarios" / "catalogue"


def _capture(name: str, tmp: Path) -> Path:
    runtime = Runtime(load_scenario(CATALOGUE / f"{name}.yaml"))
    wire = WireCapture.attach(runtime.lab, [])
    runtime.run()
    path = tmp / f"{name}.pcapng"
    path.write_bytes(wire.pcapng())
    return path


def test_psk_crack_recovers_the_labs_key(tmp_path: Path) -> None:
    lines = from_capture(_capture("aggressive-mode-weak-psk", tmp_path))
    assert len(lines) == 1                  # one exchange, seen on several links: one line
    params = tmp_path / "psk.txt"
    params.write_text(lines[0] + "\n")
    done = subprocess.run([psk_crack(), str(params)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert 'key "letmein" matches SHA1 hash' in done.stdout


def test_the_fixed_twin_gives_nothing_to_crack(tmp_path: Path) -> None:
    assert from_capture(_capture("aggressive-mode-weak-psk-fixed", tmp_path)) == []
