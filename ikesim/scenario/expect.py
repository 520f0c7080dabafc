"""Expectations of a scenario (its ``expect:`` section): validated when the file is loaded
(:mod:`~ikesim.scenario.expect_schema`), checked while the run streams its events
(:mod:`~ikesim.scenario.expect_watch`: compact per-expectation state, so long runs stay small)
and at the end (SA table snapshots taken during the run, verdicts).

The format is documented in docs/expectations.md. Use::

    exp = validate_expectations(raw, file="lab.yaml", devices={"RT1": "router", ...})
    rt = Runtime(scenario); prepare(exp, rt); result = rt.run()
    failures = evaluate(exp, result, rt)       # [] when every expectation holds

Every :class:`Failure` renders like a test-failure diff: where (file:line of the expectation,
device, simulated time), what was expected and what happened.
"""

from __future__ import annotations

import ipaddress
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ikesim.scenario.expect_console import LogWatcher, PingWatcher
from ikesim.scenario.expect_model import (
    DROP_REASONS,
    IKE_EVENTS,
    KINDS,
    OUTCOMES,
    PROTOCOLS,
    REASONS,
    ROW_KEYS,
    Bounds,
    CountExpect,
    DropExpect,
    Expectation,
    Expectations,
    Failure,
    LogExpect,
    Phase1Expect,
    PingExpect,
    SaExpect,
    Window,
    fmt_time,
)
from ikesim.scenario.expect_schema import validate_expectations
from ikesim.scenario.expect_watch import CountWatcher, DropWatcher, Phase1Watcher, Watcher

__all__ = ["DROP_REASONS", "IKE_EVENTS", "KINDS", "OUTCOMES", "PROTOCOLS", "REASONS",
           "ROW_KEYS", "Bounds", "CountExpect", "DropExpect", "Expectation", "Expectations",
           "Failure", "LogExpect", "PingExpect", "Phase1Expect", "SaExpect", "Window",
           "check_scenario", "evaluate", "expectations_of", "fmt_time", "prepare",
           "validate_expectations"]


# -- SA table snapshots, taken during the run ---------------------------------------------------
@dataclass(slots=True)
class _Snapshot:
    time: float
    rows: list[dict[str, Any]] | None     # None: the device has no ISAKMP engine


_AFTER_EVERYTHING = 2   # simpy priority below NORMAL (1): runs after all else at the same time


class SaWatcher:
    """``sa``: the table at a time, taken by a simpy event scheduled by :func:`prepare`."""

    kinds: tuple[str, ...] = ()

    def __init__(self, item: SaExpect) -> None:
        self.item = item
        self.snapshot: _Snapshot | None = None

    def schedule(self, runtime: Any) -> None:
        """A snapshot at time T is taken after everything else that happens at T (a simpy event
        of lower priority), so ``at: 10s`` sees the table as ``show crypto isakmp sa`` would."""
        env = runtime.lab.env
        event = env.event()
        event.callbacks.append(lambda _ev: setattr(
            self, "snapshot", _Snapshot(env.now, _sa_table(runtime, self.item.device))))
        # An already-triggered event queued by hand: Event.succeed() would use NORMAL priority.
        event._ok, event._value = True, None
        env.schedule(event, priority=_AFTER_EVERYTHING, delay=max(0.0, self.item.at - env.now))

    def feed(self, event: Any) -> None:     # pragma: no cover - subscribes to no kind
        return None

    def verdict(self, run: _Run) -> Failure | None:
        item, snap = self.item, self.snapshot
        mode = "exact table" if item.exact else "contains"
        title = f"sa {item.device} at {fmt_time(item.at)} ({mode})"
        expected = [_ROW_HEAD] + [_row_text(dict(r)) for r in item.rows]
        if item.exact and not item.rows:
            expected = ["(empty table)"]
        if snap is None and abs(item.at - run.end) < 1e-9:
            # simpy stops before the events at the end time: the table at the end is this one
            snap = _Snapshot(run.end, _sa_table(run.runtime, item.device))
        if snap is None:
            why = (f"the run ended at {fmt_time(run.end)}, before the snapshot time"
                   if item.at > run.end else "no snapshot was taken (prepare() not called)")
            return run.fail(item, title, expected, [why], item.device)
        if snap.rows is None:
            return run.fail(item, title, expected, [f"{item.device} has no ISAKMP service"],
                            item.device, snap.time)
        problem = _compare_rows(item, snap.rows)
        if problem is None:
            return None
        actual = [problem, f"table of {item.device} at {fmt_time(snap.time)}:", _ROW_HEAD]
        actual += [_row_text(r) for r in snap.rows] or ["(empty table)"]
        return run.fail(item, title, expected, actual, item.device, snap.time)


def _sa_table(runtime: Any, device: str) -> list[dict[str, Any]] | None:
    dev = runtime.devices.get(device)
    crypto = getattr(dev, "crypto", None)
    if crypto is None:
        return None
    return [{"dst": _ip(r.dst), "src": _ip(r.src), "state": r.state, "conn_id": r.conn_id,
             "deleted": r.deleted, "role": r.role, "peer": _ip(r.peer)}
            for r in crypto.engine.sa_rows()]


def _ip(value: int | str) -> str:
    return str(ipaddress.IPv4Address(value)) if isinstance(value, int) else str(value)


_ROW_HEAD = f"{'dst':<15} {'src':<15} {'state':<15} {'conn-id':>7} {'deleted':<7} {'role':<4} peer"


def _row_text(row: Mapping[str, Any]) -> str:
    def get(key: str) -> str:
        if key not in row:
            return "*"
        value = row[key]
        return ("yes" if value else "no") if key == "deleted" else str(value)
    return (f"{get('dst'):<15} {get('src'):<15} {get('state'):<15} {get('conn_id'):>7} "
            f"{get('deleted'):<7} {get('role'):<4} {get('peer')}")


def _row_matches(want: tuple[tuple[str, Any], ...], row: Mapping[str, Any]) -> str | None:
    for key, value in want:
        if row.get(key) != value:
            return f"{key}: expected {value}, got {row.get(key)}"
    return None


def _compare_rows(item: SaExpect, rows: list[dict[str, Any]]) -> str | None:
    if item.exact:
        for i, (want, row) in enumerate(zip(item.rows, rows, strict=False), start=1):
            if (diff := _row_matches(want, row)) is not None:
                return f"row {i} differs: {diff}"
        if len(rows) != len(item.rows):
            return f"expected {len(item.rows)} row(s), the table has {len(rows)}"
        return None
    free = list(rows)
    for i, want in enumerate(item.rows, start=1):
        found = next((r for r in free if _row_matches(want, r) is None), None)
        if found is None:
            return f"no row matches expected row {i}: {_row_text(dict(want)).strip()}"
        free.remove(found)
    return None


_WATCHERS: dict[str, Any] = {"phase1": Phase1Watcher, "sa": SaWatcher, "log": LogWatcher,
                             "count": CountWatcher, "ping": PingWatcher, "drop": DropWatcher}


# -- watching a run ---------------------------------------------------------------------------
class _Session:
    """The watchers of one run's expectations, fed by the run's event stream."""

    def __init__(self, expectations: Expectations) -> None:
        self.expectations = expectations
        self.watchers: list[Watcher] = [
            _WATCHERS[item.kind](item)
            for item in expectations.items]
        self.by_kind: dict[str, list[Watcher]] = {}
        for watcher in self.watchers:
            for kind in watcher.kinds:
                self.by_kind.setdefault(kind, []).append(watcher)

    def feed(self, event: Any) -> None:
        for watcher in self.by_kind.get(event.kind, ()):
            watcher.feed(event)


_SESSIONS: weakref.WeakKeyDictionary[Any, _Session] = weakref.WeakKeyDictionary()


def prepare(expectations: Expectations, runtime: Any) -> None:
    """Watch ``runtime``'s events for ``expectations`` and schedule the SA table snapshots;
    call it before ``runtime.run()``."""
    session = _Session(expectations)
    _SESSIONS[runtime] = session
    runtime.events.subscribe(session.feed)
    for watcher in session.watchers:
        if isinstance(watcher, SaWatcher):
            watcher.schedule(runtime)


class _Run:
    """The finished run, as the watchers' verdicts see it."""

    def __init__(self, file: str, result: Any, runtime: Any) -> None:
        self.file, self.result, self.runtime = file, result, runtime
        self.end = float(result.end_time)

    def fail(self, item: Expectation, title: str, expected: Iterable[str],
             actual: Iterable[str], device: str | None = None,
             time: float | None = None) -> Failure:
        return Failure(self.file, item.line, item.kind, title, tuple(expected), tuple(actual),
                       device, time)

    def has_device(self, name: str) -> bool:
        return name in self.runtime.devices

    def addresses(self, device: str) -> set[str]:
        """The device's interface addresses, in its initial and its final configuration."""
        out: set[str] = set()
        spec = self.result.scenario.devices.get(device)
        dev = self.runtime.devices.get(device)
        for config in (getattr(spec, "config", None), getattr(dev, "config", None)):
            for iface in getattr(config, "interfaces", {}).values():
                if iface.address is not None:
                    out.add(str(iface.address.ip))
        return out


def evaluate(expectations: Expectations, run_result: Any, runtime: Any) -> list[Failure]:
    """Check every expectation against the finished run; the failures in file order.

    Without :func:`prepare`, the run's kept event history is replayed (SA snapshots are then
    missing); a run that streamed its events without keeping them needs :func:`prepare`."""
    session = _SESSIONS.get(runtime)
    if session is None or session.expectations != expectations:
        session = _Session(expectations)
        log = run_result.events
        if not log.keeps_history:
            raise ValueError("the run did not keep its events: call prepare() before the run")
        for event in log.events:
            session.feed(event)
    run = _Run(expectations.file, run_result, runtime)
    return [f for w in session.watchers if (f := w.verdict(run)) is not None]


# -- convenience -----------------------------------------------------------------------------
def expectations_of(scenario: Any) -> Expectations:
    """The scenario's validated expectations (validating the raw section if needed)."""
    if isinstance(scenario.expect, Expectations):
        return scenario.expect
    devices = {name: spec.kind for name, spec in scenario.devices.items()}
    return validate_expectations(scenario.expect, file=scenario.file, devices=devices)


def check_scenario(scenario: Any, expectations: Expectations | None = None, *,
                   runtime: Any = None) -> tuple[Any, list[Failure]]:
    """Run ``scenario`` with its expectations; (RunResult, failures). ``runtime``: a
    :class:`~ikesim.scenario.runner.Runtime` built by the caller (e.g. one that streams its
    events without keeping them)."""
    from ikesim.scenario.runner import Runtime

    exp = expectations if expectations is not None else expectations_of(scenario)
    runtime = runtime if runtime is not None else Runtime(scenario)
    prepare(exp, runtime)
    result = runtime.run()
    return result, evaluate(exp, result, runtime)
