"""``ikesim check PATH...``: run scenario files (or every ``*.yaml`` under folders) and check
their ``expect:`` sections, one process per scenario.

Exit codes: 0 every scenario passed (or ran, when it has no expectations), 1 some scenario
failed, 2 invalid input (a file that does not load, a bad path or ``-k`` expression, nothing to
run). Scenarios are deterministic, so ``-j 1`` and ``-j N`` give the same results.
"""

from __future__ import annotations

import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ikesim.errors import IkesimError

EXIT_OK, EXIT_FAIL, EXIT_INVALID = 0, 1, 2
PASSING = ("pass", "ran")
SUFFIXES = (".yaml", ".yml")
_NAME = re.compile(r"^name:\s*['\"]?(.*?)['\"]?\s*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one scenario file (picklable: it comes back from a worker process)."""

    file: str
    name: str
    status: str                       # "pass" | "ran" | "fail" | "invalid" | "error"
    seconds: float                    # wall time of load + run + checks
    expectations: int = 0
    failures: tuple[str, ...] = ()    # rendered failures (expected / actual / where)
    first: str = ""                   # one-line summary of the first problem

    @property
    def ok(self) -> bool:
        return self.status in PASSING

    def same_result(self, other: Outcome) -> bool:
        """Equal apart from the wall time (what serial vs parallel runs must agree on)."""
        return (self.file, self.name, self.status, self.expectations, self.failures,
                self.first) == (other.file, other.name, other.status, other.expectations,
                                other.failures, other.first)


# -- discovery and selection -----------------------------------------------------------------
def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Scenario files under ``paths`` (files as given, folders searched recursively, sorted)
    and the errors for paths that do not exist."""
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, errors


def scenario_name(path: Path) -> str:
    """The scenario's ``name:`` (read cheaply, without loading), else the file stem."""
    try:
        m = _NAME.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        m = None
    return m.group(1) if m and m.group(1) else path.stem


def compile_keyword(expr: str) -> Callable[[str], bool]:
    """A pytest-like ``-k`` expression: words (case-insensitive substrings), and/or/not, ()."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def parse_or() -> Callable[[str], bool]:
        left = parse_and()
        while peek() == "or":
            take()
            a, b = left, parse_and()
            left = lambda s, a=a, b=b: a(s) or b(s)  # noqa: E731
        return left

    def parse_and() -> Callable[[str], bool]:
        left = parse_not()
        while peek() == "and":
            take()
            a, b = left, parse_not()
            left = lambda s, a=a, b=b: a(s) and b(s)  # noqa: E731
        return left

    def parse_not() -> Callable[[str], bool]:
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda s: not inner(s)
        if peek() == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise click.BadParameter(f"missing ')' in {expr!r}", param_hint="-k")
            take()
            return inner
        word = peek()
        if word is None or word in ("and", "or", ")"):
            raise click.BadParameter(f"expected a word at position {pos + 1} of {expr!r}",
                                     param_hint="-k")
        take()
        low = word.lower()
        return lambda s: low in s.lower()

    matcher = parse_or()
    if pos != len(tokens):
        raise click.BadParameter(f"unexpected {tokens[pos]!r} in {expr!r}", param_hint="-k")
    return matcher


def select(files: list[Path], expr: str | None) -> list[Path]:
    if not expr:
        return files
    matches = compile_keyword(expr)
    return [f for f in files if matches(f"{f.as_posix()} {scenario_name(f)}")]


# -- running ---------------------------------------------------------------------------------
def run_one(file: str) -> Outcome:
    """Load, run and check one scenario file. Never raises (runs in a worker process)."""
    from ikesim.scenario.expect import check_scenario, expectations_of
    from ikesim.scenario.loader import load_scenario

    start = time.perf_counter()
    name = Path(file).stem
    expectations: Any = ()
    try:
        scenario = load_scenario(file)
        name = scenario.name
        expectations = expectations_of(scenario)
        _, failures = check_scenario(scenario, expectations)
    except IkesimError as exc:      # bad input, found at load time or while running
        return _invalid(file, name, start, exc)
    except Exception as exc:  # noqa: BLE001 - reported as this scenario's error, not a crash
        text = f"internal error: {type(exc).__name__}: {exc}"
        return Outcome(file, name, "error", time.perf_counter() - start, len(expectations),
                       (text,), text)
    elapsed = time.perf_counter() - start
    if failures:
        return Outcome(file, name, "fail", elapsed, len(expectations),
                       tuple(f.render() for f in failures), _short(failures[0]))
    return Outcome(file, name, "pass" if len(expectations) else "ran", elapsed,
                   len(expectations))


def _invalid(file: str, name: str, start: float, exc: IkesimError) -> Outcome:
    reason = getattr(exc, "reason", None)
    line = getattr(exc, "line", None)
    first = f"line {line}: {reason}" if reason and line else str(exc)
    return Outcome(file, name, "invalid", time.perf_counter() - start, first=first,
                   failures=(str(exc),))


def _short(failure: Any) -> str:
    """The table's one-line summary: the expectation's line, what, and what happened."""
    happened = failure.actual[0].strip() if failure.actual else ""
    return f"line {failure.line}: {failure.title}: {happened}"


def run_all(files: list[Path], jobs: int) -> list[Outcome]:
    """Outcomes in the order of ``files``; ``jobs`` worker processes (1: in this process)."""
    names = [str(f) for f in files]
    jobs = max(1, min(jobs, len(names)))
    if jobs == 1:
        return [run_one(n) for n in names]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_one, names, chunksize=1))


def exit_code(outcomes: Iterable[Outcome]) -> int:
    statuses = {o.status for o in outcomes}
    if "invalid" in statuses:
        return EXIT_INVALID
    if statuses & {"fail", "error"}:
        return EXIT_FAIL
    return EXIT_OK


# -- reporting -------------------------------------------------------------------------------
_STYLE = {"pass": "green", "ran": "green", "fail": "bold red", "invalid": "bold magenta",
          "error": "bold red"}
_WORD = {"pass": "passed", "ran": "ran", "fail": "failed", "invalid": "invalid",
         "error": "errors"}


def print_report(outcomes: list[Outcome], wall: float, jobs: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 120)
    labels = [o.file for o in outcomes]
    room = console.width - max(map(len, labels), default=8) - 7 - 7 - 9
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("scenario", no_wrap=True)
    table.add_column("result", no_wrap=True, min_width=7)
    table.add_column("time", justify="right", no_wrap=True, min_width=6)
    table.add_column("first failure", overflow="ellipsis", no_wrap=True,
                     max_width=max(20, room))
    for label, o in zip(labels, outcomes, strict=True):
        table.add_row(escape(label), f"[{_STYLE[o.status]}]{o.status.upper()}[/]",
                      f"{o.seconds:.2f}s", escape(o.first))
    console.print(table)
    bad = [o for o in outcomes if not o.ok]
    for o in bad:
        console.print()
        console.print(f"[{_STYLE[o.status]}]{o.status.upper()}[/] {escape(o.file)}")
        for text in o.failures:
            console.print(escape(text), soft_wrap=True)
    counts = {s: sum(o.status == s for o in outcomes) for s in _STYLE}
    summary = ", ".join(f"{n} {_WORD[s].removesuffix('s') if n == 1 and s == 'error' else _WORD[s]}"
                        for s, n in counts.items() if n)
    console.print()
    console.print(f"{summary} in {wall:.2f}s (-j {jobs})")


def write_junit(outcomes: list[Outcome], path: Path, wall: float) -> None:
    """JUnit XML: one testcase per scenario; <failure> for unmet expectations, <error> for
    invalid files and internal errors."""
    failures = sum(o.status == "fail" for o in outcomes)
    errors = sum(o.status in ("invalid", "error") for o in outcomes)
    attrs = {"name": "ikesim check", "tests": str(len(outcomes)), "failures": str(failures),
             "errors": str(errors), "skipped": "0", "time": f"{wall:.3f}"}
    root = ET.Element("testsuites", {k: attrs[k] for k in ("tests", "failures", "errors",
                                                            "time")})
    suite = ET.SubElement(root, "testsuite", attrs)
    for o in outcomes:
        parts = [p for p in Path(o.file).parent.parts if p not in (".", "..", "/")]
        parent = ".".join(parts) or "scenarios"
        case = ET.SubElement(suite, "testcase", {"classname": parent, "name": o.name,
                                                 "file": o.file, "time": f"{o.seconds:.3f}"})
        if o.status == "fail":
            node = ET.SubElement(case, "failure", {"message": o.first,
                                                   "type": "ExpectationFailed"})
            node.text = "\n\n".join(o.failures)
        elif o.status in ("invalid", "error"):
            kind = "InputError" if o.status == "invalid" else "InternalError"
            node = ET.SubElement(case, "error", {"message": o.first, "type": kind})
            node.text = "\n\n".join(o.failures)
    ET.indent(root)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")
