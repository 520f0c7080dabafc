"""Expectations on what a console printed: ``log`` (lines matching a pattern) and ``ping``
(IOS's ping summary), checked as the console events stream by (see
:mod:`ikesim.scenario.expect_watch`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ikesim.scenario.expect_model import PING_MARKS, Failure, LogExpect, PingExpect, fmt_time
from ikesim.scenario.expect_watch import EXAMPLES, Verdicts

_SUCCESS = re.compile(r"^Success rate is (\d+) percent \((\d+)/(\d+)\)")
_SENDING = re.compile(r"^Sending (\d+), \d+-byte ICMP Echos to (\S+),")


# -- console lines -----------------------------------------------------------------------------
def console_lines(e: Any) -> list[str]:
    """The lines a console event shows: the command with its prompt and output, or the
    asynchronous lines."""
    if "command" in e.fields:
        return [f"{e.device}#{e.fields['command']}", *e.fields.get("output", [])]
    return list(e.fields.get("lines", []))


class LogWatcher:
    kinds = ("console",)

    def __init__(self, item: LogExpect) -> None:
        self.item = item
        self.pattern = re.compile(item.match)
        self.inside: list[tuple[float, str]] = []       # the first EXAMPLES + 1 hits inside
        self.inside_count = self.outside_count = self.seen_count = 0
        self.first_outside: tuple[float, str] | None = None
        self.seen: list[tuple[float, str]] = []         # the first lines in the window

    def feed(self, e: Any) -> None:
        if e.device != self.item.device:
            return
        window = self.item.window
        in_window = window is None or e.time in window
        for line in console_lines(e):
            if in_window:
                self.seen_count += 1
                if len(self.seen) < EXAMPLES:
                    self.seen.append((e.time, line))
            if not self.pattern.search(line):
                continue
            if in_window:
                self.inside_count += 1
                if len(self.inside) < EXAMPLES:
                    self.inside.append((e.time, line))
            else:
                self.outside_count += 1
                if self.first_outside is None:
                    self.first_outside = (e.time, line)

    def verdict(self, run: Verdicts) -> Failure | None:
        item = self.item
        if item.bounds.ok(self.inside_count):
            return None
        where = f" {item.window.describe()}" if item.window else ""
        want = "no line" if item.absent else f"{item.bounds.describe()} line(s)"
        title = f"log {item.device} /{item.match}/" + (" absent" if item.absent else "")
        expected = [f"{want} matching /{item.match}/ on {item.device}'s console{where}"]
        actual = [f"{self.inside_count} matching line(s){where}"]
        actual += [f"{fmt_time(t)} {s}" for t, s in self.inside[:EXAMPLES]]
        if self.inside_count > EXAMPLES:
            actual.append(f"... {self.inside_count - EXAMPLES} more")
        if self.first_outside is not None:
            t, s = self.first_outside
            actual.append(f"{self.outside_count} matching line(s) outside the window, first at "
                          f"{fmt_time(t)}: {s}")
        elif not self.inside_count:
            actual.append(f"{item.device} printed {self.seen_count} line(s){where}" +
                          (", the first ones:" if self.seen_count else ""))
            actual += [f"{fmt_time(t)} {s}" for t, s in self.seen]
        time = self.inside[0][0] if self.inside else None
        return run.fail(item, title, expected, actual, item.device, time)


# -- pings ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class PingRun:
    """One ping as its console output shows it (IOS's own summary lines)."""

    started: float
    target: str
    sent: int
    received: int
    percent: int
    marks: str
    lines: list[str] = field(default_factory=list)


def ping_of(e: Any) -> PingRun | None:
    """The ping a console event shows, or None when it is not a finished ping."""
    if "output" not in e.fields:
        return None
    lines = list(e.fields["output"])
    summary = next((m for s in lines if (m := _SUCCESS.match(s))), None)
    sending = next((m for s in lines if (m := _SENDING.match(s))), None)
    if summary is None or sending is None:
        return None
    marks = "".join(s for s in lines if PING_MARKS.match(s))
    return PingRun(float(e.fields.get("started", e.time)), sending.group(2),
                   int(summary.group(3)), int(summary.group(2)), int(summary.group(1)), marks,
                   [f"{e.device}#{e.fields.get('command', 'ping')}"] + lines)


class PingWatcher:
    kinds = ("console",)

    def __init__(self, item: PingExpect) -> None:
        self.item = item
        self.seen = False
        self.failed: tuple[str, PingRun] | None = None     # the first ping that disagrees

    def feed(self, e: Any) -> None:
        item = self.item
        if e.device != item.device or (p := ping_of(e)) is None:
            return
        if (item.to is not None and p.target != item.to) or \
                (item.at is not None and abs(p.started - item.at) >= 1e-6):
            return
        self.seen = True
        if self.failed is None and (problem := _ping_problem(item, p)):
            self.failed = (problem, p)

    def verdict(self, run: Verdicts) -> Failure | None:
        item = self.item
        title = f"ping from {item.device}" + (f" to {item.to}" if item.to else "") + \
            (f" started at {fmt_time(item.at)}" if item.at is not None else "")
        expected = [_ping_want(item)]
        if not self.seen:
            return run.fail(item, title, expected, ["no such ping in the run"], item.device)
        if self.failed is None:
            return None
        problem, p = self.failed
        actual = [problem, f"ping started at {fmt_time(p.started)}:"] + p.lines
        return run.fail(item, title, expected, actual, item.device, p.started)


def _ping_want(item: PingExpect) -> str:
    parts = []
    if item.success is not None:
        parts.append(f"{item.success} replies" + (f" of {item.of}" if item.of else ""))
    elif item.of is not None:
        parts.append(f"{item.of} echoes sent")
    if item.rate is not None:
        parts.append(f"success rate {item.rate} percent")
    if item.marks is not None:
        parts.append(f"marks {item.marks}")
    if item.marks_match is not None:
        parts.append(f"marks matching /{item.marks_match}/")
    return ", ".join(parts)


def _ping_problem(item: PingExpect, p: PingRun) -> str | None:
    if item.of is not None and p.sent != item.of:
        return f"{p.sent} echoes sent, not {item.of}"
    if item.success is not None and p.received != item.success:
        return f"{p.received} replies of {p.sent}, not {item.success}"
    if item.rate is not None and p.percent != item.rate:
        return f"success rate {p.percent} percent, not {item.rate}"
    if item.marks is not None and p.marks != item.marks:
        return f"marks {p.marks}, not {item.marks}"
    if item.marks_match is not None and not re.fullmatch(item.marks_match, p.marks):
        return f"marks {p.marks} do not match /{item.marks_match}/"
    return None
