"""The simulation's structured event record (what ``ikesim run --json`` writes, one per line).

Every layer reports what happened as a :class:`SimEvent`: packets dropped (where and why), IKE
events, console output. Events are appended in simulated-time order; ``seq`` breaks ties so
that the record is a total order and a run is reproducible byte for byte.
"""

from __future__ import annotations

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


class EventLog:
    """Append-only event record with optional live subscribers (the console, expectations)."""

    def __init__(self) -> None:
        self.events: list[SimEvent] = []
        self._subscribers: list[Callable[[SimEvent], None]] = []

    def subscribe(self, callback: Callable[[SimEvent], None]) -> None:
        self._subscribers.append(callback)

    RESERVED = frozenset(("time", "seq", "device", "kind"))

    def emit(self, time: float, device: str, kind: str, **fields: Any) -> SimEvent:
        clash = self.RESERVED.intersection(fields)
        if clash:    # a field may not shadow the record's own keys in the JSON output
            raise ValueError(f"event field name(s) reserved: {sorted(clash)}")
        event = SimEvent(time, len(self.events), device, kind, fields)
        self.events.append(event)
        for callback in self._subscribers:
            callback(event)
        return event

    def of_kind(self, kind: str) -> list[SimEvent]:
        return [e for e in self.events if e.kind == kind]
