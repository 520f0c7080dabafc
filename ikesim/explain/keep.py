"""Keeping the events an explanation needs while a streaming run forgets the rest.

``ikesim run`` and ``ikesim explain`` stream (their event log keeps no history, so memory does
not grow with simulated time); the explanation needs the IKE, drop, ESP and link records and
the pings — not the debug lines, which are most of a long run, nor the shows — and of those only
what its rules look at: the earliest occurrences (the first cause), the latest (last states,
the last ping) and how many there were. So the keeper drops the IKE events no rule reads
(``USED_IKE``: the debug-only ones) and the console output but for the pings, keeps everything
else of the first ``FULL_SECONDS`` of simulated time, and after that, per device and kind of
record (IKE event, drop reason, ESP direction, ping command, each with its peer or addresses),
the last ``LAST``, counting the rest (a note says so). ESP records are only counted by the
rules: the keeper keeps a few at each end and stands the others in by one record carrying their
``count``, so those figures stay exact. A day-long lab keeps about what an hour-long one does;
a lab of an hour or less (every catalogue lab) keeps exactly what the rules read from the whole
history, so its explanation is unchanged. The HTML report needs everything
(``everything=True``)."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable
from typing import Any

from ikesim.net.events import EventLog, SimEvent

FULL_SECONDS = 3600.0    # every record read of the first simulated hour is kept
LAST = 50                # after it, the latest records kept per group
ESP_KEPT = 8         # ESP records kept at each end of a group; the rest are counted
# The IKE events the rules read (ikesim/explain, ikesim/teach/facts.py ladders).
USED_IKE = frozenset((
    "aggressive_disabled", "aggressive_mode_begin", "attr_mismatch", "atts_acceptable",
    "auth_failed", "auth_method", "cert_invalid", "no_certificate", "bad_message", "check_transform",
    "delete", "dpd_dead", "duplicate", "ipsec_atts_not_acceptable", "ipsec_sa_request",
    "malformed", "no_psk", "notify_rx", "notify_tx", "phase1_complete", "policy_not_acceptable",
    "proxy_mismatch", "qm_begin", "qm_complete", "qm_delete", "qm_duplicate",
    "qm_sa_not_acceptable", "retransmit", "rx", "sa_created", "tx", "unknown_sa"))


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
    __slots__ = ("first", "last", "seen", "latest_elided")

    def __init__(self, last: int) -> None:
        self.first: list[SimEvent] = []
        self.last: deque[SimEvent] = deque(maxlen=last)
        self.seen = 0
        self.latest_elided: SimEvent | None = None

    @property
    def elided(self) -> int:
        return self.seen - len(self.first) - len(self.last)

    def kept(self) -> list[SimEvent]:
        """The kept records; for ESP one more standing in for the elided ones (``count``)."""
        out = [*self.first, *self.last]
        stand_in = self.latest_elided
        if stand_in is not None and stand_in.kind == "esp" and self.elided:
            out.append(SimEvent(stand_in.time, stand_in.seq, stand_in.device, "esp",
                                {**stand_in.fields, "count": self.elided}))
        return out


class EventKeeper:
    def __init__(self, everything: bool, *, full_seconds: float = FULL_SECONDS,
                 last: int = LAST) -> None:
        self.everything = everything
        self.full_seconds, self.last = full_seconds, last
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

    @staticmethod
    def read(event: SimEvent) -> bool:
        """Whether a rule of the explanation reads ``event`` (of the commands, the pings)."""
        if event.kind == "ike":
            return event.fields.get("event") in USED_IKE
        if event.kind == "console":
            return str(event.fields.get("command", "")).lstrip().startswith("ping")
        return event.kind != "config"

    def __call__(self, event: SimEvent) -> None:
        self._merged = None
        if self._all is not None:
            if self.everything or self.wanted(event):
                self._all.append(event)
            return
        if not self.read(event):
            return
        key = group_of(event)
        group = self._groups.get(key)
        esp = event.kind == "esp"
        if group is None:
            group = self._groups[key] = _Group(ESP_KEPT if esp else self.last)
        group.seen += 1
        if (len(group.first) < ESP_KEPT) if esp else event.time < self.full_seconds:
            group.first.append(event)
            return
        if len(group.last) == group.last.maxlen:
            group.latest_elided = group.last[0]
        group.last.append(event)

    @property
    def events(self) -> list[SimEvent]:
        """The kept records in the order they happened."""
        if self._all is not None:
            return self._all
        if self._merged is None:
            kept = [e for g in self._groups.values() for e in g.kept()]
            kept.sort(key=lambda e: (e.seq, "count" in e.fields))
            self._merged = kept
        return self._merged

    @property
    def elided(self) -> Counter[str]:
        """How many records of each kind were counted but not kept."""
        out: Counter[str] = Counter()
        for (_device, kind, _what), g in self._groups.items():      # type: ignore[misc]
            if g.elided and kind != "esp":         # ESP stays exact (counted stand-ins)
                out[kind] += g.elided
        return out

    def notes(self) -> list[str]:
        gone = self.elided
        if not gone:
            return []
        what = ", ".join(f"{n} {kind}" for kind, n in sorted(gone.items()))
        return [f"long run: after the first {self.full_seconds:g} s, {what} record(s) before "
                f"the last {self.last} of their kind were counted, not kept: the message "
                "counts above cover the kept ones"]


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
