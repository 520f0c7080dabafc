"""The pytest plugin: one test item per scenario file with an ``expect:`` section."""

from __future__ import annotations

import importlib.metadata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DATA = Path(__file__).parent / "data" / "expect"


@pytest.fixture(autouse=True, scope="module")
def _warm_imports() -> None:
    """pytester's in-process runs drop the modules first imported inside them; re-importing
    cryptography's bindings then breaks 3DES. Importing everything once out here avoids it."""
    import ikesim.pytest_plugin  # noqa: F401
    from ikesim.scenario.expect import check_scenario
    from ikesim.scenario.loader import load_scenario

    assert check_scenario(load_scenario(DATA / "fixed.yaml"))[1] == []


def plugin_args() -> list[str]:
    """``-p ikesim.pytest_plugin`` unless the installed package already registers it."""
    eps = importlib.metadata.entry_points(group="pytest11")
    if any(ep.value == "ikesim.pytest_plugin" for ep in eps):
        return ["-p", "no:cacheprovider"]
    return ["-p", "ikesim.pytest_plugin", "-p", "no:cacheprovider"]


@pytest.fixture()
def catalogue(pytester: pytest.Pytester) -> Path:
    root = pytester.path / "scenarios"
    (root / "sub").mkdir(parents=True)
    (root / "stuck.yaml").write_text((DATA / "stuck.yaml").read_text())
    (root / "sub" / "fixed.yaml").write_text((DATA / "fixed.yaml").read_text())
    (root / "plain.yaml").write_text((DATA / "plain.yaml").read_text())   # no expect: section
    (root / "other.yaml").write_text("some: config\nof: another tool\n")
    return root


def test_collects_one_item_per_scenario_with_expectations(pytester: pytest.Pytester,
                                                          catalogue: Path) -> None:
    result = pytester.runpytest(*plugin_args(), "--collect-only", "-q", str(catalogue))
    result.stdout.fnmatch_lines(["scenarios/stuck.yaml::stuck",
                                 "scenarios/sub/fixed.yaml::fixed", "*2 tests collected*"])
    assert "plain" not in result.stdout.str() and "other" not in result.stdout.str()


def test_passing_catalogue(pytester: pytest.Pytester, catalogue: Path) -> None:
    result = pytester.runpytest(*plugin_args(), "-v", str(catalogue))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*stuck.yaml::stuck PASSED*", "*fixed.yaml::fixed PASSED*"])
    assert result.ret == 0


def test_failure_shows_the_expectation_diff(pytester: pytest.Pytester, catalogue: Path) -> None:
    path = catalogue / "stuck.yaml"
    text = path.read_text().replace("state: MM_SA_SETUP, conn_id: 1",
                                    "state: QM_IDLE, conn_id: 1")
    path.write_text(text.replace("success: 0, of: 5", "success: 5, of: 5"))
    result = pytester.runpytest(*plugin_args(), str(catalogue))
    result.assert_outcomes(passed=1, failed=1)
    sa_line = next(i for i, s in enumerate(text.splitlines(), 1) if s == "  - sa:")
    result.stdout.fnmatch_lines([
        "*2 expectation(s) of scenario 'stuck' failed:*",
        f"*stuck.yaml:{sa_line}: expectation failed: sa RT2 at 10s (exact table)*",
        "*expected:*",
        "*11.11.11.2      10.10.10.2      QM_IDLE               1 no*",
        "*actual:*",
        "*row 1 differs: state: expected QM_IDLE, got MM_SA_SETUP*",
        "*expectation failed: ping from PC1*",
        "*0 replies of 5, not 5*",
        "FAILED scenarios/stuck.yaml::stuck*",
    ])


def test_invalid_scenario_fails_with_file_and_line(pytester: pytest.Pytester,
                                                   catalogue: Path) -> None:
    path = catalogue / "sub" / "fixed.yaml"
    text = path.read_text().replace("event: phase1_complete", "event: phase1_completed")
    path.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "phase1_completed" in s)
    result = pytester.runpytest(*plugin_args(), str(catalogue))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([f"invalid scenario: *fixed.yaml:{line}: count: unknown IKE "
                                 "event 'phase1_completed'*"])


def test_junitxml_has_one_testcase_per_scenario(pytester: pytest.Pytester,
                                                catalogue: Path) -> None:
    path = catalogue / "stuck.yaml"
    path.write_text(path.read_text().replace("equals: 5}", "equals: 3}"))
    report = pytester.path / "junit.xml"
    result = pytester.runpytest(*plugin_args(), f"--junitxml={report}", str(catalogue))
    result.assert_outcomes(passed=1, failed=1)
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["stuck"]
    assert "exactly 3 'retransmit' event(s) on RT1" in (failed[0].find("failure").text or "")


def test_ini_option_turns_collection_off(pytester: pytest.Pytester, catalogue: Path) -> None:
    pytester.makeini("[pytest]\nikesim_scenarios = false\n")
    result = pytester.runpytest(*plugin_args(), str(catalogue))
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
