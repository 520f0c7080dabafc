"""Checking expectations while the run streams its events: one watcher per expectation keeps
only what its verdict (and its failure report) needs — counts, the first few examples, the
first failing ping — so memory does not grow with the length of the run.

A watcher ``feed``s on the events of the kinds it names and gives its ``verdict`` at the end
(:class:`Verdicts` knows the lab: device addresses, the end time). Events arrive in ``seq``
order (:class:`ikesim.net.events.EventLog` delivers them so).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ikesim.export.events_json import comparable
from ikesim.scenario.expect_model import (
    PROTOCOLS,
    CountExpect,
    DropExpect,
    Expectation,
    Failure,
    Phase1Expect,
    fmt_time,
)

EXAMPLES = 5          # matching events quoted in a failure
EVIDENCE = 3          # events quoted as evidence of a phase-1 failure reason


class Verdicts(Protocol):
    """What a watcher needs from the finished run to give its verdict."""

    end: float

    def fail(self, item: Expectation, title: str, expected: Iterable[str],
             actual: Iterable[str], device: str | None = None,
             time: float | None = None) -> Failure: ...

    def has_device(self, name: str) -> bool: ...

    def addresses(self, device: str) -> set[str]: ...


class Watcher(Protocol):
    kinds: tuple[str, ...]          # the event kinds fed to this watcher

    def feed(self, event: Any) -> None: ...

    def verdict(self, run: Verdicts) -> Failure | None: ...


def where_matches(fields: Mapping[str, Any], where: tuple[tuple[str, str], ...]) -> bool:
    """``count``'s ``where:``: every named field has the given value (compared as text;
    addresses as dotted quads, whether the event holds an integer or a string)."""
    return all(comparable(k, fields.get(k)) == comparable(k, v) for k, v in where)


def fields_text(fields: Mapping[str, Any]) -> str:
    skip = {"event", "conn_id", "sa", "icookie", "rcookie"}
    return " ".join(f"{k}={v}" for k, v in fields.items()
                    if k not in skip and not isinstance(v, bytes | list | dict))


# -- phase 1 ---------------------------------------------------------------------------------
# Root causes of a failed phase 1, in the order of expect_model.REASONS (the first that applies).
_REASON_TESTS: tuple[tuple[str, Any], ...] = (
    ("no-psk", lambda f: f.get("event") == "no_psk"),
    ("no-proposal-chosen", lambda f: f.get("event") == "policy_not_acceptable"
     or (f.get("event") in ("notify_tx", "notify_rx")
         and f.get("notify_type") == "NO_PROPOSAL_CHOSEN")),
    ("auth-failed", lambda f: f.get("event") == "auth_failed"),
    ("bad-message", lambda f: f.get("event") in ("bad_message", "malformed")),
    ("death-by-retransmission", lambda f: f.get("event") == "delete"
     and "retransmission" in str(f.get("reason", ""))),
)
_STATE_EVENTS = ("tx", "rx", "delete", "retransmit")


@dataclass(slots=True)
class _Side:
    """What one router logged about IKE with one peer address (or with none named)."""

    complete: tuple[int, float, Any, Any] | None = None     # seq, time, role, conn_id
    evidence: dict[str, list[tuple[float, int, str]]] = field(default_factory=dict)
    created: bool = False
    last_state: tuple[int, str] | None = None


class Phase1Watcher:
    kinds = ("ike",)

    def __init__(self, item: Phase1Expect) -> None:
        self.item = item
        self.sides: dict[tuple[str, str | None], _Side] = {}

    def feed(self, e: Any) -> None:
        item = self.item
        if e.device not in item.between or (item.by is not None and e.time > item.by + 1e-9):
            return
        f = e.fields
        key = (e.device, str(f["peer"]) if "peer" in f else None)
        side = self.sides.get(key)
        if side is None:
            side = self.sides[key] = _Side()
        event = f.get("event")
        if event == "phase1_complete" and side.complete is None:
            side.complete = (e.seq, e.time, f.get("role"), f.get("conn_id"))
        if event == "sa_created":
            side.created = True
        if "state" in f and event in _STATE_EVENTS:
            side.last_state = (e.seq, str(f["state"]))
        for reason, test in _REASON_TESTS:
            found = side.evidence.setdefault(reason, [])
            if len(found) < EVIDENCE and test(f):
                found.append((e.time, e.seq, f"evidence: {fmt_time(e.time)} {e.device} "
                                             f"{event} {fields_text(f)}".rstrip()))

    def _sides(self, device: str, peers: set[str]) -> list[_Side]:
        return [s for (d, peer), s in self.sides.items()
                if d == device and (peer is None or peer in peers)]

    def verdict(self, run: Verdicts) -> Failure | None:
        item = self.item
        a, b = item.between
        title = f"phase1 between {a} and {b}: {item.outcome}" + \
            (f" ({item.reason})" if item.reason else "") + \
            (f" by {fmt_time(item.by)}" if item.by is not None else "")
        missing = [n for n in (a, b) if not run.has_device(n)]
        if missing:
            return run.fail(item, title, [title], [f"no device named {missing[0]}"])
        sides = {a: self._sides(a, run.addresses(b)), b: self._sides(b, run.addresses(a))}
        done = {n: min((s.complete for s in ss if s.complete), default=None)
                for n, ss in sides.items()}
        reason, evidence = _failure_reason([s for ss in sides.values() for s in ss])
        outcome = "established" if all(done.values()) else "failed"
        if outcome == item.outcome and (item.reason is None or outcome == "established"
                                        or reason == item.reason):
            return None
        actual = [f"outcome: {outcome}" + (f" ({reason})" if outcome == "failed" else "")]
        for name, complete in done.items():
            other = b if name == a else a
            if complete is not None:
                _, time, role, conn_id = complete
                actual.append(f"{name}: phase 1 with {other} complete at {fmt_time(time)} "
                              f"(role {role}, conn-id {conn_id})")
            else:
                last = max((s.last_state for s in sides[name] if s.last_state), default=None)
                actual.append(f"{name}: no completed phase 1 with {other}" +
                              (f" (last state {last[1]})" if last else " (no SA at all)"))
        actual += evidence
        time = done[a][1] if done[a] else None
        return run.fail(item, title, [title.removeprefix("phase1 ")], actual, time=time)


def _failure_reason(sides: list[_Side]) -> tuple[str, list[str]]:
    """The root cause of a failed phase 1 (see REASONS) and the events that show it."""
    for reason, _ in _REASON_TESTS:
        found = sorted(ev for s in sides for ev in s.evidence.get(reason, ()))
        if found:
            return reason, [text for _, _, text in found[:EVIDENCE]]
    if not any(s.created for s in sides):
        return "not-attempted", ["evidence: no ISAKMP SA was created on either router"]
    return "incomplete", ["evidence: main mode was still in progress or was cleared"]


# -- counts of IKE events ----------------------------------------------------------------------
class CountWatcher:
    kinds = ("ike",)

    def __init__(self, item: CountExpect) -> None:
        self.item = item
        self.count = 0
        self.examples: list[str] = []

    def feed(self, e: Any) -> None:
        item = self.item
        if e.fields.get("event") != item.event \
                or (item.device is not None and e.device != item.device) \
                or (item.window is not None and e.time not in item.window) \
                or not where_matches(e.fields, item.where):
            return
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"{fmt_time(e.time)} {e.device} conn-id "
                                 f"{e.fields.get('conn_id')} {fields_text(e.fields)}")

    def verdict(self, run: Verdicts) -> Failure | None:
        item = self.item
        if item.bounds.ok(self.count):
            return None
        who = item.device or "all routers"
        cond = "".join(f", {k}={v!r}" for k, v in item.where)
        where = f" {item.window.describe()}" if item.window else ""
        actual = [f"{self.count} '{item.event}' event(s){cond}{where}", *self.examples]
        if self.count > EXAMPLES:
            actual.append(f"... {self.count - EXAMPLES} more")
        return run.fail(item, f"count {item.event} on {who}",
                        [f"{item.bounds.describe()} '{item.event}' event(s) on {who}{cond}"
                         f"{where}"], actual, item.device)


# -- drops ---------------------------------------------------------------------------------------
class DropWatcher:
    kinds = ("drop",)

    def __init__(self, item: DropExpect) -> None:
        self.item = item
        self.by_reason: Counter[tuple[str, Any]] = Counter()
        self.count = 0
        self.examples: list[str] = []
        self.first_time: float | None = None

    def feed(self, e: Any) -> None:
        item, f = self.item, e.fields
        if (item.device is not None and e.device != item.device) or \
                (item.window is not None and e.time not in item.window):
            return
        self.by_reason[(e.device, f.get("reason"))] += 1
        if (item.reason is None or f.get("reason") == item.reason) \
                and (item.interface is None or f.get("interface") == item.interface) \
                and (item.protocol is None or f.get("protocol") == item.protocol) \
                and (item.src is None or f.get("src") == item.src) \
                and (item.dst is None or f.get("dst") == item.dst):
            self.count += 1
            if self.first_time is None:
                self.first_time = e.time
            if len(self.examples) < EXAMPLES:
                self.examples.append(_drop_text(e))

    def verdict(self, run: Verdicts) -> Failure | None:
        item = self.item
        if item.bounds.ok(self.count):
            return None
        proto = {n: p for p, n in PROTOCOLS.items()}.get(item.protocol, item.protocol)
        what = ", ".join(f"{k} {v}" for k, v in (
            ("reason", item.reason), ("interface", item.interface), ("protocol", proto),
            ("src", item.src), ("dst", item.dst)) if v is not None) or "any"
        who = item.device or "any device"
        where = f" {item.window.describe()}" if item.window else ""
        actual = [f"{self.count} matching drop(s) on {who}{where}", *self.examples]
        if self.count > EXAMPLES:
            actual.append(f"... {self.count - EXAMPLES} more")
        if self.by_reason:
            actual.append("all drops there: " + ", ".join(
                f"{d} {r} x{n}" for (d, r), n in sorted(self.by_reason.items(), key=str)))
        return run.fail(item, f"drop on {who} ({what})",
                        [f"{item.bounds.describe()} drop(s) on {who}: {what}{where}"], actual,
                        item.device, self.first_time)


def _drop_text(e: Any) -> str:
    f = e.fields
    names = {n: p for p, n in PROTOCOLS.items()}
    what = f.get("summary") or (f"{names.get(f.get('protocol'), f.get('protocol'))!s}".upper()
                                + f" {f.get('src')} > {f.get('dst')}")
    where = f" on {f['interface']}" if f.get("interface") else ""
    return f"{fmt_time(e.time)} {e.device} {f.get('reason')}{where}: {what}"
