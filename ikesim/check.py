"""``ikesim check PATH...``: run scenario files (or every ``*.yaml`` under folders) and check
their ``expect:`` sections, one process per scenario.

Exit codes: 0 every scenario passed (or ran, when it has no expectations), 1 some scenario
failed, 2 invalid input (a file that does not load, a bad path or ``-k`` expression, nothing to
run). Scenarios are deterministic, so ``-j 1`` and ``-j N`` give the same results.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection as mp_connection
import re
import signal
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable
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
    # "pass" | "ran" | "fail" | "invalid" | "error" | "timeout" | "crash" | "interrupted"
    status: str
    seconds: float                    # wall time of load + run + checks
    expectations: int = 0
    failures: tuple[str, ...] = ()    # rendered failures (expected / actual / where)
    first: str = ""                   # one-line summary of the first problem
    warnings: tuple[str, ...] = ()    # FILE:LINE: warning: ... (docs/scenario-format.md)

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
        elif path.exists():
            errors.append(f"{path}: not a regular file or folder")
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
    from ikesim.scenario.files import MAX_SCENARIO_BYTES, read_regular_file

    try:
        data = read_regular_file(path, limit=MAX_SCENARIO_BYTES, what="scenario")
        m = _NAME.search(data.decode("utf-8"))
    except (IkesimError, UnicodeDecodeError):
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
DEFAULT_TIMEOUT = 300.0      # seconds of wall-clock time per scenario (--timeout)


def run_one(file: str) -> Outcome:
    """Load, run and check one scenario file. Never raises (runs in a worker process).

    A file that does not load is INVALID — also when the loader itself fails (a bug in a
    parser is still a file it could not read); a failure while running is an ERROR."""
    from ikesim.scenario.expect import check_scenario, expectations_of
    from ikesim.scenario.loader import load_scenario

    start = time.perf_counter()
    name = Path(file).stem
    expectations: Any = ()
    try:
        scenario = load_scenario(file)
        name = scenario.name
        expectations = expectations_of(scenario)
    except IkesimError as exc:
        return _invalid(file, name, start, exc)
    except Exception as exc:  # noqa: BLE001 - a parser crash: reported, not raised
        text = f"{file}: internal error while loading: {type(exc).__name__}: {exc}"
        return Outcome(file, name, "invalid", time.perf_counter() - start, first=text,
                       failures=(text,))
    warnings = tuple(_warning_text(w) for w in scenario.warnings)
    try:
        _, failures = check_scenario(scenario, expectations, runtime=_streaming(scenario))
    except IkesimError as exc:      # bad input found while running
        return _invalid(file, name, start, exc)
    except Exception as exc:  # noqa: BLE001 - reported as this scenario's error, not a crash
        text = f"internal error: {type(exc).__name__}: {exc}"
        return Outcome(file, name, "error", time.perf_counter() - start, len(expectations),
                       (text,), text, warnings)
    elapsed = time.perf_counter() - start
    if failures:
        return Outcome(file, name, "fail", elapsed, len(expectations),
                       tuple(f.render() for f in failures), _short(failures[0]), warnings)
    return Outcome(file, name, "pass" if len(expectations) else "ran", elapsed,
                   len(expectations), warnings=warnings)


def _streaming(scenario: Any) -> Any:
    """A runtime that keeps neither its event history nor its transcript (nobody reads them
    here): the expectations watch the event stream, so memory stays flat in long runs."""
    from ikesim.export.transcript import Transcript
    from ikesim.net.events import EventLog
    from ikesim.scenario.runner import Runtime

    return Runtime(scenario, events=EventLog(keep=False),
                   transcript=Transcript(sink=lambda _block: None))


def _warning_text(w: Any) -> str:
    return f"{w.file}:{w.line}: warning: {w.reason}" if w.line else f"{w.file}: warning: " \
        f"{w.reason}"


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


def run_all(files: list[Path], jobs: int, timeout: float = DEFAULT_TIMEOUT) -> list[Outcome]:
    """Outcomes in the order of ``files``, each scenario in its own worker process (at most
    ``jobs`` at a time) killed after ``timeout`` seconds of wall-clock time.

    A worker that hangs is reported as TIMEOUT, one that dies without an answer (a signal, an
    exhausted machine) as CRASH; Ctrl-C stops the workers and reports the scenarios that did
    not finish as INTERRUPTED (then raises KeyboardInterrupt with the outcomes attached)."""
    return run_pool([str(f) for f in files], max(1, jobs), timeout, run_one)


# -- worker processes --------------------------------------------------------------------------
@dataclass(slots=True)
class _Worker:
    index: int
    file: str
    process: Any
    conn: Any
    deadline: float


def _child(conn: Any, file: str, work: Callable[[str], Outcome]) -> None:
    """In the worker: run one scenario and send its outcome back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    conn.send(work(file))
    conn.close()


def run_pool(files: list[str], jobs: int, timeout: float,
             work: Callable[[str], Outcome]) -> list[Outcome]:
    """``work(file)`` for every file in a worker process of its own; see :func:`run_all`."""
    # Import what every worker needs once, here: forked workers then start with it loaded
    # and the time limit measures the scenario, not the imports.
    import ikesim.scenario.expect
    import ikesim.scenario.loader
    import ikesim.scenario.runner  # noqa: F401
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    todo = deque(enumerate(files))
    running: dict[int, _Worker] = {}
    results: list[Outcome | None] = [None] * len(files)
    try:
        while todo or running:
            while todo and len(running) < jobs:
                index, file = todo.popleft()
                parent, child = mp.Pipe(duplex=False)
                process = mp.Process(target=_child, args=(child, file, work), daemon=True)
                process.start()
                child.close()
                running[index] = _Worker(index, file, process, parent,
                                         time.monotonic() + timeout)
            wait_for = max(0.0, min(w.deadline for w in running.values()) - time.monotonic())
            ready = mp_connection.wait([w.conn for w in running.values()], timeout=wait_for)
            for worker in list(running.values()):
                if worker.conn in ready:
                    results[worker.index] = _answer(worker, timeout)
                elif time.monotonic() >= worker.deadline:
                    _stop(worker)
                    results[worker.index] = Outcome(
                        worker.file, Path(worker.file).stem, "timeout", timeout,
                        first=f"no result after {timeout:g} s of wall-clock time (stopped)",
                        failures=(f"{worker.file}: timeout: no result after {timeout:g} s of "
                                  "wall-clock time; the scenario was stopped (--timeout)",))
                else:
                    continue
                del running[worker.index]
    except KeyboardInterrupt as interrupt:
        for worker in running.values():
            _stop(worker)
        outcomes = [o if o is not None else Outcome(
            f, Path(f).stem, "interrupted", 0.0, first="not finished: interrupted (Ctrl-C)",
            failures=(f"{f}: interrupted before it finished",))
            for f, o in zip(files, results, strict=True)]
        interrupt.outcomes = outcomes        # type: ignore[attr-defined]
        raise
    return [o for o in results if o is not None]


def _answer(worker: _Worker, timeout: float) -> Outcome:
    """The outcome a worker sent, or CRASH when it died without one."""
    try:
        outcome: Outcome = worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join(5)
        code = worker.process.exitcode
        how = f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0 \
            else f"exit status {code}"
        text = f"the worker process died without a result ({how})"
        return Outcome(worker.file, Path(worker.file).stem, "crash", 0.0, first=text,
                       failures=(f"{worker.file}: crash: {text}",))
    worker.conn.close()
    worker.process.join(timeout)
    return outcome


def _stop(worker: _Worker) -> None:
    worker.process.terminate()
    worker.process.join(2)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def exit_code(outcomes: Iterable[Outcome]) -> int:
    statuses = {o.status for o in outcomes}
    if "invalid" in statuses:
        return EXIT_INVALID
    if statuses - {"pass", "ran"}:
        return EXIT_FAIL
    return EXIT_OK


# -- JUnit XML -------------------------------------------------------------------------------
# Statuses reported as <error> (the scenario could not be checked) and their JUnit type.
ERROR_TYPES = {"invalid": "InputError", "error": "InternalError", "timeout": "Timeout",
               "crash": "Crash", "interrupted": "Interrupted"}


def junit_bytes(outcomes: list[Outcome], wall: float) -> bytes:
    """JUnit XML: one testcase per scenario; <failure> for unmet expectations, <error> for
    invalid files, internal errors, timeouts, crashes and interrupted runs; warnings in
    <system-err>."""
    failures = sum(o.status == "fail" for o in outcomes)
    errors = sum(o.status in ERROR_TYPES for o in outcomes)
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
        elif o.status in ERROR_TYPES:
            node = ET.SubElement(case, "error", {"message": o.first,
                                                 "type": ERROR_TYPES[o.status]})
            node.text = "\n\n".join(o.failures)
        if o.warnings:
            ET.SubElement(case, "system-err").text = "\n".join(o.warnings)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(outcomes: list[Outcome], path: Path, wall: float) -> None:
    """The JUnit report at ``path`` (the CLI writes it atomically through its outputs)."""
    path.write_bytes(junit_bytes(outcomes, wall))
