"""`ikesim check` against scenarios that hang, crash, break the loader or get interrupted: each
is reported as such in the table and in the JUnit report, which is always written."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from ikesim.check import EXIT_FAIL, EXIT_INVALID, Outcome, run_pool
from ikesim.cli.check import check

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
DATA = ROOT / "tests" / "data" / "expect"
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


def junit_cases(path: Path) -> dict[str, ET.Element]:
    return {c.get("name", ""): c for c in ET.parse(path).getroot().iter("testcase")}


def test_a_scenario_that_runs_too_long_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text(LONG)
    shutil.copy(DATA / "plain.yaml", tmp_path / "plain.yaml")
    report = tmp_path / "out.xml"
    result = CliRunner().invoke(check, [str(tmp_path), "--timeout", "1", "-j", "2", "--junit",
                                        str(report)])
    assert result.exit_code == EXIT_FAIL, result.output
    row = next(s for s in result.output.splitlines() if "long.yaml" in s and "│" in s)
    assert "TIMEOUT" in row and "no result after 1 s" in row
    assert "1 ran, 1 timed out" in result.output
    cases = junit_cases(report)
    error = cases["long"].find("error")
    assert error is not None and error.get("type") == "Timeout"
    assert cases["plain"].find("error") is None


def _die(file: str) -> Outcome:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("not reached")


def _answer(file: str) -> Outcome:
    return Outcome(file, "ok", "ran", 0.0)


def test_a_worker_that_dies_is_a_crash_and_the_others_still_run() -> None:
    outcomes = run_pool(["a.yaml", "b.yaml", "c.yaml"], 2, 30, lambda f: _die(f)
                        if f == "b.yaml" else _answer(f))
    assert [o.status for o in outcomes] == ["ran", "crash", "ran"]
    assert "killed by signal SIGKILL" in outcomes[1].first


def test_a_loader_crash_is_invalid_not_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ikesim.scenario.loader as loader

    def broken(path: object) -> None:
        raise ValueError("invalid literal for int() with base 10: '²'")

    monkeypatch.setattr(loader, "load_scenario", broken)
    result = CliRunner().invoke(check, [str(DATA / "plain.yaml"), "-j", "1"])
    assert result.exit_code == EXIT_INVALID
    assert "INVALID" in result.output and "internal error while loading: ValueError" in \
        result.output


def test_the_report_is_written_when_paths_are_missing(tmp_path: Path) -> None:
    report = tmp_path / "out.xml"
    result = CliRunner().invoke(check, [str(tmp_path / "nope.yaml"), "--junit", str(report)])
    assert result.exit_code == EXIT_INVALID
    error = junit_cases(report)["nope"].find("error")
    assert error is not None and "no such file or folder" in (error.text or "")


def test_a_report_path_that_is_a_scenario_is_refused_before_running(tmp_path: Path) -> None:
    shutil.copy(DATA / "plain.yaml", tmp_path / "plain.yaml")
    before = (tmp_path / "plain.yaml").read_bytes()
    result = CliRunner().invoke(check, [str(tmp_path), "--junit", str(tmp_path / "plain.yaml")])
    assert result.exit_code == EXIT_INVALID
    assert "is an input of this command" in result.output and "RAN" not in result.output
    assert (tmp_path / "plain.yaml").read_bytes() == before
    result = CliRunner().invoke(check, [str(tmp_path), "--junit", str(tmp_path / "no" / "x")])
    assert result.exit_code == EXIT_INVALID and "no folder" in result.output
    assert "RAN" not in result.output


def test_warnings_show_in_the_table_and_the_report(tmp_path: Path) -> None:
    text = (DATA / "plain.yaml").read_text() + \
        "  - {at: 9s, device: H1, exec: ping 192.168.1.1 rep 1}\n"
    (tmp_path / "late.yaml").write_text(text)
    report = tmp_path / "out.xml"
    result = CliRunner().invoke(check, [str(tmp_path), "--junit", str(report), "-j", "1"])
    assert result.exit_code == 0, result.output
    line = len(text.splitlines())
    assert f"late.yaml:{line}: warning: this event at 9s is not before the end" in result.output
    assert "warning: this event at 9s" in (junit_cases(report)["plain"].findtext("system-err")
                                           or "")


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def test_ctrl_c_stops_the_workers_and_still_writes_the_report(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text(LONG)
    report = tmp_path / "out.xml"
    process = subprocess.Popen([sys.executable, "-m", "ikesim", "check", str(tmp_path),
                                "--junit", str(report)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    try:
        for _ in range(1200):
            if _children(process.pid):
                break
            assert process.poll() is None
            time.sleep(0.05)
        worker = _children(process.pid)[0]
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == EXIT_FAIL, err
    assert "INTERRUPTED" in out and "interrupted" in err and "Traceback" not in err
    error = junit_cases(report)["long"].find("error")
    assert error is not None and error.get("type") == "Interrupted"
    assert not Path(f"/proc/{worker}").exists() or \
        "zombie" in Path(f"/proc/{worker}/status").read_text().lower()
