"""Keeping the events an explanation needs while a streaming run forgets the rest.

``ikesim run`` and ``ikesim explain`` stream (their event log keeps no history, so memory does
not grow with simulated time); the explanation needs the IKE, drop, ESP and link records and
the console commands — not the debug lines, which are most of a long run — and of those only
what its rules look at: the earliest occurrences (the first cause), the latest (last states,
the last ping) and how many there were. So the keeper holds, per device and kind of record
(IKE event, drop reason, ESP direction, command, each with its peer or addresses), the first
``FIRST`` and the last ``LAST`` and counts the rest: a day-long lab keeps about what an hour-long
one does. A lab short enough to stay under the bounds (every catalogue lab) keeps exactly what
an unbounded keeper would, so its explanation is unchanged. The HTML report needs everything
(``everything=True``)."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable
from typing import Any

from ikesim.net.events import EventLog, SimEvent

FIRST = 400          # earliest records kept per group
LAST = 100           # latest records kept per group


def group_of(event: SimEvent) -> Hashable:
    """What the explanation's rules tell apart: records of one group are interchangeable but
    for their time and order."""
    f = event.fields
    if event.kind == "ike":
        what: Hashable = (f.get("event"), f.get("peer"))
    elif event.kind == "drop":
        what = (f.get("reason"), f.get("src"), f.get("dst"), f.get("protocol"))
    elif event.kind == "esp":
        what = (f.get("direction"), f.get("peer"))
    elif event.kind == "console":
        what = f.get("command")
    else:
        what = tuple(sorted((k, v) for k, v in f.items() if isinstance(v, str | int)))[:4]
    return (event.device, event.kind, what)


class _Group:
    __slots__ = ("first", "last", "seen")

    def __init__(self) -> None:
        self.first: list[SimEvent] = []
        self.last: deque[SimEvent] = deque(maxlen=LAST)
        self.seen = 0


class EventKeeper:
    def __init__(self, everything: bool, *, first: int = FIRST, last: int = LAST) -> None:
        self.everything = everything
        self.first, self.last = first, last
        self._all: list[SimEvent] | None = [] if everything else None
        self._groups: dict[Hashable, _Group] = {}
        self._merged: list[SimEvent] | None = None

    @classmethod
    def attach(cls, runtime: Any, *, everything: bool = False) -> EventKeeper:
        keeper = cls(everything)
        if runtime.events.keeps_history:
            keeper._all = runtime.events.events          # the log keeps them already
        else:
            runtime.events.subscribe(keeper)
        return keeper

    @staticmethod
    def wanted(event: SimEvent) -> bool:
        return event.kind not in ("console", "config") or (
            event.kind == "console" and "command" in event.fields)

    def __call__(self, event: SimEvent) -> None:
        self._merged = None
        if self._all is not None:
            if self.everything or self.wanted(event):
                self._all.append(event)
            return
        if not self.wanted(event):
            return
        key = group_of(event)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group()
            group.last = deque(maxlen=self.last)
        group.seen += 1
        if len(group.first) < self.first:
            group.first.append(event)
        else:
            group.last.append(event)

    @property
    def events(self) -> list[SimEvent]:
        """The kept records in the order they happened."""
        if self._all is not None:
            return self._all
        if self._merged is None:
            kept = [e for g in self._groups.values() for part in (g.first, g.last) for e in part]
            kept.sort(key=lambda e: e.seq)
            self._merged = kept
        return self._merged

    @property
    def elided(self) -> Counter[str]:
        """How many records of each kind were counted but not kept."""
        out: Counter[str] = Counter()
        for (_device, kind, _what), g in self._groups.items():      # type: ignore[misc]
            dropped = g.seen - len(g.first) - len(g.last)
            if dropped:
                out[kind] += dropped
        return out

    def notes(self) -> list[str]:
        gone = self.elided
        if not gone:
            return []
        what = ", ".join(f"{n} {kind}" for kind, n in sorted(gone.items()))
        return [f"long run: {what} record(s) between the first {self.first} and the last "
                f"{self.last} of their kind were counted, not kept; counts above cover the "
                "kept ones"]


def run_kept(scenario: Any, *, until: float | None = None) -> EventKeeper:
    """Run ``scenario`` streaming (no event history, no transcript kept) and keep what an
    explanation needs."""
    from ikesim.export.transcript import Transcript
    from ikesim.scenario.runner import Runtime

    runtime = Runtime(scenario, events=EventLog(keep=False),
                      transcript=Transcript(sink=_discard))
    keeper = EventKeeper.attach(runtime)
    runtime.run(until)
    return keeper


def _discard(_block: list[str]) -> None:
    """The transcript of an explanation's run is not printed."""
