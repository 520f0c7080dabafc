"""`ikesim check`: discovery, -k, -j (parallel = serial), exit codes, the table, JUnit XML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ikesim.check import (
    EXIT_FAIL,
    EXIT_INVALID,
    EXIT_OK,
    compile_keyword,
    discover,
    run_all,
    select,
)
from ikesim.cli.check import check

DATA = Path(__file__).parent / "data" / "expect"
ROOT = Path(__file__).parent.parent


@pytest.fixture()
def lab(tmp_path: Path) -> Path:
    """A folder: the three reference labs, a failing mutant and a broken file in a subfolder."""
    for name in ("stuck.yaml", "fixed.yaml", "plain.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    text = (DATA / "stuck.yaml").read_text()
    mutant = text.replace("name: stuck", "name: stuck-mutant").replace(
        "event: retransmit, equals: 5", "event: retransmit, equals: 7")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "mutant.yaml").write_text(mutant)
    (tmp_path / "notes.txt").write_text("not a scenario")
    return tmp_path


def add_invalid(folder: Path) -> Path:
    text = (DATA / "fixed.yaml").read_text().replace(
        "name: fixed", "name: broken").replace("state: QM_IDLE, conn_id: 1,",
                                               "state: QM_IDLING, conn_id: 1,")
    path = folder / "more" / "broken.yaml"
    path.write_text(text)
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(check, list(args), catch_exceptions=False)


def test_all_pass_exit_0_with_a_table() -> None:
    result = invoke(str(DATA), "-j", "1")
    assert result.exit_code == EXIT_OK, result.output
    rows = [s for s in result.output.splitlines() if "tests/data/expect/" in s]
    assert len(rows) == 3
    assert "fixed.yaml" in rows[0] and "PASS" in rows[0]
    assert "plain.yaml" in rows[1] and "RAN" in rows[1]       # no expect: section
    assert "stuck.yaml" in rows[2] and "PASS" in rows[2]
    assert "2 passed, 1 ran in" in result.output


def test_a_failing_expectation_exits_1_and_shows_the_diff(lab: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(lab)
    result = invoke(".", "-j", "1")
    assert result.exit_code == EXIT_FAIL, result.output
    row = next(s for s in result.output.splitlines() if "mutant.yaml" in s and "│" in s)
    assert "FAIL" in row and "count retransmit on RT1: 5 'retransmit' event(s)" in row
    mutant = Path("more") / "mutant.yaml"
    line = next(i for i, s in enumerate(mutant.read_text().splitlines(), 1) if "equals: 7" in s)
    assert f"line {line}: count retransmit" in row
    assert f"FAIL {mutant}" in result.output
    assert f"{mutant}:{line}: expectation failed: count retransmit on RT1" in result.output
    assert "exactly 7 'retransmit' event(s) on RT1" in result.output
    assert "5 'retransmit' event(s)" in result.output
    assert "2 passed, 1 ran, 1 failed in" in result.output


def test_invalid_input_exits_2_even_with_failures(lab: Path) -> None:
    broken = add_invalid(lab)
    result = invoke(str(lab), "-j", "1")
    assert result.exit_code == EXIT_INVALID
    line = next(i for i, s in enumerate(broken.read_text().splitlines(), 1) if "QM_IDLING" in s)
    assert f"{broken}:{line}: sa: 'state' must be one of" in result.output
    assert "INVALID" in result.output and "1 invalid" in result.output


def test_missing_path_and_empty_selection_are_invalid(tmp_path: Path) -> None:
    result = CliRunner().invoke(check, [str(tmp_path / "nope.yaml")])
    assert result.exit_code == EXIT_INVALID
    assert "nope.yaml: no such file or folder" in result.output
    result = CliRunner().invoke(check, [str(tmp_path)])
    assert result.exit_code == EXIT_INVALID and "no scenario file found" in result.output
    result = CliRunner().invoke(check, [str(DATA), "-k", "zebra"])
    assert result.exit_code == EXIT_INVALID and "matches -k 'zebra'" in result.output
    result = CliRunner().invoke(check, [str(DATA), "-k", "stuck and (fixed"])
    assert result.exit_code == 2 and "missing ')'" in result.output


def test_k_selects_by_name_or_path(lab: Path) -> None:
    result = invoke(str(lab), "-k", "stuck and not mutant", "-j", "1")
    assert result.exit_code == EXIT_OK
    assert "stuck.yaml" in result.output and "mutant" not in result.output.split("\n\n")[0]
    assert "1 passed in" in result.output
    # the scenario's name ("stuck-mutant") counts too, not only the file name
    files, _ = discover([lab])
    assert [f.name for f in select(files, "STUCK-MUT")] == ["mutant.yaml"]
    assert [f.name for f in select(files, "more")] == ["mutant.yaml"]
    assert [f.name for f in select(files, "fixed or plain")] == ["fixed.yaml", "plain.yaml"]


def test_keyword_expressions() -> None:
    m = compile_keyword("a and not (b or c)")
    assert m("xAx") and not m("ab") and not m("ac") and not m("x")
    assert compile_keyword("not not a")("a")
    for bad in ("a and", "(a", "a b", "or a", ")"):
        with pytest.raises(click.BadParameter):
            compile_keyword(bad)


def test_discovery_is_recursive_sorted_and_deduplicated(lab: Path) -> None:
    add_invalid(lab)
    files, errors = discover([lab, lab / "stuck.yaml"])
    assert errors == []
    assert [f.relative_to(lab).as_posix() for f in files] == [
        "fixed.yaml", "more/broken.yaml", "more/mutant.yaml", "plain.yaml", "stuck.yaml"]


def test_parallel_run_equals_serial_run(lab: Path) -> None:
    add_invalid(lab)
    files, _ = discover([lab])
    serial = run_all(files, 1)
    parallel = run_all(files, 2)
    assert [o.status for o in serial] == ["pass", "invalid", "fail", "ran", "pass"]
    assert len(parallel) == len(serial)
    for a, b in zip(serial, parallel, strict=True):
        assert a.same_result(b), (a, b)
    assert serial[2].failures and serial[2].failures == parallel[2].failures


def test_junit_xml_parses_with_the_right_counts(lab: Path, tmp_path: Path) -> None:
    add_invalid(lab)
    report = tmp_path / "out" / "junit.xml"
    report.parent.mkdir()
    result = invoke(str(lab), "-j", "2", "--junit", str(report))
    assert result.exit_code == EXIT_INVALID
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["fixed", "broken", "stuck-mutant", "plain", "stuck"]
    failure = cases[2].find("failure")
    assert failure is not None and "count retransmit on RT1" in failure.get("message", "")
    assert "exactly 7 'retransmit' event(s)" in (failure.text or "")
    error = cases[1].find("error")
    assert error is not None and error.get("type") == "InputError"
    assert "'state' must be one of" in error.get("message", "")
    assert all(c.find("failure") is None and c.find("error") is None
               for c in (cases[0], cases[3], cases[4]))
    assert all(float(c.get("time", "x")) >= 0 for c in cases)
    assert cases[1].get("classname", "").endswith(".more")
    assert cases[1].get("file") == str(lab / "more" / "broken.yaml")


def test_python_dash_m_entry_point(lab: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "ikesim", "check", str(DATA), "-j", "2"],
                        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "2 passed, 1 ran" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "ikesim", "check", str(lab), "-k", "mutant"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert bad.returncode == 1
    assert "expectation failed: count retransmit on RT1" in bad.stdout


def test_internal_error_in_a_scenario_is_reported_not_raised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ikesim.scenario.expect as expect

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(expect, "check_scenario", boom)
    result = invoke(str(DATA / "stuck.yaml"), "-j", "1")
    assert result.exit_code == EXIT_FAIL
    assert "ERROR" in result.output and "internal error: RuntimeError: boom" in result.output
    assert "1 error in" in result.output
