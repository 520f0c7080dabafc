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

    def unsubscribe(self, callback: Subscriber) -> None:
        self._subscribers.remove(callback)

    def emit(self, time: float, device: str, kind: str, **fields: Any) -> SimEvent:
        clash = self.RESERVED.intersection(fields)
        if clash:    # a field may not shadow the record's own keys in the JSON output
            raise ValueError(f"event field name(s) reserved: {sorted(clash)}")
        event = SimEvent(time, self.count, device, kind, fields)
        self.count += 1
        if self._history is not None:
            self._history.append(event)
        self._pending.append(event)
        if not self._delivering:
            self._deliver()
        return event

    def _deliver(self) -> None:
        self._delivering = True
        try:
            while self._pending:
                event = self._pending.popleft()
                for callback in tuple(self._subscribers):
                    callback(event)
        finally:
            self._delivering = False
            self._pending.clear()

    def of_kind(self, kind: str) -> list[SimEvent]:
        return [e for e in self.events if e.kind == kind]
