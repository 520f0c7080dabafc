"""pytest plugin: ``pytest scenarios/`` collects every scenario YAML file that has an ``expect:``
section as one test item, so a fault catalogue runs in an existing CI.

Registered as the ``pytest11`` entry point ``ikesim`` (disable with ``-p no:ikesim``, or set the
ini option ``ikesim_scenarios = false``). A failing item shows each unmet expectation as
``file:line``, what was expected and what happened; an invalid file shows its ``file:line`` error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ikesim.errors import IkesimError

_HAS_EXPECT = re.compile(r"^expect\s*:", re.MULTILINE)
SUFFIXES = (".yaml", ".yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("ikesim_scenarios", "collect ikesim scenario files that have an 'expect:' "
                  "section as tests", type="bool", default=True)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in SUFFIXES or not parent.config.getini("ikesim_scenarios"):
        return None
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not _HAS_EXPECT.search(text):
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    def collect(self):  # type: ignore[no-untyped-def]
        from ikesim.check import scenario_name

        yield ScenarioItem.from_parent(self, name=scenario_name(self.path))


class ScenarioFailed(Exception):
    """Some expectations did not hold; ``failures`` are ikesim.scenario.expect.Failure."""

    def __init__(self, failures: list[Any]) -> None:
        super().__init__(f"{len(failures)} expectation(s) failed")
        self.failures = failures


class ScenarioInvalid(Exception):
    """The scenario file does not load (the message is the file:line error)."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        from ikesim.scenario.expect import check_scenario, expectations_of
        from ikesim.scenario.loader import load_scenario

        try:
            scenario = load_scenario(self.path)
            _, failures = check_scenario(scenario, expectations_of(scenario))
        except IkesimError as exc:
            raise ScenarioInvalid(str(exc)) from None
        if failures:
            raise ScenarioFailed(failures)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            count = len(excinfo.value.failures)
            head = f"{count} expectation(s) of scenario '{self.name}' failed:"
            return "\n\n".join([head] + [f.render() for f in excinfo.value.failures])
        if isinstance(excinfo.value, ScenarioInvalid):
            return f"invalid scenario: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"
