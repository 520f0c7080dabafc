"""Output files (ikesim/cli/outputs.py): checked before the run, written to a temporary file
and renamed, never an input, never half-written — on an error, Ctrl-C, SIGTERM or a full disk."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ikesim.cli.run import run

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
LAB = ROOT / "scenarios" / "missing-return-route-fixed.yaml"

LONG = """\
name: long
duration: 720h
routers:
  RT1: |
    hostname RT1
    interface FastEthernet0/0
     ip address 10.0.0.1 255.255.255.0
hosts:
  PC1: {address: 10.0.0.2/24, gateway: 10.0.0.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
events:
  - {at: 1s, device: PC1, exec: ping 10.0.0.1 repeat 2, every: 60s}
"""


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(run, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def lab(tmp_path: Path) -> Path:
    shutil.copy(LAB, tmp_path / "lab.yaml")
    return tmp_path / "lab.yaml"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_outputs_are_written_whole_and_match_the_kept_record(lab: Path) -> None:
    from ikesim.cli.common import json_default
    from ikesim.export.events_json import event_record
    from ikesim.export.pcap import Capture
    from ikesim.export.wire import WireCapture
    from ikesim.scenario.loader import load_scenario
    from ikesim.scenario.runner import Runtime

    out = lab.parent
    result = invoke(lab, "--no-outcome", "--json", out / "ev.json", "--pcap", out / "c.pcap",
                    "--keys", out / "k.txt", "--esp-keys", out / "esp.txt")
    assert result.exit_code == 0, result.output
    assert leftovers(out) == []
    runtime = Runtime(load_scenario(lab))           # keeps the whole record
    capture = Capture.attach(runtime)
    wire = WireCapture.attach(runtime.lab)
    kept = runtime.run()
    assert result.output == kept.transcript_text()  # streamed transcript, same bytes
    lines = [json.dumps(event_record(e), sort_keys=True, default=json_default) + "\n"
             for e in kept.events.events]                # addresses dotted (issue 12)
    assert (out / "ev.json").read_text() == "".join(lines)
    assert (out / "c.pcap").read_bytes() == wire.pcapng()
    assert (out / "k.txt").read_text().splitlines() == capture.key_table_lines()
    assert (out / "esp.txt").read_text().splitlines() == capture.esp_sa_lines()


@pytest.mark.parametrize("option", ["--json", "--pcap", "--keys", "--esp-keys"])
def test_an_output_that_is_the_scenario_is_refused(lab: Path, option: str) -> None:
    before = lab.read_bytes()
    result = invoke(lab, option, lab)
    assert result.exit_code == 2
    assert f"{option} {lab} is an input of this command" in result.output
    assert lab.read_bytes() == before and leftovers(lab.parent) == []


def test_a_config_file_and_a_symlink_to_the_scenario_are_inputs_too(tmp_path: Path) -> None:
    (tmp_path / "rt1.cfg").write_text("hostname RT1\ninterface FastEthernet0/0\n"
                                      " ip address 10.0.0.1 255.255.255.0\n")
    lab = tmp_path / "lab.yaml"
    lab.write_text("name: x\nduration: 2s\nrouters:\n  RT1: {config_file: rt1.cfg}\n")
    result = invoke(lab, "--json", tmp_path / "rt1.cfg")
    assert result.exit_code == 2 and "is an input" in result.output
    (tmp_path / "alias.yaml").symlink_to(lab)
    result = invoke(lab, "--pcap", tmp_path / "alias.yaml")
    assert result.exit_code == 2 and "is an input" in result.output
    assert "hostname RT1" in (tmp_path / "rt1.cfg").read_text()


def test_two_options_naming_one_file_a_folder_or_nowhere_are_refused(lab: Path) -> None:
    out = lab.parent
    result = invoke(lab, "--json", out / "x", "--pcap", out / "x")
    assert result.exit_code == 2 and "--json and --pcap name the same file" in result.output
    (out / "dir").mkdir()
    result = invoke(lab, "--keys", out / "dir")         # click's own check of the option
    assert result.exit_code == 2 and "is a directory" in result.output
    from ikesim.cli.check import check

    result = CliRunner().invoke(check, [str(lab), "--junit", str(out / "dir")])
    assert result.exit_code == 2 and "--junit" in result.output and "is a folder" in result.output
    result = invoke(lab, "--json", out / "missing" / "x.json")
    assert result.exit_code == 2 and "no folder" in result.output
    assert "RT1#" not in result.output              # refused before the run


def test_an_unwritable_place_is_refused_before_the_run(lab: Path) -> None:
    result = invoke(lab, "--json", "/proc/ikesim-cannot-write-here.json")
    assert result.exit_code == 2, result.output
    assert "cannot write --json" in result.output
    assert "RT1#" not in result.output and "PC1#" not in result.output


def test_a_special_file_is_written_in_place(lab: Path) -> None:
    result = invoke(lab, "--json", os.devnull)
    assert result.exit_code == 0 and os.path.exists(os.devnull)


def test_disk_full_is_a_clean_error_and_keeps_the_old_file(lab: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import ikesim.cli.outputs as outputs

    target = lab.parent / "ev.json"
    target.write_text("old\n")
    real_open = open

    def full_disk(path, mode="r", **kw):  # type: ignore[no-untyped-def]
        return real_open("/dev/full", mode, **kw)      # every write fails with ENOSPC

    monkeypatch.setattr(outputs, "_open", full_disk)
    result = invoke(lab, "--json", target)
    assert result.exit_code == 2
    assert "cannot write --json" in result.output and "No space left on device" in result.output
    assert target.read_text() == "old\n" and leftovers(lab.parent) == []


def test_stdout_on_a_full_disk_is_a_clean_error(lab: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "ikesim", "run", str(lab)], stdout=full,
                                stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT,
                                timeout=120)
    assert result.returncode == 2, result.stderr
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_leaves_no_partial_file(tmp_path: Path, sig: signal.Signals) -> None:
    lab = tmp_path / "long.yaml"
    lab.write_text(LONG)
    target = tmp_path / "ev.json"
    target.write_text("old\n")
    process = subprocess.Popen([sys.executable, "-m", "ikesim", "run", str(lab), "--json",
                                str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, env=ENV, cwd=ROOT)
    try:
        for _ in range(1200):                  # until the run is writing its temporary file
            temps = [p for p in tmp_path.iterdir() if p.name.startswith(".ev.json.")]
            if temps and temps[0].stat().st_size > 0:
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        else:
            pytest.fail("the run never started writing")
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, err
    assert "interrupted" in err and "Traceback" not in err
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []
