"""The simulation's structured event stream (what ``ikesim run --json`` writes, one per line).

Every layer reports what happened as a :class:`SimEvent`: packets dropped (where and why), IKE
events, console output. Events are emitted in simulated-time order; ``seq`` breaks ties so
that the record is a total order and a run is reproducible byte for byte.

:class:`EventLog` is a stream with subscribers (the console, the JSON writer, expectations):
each subscriber sees every event once, in ``seq`` order — an event emitted by a subscriber
while another event is being delivered is queued and delivered right after it. Keeping the
whole history is opt-in (``keep=True``, for labs built by hand, tests and teaching pages);
long runs stream (``keep=False``) so memory does not grow with simulated time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SimEvent:
    time: float            # simulated seconds since the start of the run
    seq: int               # position in the record (ties at equal times keep emission order)
    device: str            # hostname of the device concerned ("" for the lab itself)
    kind: str              # e.g. "drop", "link", "ike", "console", "config"
    fields: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"time": round(self.time, 6), "seq": self.seq, "device": self.device,
                "kind": self.kind, **self.fields}


Subscriber = Callable[[SimEvent], None]


class EventLog:
    """The event stream; ``events`` is the history when it is kept (``keep=True``)."""

    RESERVED = frozenset(("time", "seq", "device", "kind"))

    def __init__(self, keep: bool = True) -> None:
        self.count = 0                                  # events emitted so far (next seq)
        self._history: list[SimEvent] | None = [] if keep else None
        self._subscribers: list[Subscriber] = []
        self._snapshot: tuple[Subscriber, ...] = ()     # the subscribers as of the last change
        self._pending: deque[SimEvent] = deque()
        self._delivering = False

    @property
    def keeps_history(self) -> bool:
        return self._history is not None

    @property
    def events(self) -> list[SimEvent]:
        """Every event so far, in order (only when the log keeps its history)."""
        if self._history is None:
            raise RuntimeError("this event log streams its events without keeping them "
                               "(EventLog(keep=False)); subscribe() to see them")
        return self._history

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback`` with every event emitted from now on, in ``seq`` order."""
        self._subscribers.append(callback)
        self._snapshot = tuple(self._subscribers)

    def unsubscribe(self, callback: Subscriber) -> None:
        self._subscribers.remove(callback)
        self._snapshot = tuple(self._subscribers)

    def emit(self, time: float, device: str, kind: str, **fields: Any) -> SimEvent:
        return self.emit_record(time, device, kind, fields)

    def emit_record(self, time: float, device: str, kind: str,
                    fields: dict[str, Any]) -> SimEvent:
        """``emit`` with the fields as a dictionary the log may keep (the caller's own: it is
        not copied, so it must not be changed afterwards)."""
        if not self.RESERVED.isdisjoint(fields):
            # a field may not shadow the record's own keys in the JSON output
            clash = sorted(self.RESERVED.intersection(fields))
            raise ValueError(f"event field name(s) reserved: {clash}")
        event = SimEvent(time, self.count, device, kind, fields)
        self.count += 1
        if self._history is not None:
            self._history.append(event)
        if self._delivering:
            self._pending.append(event)      # delivered right after the current one
            return event
        self._delivering = True
        try:
            for callback in self._snapshot:
                callback(event)
            pending = self._pending
            while pending:
                queued = pending.popleft()
                for callback in self._snapshot:
                    callback(queued)
        finally:
            self._delivering = False
            if self._pending:                # only when a subscriber raised mid-queue
                self._pending.clear()
        return event

    def of_kind(self, kind: str) -> list[SimEvent]:
        return [e for e in self.events if e.kind == kind]
